"""An edit of papers' tags (and notes) checks the pages that are not a paper's, and of the
papers' pages only those that can show the tags changed (render/edits.py); whatever changed
along with it, the output equals a cold build."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import paper_text
from test_build_cache import cold_copy_build, linked_papers, replaced, retitled
from test_incremental import snapshot, touch_later
from test_notes_edits import NOTES_EDIT, TAG_ADDED, Moving, moving, rebuilt_after

from sitegen import urls
from sitegen.build.pipeline import Builder
from sitegen.content.models import Paper
from sitegen.render import listing, renderer
from sitegen.render.pages import Page, SitePages
from sitegen.theme import theme_dir

__all__ = ["moving"]  # the fixture, for pytest

SHARED_TAG_ADDED = replaced("vision1", '"vision 1"]', '"vision 1", "vision 0"]')
"""vision1 gets the tag of vision0, vision2 and vision4, whose pages list it as a related
paper with the tags they share: theirs change, vision3's does not."""


def _keyed_papers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The slugs of the papers whose pages are checked from now on, in order."""
    keyed: list[str] = []
    shows = SitePages._paper_shows

    def recording(pages: SitePages, index: int, paper: Paper) -> tuple[str, ...]:
        keyed.append(paper.slug)
        return shows(pages, index, paper)

    monkeypatch.setattr(SitePages, "_paper_shows", recording)
    return keyed


@pytest.mark.parametrize("kept", [False, True], ids=["new run", "kept builder"])
@pytest.mark.parametrize(
    ("edit", "checked", "rendered"),
    [
        # Every vision paper lists vision2 as related; "robots" is shared with none of them.
        (TAG_ADDED, {"vision0", "vision1", "vision2", "vision3", "vision4"}, {"vision2"}),
        (
            SHARED_TAG_ADDED,
            {"vision0", "vision1", "vision2", "vision3", "vision4"},
            {"vision0", "vision1", "vision2", "vision4"},
        ),
    ],
    ids=["tag of its own", "tag shared with related papers"],
)
def test_a_retag_checks_only_the_paper_pages_that_show_the_paper(
    make_site: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    moving: Moving,
    edit: Callable[[Path], object],
    checked: set[str],
    rendered: set[str],
    kept: bool,
) -> None:
    site = make_site(linked_papers())
    builder = Builder(site)
    builder.build()
    edit(site)
    keyed = _keyed_papers(monkeypatch)
    result = (builder if kept else Builder(site)).build()
    assert set(keyed) == checked
    pages = {p.removeprefix("papers/").removesuffix(".html") for p in result.rendered}
    assert pages & {f"{topic}{n}" for topic in ("vision", "speech") for n in range(5)} == rendered
    assert "tags/vision.html" in result.rendered  # a listing of the paper, with its tags
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def _respelled(site: Path) -> None:
    """ "vision 1" spelled "Vision 1" by vision1: a tie between its two papers, which "V"
    wins, so vision3's page names it anew too."""
    replaced("vision1", '"vision 1"]', '"Vision 1"]')(site)


ALONG: dict[str, tuple[dict[str, str], Callable[[Path, Moving], object]]] = {
    "nothing": ({}, lambda site, state: None),
    "notes edited too": ({}, lambda site, state: NOTES_EDIT(site)),
    "its status too": (
        {},
        lambda site, state: replaced("vision2", "\ntags:", "\nstatus: reading\ntags:")(site),
    ),
    "another paper's status": (
        {},
        lambda site, state: replaced("speech1", "\ntags:", "\nstatus: read\ntags:")(site),
    ),
    "a shared tag added to another paper": ({}, lambda site, state: SHARED_TAG_ADDED(site)),
    "a tag respelled on another paper": ({}, lambda site, state: _respelled(site)),
    "a tag taken from its last paper": (
        {},
        lambda site, state: replaced("speech3", '"speech 1"]', "]")(site),
    ),
    "map points moved": ({}, lambda site, state: setattr(state, "shift", 0.05)),
    "related papers reordered": ({}, lambda site, state: setattr(state, "reverse", True)),
    "a site template changed": (
        {"templates/tags.html": "{{ paper_count }}"},
        lambda site, state: touch_later(site / "templates/tags.html", "{{ paper_count }}!"),
    ),
    "a paper page removed from the output": (
        {},
        lambda site, state: (site / "_site/papers/speech1.html").unlink(),
    ),
    "a tag page removed from the output": (
        {},
        lambda site, state: (site / "_site/tags/speech.html").unlink(),
    ),
    "the title of another paper changed": (
        {},
        lambda site, state: replaced("speech2", "Speech paper 2", "Speech paper two")(site),
    ),
    "another paper deleted": (
        {},
        lambda site, state: (site / "content/papers/speech4.md").unlink(),
    ),
}
"""What changes along with vision2's new tag: (the site's own templates, the other change)."""


