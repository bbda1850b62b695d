"""Bad input (#6): whatever the text, bytes or structure, sitegen accepts it or rejects it with
`path:line: message` and exit code 1 (2 for usage), never a traceback; ids are checked."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import SITE_TOML, paper_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen import cli
from sitegen.config import load_config
from sitegen.content.fields import KNOWN_KEYS
from sitegen.content.papers import load_paper, paper_slug, parse_paper
from sitegen.content.topics import author_slug, tag_slug
from sitegen.errors import ContentError
from sitegen.fsutil import WINDOWS_RESERVED, read_bounded
from sitegen.importers.bibtex import parse_bibtex
from sitegen.importers.daily_papers import decode_dump, parse_daily_papers

TODAY = dt.date(2026, 1, 15)
ABSTRACT = (
    "We study how pretraining on many tasks transfers to new ones. Our method improves "
    "results on every benchmark we try, and we release code and data for others to use."
)
PROBLEM = re.compile(r"^(?P<path>[^\n]+?):(?P<line>[1-9]\d*): \S[^\n]*$")
"""`path:line: message` on one line."""
QUICK = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COUNTS: dict[str, int] = {}
"""Hostile inputs tried per test, for the issue's report (printed with `-s`)."""


def tried(kind: str) -> None:
    COUNTS[kind] = COUNTS.get(kind, 0) + 1


@pytest.fixture(scope="module", autouse=True)
def _report_counts() -> Iterator[None]:
    yield
    print("\nhostile inputs tried:", dict(sorted(COUNTS.items())), "total", sum(COUNTS.values()))


# -- running the real command line in-process (an uncaught exception fails the test) ---------


@contextlib.contextmanager
def _captured() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


def sitegen(*args: str | Path) -> tuple[int, str, str]:
    with _captured() as (out, err):
        code = cli.main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def assert_clear_failure(code: int, err: str, inside: Path) -> None:
    """Exit 1 and every error line `path:line: message` about a file under `inside`."""
    assert code == 1, err
    assert "Traceback" not in err
    lines = err.strip().split("\n")
    assert lines[-1].startswith("sitegen: "), err
    for line in lines[:-1]:
        if line.startswith("warning: "):
            continue
        match = PROBLEM.match(line)
        assert match, line
        assert Path(match["path"]).resolve().is_relative_to(inside.resolve()), line


