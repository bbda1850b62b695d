"""`serve` makes a notes edit's site graph by swapping the paper into the last one: that
graph must equal the one `build_graph` makes of the edited papers, or not be made at all."""

from __future__ import annotations

import datetime as dt
import pickle
from dataclasses import replace
from pathlib import Path

import pytest

from sitegen.content.models import Paper
from sitegen.fingerprint import digest
from sitegen.site import graphcache
from sitegen.site.graph import SiteGraph, build_graph, with_papers
from sitegen.site.graphcache import GraphCache


def paper(
    slug: str, day: int, tags: tuple[str, ...], authors: tuple[str, ...], notes: str
) -> Paper:
    return Paper(
        slug=slug,
        title=f"Title {slug}",
        date=dt.date(2025, 1, day),
        abstract=f"Abstract of {slug}. More.",
        notes=notes,
        tags=tags,
        authors=authors,
        path=Path(f"/site/content/papers/{slug}.md"),
    )


PAPERS = [
    paper("a", 1, ("nlp", "vision"), ("Ann Lee", "Bo Chen"), "Notes of a, see [[b]]."),
    paper("b", 2, ("nlp",), ("Bo Chen",), "Notes of b."),
    paper("c", 3, ("vision",), ("Cy Dee",), "Notes of c, see [[a]] and [[Title b]]."),
    paper("d", 3, ("vision", "Vision"), ("Ann Lee",), "Notes of d: [[nowhere]]."),
    paper("e", 4, (), (), ""),
]

EDITS = {
    # name: (slug, changes, whether the graph can be swapped)
    "notes": ("b", {"notes": "Notes of b, longer now."}, True),
    "notes, same links": ("c", {"notes": "New words, see [[a]] and [[b]] still."}, True),
    "notes of a paper without any": ("e", {"notes": "First notes."}, True),
    "abstract and status": ("a", {"abstract": "Other.", "status": "read"}, True),
    "link added": ("b", {"notes": "Now [[e]]."}, False),
    "link removed": ("a", {"notes": "No link."}, False),
    "unresolved link added": ("b", {"notes": "[[no such paper]]"}, False),
    "a warned paper's notes": ("d", {"notes": "Notes of d: [[nowhere]]!"}, False),
    "title": ("b", {"title": "Retitled"}, False),
    "date": ("b", {"date": dt.date(2025, 1, 9)}, False),
    "tags": ("b", {"tags": ("nlp", "robots")}, False),
    "tags of a warned paper": ("d", {"tags": ("vision",)}, False),
    "tags, moving a warned paper's notes": ("d", {"tags": ("nlp",), "notes_line": 9}, False),
    "authors": ("b", {"authors": ("Bo Chen", "Di Ng")}, False),
}


def assert_same_graph(made: SiteGraph, expected: SiteGraph) -> None:
    assert made == expected
    # Same order wherever the pages iterate, and the new objects (equal fields) throughout.
    assert list(made.paper_tags) == list(expected.paper_tags)
    assert list(made.links.incoming) == list(expected.links.incoming)
    shown = {id(p) for p in made.papers}
    listed = [p for t in made.tags for p in t.papers] + [p for a in made.authors for p in a.papers]
    listed += [p for group in made.links.incoming.values() for p in group]
    assert all(id(p) in shown for p in listed)


@pytest.mark.parametrize("edit", EDITS)
def test_a_swapped_graph_equals_a_graph_made_afresh(edit: str) -> None:
    slug, changes, swappable = EDITS[edit]
    old = build_graph(PAPERS)
    edited = [replace(p, **changes) if p.slug == slug else p for p in PAPERS]
    made = with_papers(old, edited)
    assert (made is not None) == swappable
    if made is not None:
        assert_same_graph(made, build_graph(edited))


def test_a_swapped_graph_takes_several_edits_and_a_placed_graph() -> None:
    placed_before = build_graph(PAPERS, {"a": ["b"], "b": ["a"]}, (), {"a": (0.5, 0.5)})
    edited = [replace(p, notes=p.notes + " Edited.") if p.slug in "abc" else p for p in PAPERS]
    made = with_papers(placed_before, edited)
    assert made is not None
    assert_same_graph(made, build_graph(edited))


def test_no_graph_is_swapped_when_papers_come_or_go() -> None:
    old = build_graph(PAPERS)
    assert with_papers(old, PAPERS[:-1]) is None
    assert with_papers(old, [*PAPERS[:-1], replace(PAPERS[-1], slug="f")]) is None
    assert with_papers(old, [*PAPERS, PAPERS[-1]]) is None
    assert with_papers(old, [*PAPERS[:-1], PAPERS[0]]) is None


def _read(papers: list[Paper]) -> list[Paper]:
    """`papers` as read from their files: each with the digest of its text."""
    return [replace(p, digest=digest(p)) for p in papers]


RETAGS = {"tags", "tags of a warned paper"}
"""The edits whose new graph is bound but for its tags, gathered afresh: the others that
cannot be swapped make it all afresh (a warned paper's notes moved: its warning's line)."""