@pytest.mark.parametrize("kept", [False, True], ids=["new run", "kept builder"])
@pytest.mark.parametrize("along", sorted(ALONG))
def test_a_retag_with_anything_else_equals_a_cold_build(
    make_site: Callable[..., Path], tmp_path: Path, moving: Moving, along: str, kept: bool
) -> None:
    files, other = ALONG[along]
    site = make_site(linked_papers(), files)
    build = rebuilt_after(site, [TAG_ADDED, lambda site: other(site, moving)], kept)
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))
    # The tag taken back off: the tag's pages, feed and .bib file go.
    replaced("vision2", '"vision 0", "robots"', '"vision 0"')(site)
    build()
    assert not (site / "_site/tags/robots.html").exists()
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def _listed_site() -> dict[str, str]:
    """Seven papers, p6 the newest, listed two a page (see `_checked_pages`): the home pages
    list p6 p5 | p4 p3 | p2 p1 | p0; "alpha" p4 p3 | p2 p1 | p0, "beta" p6 p5, "gamma"
    p3 p2 | p1. Ada Lovelace wrote p3 and p1, Alan Turing p3, Grace Hopper the others."""
    tags = {0: ("alpha",), 1: ("alpha", "gamma"), 2: ("alpha", "gamma"), 3: ("alpha", "gamma")}
    tags |= {4: ("alpha",), 5: ("beta",), 6: ("beta",)}
    authors = {1: '["Ada Lovelace"]', 3: '["Ada Lovelace", "Alan Turing"]'}
    papers = {}
    for n in range(7):
        text = paper_text(f"Paper {n}", f"2025-01-0{n + 1}", tags[n], f"Abstract {n}.")
        byline = authors.get(n, '["Grace Hopper"]')
        papers[f"p{n}"] = text.replace("tags:", f"authors: {byline}\ntags:", 1)
    return papers


