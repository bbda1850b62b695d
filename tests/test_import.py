"""`sitegen import`: Daily Papers dumps -> content/papers/*.md."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SEEDS, run_sitegen
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.config import load_config
from sitegen.content.papers import load_papers, paper_slug
from sitegen.importers.daily_papers import decode_dump, parse_daily_papers
from sitegen.importers.merge import ImportReport, format_report, normalise_title, run_import

DEFAULT_TOML = (Path(__file__).resolve().parent.parent / "sitegen" / "default_site.toml").read_text(
    encoding="utf-8"
)
SEED_FILES = sorted(SEEDS.glob("*.txt"))
SEED_COUNTS = {
    "daily-papers-downstream-transfer.txt": 177,
    "daily-papers-multi-task.txt": 70,
    "daily-papers-unified-pretraining.txt": 85,
}
TODAY = dt.date(2025, 7, 1)
ABSTRACT = (
    "We study how pretraining on many tasks transfers to new ones. Our method, called X-Net, "
    "uses $\\alpha$-weighted losses and reaches 91.2% accuracy (see https://example.org/x). "
    "Experiments on ten benchmarks show consistent gains over strong baselines."
)
HEADER = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\n"
    "byAK and the research community\n\n"
)


def seed_pairs(path: Path) -> list[tuple[str, str]]:
    """The seeds' (title, abstract) pairs, read naively with what we know about their layout."""
    blocks = [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    body = blocks[5:]  # four header lines, then the date
    return list(zip(body[::2], body[1::2], strict=True))


def import_dumps(
    site: Path, files: list[Path], year: int | None = 2025, today: dt.date = TODAY
) -> ImportReport:
    return run_import(load_config(site), files, year, today)


def dump(tmp_path: Path, text: str | bytes, name: str = "dump.txt") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return path


def site_bytes(site: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((site / "content" / "papers").glob("*.md"))}


@pytest.fixture
def site(make_site: Callable[..., Path]) -> Path:
    return make_site(config=DEFAULT_TOML)


# --- the shared seeds ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name)
def test_seed_dump_parses_every_paper_intact(path: Path) -> None:
    parsed = parse_daily_papers(path, decode_dump(path, path.read_bytes()))
    assert parsed.skipped == ()
    assert len(parsed.entries) == SEED_COUNTS[path.name]
    assert [(e.title, e.abstract) for e in parsed.entries] == seed_pairs(path)
    assert len({normalise_title(e.title) for e in parsed.entries}) == len(parsed.entries)
    assert {e.listed.line for e in parsed.entries} == {9}


def test_seeds_import_304_unique_papers(site: Path) -> None:
    report = import_dumps(site, SEED_FILES)
    assert (len(report.new), len(report.present), report.skipped, report.failed_files) == (
        304,
        0,
        (),
        (),
    )
    assert report.year_note is None
    papers, warnings = load_papers(site / "content" / "papers")
    assert len(papers) == 304 and warnings == []
    assert sum(len(p.sources) > 1 for p in papers) == 26
    expected = {title: abstract for path in SEED_FILES for title, abstract in seed_pairs(path)}
    assert {p.title: p.abstract for p in papers} == expected


def test_paper_on_several_pages_keeps_earliest_date_and_one_source_per_file(site: Path) -> None:
    import_dumps(site, SEED_FILES)
    papers, _ = load_papers(site / "content" / "papers")
    jiuzhang = next(p for p in papers if p.title.startswith("JiuZhang 2.0"))
    assert jiuzhang.date == dt.date(2025, 3, 11)
    assert [(s.file, s.kind, s.listed, s.imported) for s in jiuzhang.sources] == [
        ("daily-papers-unified-pretraining.txt", "daily-papers", dt.date(2025, 3, 11), TODAY),
        ("daily-papers-multi-task.txt", "daily-papers", dt.date(2025, 6, 6), TODAY),
    ]
    assert "&id" not in jiuzhang.path.read_text(encoding="utf-8")  # type: ignore[union-attr]


def test_slugs_are_readable_ascii_short_unique_and_stable(site: Path, tmp_path: Path) -> None:
    import_dumps(site, SEED_FILES)
    names = site_bytes(site)
    for name in names:
        slug = name.removesuffix(".md")
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug) and len(slug) <= 80
        assert paper_slug(Path(name)) == slug
    assert "pigeon-predicting-image-geolocations.md" in names
    assert "a-practitioners-guide-to-continual-multimodal-pretraining.md" in names
    again = tmp_path / "again"
    (again / "content" / "papers").mkdir(parents=True)
    (again / "site.toml").write_text(DEFAULT_TOML, encoding="utf-8")
    import_dumps(again, list(reversed(SEED_FILES)))
    assert sorted(site_bytes(again)) == sorted(names)


