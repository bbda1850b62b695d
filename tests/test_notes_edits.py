"""An edit of a paper's notes alone re-renders that paper's page without checking every
other page (render/edits.py); whatever changed along with it, the output equals a cold build."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from test_build_cache import (
    cold_copy_build,
    fixed_points,
    linked_papers,
    replaced,
    retitled,
    same_topic,
)
from test_incremental import snapshot, touch_later

from sitegen.build.companions import CompanionCache
from sitegen.build.pipeline import Builder
from sitegen.build.result import BuildResult
from sitegen.content.models import Paper
from sitegen.render.pages import SitePages
from sitegen.site import graphcache

NOTES_EDIT = replaced("vision2", "Builds on", "Read again: builds on")
"""vision2's notes reworded (its link to vision1 kept): other pages show none of it."""
TAGS_PAGE = '{% extends "base.html" %}{% block content %}Tags, {{ paper_count }}{% endblock %}'
NEIGHBOUR_NOTES = """{% extends "base.html" %}{% block content %}{{ paper.notes_html }}
{{ newer.notes_html if newer }} {{ older.notes_html if older }}{% endblock %}"""
ITEM_NOTES = "<li>{{ paper.title }}: {{ paper.notes_html }}</li>\n"
TAG_ADDED = replaced("vision2", '"vision 0"', '"vision 0", "robots"')
"""vision2 gets a tag: its feed, .bib file and page, and every page listing tags, change."""


class Moving:
    """Related papers and map points that an edit may change along with the notes."""

    def __init__(self) -> None:
        self.shift = 0.0
        self.reverse = False

    def related(self, builder: Builder, papers: Sequence[Paper]) -> dict[str, tuple[str, ...]]:
        found = same_topic(builder, papers)
        return {s: tuple(reversed(r)) if self.reverse else r for s, r in found.items()}

    def points(self, builder: Builder, papers: Sequence[Paper]) -> dict[str, tuple[float, float]]:
        found = fixed_points(builder, papers)
        return {s: (x, y + self.shift) for s, (x, y) in found.items()}


@pytest.fixture
def moving(monkeypatch: pytest.MonkeyPatch) -> Iterator[Moving]:
    state = Moving()
    monkeypatch.setattr(
        Builder, "related_of", lambda builder, papers: state.related(builder, papers)
    )
    monkeypatch.setattr(Builder, "layout_of", lambda builder, papers: state.points(builder, papers))
    yield state


def _rebuilt_after_notes_edit(
    site: Path,
    monkeypatch: pytest.MonkeyPatch,
    owner: object,
    name: str,
    edit: Callable[[Path], object] = NOTES_EDIT,
) -> BuildResult:
    """The build after a notes edit to `site`, failing if it calls `owner.name`."""
    Builder(site).build()
    edit(site)

    def called(*_args: object, **_kwargs: object) -> None:
        raise AssertionError(f"{name} of {owner} was called")

    with monkeypatch.context() as patch:
        patch.setattr(owner, name, called)
        return Builder(site).build()


@pytest.mark.parametrize(
    ("owner", "name"),
    [(SitePages, "pages"), (CompanionCache, "files")],
    ids=["without checking every page", "without making the feeds and bib files"],
)
def test_a_notes_edit_renders_its_page_alone(
    make_site: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    moving: Moving,
    owner: object,
    name: str,
) -> None:
    site = make_site(linked_papers())
    again = _rebuilt_after_notes_edit(site, monkeypatch, owner, name)
    assert again.rendered == ("papers/vision2.html",)
    assert "Read again: builds on" in (site / "_site/papers/vision2.html").read_text()
    assert {"feed.xml", "papers.bib", "sitemap.xml"} <= set(snapshot(site / "_site"))
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))
    # The next builds, a notes edit again and a tag added (which makes the feeds), know the
    # kept files still.
    for edit in (replaced("vision2", "Read again", "Read twice"), TAG_ADDED):
        edit(site)
        Builder(site).build()
        assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))
    assert (site / "_site/tags/robots.xml").is_file()