def new_site(root: Path, papers: dict[str, str | bytes] | None = None) -> Path:
    (root / "content" / "papers").mkdir(parents=True)
    (root / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    for name, text in (papers or {}).items():
        data = text.encode("utf-8") if isinstance(text, str) else text
        (root / "content" / "papers" / f"{name}.md").write_bytes(data)
    return root


def build_outcome(papers: dict[str, str | bytes]) -> tuple[int, str, str]:
    """Build a throwaway site of `papers`; a failure must be a clear one."""
    with tempfile.TemporaryDirectory() as tmp:
        site = new_site(Path(tmp) / "site", papers)
        code, out, err = sitegen("build", "--site", site)
        if code:
            assert_clear_failure(code, err, site)
            assert not (site / "_site").exists()
        else:
            assert (site / "_site" / "index.html").is_file()
        return code, out, err


# -- properties -------------------------------------------------------------------------------

HOSTILE_TEXT = st.lists(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["---", "\n", "\r\n", "\r", ": ", "- ", "[", "{", "&a ", "*a", "!!"]),
        st.sampled_from(
            ["title: ", "date: ", "tags: ", "\ufeff", "<script>", "\x00", "2025-01-01"]
        ),
    ),
    max_size=80,
).map("".join)
YAML_VALUE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=30)
    | st.dates(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
FRONT_MATTER = st.dictionaries(
    st.sampled_from(KNOWN_KEYS) | st.text(max_size=12), YAML_VALUE, max_size=8
)


def _check_parse(path: Path, text: str) -> None:
    try:
        _paper, warnings = parse_paper(path, text)
    except ContentError as err:
        assert err.problems
        for problem in err.problems:
            assert PROBLEM.match(str(problem)) and problem.path == path, str(problem)
        return
    for warning in warnings:
        assert PROBLEM.match(str(warning)) or str(warning).startswith(f"{path}: "), str(warning)


@QUICK
@given(HOSTILE_TEXT)
def test_front_matter_loader_never_crashes_on_any_text(text: str) -> None:
    tried("front-matter text")
    _check_parse(Path("content/papers/p.md"), text)
    _check_parse(Path("content/papers/p.md"), "---\n" + text + "\n---\nBody\n")


@QUICK
@given(FRONT_MATTER, st.text(max_size=80))
def test_front_matter_loader_never_crashes_on_any_structure(
    data: dict[str, object], body: str
) -> None:
    tried("front-matter structure")
    head = yaml.safe_dump(data, allow_unicode=True)
    _check_parse(Path("content/papers/p.md"), f"---\n{head}---\n{body}")


@QUICK
@given(st.binary(max_size=300))
def test_content_file_of_any_bytes_loads_or_is_a_clear_error(raw: bytes) -> None:
    tried("content-file bytes")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.md"
        path.write_bytes(b"---\ntitle: T\ndate: 2025-01-01\n---\n" + raw)
        for data in (raw, path.read_bytes()):
            path.write_bytes(data)
            try:
                load_paper(path)
            except ContentError as err:
                assert all(PROBLEM.match(str(p)) for p in err.problems), err


@SLOW
@given(st.one_of(HOSTILE_TEXT.map(str.encode), st.binary(max_size=200)))
def test_site_config_of_any_bytes_loads_or_is_a_clear_error(raw: bytes) -> None:
    tried("site.toml bytes")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "site.toml").write_bytes(raw)
        try:
            load_config(Path(tmp))
        except ContentError as err:
            for problem in err.problems:
                assert re.match(
                    rf"^{re.escape(str(Path(tmp) / 'site.toml'))}(:\d+)?: \S", str(problem)
                )


TOML_SCALAR = st.one_of(
    st.booleans(), st.integers(), st.text(max_size=20), st.floats(allow_nan=False)
)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value) if not isinstance(value, float) or value == value else "nan"


@SLOW
@given(
    st.dictionaries(
        st.sampled_from(
            ["title", "description", "base_url", "language", "max_tags", "raw_html", "tittle"]
        ),
        TOML_SCALAR | st.lists(TOML_SCALAR, max_size=3),
        max_size=6,
    ),
    st.lists(
        st.dictionaries(
            st.sampled_from(["tag", "match", "x"]), TOML_SCALAR | st.lists(TOML_SCALAR, max_size=3)
        ),
        max_size=3,
    ),
)
def test_site_config_of_any_structure_loads_or_is_a_clear_error(
    top: dict[str, object], topics: list[dict[str, object]]
) -> None:
    tried("site.toml structure")
    text = "".join(f"{k} = {_toml_value(v)}\n" for k, v in top.items())
    for topic in topics:
        text += "[[topics]]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in topic.items())
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "site.toml").write_text(text, encoding="utf-8")
        try:
            load_config(Path(tmp))
        except ContentError as err:
            assert all(str(p).startswith(str(Path(tmp) / "site.toml")) for p in err.problems)


DUMP_PART = st.one_of(
    st.sampled_from(
        ["Mar 17", "Feb 30", "Title Of A Paper", ABSTRACT, ABSTRACT[:70], "▲ 12", "\n"]
    ),
    HOSTILE_TEXT,
)


@SLOW
@given(st.lists(DUMP_PART, max_size=8), st.binary(max_size=40))
def test_import_of_any_dump_imports_or_gives_clear_reasons(parts: list[str], junk: bytes) -> None:
    tried("daily-papers dump")
    with tempfile.TemporaryDirectory() as tmp:
        site = new_site(Path(tmp) / "site")
        dump = Path(tmp) / "dump.txt"
        dump.write_bytes("\n\n".join(parts).encode("utf-8") + junk)
        code, out, err = sitegen("import", dump, "--site", site, "--year", "2025")
        assert code in (0, 1) and "Traceback" not in err
        reasons = [line.strip() for line in out.split("\n") if line.startswith("  ")]
        for reason in reasons:
            assert reason.startswith(f"{dump}:") or reason.startswith(f"{dump} "), reason
        if code == 0:  # what was imported builds
            assert sitegen("build", "--site", site)[0] == 0