def test_reimport_changes_nothing(site: Path) -> None:
    import_dumps(site, SEED_FILES)
    before = site_bytes(site)
    report = import_dumps(site, SEED_FILES, today=TODAY + dt.timedelta(days=30))
    assert (len(report.new), len(report.present), report.skipped) == (0, 304, ())
    assert all(p.sources_added == 0 for p in report.present)
    assert site_bytes(site) == before
    assert format_report(report).splitlines()[0] == "0 new, 304 already present, 0 skipped"


def test_existing_paper_keeps_user_edits_and_only_gains_a_source(site: Path) -> None:
    multi_task = SEEDS / "daily-papers-multi-task.txt"
    import_dumps(site, [multi_task])
    path = (
        site
        / "content"
        / "papers"
        / ("jiuzhang-2-0-a-unified-chinese-pre-trained-language-model-for-multi-task.md")
    )
    text = path.read_text(encoding="utf-8")
    edited = (
        text.replace("status: to-read", "status: read  # finished it\nrating: 5")
        .replace("tags: [", "tags: [my tag, ")
        .replace("## Notes\n", "## Notes\n\nSee section 3.\n")
        .replace("\n", "\r\n")
    )
    path.write_bytes(edited.encode("utf-8"))
    report = import_dumps(site, [SEEDS / "daily-papers-unified-pretraining.txt"])
    assert len(report.new) == 85 - 11 and len(report.present) == 11
    after = path.read_bytes().decode("utf-8")
    old_lines, new_lines = edited.splitlines(keepends=True), after.splitlines(keepends=True)
    added = [line for line in new_lines if line not in old_lines]
    assert [line for line in new_lines if line not in added] == old_lines
    assert len(added) == 1 and "daily-papers-unified-pretraining.txt" in added[0]
    assert added[0].endswith("\r\n")
    paper = next(p for p in load_papers(site / "content" / "papers")[0] if p.path == path)
    assert paper.date == dt.date(2025, 6, 6)  # an existing paper's date is the user's
    assert (paper.status, paper.notes, paper.extra) == ("read", "See section 3.", {"rating": 5})


def test_existing_paper_found_whatever_its_case_and_punctuation(site: Path, tmp_path: Path) -> None:
    papers = site / "content" / "papers"
    (papers / "my-own-name.md").write_text(
        '---\ntitle: "pigeon -- predicting image geolocations"\ndate: 2024-01-01\n---\nMine.\n',
        encoding="utf-8",
    )
    text = f"Jun 6\n\nPIGEON: Predicting Image Geolocations\n\n{ABSTRACT}\n"
    report = import_dumps(site, [dump(tmp_path, text)])
    assert report.new == () and [p.slug for p in report.present] == ["my-own-name"]
    assert "sources:\n- {file: dump.txt" in (papers / "my-own-name.md").read_text(encoding="utf-8")


def test_new_papers_are_tagged_by_the_topic_rules(site: Path) -> None:
    import_dumps(site, SEED_FILES)
    papers, _ = load_papers(site / "content" / "papers")
    adamerging = next(p for p in papers if p.title.startswith("AdaMerging"))
    assert {"model merging", "multi-task learning"} <= set(adamerging.tags)
    assert all(1 <= len(p.tags) <= 5 for p in papers)


