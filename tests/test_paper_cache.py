"""The parsed papers kept between runs (`.sitegen-cache/papers.sqlite`): one row per file, and
a run writes only the rows of files changed since the last one; a row is trusted only while
its file keeps the size and time it was parsed at. Whatever happened in between, the output
equals a cold build."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import paper_text, run_sitegen
from test_build_cache import cold_copy_build, fresh_build
from test_incremental import many_papers, snapshot, touch_later

import sitegen.build as build_door
from sitegen import urls
from sitegen.build import papercache
from sitegen.build.pipeline import PAPERS_CACHE
from sitegen.config import CACHE_DIR
from sitegen.content import markdown
from sitegen.content.models import Paper
from sitegen.content.papers import load_paper
from sitegen.site import related


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files each build parses (few files: all parsed in this process)."""
    names: list[str] = []
    real = papercache.load_paper

    def load_paper(path: Path) -> tuple[Paper, object]:
        names.append(path.name)
        return real(path)

    monkeypatch.setattr(papercache, "load_paper", load_paper)
    return names


def touch(path: Path) -> None:
    """A file saved again unchanged: a later time, the same text."""
    touch_later(path, path.read_text())


PAPERS = "content/papers"
EDITS: dict[str, tuple[Callable[[Path], object], list[str]]] = {
    "notes edited": (
        lambda s: touch_later(s / PAPERS / "p04.md", (s / PAPERS / "p04.md").read_text() + "x\n"),
        ["p04.md"],
    ),
    "touched, unchanged": (lambda s: touch(s / PAPERS / "p04.md"), ["p04.md"]),
    "renamed": (lambda s: (s / PAPERS / "p04.md").rename(s / PAPERS / "p4.md"), ["p4.md"]),
    "deleted": (lambda s: (s / PAPERS / "p04.md").unlink(), []),
    "added": (
        lambda s: touch_later(s / PAPERS / "zz.md", paper_text("Brand new", "2026-01-01")),
        ["zz.md"],
    ),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_run_parses_the_files_changed_since_the_last_run_and_keeps_them(
    make_site: Callable[..., Path], tmp_path: Path, parsed: list[str], edit: str
) -> None:
    site = make_site(many_papers())
    fresh_build(site)
    change, expected = EDITS[edit]
    change(site)
    parsed.clear()
    fresh_build(site)
    assert parsed == expected
    parsed.clear()
    fresh_build(site)
    assert parsed == []  # the rows of the changed files were written
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def test_a_file_deleted_then_restored_at_its_old_size_and_time_is_read_again(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    """The row of a deleted file goes with it: a file at the same path later, however alike
    its size and time, is parsed (`cp -p` of another version, a backup restored)."""
    site = make_site(many_papers())
    paper = site / PAPERS / "p04.md"
    fresh_build(site)
    old_text, old = paper.read_text(), paper.stat()
    paper.unlink()
    fresh_build(site)
    paper.write_text(old_text.replace("Paper4 echo", "Paper4 ecko"))
    os.utime(paper, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert paper.stat().st_size == old.st_size
    fresh_build(site)
    assert "Paper4 ecko" in (site / "_site/papers/p04.html").read_text()
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def _damage_row(cache: Path) -> None:
    with sqlite3.connect(cache) as db:
        db.execute("UPDATE rows SET value = X'8005' WHERE key LIKE '%p04.md'")
    db.close()


DAMAGES: dict[str, tuple[Callable[[Path], object], list[str]]] = {
    "a damaged row": (_damage_row, ["p04.md"]),
    "a truncated file": (lambda c: c.write_bytes(c.read_bytes()[: c.stat().st_size // 2]), []),
    "not a database": (lambda c: c.write_bytes(b"\x80\x05garbage{"), []),
    "an empty file": (lambda c: c.write_bytes(b""), []),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_cache_is_read_again_not_trusted_and_then_repaired(
    make_site: Callable[..., Path], tmp_path: Path, parsed: list[str], damage: str
) -> None:
    site = make_site(many_papers())
    fresh_build(site)
    spoil, reparsed = DAMAGES[damage]
    spoil(site / CACHE_DIR / PAPERS_CACHE)
    touch_later(site / PAPERS / "p03.md", paper_text("New title", "2025-02-01", ("nlp",)))
    parsed.clear()
    fresh_build(site)
    every = {f"{slug}.md" for slug in many_papers()}
    assert set(parsed) == ({"p03.md", *reparsed} if reparsed else every)
    parsed.clear()
    fresh_build(site)
    assert parsed == []
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def test_a_citation_key_follows_an_edited_first_author_and_title_across_runs(
    make_site: Callable[..., Path],
) -> None:
    site = make_site(many_papers())
    assert run_sitegen("build", "--site", site).code == 0
    text = paper_text("The Analytical Engine", "2025-01-04")
    touch_later(site / PAPERS / "p03.md", text.replace("tags:", "authors: [Ada Lovelace]\ntags:"))
    run = run_sitegen("build", "--site", site)
    assert run.code == 0, run.err
    assert "@misc{lovelace2025analytical," in (site / "_site/papers/p03.html").read_text()
    assert "@misc{lovelace2025analytical," in (site / "_site/papers.bib").read_text()


def test_a_paper_saved_just_after_the_build_took_its_stamp_is_read_by_the_next_build(
    make_site: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`sitegen build` checks the papers against the stats its input stamp took: a file
    saved in between may be built as it was, but the next build is not skipped and reads it."""
    site = make_site(many_papers())
    build_door.build(site)
    paper = site / PAPERS / "p04.md"
    take_stamp = build_door.build_stamp

    def stamp_then_save(*args: object) -> str:
        stamp = take_stamp(*args)  # type: ignore[arg-type]
        touch_later(paper, paper.read_text() + "Saved meanwhile.\n")
        return stamp

    monkeypatch.setattr(build_door, "build_stamp", stamp_then_save)
    build_door.build(site)
    monkeypatch.undo()
    assert not build_door.build(site).skipped
    assert "Saved meanwhile." in (site / "_site" / "papers" / "p04.html").read_text()
    assert build_door.build(site).skipped
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def test_summaries_and_text_digests_are_kept_with_the_papers_and_follow_an_edit(
    make_site: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Listings show every paper's first sentence, and related papers and the map check
    every paper's text digest: a run takes those of unchanged papers from the cache, and
    makes the edited paper's where it parses the file."""
    site = make_site(many_papers())
    fresh_build(site)
    abstract = "A *new* first sentence, see www.example.org. And more."
    touch_later(site / PAPERS / "p04.md", paper_text("Paper4 echo", "2025-01-05", (), abstract))

    def made_again(*texts: str) -> str:
        raise AssertionError(f"made outside the parse: {texts!r}")

    related._TEXT_DIGESTS.clear()  # as in a new process
    monkeypatch.setattr(markdown, "first_sentence", made_again)
    digest_of_texts = related._digest_of_texts
    monkeypatch.setattr(related, "_digest_of_texts", made_again)
    monkeypatch.setattr(
        papercache, "text_digest", lambda paper: digest_of_texts(paper.title, paper.abstract)
    )
    fresh_build(site)
    summaries = (site / "_site" / urls.list_summaries(0)).read_text()
    assert '"A new first sentence, see www.example.org."' in summaries
    assert "And more" not in summaries
    home = BeautifulSoup((site / "_site/index.html").read_text(), "html.parser")
    shown = [p.get_text() for p in home.select("p.summary")]
    assert "A new first sentence, see www.example.org." in shown
    monkeypatch.undo()
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def test_a_paper_read_from_the_cache_equals_the_paper_parsed_from_its_file(
    make_site: Callable[..., Path],
) -> None:
    """The cache keeps days as ordinals and sources as tuples: every kind of value comes
    back as the parse made it, a source's datetime and an unknown key's date too."""
    site = make_site(many_papers())
    path = site / PAPERS / "p04.md"
    front, body = path.read_text().split("\n---\n", 1)
    more = (
        "status: read\nread: 2025-02-03\nseen: 2024-12-31\nsources:\n"
        "- {file: a.txt, kind: daily-papers, listed: 2025-01-02, imported: 2025-01-03}\n"
        "- {file: b.bib, kind: bibtex, listed: 2025-01-04 10:30:00, key: smith2025}"
    )
    touch_later(path, f"{front}\n{more}\n---\n{body}")
    fresh_build(site)
    parsed, _ = load_paper(path)
    cache = papercache.PaperCache(markdown.MarkdownTexts(), site, site / CACHE_DIR / PAPERS_CACHE)
    cached = {p.slug: p for p in cache.load(site / PAPERS)[0]}["p04"]
    assert parsed.read == dt.date(2025, 2, 3) and parsed.extra["seen"] == dt.date(2024, 12, 31)
    assert [type(s.listed) for s in parsed.sources] == [dt.date, dt.datetime]
    assert cache.before == {}  # from the cache file, not parsed again
    assert cached == parsed and cached.extra == parsed.extra
    assert [type(s.listed) for s in cached.sources] == [dt.date, dt.datetime]


def test_a_pipe_named_like_a_paper_is_not_read(make_site: Callable[..., Path]) -> None:
    """Only regular files are papers: reading a pipe would wait for a writer forever."""
    site = make_site(many_papers())
    os.mkfifo(site / PAPERS / "pipe.md")
    run = run_sitegen("build", "--site", site)
    assert run.code == 0, run.err
    assert not (site / "_site" / "papers" / "pipe.html").exists()
    assert (site / "_site" / "papers" / "p04.html").is_file()