@QUICK
@given(HOSTILE_TEXT)
def test_bibtex_parser_never_crashes(text: str) -> None:
    tried("bibtex text")
    path = Path("refs.bib")
    bib = "@article{k,\n title = {" + text + "}}\n" + text
    entries, skipped, notes = parse_bibtex(path, bib, TODAY)
    assert all(PROBLEM.match(str(p)) for p in skipped + notes)
    assert all(entry.paper.title.strip() for entry in entries)


@QUICK
@given(st.binary(max_size=200))
def test_dump_bytes_decode_or_give_a_line(raw: bytes) -> None:
    tried("dump bytes")
    try:
        text = decode_dump(Path("d.txt"), raw)
    except ContentError as err:
        assert all(PROBLEM.match(str(p)) for p in err.problems)
        return
    parse_daily_papers(Path("d.txt"), text)


@SLOW
@given(FRONT_MATTER, HOSTILE_TEXT)
def test_whole_build_of_any_paper_succeeds_or_fails_clearly(
    data: dict[str, object], body: str
) -> None:
    tried("built paper")
    valid = {"title": "T", "date": dt.date(2025, 1, 1)}
    head = yaml.safe_dump({**valid, **data}, allow_unicode=True)
    build_outcome({"p": f"---\n{head}---\n{body}", "q": paper_text("Q")})


# -- identifiers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "accepted"),
    [
        ("arxiv", "2401.01234", True),
        ("arxiv", "2401.01234v3", True),
        ("arxiv", "hep-th/9901001", True),
        ("arxiv", "math.GT/0309136v2", True),
        ("arxiv", "2401.123", False),
        ("arxiv", "arXiv:2401.01234", False),
        ("arxiv", "https://arxiv.org/abs/2401.01234", False),
        ("arxiv", "<script>", False),
        ("doi", "10.1000/xyz123", True),
        ("doi", "10.1002/(SICI)1097-4636(199706)35:4<465::AID-JBM7>3.0.CO;2-G", True),
        ("doi", "https://doi.org/10.1000/xyz", False),
        ("doi", "11.1000/xyz", False),
        ("doi", "10.1000/a b", False),
        ("doi", "javascript:alert(1)", False),
    ],
)
def test_malformed_arxiv_ids_and_dois_are_errors(key: str, value: str, accepted: bool) -> None:
    tried("identifier")
    text = paper_text("T", **{key: value})
    if accepted:
        paper, _ = parse_paper(Path("p.md"), text)
        assert getattr(paper, key) == value
        return
    with pytest.raises(ContentError) as caught:
        parse_paper(Path("p.md"), text)
    assert str(caught.value).startswith(f"p.md:5: `{key}` must be ")


def test_same_arxiv_id_any_version_or_doi_is_a_duplicate_naming_both(tmp_path: Path) -> None:
    tried("duplicate ids")
    site = new_site(
        tmp_path / "site",
        {
            "a": paper_text("A", arxiv="2401.01234v1"),
            "b": paper_text("B", arxiv="2401.01234v2"),
            "c": paper_text("C", doi="10.1000/ABC"),
            "d": paper_text("D", doi="10.1000/abc"),
        },
    )
    code, _, err = sitegen("build", "--site", site)
    assert_clear_failure(code, err, site)
    papers = site / "content" / "papers"
    assert (
        f"{papers / 'b.md'}:5: duplicate paper: same arXiv id 2401.01234 as {papers / 'a.md'}; "
        "merge the two files into one" in err
    )
    assert f"{papers / 'd.md'}:5: duplicate paper: same DOI 10.1000/abc as {papers / 'c.md'}" in err