# --- the listing date and its year --------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Mar 17", (3, 17)),
        ("March 17", (3, 17)),
        ("17 Mar", (3, 17)),
        ("Sept. 3rd", (9, 3)),
        ("Monday, March 17th", (3, 17)),
        ("mar 17", (3, 17)),
    ],
)
def test_date_line_formats(line: str, expected: tuple[int, int], tmp_path: Path) -> None:
    parsed = parse_daily_papers(
        tmp_path / "d.txt", f"Daily Papers\n\n{line}\n\nA Title\n\n{ABSTRACT}"
    )
    assert [(e.listed.month, e.listed.day) for e in parsed.entries] == [expected]


def test_year_is_inferred_and_reported(site: Path, tmp_path: Path) -> None:
    report = import_dumps(site, SEED_FILES, year=None, today=dt.date(2025, 3, 12))
    assert report.year_note is not None
    assert "Mar 11 (daily-papers-unified-pretraining.txt) -> 2025-03-11" in report.year_note
    assert "Mar 17 (daily-papers-downstream-transfer.txt) -> 2024-03-17" in report.year_note
    assert "Jun 6 (daily-papers-multi-task.txt) -> 2024-06-06" in report.year_note
    assert "--year" in format_report(report)


def test_feb_29(site: Path, tmp_path: Path) -> None:
    path = dump(tmp_path, f"Feb 29\n\nLeap Paper\n\n{ABSTRACT}\n")
    report = import_dumps(site, [path], year=2025)
    assert [str(p) for p in report.skipped] == [
        f"{path}:1: 'Feb 29' does not exist in 2025: papers under it are skipped; check --year"
    ]
    report = import_dumps(site, [path], year=None, today=dt.date(2025, 6, 1))
    assert [p.title for p in report.new] == ["Leap Paper"]
    assert "Feb 29 (dump.txt) -> 2024-02-29" in (report.year_note or "")


def test_date_line_with_its_own_year_needs_no_assumption(site: Path, tmp_path: Path) -> None:
    report = import_dumps(site, [dump(tmp_path, f"Mar 17, 2023\n\nOld Paper\n\n{ABSTRACT}")], None)
    assert report.year_note is None
    papers, _ = load_papers(site / "content" / "papers")
    assert papers[0].date == dt.date(2023, 3, 17)


# --- dumps that differ from the seeds -----------------------------------------------------------


def test_varied_page_chrome_is_ignored(tmp_path: Path) -> None:
    text = (
        "Hugging Face\n\nDaily Papers\n\nTrending this week\n\nMarch 17\n\n"
        "Submitted by akhaliq\n\n▲ 42\n\n"
        "Éclair -- Extracting Content (and Layout): A Study, Part 2\n\n"
        "Ana Lima, Bo Chen and J. Doe\n\n"
        f"{ABSTRACT}\n\n12 upvotes\n\nPublished on Mar 14\n\n"
        "Second Paper\n"  # no blank line between title and abstract
        f"{ABSTRACT[:87]}\n{ABSTRACT[88:]}\n\n"  # and the abstract wrapped
        "Load more\n\n© 2025 Hugging Face\n"
    )
    parsed = parse_daily_papers(tmp_path / "d.txt", text)
    assert parsed.skipped == ()
    first, second = parsed.entries
    assert first.title == "Éclair -- Extracting Content (and Layout): A Study, Part 2"
    assert first.authors == ("Ana Lima", "Bo Chen", "J. Doe")
    assert (first.abstract, first.title_line, first.abstract_line) == (ABSTRACT, 13, 17)
    assert (second.title, second.abstract, second.abstract_line) == ("Second Paper", ABSTRACT, 24)