def _checked_pages(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The pages fingerprinted from now on, by path; lists two papers a page."""
    checked: set[str] = set()
    page_key = renderer._page_key

    def recording(template_fp: str, item_fp: str, page: Page) -> str:
        checked.add(page.path)
        return page_key(template_fp, item_fp, page)

    monkeypatch.setattr(renderer, "_page_key", recording)
    return checked


UNTOUCHED = {
    urls.home_page(1),
    urls.home_page(3),
    urls.home_page(4),
    urls.tag_page("alpha", 2),
    urls.tag_page("alpha", 3),
    urls.author_page("grace-hopper"),
    urls.list_summaries(0),
    urls.STATS,
    urls.AUTHOR_INDEX,
    urls.NOT_FOUND,
    urls.SEARCH,
}
"""The pages a retag of p3 (from gamma to beta) leaves be: they list neither p3 nor a tag
whose papers changed, and show no tag."""


@pytest.mark.parametrize("kept", [False, True], ids=["new run", "kept builder"])
@pytest.mark.parametrize(
    ("new_tag", "checked_too"),
    [("beta", set()), ("delta", {urls.home_page(1)})],
    ids=["to another tag", "to a new tag (the first home page counts the tags)"],
)
def test_a_retag_fingerprints_only_the_listings_that_show_what_it_changed(
    make_site: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    new_tag: str,
    checked_too: set[str],
    kept: bool,
) -> None:
    monkeypatch.setattr(urls, "LIST_PAGE_SIZE", 2)
    site = make_site(_listed_site())
    builder = Builder(site)
    builder.build()
    replaced("p3", '"alpha", "gamma"', f'"alpha", "{new_tag}"')(site)
    checked = _checked_pages(monkeypatch)
    result = (builder if kept else Builder(site)).build()
    # p3's entry: its home page, alpha's first page (alpha keeps its papers), its authors';
    # beta and gamma gained or lost a paper: every page of theirs.
    retagged = {urls.tag_page(new_tag), urls.tag_page("gamma")}
    listing_p3 = {urls.home_page(2), urls.tag_page("alpha"), urls.author_page("ada-lovelace")}
    assert listing_p3 | {urls.author_page("alan-turing")} | retagged <= checked
    assert checked & UNTOUCHED == checked_too
    # The tag files hold every paper's tags: rendered, their keys not made. The data files
    # hold none: kept, unchecked.
    assert {urls.LIST_TAGS, urls.MAP_TAGS} <= set(result.rendered) - checked
    assert not {urls.LIST_DATA, urls.MAP_DATA} & (set(result.rendered) | checked)
    assert not (site / "_site" / urls.tag_page("gamma", 2)).exists()
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


@pytest.mark.parametrize("kept", [False, True], ids=["new run", "kept builder"])
def test_a_status_edit_fingerprints_only_the_pages_that_show_or_count_statuses(
    make_site: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kept: bool,
) -> None:
    """p3 read: its page, the listings that list it, the first home page, the queue, the
    stats and its tags' pages (their timelines count statuses) are checked; no other
    paper's page nor listing; the data files, which hold every paper's status, are
    rendered unkeyed, and the tag files kept."""
    monkeypatch.setattr(urls, "LIST_PAGE_SIZE", 2)
    site = make_site(_listed_site())
    builder = Builder(site)
    builder.build()
    replaced("p3", "\ntags:", "\nstatus: read\nread: 2025-02-01\ntags:")(site)
    checked = _checked_pages(monkeypatch)
    result = (builder if kept else Builder(site)).build()
    tag_pages = {urls.tag_page(slug, n) for slug, n in [("alpha", 1), ("alpha", 2), ("gamma", 1)]}
    listing_p3 = {
        urls.home_page(2),
        urls.author_page("ada-lovelace"),
        urls.author_page("alan-turing"),
    }
    counting = {urls.home_page(1), urls.QUEUE, urls.STATS}
    assert {urls.paper_page("p3")} | listing_p3 | counting | tag_pages <= checked
    assert not {p for p in checked if p.startswith("papers/")} - {urls.paper_page("p3")}
    untouched = {urls.home_page(3), urls.home_page(4), urls.author_page("grace-hopper")}
    assert not checked & (untouched | {urls.tag_page("beta")})
    assert {urls.LIST_DATA, urls.MAP_DATA} <= set(result.rendered) - checked
    assert not {urls.LIST_TAGS, urls.MAP_TAGS} & (set(result.rendered) | checked)
    assert "read" in (site / "_site" / urls.STATS).read_text()
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def test_a_status_edit_counts_anew_in_the_queue_a_paper_it_does_not_show(
    make_site: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queue shows the first of each part and how many it has: p3, read long ago, is
    shown in neither part before or after, but both counts change."""
    monkeypatch.setattr(listing, "QUEUE_LENGTH", 1)
    papers = _listed_site()
    for slug in ("p5", "p6"):
        papers[slug] = papers[slug].replace("\ntags:", "\nstatus: read\nread: 2025-03-01\ntags:")
    site = make_site(papers)
    Builder(site).build()
    replaced("p3", "\ntags:", "\nstatus: read\nread: 2025-02-01\ntags:")(site)
    result = Builder(site).build()
    assert (
        urls.QUEUE in result.rendered and "p3.html" not in (site / "_site/queue.html").read_text()
    )
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def test_the_tag_files_a_retag_rendered_unkeyed_are_rendered_by_the_next_full_check(
    make_site: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a retag the list's and the map's tag files are kept without a key: a later
    build that checks every page (here: another 404 template) renders them again, once,
    then keeps them."""
    monkeypatch.setattr(urls, "LIST_PAGE_SIZE", 2)
    site = make_site(_listed_site())
    Builder(site).build()
    replaced("p3", '"alpha", "gamma"', '"alpha", "beta"')(site)
    Builder(site).build()
    data_files = {urls.LIST_TAGS, urls.MAP_TAGS}
    not_found = (theme_dir() / "templates" / "404.html").read_text()
    for n in range(2):
        (site / "templates").mkdir(exist_ok=True)
        touch_later(site / "templates" / "404.html", not_found + f"<!-- {n} -->\n")
        rendered = set(Builder(site).build().rendered)
        assert urls.NOT_FOUND in rendered
        assert rendered & data_files == (data_files if n == 0 else set())
        assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def test_a_new_run_makes_the_list_data_row_of_the_edited_paper_alone(
    make_site: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The list data holds a row of every paper: a new run that knows no row (a new
    process) takes those of the papers it reads from its cache from there, and makes the
    edited paper's alone; the file is a cold build's."""
    site = make_site(linked_papers())
    Builder(site).build()
    retitled("vision2", "Vision paper two, renamed")(site)
    monkeypatch.setattr(listing, "_ROW_PARTS", {})
    made: list[str] = []
    ends = listing._row_ends

    def recording(paper: Paper) -> tuple[list[object], list[object]]:
        made.append(paper.slug)
        return ends(paper)

    monkeypatch.setattr(listing, "_row_ends", recording)
    result = Builder(site).build()
    assert urls.LIST_DATA in result.rendered
    assert made == ["vision2"]
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))
