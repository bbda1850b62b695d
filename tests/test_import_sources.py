"""`sitegen import` on files shaped like real reference-manager exports (issue 12).

Each test imports through the command line and reads the content files back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import paper_text, run_sitegen

from sitegen.content.models import Paper
from sitegen.content.papers import load_papers


@pytest.fixture
def site(make_site: Callable[..., Path]) -> Path:
    return make_site()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def papers(site: Path) -> dict[str, Paper]:
    return {p.slug: p for p in load_papers(site / "content" / "papers")[0]}


def imported(site: Path, *files: Path | str) -> list[str]:
    done = run_sitegen("import", *files, "--site", site)
    assert "Traceback" not in done.err
    return done.out.splitlines()


def test_huge_input_files_are_refused_by_name(site: Path, tmp_path: Path) -> None:
    done = run_sitegen("import", "/dev/zero", "--site", site)
    assert done.code == 1
    assert "  /dev/zero: is larger than 50 MB: not read (is it the right file?)" in done.out
    assert "Traceback" not in done.err
    huge = site / "content" / "papers" / "huge.md"
    with huge.open("wb") as stream:
        stream.truncate(51 * 1024 * 1024)  # sparse: nothing is really written
    done = run_sitegen("build", "--site", site)
    assert done.code == 1
    assert f"{huge}: is larger than 50 MB: not read (is it the right file?)" in done.err
    assert "Traceback" not in done.err


# JabRef keeps TeX as typed; the logos are commands without arguments.
JABREF = r"""% Encoding: UTF-8

@Book{knuth1986,
  author    = {Knuth, Donald E.},
  title     = {{\TeX}: The Program},
  year      = {1986},
}

@Book{knuth1984,
  author    = {Knuth, Donald E.},
  title     = {The {\TeX book}},
  year      = {1984},
}

@Article{class,
  title     = {A {\LaTeX} class for multi\hyphen column {\BibTeX} styles},
}

@Misc{tool,
  title     = {{\MyTool}: fast parsing},
}
"""


def test_tex_logos_decode_and_no_title_loses_a_word(site: Path, tmp_path: Path) -> None:
    bib = write(tmp_path, "jabref.bib", JABREF)
    lines = imported(site, bib)
    titles = {p.title for p in papers(site).values()}
    assert titles == {
        "TeX: The Program",
        "The TeXbook",
        "A LaTeX class for multi-column BibTeX styles",
        r"{\MyTool}: fast parsing",
    }
    assert (
        f"  {bib}:20: field `title` of entry `tool` kept as written: `\\MyTool` unknown to sitegen"
        in lines
    )


def test_tags_that_would_share_a_page_are_one_tag(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    mine = paper_text("Mine", tags=("weakly-supervised learning",))
    site = make_site(papers={"mine": mine})
    # Zotero (Better BibTeX) writes keywords comma-separated, as the user typed them.
    bib = write(
        tmp_path,
        "zotero.bib",
        "@article{lee_weak_2021,\n"
        "\ttitle = {Weak labels at scale},\n"
        "\tkeywords = {Weakly supervised learning, weakly supervised Learning, Segmentation},\n"
        "}\n",
    )
    lines = imported(site, bib)
    assert papers(site)["weak-labels-at-scale"].tags == (
        "weakly-supervised learning",
        "Segmentation",
    )
    assert (
        f"  {bib}:3: field `keywords` of entry `lee_weak_2021`: 'weakly supervised Learning' "
        "is the tag 'Weakly supervised learning'" in lines
    )
    assert (
        f"  {bib}:1: tag 'Weakly supervised learning' is written 'weakly-supervised learning', "
        "as the site spells that tag" in lines
    )
    done = run_sitegen("build", "--site", site)
    assert done.code == 0, done.err


def test_build_warns_about_tags_spelled_apart_and_points_at_the_tags_line(
    make_site: Callable[..., Path],
) -> None:
    a = paper_text("A", tags=("weakly-supervised learning",))
    b = paper_text("B", tags=("Weakly supervised learning",))
    site = make_site(papers={"a": a, "b": b})
    done = run_sitegen("build", "--site", site)
    assert done.code == 0, done.err
    folder = site / "content" / "papers"
    assert (
        f"warning: {folder / 'b.md'}:4: tags 'Weakly supervised learning' and "
        f"'weakly-supervised learning' ({folder / 'a.md'}) share the page "
        "tags/weakly-supervised-learning.html: shown as one tag; spell them alike to silence this"
    ) in done.err
    page = (site / "_site" / "tags" / "weakly-supervised-learning.html").read_text("utf-8")
    assert ">A<" in page and ">B<" in page
    (folder / "c.md").write_text(paper_text("C", tags=("C++",)), "utf-8")
    (folder / "d.md").write_text(paper_text("D", tags=("C",)), "utf-8")
    done = run_sitegen("build", "--site", site)
    assert done.code == 1
    assert f"{folder / 'd.md'}:4: tags 'C++' ({folder / 'c.md'}) and 'C' (this file)" in done.err


def test_a_reworded_title_finds_its_paper_by_file_and_key(site: Path, tmp_path: Path) -> None:
    entry = "@inproceedings{smith2023study,\n  title = {{%s}},\n  author = {Smith, Ann},\n}\n"
    bib = write(tmp_path, "mendeley.bib", entry % "A study of things")
    assert imported(site, bib)[0] == "1 new, 0 already present, 0 skipped"
    write(tmp_path, "mendeley.bib", entry % "A Study of Many Things, Revised")
    assert imported(site, bib)[0] == "0 new, 1 already present, 0 skipped"
    assert list(papers(site)) == ["a-study-of-things"]
    source = papers(site)["a-study-of-things"].sources[0]
    assert (source.file, source.key) == ("mendeley.bib", "smith2023study")


LENIENT = """\
@article{a2023,
  title = {Year with a letter},
  year = {2023a},
  url = {dl.acm.org/doi/10.1145/3580305},
}