def test_bom_crlf_and_cr_line_endings_read_like_lf(tmp_path: Path) -> None:
    text = HEADER + f"Jun 6\n\nA Title: With Colon\n\n{ABSTRACT}\n"
    expected = parse_daily_papers(tmp_path / "d.txt", text).entries
    for variant in ("\ufeff" + text.replace("\n", "\r\n"), text.replace("\n", "\r")):
        raw = variant.encode("utf-8")
        assert (
            parse_daily_papers(tmp_path / "d.txt", decode_dump(tmp_path, raw)).entries == expected
        )
    assert len(expected) == 1


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", ": empty file: nothing to import"),
        ("\n \n\t\n", ": empty file: nothing to import"),
        (
            HEADER + f"A Title\n\n{ABSTRACT}\n",
            ':1: no listing date found (a line such as "Mar 17" after the page header): '
            "1 paper not imported; add the date line",
        ),
        (
            f"Mar 17\n\nA Title\n\n{ABSTRACT[:70]}",
            ":5: the abstract of 'A Title' ends mid-sentence ('ransfers to new ones. Our meth'): "
            "is the dump cut off? Paper skipped",
        ),
        (
            f"Mar 17\n\nA Title\n\n{ABSTRACT}\n\nCut Off Title\n",
            ":7: title 'Cut Off Title' has no abstract after it: is the dump cut off?",
        ),
        (
            f"Mar 17\n\nTitle One\n\nTitle Two\n\n{ABSTRACT}\n",
            ":3: title 'Title One' is followed by another title, not an abstract",
        ),
        (
            f"Mar 17\n\n{ABSTRACT}\n\nA Title\n\n{ABSTRACT}",
            ":3: abstract 'We study how pretraining on many tasks transfers to new o...' "
            "has no title before it",
        ),
        (
            f"Mar 17\n\nA Title\n\n{ABSTRACT}\n\nShort stray sentence.\n\nB Title\n\n{ABSTRACT}",
            ":7: block looks like neither a title nor an abstract: 'Short stray sentence.'",
        ),
        (
            f"Jun 31\n\nA Title\n\n{ABSTRACT}",
            ":1: 'Jun 31' is not a real date: papers under it are skipped",
        ),
    ],
    ids=[
        "empty",
        "blank",
        "no-date",
        "cut-abstract",
        "cut-title",
        "two-titles",
        "orphan-abstract",
        "stray",
        "bad-date",
    ],
)
def test_malformed_dumps_give_a_reason(site: Path, tmp_path: Path, text: str, reason: str) -> None:
    path = dump(tmp_path, text)
    report = import_dumps(site, [path])
    assert report.failed_files == ()
    assert any(str(p) == f"{path}{reason}" for p in report.skipped), [
        str(p) for p in report.skipped
    ]


def test_repeated_paper_in_one_dump_is_skipped_once(site: Path, tmp_path: Path) -> None:
    path = dump(tmp_path, f"Mar 17\n\nA Title\n\n{ABSTRACT}\n\nA title!\n\n{ABSTRACT}\n")
    report = import_dumps(site, [path])
    assert len(report.new) == 1
    assert [str(p) for p in report.skipped] == [
        f"{path}:7: same paper as line 3: listed twice in this file"
    ]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"Mar 17\n\nA Title\x00\n", ":3: contains a NUL byte: is this a binary file?"),
        (b"Mar 17\n\nCaf\xe9 Paper\n", ":3: not valid UTF-8 (byte 0xe9): save the dump as UTF-8"),
        ("Mar 17".encode("utf-16"), ":1: is UTF-16 text: save the dump as UTF-8"),
    ],
    ids=["binary", "latin-1", "utf-16"],
)
def test_unreadable_dumps_fail_without_stopping_the_others(
    site: Path, tmp_path: Path, raw: bytes, reason: str
) -> None:
    bad = dump(tmp_path, raw, "bad.txt")
    good = dump(tmp_path, f"Mar 17\n\nGood Paper\n\n{ABSTRACT}\n", "good.txt")
    report = import_dumps(site, [bad, good, tmp_path / "missing.txt"])
    assert [p.title for p in report.new] == ["Good Paper"]
    assert [str(p) for p in report.failed_files] == [
        f"{bad}{reason}",
        f"{tmp_path / 'missing.txt'}: cannot read: No such file or directory",
    ]
    assert "Could not read:" in format_report(report)


