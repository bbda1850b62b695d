"""Feeds, sitemap and .bib files made from the cache in `.sitegen-cache/` equal a cold
build's, whatever changed and whatever state the cache is in."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from conftest import paper_text
from test_build_cache import ALL_EDITS, cold_copy_build, fresh_build
from test_incremental import many_papers, snapshot, touch_later

from sitegen.build import companions
from sitegen.build import pipeline as build_module
from sitegen.build.companions import CompanionCache
from sitegen.build.pipeline import Builder
from sitegen.config import CACHE_DIR, load_config
from sitegen.content.models import Paper
from sitegen.render import feeds
from sitegen.render.bibtex import bib_file
from sitegen.render.renderer import Made, Unchanged

BASE_URL = 'title = "T"\nbase_url = "https://example.org/list/"\n'


def cache_rows(site: Path) -> sqlite3.Connection:
    return sqlite3.connect(site / CACHE_DIR / build_module.COMPANIONS_CACHE)


@pytest.mark.parametrize("edit", ["notes only", "date only", "add paper", "delete paper"])
def test_feeds_of_the_newest_papers_follow_every_edit(
    make_site: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    edit: str,
) -> None:
    """Feeds list the newest few papers: an edit can move a paper in or out of them."""
    monkeypatch.setattr(feeds, "FEED_SIZE", 3)
    site = make_site(many_papers(), config=BASE_URL)
    fresh_build(site)
    ALL_EDITS[edit](site)
    fresh_build(site)
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))
    assert (site / "_site/feed.xml").read_text().count("<entry>") == 3
    assert (site / "_site/sitemap.xml").is_file()


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE rows SET value = x'00ff' WHERE key = 'entries'",
        "UPDATE rows SET value = x'00ff' WHERE key LIKE 't:%'",
        "UPDATE rows SET value = 'not a text' WHERE key LIKE 't:%'",
        "UPDATE rows SET value = 'garbage' WHERE key LIKE 'f:%'",
        "DELETE FROM rows WHERE key LIKE 't:%'",
        "UPDATE rows SET value = CAST(replace(CAST(value AS TEXT), 'p0', 'q0') AS BLOB) "
        "WHERE key = 'entries'",
        "DROP TABLE rows",
        # A citation key changed, the row's shape kept: caught by the row's digest.
        "UPDATE rows SET value = CAST(replace(CAST(value AS TEXT), 'paper12025', 'paper92025')"
        " AS BLOB) WHERE key = 'entries'",
    ],
)
def test_damaged_rows_are_made_again_not_trusted(
    make_site: Callable[..., Path], tmp_path: Path, damage: str
) -> None:
    site = make_site(many_papers(), config=BASE_URL)
    fresh_build(site)
    with cache_rows(site) as db:
        db.execute(damage)
    db.close()
    ALL_EDITS["abstract only"](site)  # papers.bib and a feed must be made again
    fresh_build(site)
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))
    fresh_build(site)  # and the rows made again are right
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def test_a_cache_file_that_is_not_a_database_is_started_afresh(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    site = make_site(many_papers())
    fresh_build(site)
    (site / CACHE_DIR / build_module.COMPANIONS_CACHE).write_bytes(b"garbage" * 100)
    ALL_EDITS["retag paper"](site)
    fresh_build(site)
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))
    with cache_rows(site) as db:  # a database again, with every entry
        assert db.execute("SELECT count(*) FROM rows WHERE key LIKE 't:%'").fetchone()[0] == 12


def test_a_companion_file_removed_from_the_output_is_made_again(
    make_site: Callable[..., Path],
) -> None:
    site = make_site(many_papers())
    fresh_build(site)
    feed, bib = (site / "_site/feed.xml").read_bytes(), (site / "_site/papers.bib").read_bytes()
    (site / "_site/feed.xml").unlink()
    (site / "_site/papers.bib").unlink()
    fresh_build(site)
    assert (site / "_site/feed.xml").read_bytes() == feed
    assert (site / "_site/papers.bib").read_bytes() == bib


def test_only_the_files_an_edit_changes_are_made_and_sent_back(
    make_site: Callable[..., Path],
) -> None:
    """Files made from the same things as the output's are Unchanged: not made, not sent
    from the worker, not written."""
    site = make_site(many_papers())
    fresh_build(site)
    config = load_config(site)
    out = site / "_site"
    held = json.loads((out / ".sitegen-manifest.json").read_text())

    def run() -> dict[str, Made | Unchanged]:
        builder = Builder(site)
        graph, _ = builder.load(config, None)
        cache = CompanionCache(
            site / CACHE_DIR / build_module.COMPANIONS_CACHE, builder.papers.key_of
        )
        return cache.files(
            config, graph, builder.texts, lambda: held, lambda p, d: held.get(p) == d
        )

    assert [p for p, data in run().items() if not isinstance(data, Unchanged)] == []
    ALL_EDITS["retag paper"](site)  # p03: from vision to robots, a new tag page
    sent = {path for path, data in run().items() if isinstance(data, Made)}
    feeds_and_bibs = {
        f"tags/{tag}.{kind}" for tag in ("vision", "robots") for kind in ("xml", "bib")
    }
    assert sent == {"feed.xml", "papers.bib", "sitemap.xml", *feeds_and_bibs}


def _clashing(site: Path, slug: str, title: str, date: str, tags: tuple[str, ...]) -> None:
    """A paper whose citation key is `attention2025`, as those of `_clashing_papers`."""
    path = site / "content" / "papers" / f"{slug}.md"
    touch_later(path, paper_text(title, date, tags, f"About {slug}."))


def _clashing_papers() -> dict[str, str]:
    papers = many_papers()
    for n, day in enumerate(("2025-02-03", "2025-02-05")):
        papers[f"a{n}"] = paper_text(f"Attention {n}", day, ("nlp",), f"Abstract a{n}.")
    return papers


@pytest.mark.parametrize(
    ("edit", "keyed"),
    [
        # The older paper takes the plain key: the other two get letters anew.
        (lambda site: _clashing(site, "a2", "Attention 2", "2025-02-01", ("nlp",)), 3),
        (lambda site: (site / "content/papers/a0.md").unlink(), 1),
        (lambda site: _clashing(site, "a1", "Attention 1", "2025-02-05", ("vision",)), 2),
        (lambda site: _clashing(site, "a1", "Other 1", "2025-02-05", ("nlp",)), 2),
        (ALL_EDITS["abstract only"], 1),
    ],
    ids=["clashing paper added", "clashing paper gone", "retag", "title", "other paper"],
)
def test_citation_keys_are_made_again_for_the_clash_groups_an_edit_touches(
    make_site: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    edit: Callable[[Path], object],
    keyed: int,
) -> None:
    site = make_site(_clashing_papers(), config=BASE_URL)
    fresh_build(site)
    assert "@misc{attention2025a," in (site / "_site/papers.bib").read_text()
    counts = tmp_path / "counts"  # written by the worker that makes the .bib files
    entry_keys = companions.entry_keys

    def counting(papers: Sequence[Paper]) -> dict[str, str]:
        with counts.open("a") as file:
            file.write(f"{len(papers)}\n")
        return entry_keys(papers)

    monkeypatch.setattr(companions, "entry_keys", counting)
    edit(site)
    fresh_build(site)
    assert counts.read_text().split() == [str(keyed)]  # the groups touched, not every paper
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


@pytest.mark.parametrize(
    ("output", "taken"),
    [
        ("as written", True),
        ("edited by hand", False),
        ("removed", False),
        ("a link to a copy", False),
    ],
)
def test_papers_bib_made_again_takes_the_other_entries_from_the_output(
    make_site: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    output: str,
    taken: bool,
) -> None:
    """An edit makes papers.bib again for one paper's entry: the others are taken from the
    output's file, when it holds what the last build wrote (the cache's texts, deleted
    here, are then not needed); else they are made again. Either way as a cold build."""
    papers = many_papers()
    site = make_site(papers, config=BASE_URL)
    fresh_build(site)
    bib = site / "_site/papers.bib"
    with cache_rows(site) as db:
        db.execute("DELETE FROM rows WHERE key LIKE 't:%'")
    db.close()
    if output == "edited by hand":
        bib.write_bytes(bib.read_bytes().replace(b"Abstract1 ", b"Abstract 1 "))
    elif output == "removed":
        bib.unlink()
    elif output == "a link to a copy":  # the same bytes, outside: never read through a link
        (tmp_path / "copy.bib").write_bytes(bib.read_bytes())
        bib.unlink()
        bib.symlink_to(tmp_path / "copy.bib")
    made = tmp_path / "made"  # written by the worker that makes the .bib files
    paper_bibtex = companions.paper_bibtex

    def counting(paper: Paper, key: str) -> str:
        with made.open("a") as file:
            file.write(f"{paper.slug}\n")
        return paper_bibtex(paper, key)

    monkeypatch.setattr(companions, "paper_bibtex", counting)
    ALL_EDITS["retag paper"](site)  # p03: from vision to robots
    fresh_build(site)
    assert sorted(made.read_text().split()) == (["p03"] if taken else sorted(papers))
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def test_an_output_bib_is_split_into_its_entries_only_where_they_join() -> None:
    """An entry that held a join ("\n\n@": `paper_bibtex` writes "{@}" in a text) would
    make one more piece: such a file is not taken apart at all."""
    entries = [b"@misc{a,\n  note = {x}\n}\n", b"@misc{b,\n  note = {y}\n}\n"]
    data = bib_file(entries)
    assert [bytes(text) for text in companions._entry_texts(data, 2) or ()] == entries
    assert companions._entry_texts(data, 1) is None
    assert companions._entry_texts(data, 3) is None
    joined_inside = bib_file([b"@misc{a,\n  note = {x\n\n@b}\n}\n", entries[1]])
    assert companions._entry_texts(joined_inside, 2) is None
    assert companions._entry_texts(b"", 0) is None