# -- the cover-at-least list ------------------------------------------------------------------

GOOD = paper_text("Good paper", tags=("vision",))


def _case(name: str, text: str | bytes) -> tuple[int, str, str]:
    tried(f"cover: {name}")
    return build_outcome({"good": GOOD, "bad": text})


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("empty file", b"", ":1: no front matter: the file must start with a `---` line"),
        ("binary file", b"\x89PNG\r\n\x1a\n\x00\x00\x00", ":3: contains a NUL byte"),
        (
            "control char",
            b"---\ntitle: T\ndate: 2025-01-01\n---\n\x1b[31m",
            ":5: contains the control",
        ),
        ("invalid UTF-8", b"---\ntitle: Caf\xe9\n", ":2: not valid UTF-8 text"),
        ("YAML list", "---\n- title\n- date\n---\n", ":2: front matter must be a mapping"),
        ("YAML scalar", "---\njust text\n---\n", ":2: front matter must be a mapping"),
        (
            "tags as a string",
            "---\ntitle: T\ndate: 2025-01-01\ntags: vision\n---\n",
            ":4: `tags` must be a list",
        ),
        ("date as a number", "---\ntitle: T\ndate: 20250101\n---\n", ":3: `date` must be a date"),
        ("unclosed", "---\ntitle: T\n", ":1: front matter is not closed"),
        (
            "deep",
            "---\ntitle: T\nx: " + "[" * 100 + "]" * 100 + "\n---\n",
            ":2: front matter nests",
        ),
        ("self alias", "---\ntitle: T\nx: &a [*a]\n---\n", ":2: front matter nests"),
        ("huge int", "---\ntitle: T\nx: " + "9" * 5000 + "\n---\n", ":2: invalid value"),
        (
            "python tag",
            "---\ntitle: !!python/object/apply:os.system [id]\n---\n",
            ":2: invalid YAML",
        ),
        ("CRLF error line", b"---\r\ntitle: T\r\ndate: x\r\n---\r\n", ":3: `date` must be a date"),
        ("CR error line", b"---\rtitle: T\rdate: x\r---\r", ":3: `date` must be a date"),
        (
            "10,000 tags",
            "---\ntitle: T\ndate: 2025-01-01\ntags: ["
            + ", ".join(f"t{i}" for i in range(10_000))
            + "]\n---\n",
            ":4: `tags` has 10000 entries",
        ),
    ],
)
def test_bad_files_are_clear_errors(name: str, text: str | bytes, message: str) -> None:
    code, _, err = _case(name, text)
    assert code == 1
    assert f"bad.md{message}" in err, err


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("UTF-8 BOM", "\ufeff" + paper_text("With a BOM")),
        ("CRLF", paper_text("Windows lines", abstract="One.\n\nTwo.").replace("\n", "\r\n")),
        ("CR", paper_text("Old Mac lines", abstract="One.\n\nTwo.").replace("\n", "\r")),
        ("1 MB abstract", paper_text("Long abstract", abstract="word " * 200_000)),
        ("1,000-character title", paper_text("T" * 1000)),
        ("RTL and zero-width", paper_text("\u202eevil\u200b title\u2066", tags=("\u200btag",))),
        ("emoji and CJK", paper_text("🔥 注意力机制 🔥", tags=("🔥", "注意力"))),
    ],
)
def test_odd_but_valid_files_build(name: str, text: str) -> None:
    code, _, err = _case(name, text)
    assert code == 0, err


def test_unknown_keys_warn_naming_the_key_and_a_close_match() -> None:
    tried("cover: unknown keys")
    text = "---\ntitle: T\ndate: 2025-01-01\ntgas: [a]\nflavour: sweet\n---\n"
    code, _, err = build_outcome({"p": text})
    assert code == 0
    assert "p.md:4: unknown key `tgas` (did you mean `tags`?)" in err
    assert "p.md:5: unknown key `flavour` (kept, but not used)" in err