def test_same_file_twice_is_read_once(site: Path, tmp_path: Path) -> None:
    path = dump(tmp_path, f"Mar 17\n\nA Title\n\n{ABSTRACT}\n")
    report = import_dumps(site, [path, path])
    assert len(report.new) == 1 and [str(p) for p in report.skipped] == [
        f"{path}: is given twice: read once"
    ]


def test_long_and_clashing_titles_get_unique_short_slugs(site: Path, tmp_path: Path) -> None:
    long_title = "Towards " + " ".join(["Extremely Long Titles"] * 12) + " (Extended Version)"
    text = (
        f"Mar 17\n\nCafé Models\n\n{ABSTRACT}\n\nCafe Models\n\n{ABSTRACT}\n\n"
        f"{long_title}\n\n{ABSTRACT}\n\n中文标题\n\n{ABSTRACT}\n"
    )
    report = import_dumps(site, [dump(tmp_path, text)])
    slugs = sorted(p.slug for p in report.new)
    assert slugs[:2] == ["cafe-models", "cafe-models-2"]
    assert all(len(s) <= 80 and s.isascii() for s in slugs) and len(set(slugs)) == 4


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Mar 17",
                "17 Jun",
                "Title",
                "A Long Abstract.",
                ABSTRACT,
                "\n",
                "\n\n",
                "\r",
                "\ufeff",
                " ",
                ":",
                "?",
                "12",
                "é",
                "Feb 30",
            ]
        )
    )
)
def test_parser_never_crashes(parts: list[str]) -> None:
    text = "".join(parts)
    parsed = parse_daily_papers(Path("d.txt"), text)
    lines = text.count("\n") + text.count("\r") + 1
    assert all(1 <= e.title_line < e.abstract_line <= lines for e in parsed.entries)
    assert all(p.line is None or 1 <= p.line <= lines for p in parsed.skipped)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_decode_or_give_a_content_error(raw: bytes) -> None:
    from sitegen.errors import ContentError

    try:
        decode_dump(Path("d.txt"), raw)
    except ContentError as err:
        assert err.problems[0].line is not None


# --- the command line ---------------------------------------------------------------------------


def test_cli_imports_and_reimports_seeds(site: Path) -> None:
    first = run_sitegen("import", *SEED_FILES, "--site", site, "--year", "2025")
    assert first.code == 0, first.err
    assert first.out.splitlines()[0] == "304 new, 0 already present, 0 skipped"
    again = run_sitegen("import", *SEED_FILES, "--site", site, "--year", "2025")
    assert (again.code, again.out.splitlines()[0]) == (0, "0 new, 304 already present, 0 skipped")


def test_cli_says_which_year_it_assumed(site: Path, tmp_path: Path) -> None:
    path = dump(tmp_path, f"Jan 1\n\nA Title\n\n{ABSTRACT}\n")
    done = run_sitegen("import", path, "--site", site)
    assert done.code == 0, done.err
    assert (
        "No --year given" in done.out
        and f"Jan 1 (dump.txt) -> {dt.date.today().year}-01-01" in (done.out)
    )


def test_cli_exits_1_when_a_file_cannot_be_read(site: Path, tmp_path: Path) -> None:
    good = dump(tmp_path, f"Mar 17\n\nA Title\n\n{ABSTRACT}\n\nCut Title\n", "good.txt")
    done = run_sitegen("import", good, tmp_path / "missing.txt", "--site", site, "--year", "2025")
    assert done.code == 1
    assert "1 new, 0 already present, 1 skipped" in done.out
    assert f"{good}:7: title 'Cut Title' has no abstract after it" in done.out
    assert "missing.txt: cannot read" in done.out + done.err
    assert "Traceback" not in done.err
