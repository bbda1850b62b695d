"""`serve` makes a notes edit's site graph by swapping the paper into the last one: that
graph must equal the one `build_graph` makes of the edited papers, or not be made at all."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from sitegen.content.models import Paper
from sitegen.site.graph import SiteGraph, build_graph, with_papers


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