def test_unknown_site_toml_key_names_a_close_match(tmp_path: Path) -> None:
    tried("cover: unknown config key")
    site = new_site(tmp_path / "site")
    (site / "site.toml").write_text('tittle = "x"\nraw_htm = true\n', encoding="utf-8")
    code, _, err = sitegen("build", "--site", site)
    assert_clear_failure(code, err, site)
    assert f"{site / 'site.toml'}:1: unknown key `tittle` (did you mean `title`?)" in err
    assert f"{site / 'site.toml'}:2: unknown key `raw_htm` (did you mean `raw_html`?)" in err


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('base_url = "javascript:alert(1)//"', ":1: `base_url` must be a web address"),
        ('language = "en\\" onload=\\"x"', ":1: `language` must be a language tag"),
        ("raw_html = 1", ":1: `raw_html` must be true or false"),
        ("title = [", ":1: invalid TOML"),
    ],
)
def test_bad_site_toml_values_are_clear_errors(tmp_path: Path, toml: str, message: str) -> None:
    tried("cover: config value")
    site = new_site(tmp_path / "site")
    (site / "site.toml").write_text(toml + "\n", encoding="utf-8")
    code, _, err = sitegen("build", "--site", site)
    assert_clear_failure(code, err, site)
    assert f"site.toml{message}" in err


def test_duplicate_titles_and_slugs_name_both_files(tmp_path: Path) -> None:
    tried("cover: duplicate titles")
    tried("cover: duplicate slugs")
    site = new_site(
        tmp_path / "site",
        {
            "one": paper_text("Same  Title"),
            "two": paper_text("same title"),
            "Case": paper_text("Case one"),
            "case": paper_text("Case two"),
            "e\u0301te": paper_text("Decomposed"),
            "\u00e9te": paper_text("Composed"),
            "three": paper_text("Shared title", arxiv="2401.00001"),
            "four": paper_text("Shared title", arxiv="2401.00002"),  # ids tell them apart
        },
    )
    code, _, err = sitegen("build", "--site", site)
    assert_clear_failure(code, err, site)
    papers = site / "content" / "papers"
    assert f"{papers / 'two.md'}:2: duplicate paper: same title as {papers / 'one.md'}" in err
    assert "two papers would share the page papers/case.html" in err
    assert "two papers would share the page papers/ete.html" in err
    assert "Shared title" not in err and "four.md" not in err


def test_cut_off_dump_and_dump_without_date_are_clear(tmp_path: Path) -> None:
    site = new_site(tmp_path / "site")
    cut = tmp_path / "cut.txt"
    cut.write_text(f"Mar 17\n\nWhole Paper\n\n{ABSTRACT}\n\nCut Paper\n\n{ABSTRACT[:90]}", "utf-8")
    undated = tmp_path / "undated.txt"
    undated.write_text(f"Daily Papers\n\nA Paper\n\n{ABSTRACT}\n", "utf-8")
    tried("cover: dump cut off")
    tried("cover: dump without date")
    code, out, err = sitegen("import", cut, undated, "--site", site, "--year", "2025")
    assert code == 1 and "Traceback" not in err
    assert f"{cut}:9: the abstract of 'Cut Paper' ends mid-sentence" in out
    assert f"{undated}:1: no listing date found" in out
    assert f"sitegen: nothing imported from {undated}" in err
    assert [p.name for p in (site / "content" / "papers").iterdir()] == ["whole-paper.md"]


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    tried("usage")
    site = new_site(tmp_path / "site", {"a": GOOD})
    code, _, err = sitegen("build", "--site", site, "--out", site / "content")
    assert code == 2 and err.startswith("sitegen: error: output folder")
    with _captured() as (_, err_text), pytest.raises(SystemExit) as exited:
        cli.main(["import", "x.txt", "--year", "12"])
    assert exited.value.code == 2 and "is not a year" in err_text.getvalue()