def test_the_first_notes_of_a_paper_render_its_page_alone(
    make_site: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Where the notes start moves (the paper had none): shown by no page, only in warnings.
    site = make_site(linked_papers())
    path = site / "content/papers/vision0.md"
    first_notes = path.read_text().rstrip("\n") + "\n\n## Notes\n\nFirst read: see [[vision9]].\n"
    again = _rebuilt_after_notes_edit(
        site, monkeypatch, SitePages, "pages", lambda site: touch_later(path, first_notes)
    )
    assert again.rendered == ("papers/vision0.html",)
    assert [(w.path, w.line) for w in again.warnings] == [
        (path, 10)
    ]  # the line of the link to no paper
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def _other_out(site: Path) -> None:
    """The edit built into another output folder first (the paper cache has seen it)."""
    Builder(site, out=site.parent / "elsewhere").build()


def _retitled_elsewhere(site: Path, state: Moving) -> None:
    """A title edit seen by a build into another folder, then the notes edited again: the
    papers read before this build are not those the last build here saw."""
    retitled("vision2", "Vision paper two, renamed")(site)
    _other_out(site)
    replaced("vision2", "Read again", "Read anew")(site)


ALONG: dict[str, tuple[dict[str, str], Callable[[Path, Moving], object]]] = {
    "nothing": ({}, lambda site, state: None),
    "a link added to the notes": (
        {},
        lambda site, state: replaced("vision2", "Read again", "See [[speech1]]. Read")(site),
    ),
    "map points moved": ({}, lambda site, state: setattr(state, "shift", 0.05)),
    "related papers reordered": ({}, lambda site, state: setattr(state, "reverse", True)),
    "a site template changed": (
        {"templates/tags.html": TAGS_PAGE},
        lambda site, state: touch_later(
            site / "templates/tags.html", TAGS_PAGE.replace("Tags,", "All tags,")
        ),
    ),
    "a page removed from the output": (
        {},
        lambda site, state: (site / "_site/papers/vision1.html").unlink(),
    ),
    "a feed removed from the output": (
        {},
        lambda site, state: (site / "_site/tags/vision.xml").unlink(),
    ),
    "the .bib file removed from the output": (
        {},
        lambda site, state: (site / "_site/papers.bib").unlink(),
    ),
    "built into another folder first": ({}, lambda site, state: _other_out(site)),
    "retitled and built elsewhere first": ({}, _retitled_elsewhere),
    "the abstract edited too": (
        {},
        lambda site, state: replaced("vision2", "We study", "Lately we study")(site),
    ),
    "a tag added": ({}, lambda site, state: TAG_ADDED(site)),
    "the site's title changed": (
        {},
        lambda site, state: touch_later(
            site / "site.toml",
            (site / "site.toml").read_text().replace("Test reading list", "Another list"),
        ),
    ),
    "a front matter key added": (
        {},
        lambda site, state: replaced("vision2", "title:", "mood: happy\ntitle:")(site),
    ),
    "another paper deleted": (
        {},
        lambda site, state: (site / "content/papers/speech4.md").unlink(),
    ),
    "neighbours' notes shown by the site's paper page": (
        {"templates/paper.html": NEIGHBOUR_NOTES},
        lambda site, state: None,
    ),
    "notes shown by the site's listings": (
        {"templates/_paper_item.html": ITEM_NOTES},
        lambda site, state: None,
    ),
}
"""What changes along with vision2's notes: (the site's own templates, the other change)."""


def rebuilt_after(
    site: Path, edits: Sequence[Callable[[Path], object]], kept: bool
) -> Callable[[], BuildResult]:
    """`site` built, then changed by `edits` and built again: by the same Builder if `kept`,
    else by a new one (as a new run). Returns what builds it again the same way."""
    builder = Builder(site)
    builder.build()
    for edit in edits:
        edit(site)

    def build() -> BuildResult:
        return (builder if kept else Builder(site)).build()

    build()
    return build


@pytest.mark.parametrize("kept", [False, True], ids=["new run", "kept builder"])
@pytest.mark.parametrize("along", sorted(ALONG))
def test_a_notes_edit_with_anything_else_equals_a_cold_build(
    make_site: Callable[..., Path], tmp_path: Path, moving: Moving, along: str, kept: bool
) -> None:
    files, other = ALONG[along]
    site = make_site(linked_papers(), files)
    build = rebuilt_after(site, [NOTES_EDIT, lambda site: other(site, moving)], kept)
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))
    NOTES_EDIT(site)  # nothing to replace: the same text again, a newer file
    replaced("vision2", "Read again", "Read twice")(site)
    build()
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def test_a_record_of_the_last_render_of_another_shape_is_not_trusted(
    make_site: Callable[..., Path], tmp_path: Path, moving: Moving
) -> None:
    site = make_site(linked_papers())
    Builder(site).build()
    for cache in (site / ".sitegen-cache").glob("pages-*.pickle"):
        data = pickle.loads(cache.read_bytes())
        data["inputs"]["papers"] = sorted(data["inputs"]["papers"])
        cache.write_bytes(pickle.dumps(data))
    NOTES_EDIT(site)
    Builder(site).build()
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


