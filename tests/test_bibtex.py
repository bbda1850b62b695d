"""BibTeX in (`sitegen import refs.bib`) and out (entries, papers.bib, per-tag .bib)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO, paper_text, run_sitegen
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.config import load_config
from sitegen.content.models import Paper, Tag
from sitegen.content.papers import load_papers
from sitegen.content.tex import tex_to_text, text_to_tex
from sitegen.importers.bibtex import parse_bibtex
from sitegen.importers.merge import ImportReport, format_report, run_import
from sitegen.render.bibtex import (
    bib_files,
    bibliography,
    clash_groups,
    entry_key,
    entry_key_among,
    entry_keys,
    paper_bibtex,
)

TODAY = dt.date(2025, 7, 1)
BERT_TITLE = "BERT and the Müller École: a Study of 50% \u2013 of it"  # `--` is an en dash
# Line numbers matter: the skip reasons name them.
REFS = r"""% Exported from a reference manager
@string{neurips = "Advances in Neural Information Processing Systems"}

@article{muller2020,
  title = {{BERT} and the M{\"u}ller {\'E}cole:
           a {S}tudy of 50\% -- of it},
  author = {M{\"u}ller, J{\"o}rg and Anna van der Berg and de la Fontaine, Jean and others},
  year = 2020,
  month = mar,
  journal = {Journal of Things},
  doi = {10.1000/ABC.123},
  keywords = {deep learning; Contrastive Learning},
  abstract = {We use $\alpha$-weighted losses. Gains of 5\% over
    strong {B}aselines on ten tasks.}
}

@inproceedings{smith2021,
  title = "Second paper on images",
  author = "Smith, Jr., John and Ng, Andrew Y.",
  booktitle = neurips,
  year = {2021},
  month = {September},
  eprint = {2101.00001v2},
  archivePrefix = {arXiv}
}

@misc{broken,
  title = {Unclosed,
  year = 2020
}

@article{badyear,
  title = {A paper with a bad year},
  year = {20x1}
}

@misc{scholar,
  title = {A preprint found by Google Scholar},
  journal = {arXiv preprint arXiv:2402.05678},
  url = {https://arxiv.org/abs/2402.05678},
  month = 7
}

@misc{notitle, author = {Doe, Jane}, year = 2019}
@misc{again, title = {Second Paper on Images!}}
"""


@pytest.fixture
def site(make_site: Callable[..., Path]) -> Path:
    return make_site()


def write_bib(folder: Path, text: str = REFS, name: str = "refs.bib") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def import_files(site: Path, *files: Path) -> ImportReport:
    return run_import(load_config(site), list(files), None, TODAY)


def papers_by_title(site: Path) -> dict[str, Paper]:
    papers, _warnings = load_papers(site / "content" / "papers")
    return {paper.title: paper for paper in papers}


def site_bytes(site: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((site / "content" / "papers").glob("*.md"))}


# --- parsing -------------------------------------------------------------------------------------


def test_realistic_bib_is_decoded_field_by_field() -> None:
    entries, skipped, notes = parse_bibtex(Path("refs.bib"), REFS, TODAY)
    first, second, badyear, scholar, again = entries
    assert first.paper.title == BERT_TITLE
    assert first.paper.authors == ("Jörg Müller", "Anna van der Berg", "Jean de la Fontaine")
    assert (first.paper.year, first.month, first.line, first.key) == (2020, 3, 4, "muller2020")
    assert first.paper.venue == "Journal of Things"
    assert first.paper.doi == "10.1000/ABC.123"
    assert first.paper.tags == ("deep learning", "Contrastive Learning")
    assert first.paper.abstract == (
        "We use $\\alpha$-weighted losses. Gains of 5% over strong Baselines on ten tasks."
    )
    assert first.paper.date == TODAY  # the day it joined the reading list
    assert second.paper.authors == ("John Smith Jr.", "Andrew Y. Ng")
    assert second.paper.venue == "Advances in Neural Information Processing Systems"
    assert (second.paper.arxiv, second.month) == ("2101.00001v2", 9)
    assert (scholar.paper.arxiv, scholar.month) == ("2402.05678", 7)
    assert scholar.paper.url == "https://arxiv.org/abs/2402.05678"
    assert again.line == 45
    assert (badyear.paper.title, badyear.paper.year) == ("A paper with a bad year", None)
    assert [str(problem) for problem in skipped] == [
        "refs.bib:27: not a valid BibTeX entry (Unexpected block start: `@article`. Was still "
        "looking for field-value closing `,` or `}`): entry skipped",
        "refs.bib:44: entry `notitle`: no `title`: every paper needs one: entry skipped",
    ]
    assert [str(problem) for problem in notes] == [
        "refs.bib:34: field `year` of entry `badyear` ignored: '20x1' is not a four-digit year"
    ]


def test_bad_optional_fields_are_left_out_with_a_reason_and_the_entry_kept() -> None:
    text = (
        "@misc{a, title = {A}, url = {https://arxiv.org/pdf/2403.00007v3.pdf}}\n"
        "@misc{b, title = {B},\n  doi = {not-a-doi}}\n"
        "@misc{c, title = {C},\n\n  url = {ftp://x}}\n"
        "@misc{d, title = {D}, doi = {https://doi.org/10.1145/3.4}, eprint = {x}}\n"
        "@misc{e, title = {E}, author = {Doe, Jane, Jr., Extra}}\n"
    )
    entries, skipped, notes = parse_bibtex(Path("x.bib"), text, TODAY)
    assert [(e.key, e.paper.arxiv, e.paper.doi, e.paper.url) for e in entries] == [
        ("a", "2403.00007v3", None, "https://arxiv.org/pdf/2403.00007v3.pdf"),
        ("b", None, None, None),
        ("c", None, None, None),
        ("d", None, "10.1145/3.4", None),
        ("e", None, None, None),
    ]
    assert skipped == []
    assert [str(p) for p in notes] == [
        "x.bib:3: field `doi` of entry `b` ignored: 'not-a-doi' is not a DOI (10.NNNN/...)",
        "x.bib:6: field `url` of entry `c` ignored: 'ftp://x' is not a web address starting "
        "http:// or https://",
        "x.bib:8: field `author` of entry `e` ignored: 'Doe, Jane, Jr., Extra' is not a name: "
        "write `Last, First` or `First Last`",
    ]


# --- importing into a site -----------------------------------------------------------------------


def test_import_writes_new_papers_with_keywords_and_topic_tags(site: Path, tmp_path: Path) -> None:
    bib = write_bib(tmp_path)
    report = import_files(site, bib)
    assert [p.slug for p in report.new] == [
        "bert-and-the-muller-ecole-a-study-of-50-of-it",
        "second-paper-on-images",
        "a-paper-with-a-bad-year",
        "a-preprint-found-by-google-scholar",
    ]
    assert len(report.skipped) == 3
    assert f"{bib}:45: entry `again`: same paper as line 17: entry skipped" in map(
        str, report.skipped
    )
    papers = papers_by_title(site)
    bert = papers[BERT_TITLE]
    assert bert.tags == ("deep learning", "Contrastive Learning")  # no second "contrastive"
    assert papers["Second paper on images"].tags == ("vision",)
    assert (bert.date, bert.status, bert.year, bert.doi) == (
        TODAY,
        "to-read",
        2020,
        "10.1000/ABC.123",
    )
    assert [(s.file, s.kind, s.listed, s.imported) for s in bert.sources] == [
        ("refs.bib", "bibtex", None, TODAY)
    ]
    assert "&id" not in (site / "content" / "papers" / f"{bert.slug}.md").read_text("utf-8")


def existing_site(make_site: Callable[..., Path]) -> Path:
    """Three papers the user has edited, one per way of being found again."""
    by_arxiv = paper_text(
        "Second paper on images (the user's title)",
        tags=("my tag",),
        abstract="The user's abstract.",
        notes="My notes.",
        arxiv="2101.00001",
        status="reading",
        rating="5",
    ).replace("status:", "# a comment the user wrote\nstatus:")
    by_doi = paper_text("Renamed by the user", doi="10.1000/abc.123", abstract="Kept.")
    by_title = paper_text("A Preprint Found By Google Scholar", abstract="", notes="Read it.")
    return make_site(papers={"mine": by_arxiv, "doi": by_doi, "title": by_title})


def test_existing_papers_found_by_arxiv_doi_and_title_keep_user_edits(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    site = existing_site(make_site)
    before = site_bytes(site)
    report = import_files(site, write_bib(tmp_path))
    assert [p.slug for p in report.new] == ["a-paper-with-a-bad-year"]
    assert {p.slug: p.fields_added for p in report.present} == {
        "doi": ("authors", "year", "venue"),
        "mine": ("authors", "year", "venue"),
        "title": ("url", "arxiv", "venue"),
    }
    assert format_report(report).splitlines()[0] == (
        "1 new, 3 already present (3 got a new source entry; 3 got missing fields filled in), "
        "3 skipped"
    )
    papers = {p.slug: p for p in load_papers(site / "content" / "papers")[0]}
    mine = papers["mine"]
    assert mine.title == "Second paper on images (the user's title)"
    assert (mine.arxiv, mine.tags, mine.status, mine.notes) == (
        "2101.00001",
        ("my tag",),
        "reading",
        "My notes.",
    )
    assert mine.extra == {"rating": "5"}
    assert mine.authors == ("John Smith Jr.", "Andrew Y. Ng")
    assert (mine.year, mine.venue) == (2021, "Advances in Neural Information Processing Systems")
    # Only keys were added: every line the user wrote is still there, in order.
    old_lines = before["mine.md"].decode().splitlines()
    new_lines = (site / "content" / "papers" / "mine.md").read_text("utf-8").splitlines()
    assert [line for line in new_lines if line in old_lines] == old_lines
    assert papers["doi"].title == "Renamed by the user"
    assert papers["doi"].abstract == "Kept."
    assert papers["doi"].doi == "10.1000/abc.123"


def test_empty_abstract_is_filled_and_full_rewrite_keeps_notes(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    site = existing_site(make_site)
    bib = write_bib(
        tmp_path,
        "@misc{s, title = {A preprint found by Google Scholar},\n"
        "  abstract = {Now with an abstract.}, keywords = {new tag}}\n",
    )
    import_files(site, bib)
    paper = papers_by_title(site)["A Preprint Found By Google Scholar"]
    assert (paper.abstract, paper.notes, paper.tags) == ("Now with an abstract.", "Read it.", ())


def test_reimport_changes_nothing(make_site: Callable[..., Path], tmp_path: Path) -> None:
    site = existing_site(make_site)
    bib = write_bib(tmp_path)
    import_files(site, bib)
    after_first = site_bytes(site)
    report = import_files(site, bib)
    assert site_bytes(site) == after_first
    assert report.new == ()
    assert all(p.sources_added == 0 and p.fields_added == () for p in report.present)
    assert format_report(report).splitlines()[0] == "0 new, 4 already present, 3 skipped"


def test_dump_and_bib_listing_one_paper_make_one_paper(site: Path, tmp_path: Path) -> None:
    abstract = "We show a thing about images. It works well on every benchmark we tried."
    dump = tmp_path / "daily.txt"
    dump.write_text(f"Daily Papers\n\nMar 17\n\nSecond Paper on Images\n\n{abstract}\n", "utf-8")
    report = run_import(load_config(site), [dump, write_bib(tmp_path)], 2025, TODAY)
    assert len(report.new) == 4
    paper = papers_by_title(site)["Second Paper on Images"]
    assert [s.kind for s in paper.sources] == ["daily-papers", "bibtex"]
    assert (paper.abstract, paper.arxiv, paper.date) == (
        abstract,
        "2101.00001v2",
        dt.date(2025, 3, 17),
    )


def test_cli_imports_a_bib_and_prints_the_summary(site: Path, tmp_path: Path) -> None:
    bib = write_bib(tmp_path)
    done = run_sitegen("import", bib, "--site", site)
    assert done.code == 0, done.err
    lines = done.out.splitlines()
    assert lines[0] == "4 new, 0 already present, 3 skipped"
    assert (
        f"  {bib}:34: field `year` of entry `badyear` ignored: '20x1' is not a four-digit year"
        in lines
    )
    assert done.err == ""  # bibtexparser's own logging is not shown
    again = run_sitegen("import", bib, "--site", site)
    assert again.out.splitlines()[0] == "0 new, 4 already present, 3 skipped"


# --- export --------------------------------------------------------------------------------------

HAND_MADE = [
    Paper(
        slug="muller",
        title="{BERT} and Müller's École: 50% -- of it, $\\alpha$ & #1 ~ ^_^",
        date=dt.date(2024, 5, 2),
        abstract=(
            "Uses $\\alpha$-weighted losses, ``quotes'' and T\\\"ulu.\n\nA 2nd paragraph: 中文 🚀."
        ),
        tags=("deep learning", "vision"),
        authors=("Jörg Müller", "Anna van der Berg", "Procter and Gamble", "Łukasz Kaiser"),
        url="https://example.org/a_b%20c?d=1&e#f",
        arxiv="2101.00001v2",
        doi="10.1000/ABC_1",
        year=2020,
        venue="Advances in Neural Information Processing Systems",
    ),
    Paper(
        slug="journal",
        title="On the Journal Paper",
        date=dt.date(2024, 1, 1),
        abstract="",
        authors=("Jane Doe",),
        year=2019,
        venue="Journal of Machine Learning Research",
    ),
    Paper(slug="bare", title="A bare title", date=dt.date(2023, 1, 1), abstract="Short."),
]


def test_entry_types_and_fields() -> None:
    entries = [paper_bibtex(p, k) for p, k in zip(HAND_MADE, ("k1", "k2", "k3"), strict=True)]
    assert entries[0].startswith("@inproceedings{k1,\n  title = {{")
    assert "  eprint = {2101.00001v2},\n  archivePrefix = {arXiv}," in entries[0]
    assert "{Procter and Gamble}" in entries[0]
    assert entries[1].startswith("@article{k2,")
    assert "  journal = {Journal of Machine Learning Research}\n" in entries[1]
    assert entries[2] == "@misc{k3,\n  title = {{A bare title}},\n  abstract = {Short.}\n}\n"


def test_entry_keys_are_readable_unique_and_stable() -> None:
    twin = Paper(
        slug="twin",
        title="The BERT paper again",
        date=dt.date(2025, 1, 1),
        abstract="",
        authors=("J. Müller",),
        year=2020,
    )
    keys = entry_keys([twin, *HAND_MADE])
    assert keys == {
        "bare": "bare2023",  # no author: the title word, then the year
        "journal": "doe2019journal",
        "muller": "muller2020bert",
        "twin": "muller2020berta",  # the newer paper gets the suffix
    }
    used: set[str] = set()
    assert [entry_key(HAND_MADE[2], used) for _ in range(3)] == [
        "bare2023",
        "bare2023a",
        "bare2023b",
    ]


# Titles whose keys clash, or whose keys with a clash letter are another's key
# (`muller2020bert` + `a` = `muller2020berta`), with authors whose keys differ in case alone.
CLASHING_TITLES = ("BERT", "Berta", "bertab", "BERT 2", "Bert2a", "The bert", "Bertb")
CLASHING_AUTHORS = ("J. Müller", "MULLER, Anna", "", "Bert")
clashing_papers = st.lists(
    st.tuples(
        st.sampled_from(CLASHING_TITLES),
        st.sampled_from(CLASHING_AUTHORS),
        st.sampled_from((2020, 2021)),
        st.integers(1, 4),
    ),
    max_size=24,
)


@settings(max_examples=300, deadline=None)
@given(clashing_papers)
def test_a_papers_key_needs_only_the_papers_its_key_may_clash_with(
    drawn: list[tuple[str, str, int, int]],
) -> None:
    papers = [
        Paper(
            slug=f"p{number}",
            title=title,
            date=dt.date(2025, 1, day),
            abstract="",
            authors=(author,) if author else (),
            year=year,
        )
        for number, (title, author, year, day) in enumerate(drawn)
    ]
    keys = entry_keys(papers)
    groups = clash_groups(papers)
    assert {p.slug: entry_key_among(p, groups) for p in papers} == keys


def test_bib_files_for_the_site_and_each_tag() -> None:
    tag = Tag("vision", "vision", (HAND_MADE[0],))
    files = bib_files(HAND_MADE, [tag])
    assert set(files) == {"papers.bib", "tags/vision.bib"}
    site_bib = files["papers.bib"].decode("utf-8")
    assert site_bib.count("\n@") + site_bib.startswith("@") == 3
    assert files["tags/vision.bib"].decode("utf-8") == paper_bibtex(HAND_MADE[0], "muller2020bert")


def test_round_trip_every_repo_paper_and_hand_made_ones(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    repo_papers, _warnings = load_papers(REPO / "content" / "papers")
    originals = [*repo_papers, *HAND_MADE]
    bib = write_bib(tmp_path, bibliography(originals), "papers.bib")
    site = make_site(name="empty")
    report = import_files(site, bib)
    assert (len(report.new), report.skipped) == (len(originals), ())
    imported = papers_by_title(site)

    def fields(paper: Paper) -> tuple[object, ...]:
        return (
            paper.title,
            paper.authors,
            paper.year,
            paper.doi,
            paper.arxiv,
            paper.abstract,
            paper.url,
            paper.venue,
        )

    assert {p.title: fields(p) for p in originals} == {
        title: fields(p) for title, p in imported.items()
    }
    assert import_files(site, bib).new == ()


@settings(max_examples=500, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\\{}$%-'`")))
def test_tex_encoding_reads_back_as_the_same_text(text: str) -> None:
    text = unicodedata.normalize("NFC", text)
    assert tex_to_text(text_to_tex(text)) == text