@pytest.mark.parametrize("size", [0, 1, 4095, 4096])
def test_a_file_up_to_the_limit_is_read_whole_and_one_byte_more_is_refused(
    tmp_path: Path, size: int
) -> None:
    data = bytes(range(256)) * 17
    path = tmp_path / "paper.md"
    path.write_bytes(data[:size])
    assert read_bounded(path, limit=4096) == data[:size]
    path.write_bytes(data[:4097])
    with pytest.raises(ContentError, match="is larger than"):
        read_bounded(path, limit=4096)


def test_a_file_with_no_size_to_tell_is_read_to_its_end() -> None:
    status = read_bounded(Path("/proc/self/status"))  # a regular file of size 0
    assert status.startswith(b"Name:") and status.endswith(b"\n")


def test_unreadable_paper_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    tried("cover: unreadable")
    site = new_site(tmp_path / "site", {"a": GOOD})
    (site / "content" / "papers" / "dir.md").mkdir()  # not a file: not content
    (site / "content" / "papers" / "b.md").symlink_to(tmp_path / "missing")
    code, _, err = sitegen("build", "--site", site)
    assert code == 0, err


# -- slugs ------------------------------------------------------------------------------------

HOSTILE_NAMES = [
    "../../etc/passwd",
    "/abs/path",
    "a\x00b",
    "con",
    "CON",
    "nul",
    "lpt1",
    "com¹",
    "aux.txt",
    "...",
    "",
    " ",
    "\u202e\u200b",
    "🔥",
    "🔥🔥",
    "注意力",
    "Ünïcode",
    "U\u0308ni\u0308code",
    "\\\\server\\share",
    "C:\\Windows",
    "a" * 500,
]
_SAFE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*-?")


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_slugs_of_hostile_names_are_safe_file_names(name: str) -> None:
    tried("slug")
    for slug in (
        tag_slug(name),
        author_slug(name),
        paper_slug(Path(name.replace("/", "_") + ".md")),
    ):
        assert slug and _SAFE.fullmatch(slug), (name, slug)
        assert slug.rstrip("-") not in WINDOWS_RESERVED or slug.endswith("-")
        assert len(slug) <= 90


def test_distinct_unsluggable_names_get_distinct_slugs_and_variants_meet() -> None:
    tried("slug")
    assert tag_slug("🔥") != tag_slug("🔥🔥")
    assert tag_slug("🔥") == tag_slug(" 🔥 ")
    assert tag_slug("Ünïcode") == tag_slug("U\u0308ni\u0308code")
    assert tag_slug("con") == "con-" and tag_slug("Con") == "con-"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_every_slug_is_a_safe_file_name(name: str) -> None:
    tried("slug")
    for slug in (tag_slug(name), author_slug(name)):
        assert _SAFE.fullmatch(slug) and slug not in WINDOWS_RESERVED


def test_site_of_hostile_file_names_and_tags_builds_inside_its_output(tmp_path: Path) -> None:
    tried("cover: hostile names site")
    names = ["con", "🔥", "注意力", "..", "\u202eevil", "nul-paper"]
    tags = tuple(t for t in HOSTILE_NAMES if t.strip() and "\x00" not in t)
    papers = {name: paper_text(f"Paper {i}", tags=tags) for i, name in enumerate(names)}
    site = new_site(tmp_path / "site", papers)
    code, _, err = sitegen("build", "--site", site)
    assert code == 0, err
    out = (site / "_site").resolve()
    for path in out.rglob("*"):
        rel = path.relative_to(out)
        assert path.resolve().is_relative_to(out)
        for part in rel.parts:
            stem = part.split(".")[0].casefold()
            assert stem not in WINDOWS_RESERVED, rel
            assert not re.search(r'[<>:"\\|?*\x00-\x1f]', part), rel
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert sorted(p.name for p in site.iterdir()) == [
        ".sitegen-cache",
        "_site",
        "content",
        "site.toml",
    ]


def test_raw_html_switch_is_read_from_site_toml(tmp_path: Path) -> None:
    text = textwrap.dedent(
        """\
        title = "x"
        raw_html = true
        """
    )
    (tmp_path / "site.toml").write_text(text, encoding="utf-8")
    assert load_config(tmp_path).raw_html is True