@article{b2023,
  title = {DOI given twice, differently},
  doi = {10.1145/1111111},
  doi = {10.1145/2222222},
  year = {2023},
}

@article{c2023,
  title = {DOI given twice, alike},
  doi = {10.1145/3333333},
  doi = {10.1145/3333333},
  url = {ftp://example.org/paper.pdf},
}
"""


def test_one_bad_optional_field_costs_only_that_field(site: Path, tmp_path: Path) -> None:
    bib = write(tmp_path, "lenient.bib", LENIENT)
    lines = imported(site, bib)
    assert lines[0] == "3 new, 0 already present, 0 skipped"
    found = papers(site)
    a = found["year-with-a-letter"]
    assert (a.year, a.url) == (2023, "https://dl.acm.org/doi/10.1145/3580305")
    assert (found["doi-given-twice-differently"].doi, found["doi-given-twice-alike"].doi) == (
        None,
        "10.1145/3333333",
    )
    assert found["doi-given-twice-differently"].year == 2023
    assert lines[lines.index("Imported with changes:") + 1 :][:4] == [
        f"  {bib}:3: field `year` of entry `a2023` '2023a' read as 2023",
        f"  {bib}:4: field `url` of entry `a2023` 'dl.acm.org/doi/10.1145/3580305' read as "
        "'https://dl.acm.org/doi/10.1145/3580305'",
        f"  {bib}:9: field `doi` of entry `b2023` ignored: given twice, with different values",
        f"  {bib}:18: field `url` of entry `c2023` ignored: 'ftp://example.org/paper.pdf' is not "
        "a web address starting http:// or https://",
    ]


# Mendeley exports a saved web page as @misc with the title "Online reference".
MENDELEY = "".join(
    f"@misc{{{name},\nauthor = {{{name}}},\ntitle = {{Online reference}},\nurl = {{{url}}}\n}}\n"
    for name, url in (
        ("MongoDB", "https://www.mongodb.com/docs/"),
        ("Redis", "https://redis.io/docs/"),
        ("PostgreSQL", "https://www.postgresql.org/docs/"),
    )
)


def test_generic_titles_and_disagreeing_authors_and_years_do_not_merge(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    lecun = paper_text("Deep learning", authors="[]", year="2015")
    lecun = lecun.replace('authors: "[]"', "authors: [Yann LeCun]").replace('"2015"', "2015")
    site = make_site(papers={"deep-learning": lecun})
    bib = write(tmp_path, "My Collection.bib", MENDELEY)
    book = write(
        tmp_path,
        "book.bib",
        "@book{goodfellow2016,\n title = {Deep Learning},\n author = {Goodfellow, Ian},\n"
        " year = {2016}\n}\n",
    )
    assert imported(site, bib, book)[0] == "4 new, 0 already present, 0 skipped"
    found = papers(site)
    assert sorted(p.url or "" for p in found.values() if p.title == "Online reference") == [
        "https://redis.io/docs/",
        "https://www.mongodb.com/docs/",
        "https://www.postgresql.org/docs/",
    ]
    assert sorted(p.authors for p in found.values() if p.title.casefold() == "deep learning") == [
        ("Ian Goodfellow",),
        ("Yann LeCun",),
    ]
    assert run_sitegen("build", "--site", site).code == 0


BIBLATEX = r"""@inproceedings{doe2022,
  author    = {Doe, Jane},
  title     = {Inherited venues},
  crossref  = {icml2022},
}

@proceedings{icml2022,
  title     = {Proceedings of the 39th International Conference on Machine Learning},
  date      = {2022-07},
  publisher = {PMLR},
}
"""


def test_crossref_is_followed_and_a_link_venue_survives_export(
    site: Path, tmp_path: Path, make_site: Callable[..., Path]
) -> None:
    bib = write(tmp_path, "biblatex.bib", BIBLATEX)
    lines = imported(site, bib)
    assert lines[0] == "1 new, 0 already present, 1 skipped"
    assert (
        f"  {bib}:7: entry `icml2022`: a volume other entries cite with `crossref`: "
        "not a paper, skipped" in lines
    )
    paper = papers(site)["inherited-venues"]
    assert (paper.venue, paper.year) == (
        "Proceedings of the 39th International Conference on Machine Learning",
        2022,
    )
    link = "https://openreview.net/forum?id=abc_1%20x"
    text = paper_text("A workshop paper", venue=link, url="https://example.org/p.pdf")
    (site / "content" / "papers" / "workshop.md").write_text(text, "utf-8")
    assert run_sitegen("build", "--site", site).code == 0
    other = make_site(name="other")
    imported(other, site / "_site" / "papers.bib")
    again = {p.title: p for p in papers(other).values()}
    assert (again["A workshop paper"].venue, again["A workshop paper"].url) == (
        link,
        "https://example.org/p.pdf",
    )
    assert again["Inherited venues"].venue == paper.venue