@pytest.mark.parametrize("edit", EDITS)
def test_a_new_runs_graph_bound_from_the_last_one_equals_a_graph_made_afresh(
    edit: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slug, changes, swappable = EDITS[edit]
    last = GraphCache(tmp_path)
    last.get(_read(PAPERS), (), {})
    last.save()
    edited = _read([replace(p, **changes) if p.slug == slug else p for p in PAPERS])
    made: list[str] = []
    monkeypatch.setattr(graphcache, "build_graph", lambda *a: made.append("all") or build_graph(*a))
    gather = graphcache.gather_tags
    monkeypatch.setattr(graphcache, "gather_tags", lambda *a: made.append("tags") or gather(*a))
    # As read by the next run: the edited paper's file read again, the old paper kept aside.
    before = {p.slug: p for p in _read(PAPERS) if p.slug == slug}
    graph = GraphCache(tmp_path).get(edited, (), before)
    assert made == ([] if swappable else ["tags"] if edit in RETAGS else ["all"])
    assert_same_graph(graph, build_graph(edited))
    assert graph.warnings == build_graph(edited).warnings


@pytest.mark.parametrize(
    "change",
    ["aliases", "a paper read again unseen", "a paper gone", "damaged file", "damaged graph"],
)
def test_a_graph_is_made_afresh_when_the_kept_one_cannot_be_trusted(
    change: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    papers = _read(PAPERS)
    last = GraphCache(tmp_path)
    last.get(papers, (), {})
    last.save()
    edited = _read([replace(p, notes="Edited.") if p.slug == "b" else p for p in PAPERS])
    aliases: tuple[tuple[str, str], ...] = ()
    before = {"b": papers[1]}
    if change == "aliases":
        aliases = (("ml", "nlp"),)
    elif change == "a paper read again unseen":
        before = {}
    elif change == "a paper gone":
        edited = edited[:-1]
    elif change == "damaged file":
        (tmp_path / graphcache.CACHE_FILE).write_bytes(b"\x80\x05garbage")
    else:
        stamp, digests, skeleton, tags = pickle.loads(
            (tmp_path / graphcache.CACHE_FILE).read_bytes()
        )
        damaged = (stamp, digests, skeleton, tags[: len(tags) // 2])
        (tmp_path / graphcache.CACHE_FILE).write_bytes(pickle.dumps(damaged))
    made: list[int] = []
    monkeypatch.setattr(graphcache, "build_graph", lambda *a: made.append(1) or build_graph(*a))
    graph = GraphCache(tmp_path).get(edited, aliases, before)
    assert made == [1]
    assert_same_graph(graph, build_graph(edited, None, aliases))


def _kept_by_a_first_run(folder: Path) -> list[Paper]:
    """The papers as read, their graph kept in `folder` by a first run."""
    papers = _read(PAPERS)
    last = GraphCache(folder)
    last.get(papers, (), {})
    last.save()
    return papers


def test_a_retag_keeps_the_graph_without_its_tags_and_binds_it_next_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    papers = _kept_by_a_first_run(tmp_path)
    made: list[str] = []
    skeleton_of = graphcache.skeleton_of
    monkeypatch.setattr(graphcache, "skeleton_of", lambda g: made.append("") or skeleton_of(g))
    # A retag, then a notes edit of the same paper: each by a new run.
    retagged = _read([replace(p, tags=("robots",)) if p.slug == "b" else p for p in PAPERS])
    cache = GraphCache(tmp_path)
    assert_same_graph(cache.get(retagged, (), {"b": papers[1]}), build_graph(retagged))
    cache.save()
    assert made == []  # its papers' order, authors and links: kept as they were
    noted = _read([replace(p, notes=p.notes + " More.") if p.slug == "b" else p for p in retagged])
    graph = GraphCache(tmp_path).get(noted, (), {"b": retagged[1]})
    assert_same_graph(graph, build_graph(noted))


def test_a_retag_with_a_damaged_skeleton_makes_and_keeps_a_sound_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    papers = _kept_by_a_first_run(tmp_path)
    stamp, digests, skeleton, tags = pickle.loads((tmp_path / graphcache.CACHE_FILE).read_bytes())
    damaged = (stamp, digests, skeleton[: len(skeleton) // 2], tags)
    (tmp_path / graphcache.CACHE_FILE).write_bytes(pickle.dumps(damaged))
    retagged = _read([replace(p, tags=("robots",)) if p.slug == "b" else p for p in PAPERS])
    cache = GraphCache(tmp_path)
    assert_same_graph(cache.get(retagged, (), {"b": papers[1]}), build_graph(retagged))
    cache.save()
    made: list[int] = []
    monkeypatch.setattr(graphcache, "build_graph", lambda *a: made.append(1) or build_graph(*a))
    more = {"tags": ("robots",), "notes": "Notes of b. More."}
    noted = _read([replace(p, **more) if p.slug == "b" else p for p in PAPERS])
    graph = GraphCache(tmp_path).get(noted, (), {"b": retagged[1]})
    assert made == []  # the skeleton kept after the retag is whole: bound
    assert_same_graph(graph, build_graph(noted))