MAP_MEMO_DAMAGE: dict[str, Callable[[list[list[object]]], object]] = {
    "a neighbour off the map": lambda rows: rows[2].__setitem__(1, len(rows)),
    "a negative neighbour": lambda rows: rows[2].__setitem__(1, -1),
    "a neighbour as text": lambda rows: rows[2].__setitem__(1, "1"),
    "a neighbour as a float": lambda rows: rows[2].__setitem__(1, 1.0),
    "a row too short": lambda rows: rows[2].pop(),
    "a row missing": lambda rows: rows.pop(),
    "a row not a list": lambda rows: rows.__setitem__(2, 3),
}
"""Damage to the small maps' neighbours that the last render left in the page cache."""


@pytest.mark.parametrize("damage", sorted(MAP_MEMO_DAMAGE))
def test_a_damaged_record_of_the_small_maps_is_not_trusted_by_a_notes_edit(
    make_site: Callable[..., Path], tmp_path: Path, moving: Moving, damage: str
) -> None:
    site = make_site(linked_papers())
    Builder(site).build()
    (cache,) = (site / ".sitegen-cache").glob("pages-*.pickle")
    data = pickle.loads(cache.read_bytes())
    (kind,) = [kind for kind in data["map"] if kind.startswith("nearest ")]
    MAP_MEMO_DAMAGE[damage](data["map"][kind])
    cache.write_bytes(pickle.dumps(data))
    NOTES_EDIT(site)
    assert Builder(site).build().rendered == ("papers/vision2.html",)
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


@pytest.mark.parametrize(
    ("edit", "made"),
    [(NOTES_EDIT, []), (retitled("vision2", "Vision paper two"), ["all"]), (TAG_ADDED, ["tags"])],
    ids=["notes", "title", "tag"],
)
def test_a_new_run_binds_the_last_graph_after_a_notes_edit(
    make_site: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    edit: Callable[[Path], object],
    made: list[str],
) -> None:
    """The graph is bound after a notes edit; after a retag, bound but for its tags."""
    site = make_site(linked_papers())
    Builder(site).build()
    edit(site)
    making: list[str] = []
    build_graph, gather_tags = graphcache.build_graph, graphcache.gather_tags
    monkeypatch.setattr(
        graphcache, "build_graph", lambda *a: making.append("all") or build_graph(*a)
    )
    monkeypatch.setattr(
        graphcache, "gather_tags", lambda *a: making.append("tags") or gather_tags(*a)
    )
    Builder(site).build()
    assert making == made
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))
    making.clear()
    Builder(site).build()  # what it kept is this build's graph: bound again, not made
    assert making == []
