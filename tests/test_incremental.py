"""A kept Builder re-renders only what an edit affects, and its output equals a cold build."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import paper_text

from sitegen import urls
from sitegen.build import build, build_stamp
from sitegen.build.pipeline import Builder
from sitegen.build.result import BuildResult
from sitegen.build.stamp import unchanged_build
from sitegen.errors import ContentError
from sitegen.output.writer import MANIFEST
from sitegen.search import assets as search_assets
from sitegen.serve import rebuilds
from sitegen.serve.incremental import IncrementalBuilder, SlowInputs, compute_slow_parts
from sitegen.site import graphcache

WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
]


def rendered_html(result: BuildResult) -> int:
    """HTML pages rendered (BuildResult.pages counts those; list/papers.js renders too)."""
    return sum(1 for path in result.rendered if path.endswith(".html"))


def many_papers(count: int = 12) -> dict[str, str]:
    # No two papers share a word, so no paper is "related" to another: an edit's reach
    # is then exactly the pages that show the edited paper.
    return {
        f"p{i:02d}": paper_text(
            f"Paper{i} {WORDS[i]}",
            f"2025-01-{i + 1:02d}",
            ("vision",) if i % 2 else ("nlp",),
            f"Abstract{i} {WORDS[i]}x.",
        )
        for i in range(count)
    }


def touch_later(path: Path, text: str) -> None:
    # Same-size edits inside one mtime tick must still be seen.
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, ns=(before + 10_000_000, before + 10_000_000))


def snapshot(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and not p.name.startswith(".sitegen")
    }


def on_small_maps(site: Path, slug: str) -> set[str]:
    """The paper pages whose small map ("papers near this one") shows paper `slug`."""
    return {
        f"papers/{page.name}"
        for page in (site / "_site" / "papers").glob("*.html")
        if page.name != f"{slug}.html"
        and f'href="../papers/{slug}.html"' in page.read_text().partition('class="nearby-map"')[2]
    }


def in_regions(site: Path, slug: str) -> set[str]:
    """The map's region pages that list paper `slug`."""
    return {
        f"map/{page.name}"
        for page in (site / "_site" / "map").glob("region-*.html")
        if f'href="../papers/{slug}.html"' in page.read_text()
    }


def test_one_paper_edit_re_renders_only_the_pages_that_show_it(make_site):
    site = make_site(many_papers())
    builder = Builder(site)
    first = builder.build()
    assert rendered_html(first) == first.pages
    paper = site / "content" / "papers" / "p05.md"
    touch_later(
        paper, paper.read_text().replace("Abstract5 foxtrotx.", "Abstract5 foxtrotx edited.")
    )
    before = on_small_maps(site, "p05") | in_regions(site, "p05")
    second = builder.build()
    # The first sentence shows in the lists (the queue's too) and the cards' summary file
    # that holds it. The list data file, which holds no abstract, is keyed by its papers'
    # files (10,000 fields fingerprinted cost more than making it again after the rare
    # abstract edit). An abstract edit moves the paper's point on the map: the map's data,
    # its region's page and centre (in the map's tag file) and the small maps that show it
    # (before or after) change too.
    assert set(second.rendered) == {
        "papers/p05.html",
        "index.html",
        "tags/vision.html",
        "queue.html",
        "list/summaries-0.js",
        "list/papers.js",
        "map/data.js",
        "map/tags.js",
        *before,
        *on_small_maps(site, "p05"),
        *in_regions(site, "p05"),
    }
    assert "edited" in (site / "_site" / "papers" / "p05.html").read_text()


def test_a_status_edit_re_renders_the_first_home_page_and_the_papers_own(
    make_site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the first home page counts statuses (and tags): a paper read changes it and the
    page that lists the paper, not every later page of the list."""
    from test_build_cache import cold_copy_build

    monkeypatch.setattr(urls, "LIST_PAGE_SIZE", 2)
    site = make_site(many_papers())
    builder = Builder(site)
    builder.build()
    paper = site / "content" / "papers" / "p05.md"
    touch_later(paper, paper.read_text().replace("\ntags:", "\nstatus: read\ntags:", 1))
    rendered = set(builder.build().rendered)
    homes = {path for path in rendered if path == "index.html" or path.startswith("page/")}
    assert homes == {urls.home_page(1), urls.home_page(4)}  # p05 is the 7th newest
    assert "papers/p05.html" in rendered
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def test_title_edit_also_re_renders_the_neighbours(make_site):
    site = make_site(many_papers())
    builder = Builder(site)
    builder.build()
    paper = site / "content" / "papers" / "p05.md"
    touch_later(paper, paper.read_text().replace("Paper5 foxtrot", "Paper5 Foxtrot renamed"))
    before = on_small_maps(site, "p05") | in_regions(site, "p05")
    rendered = set(builder.build().rendered)
    assert rendered == {
        "papers/p05.html",
        "papers/p04.html",
        "papers/p06.html",
        "index.html",
        "tags/vision.html",
        "queue.html",
        "list/papers.js",
        "map/data.js",
        "map/tags.js",
        *before,
        *on_small_maps(site, "p05"),
        *in_regions(site, "p05"),
    }


def test_unchanged_rebuild_renders_nothing(make_site):
    site = make_site(many_papers())
    builder = Builder(site)
    builder.build()
    again = builder.build()
    assert again.rendered == ()
    assert again.write.written == 0


EDITS = {
    "edit paper": lambda s: touch_later(
        s / "content/papers/p03.md", paper_text("New title", "2025-02-01", ("nlp",))
    ),
    "retag paper": lambda s: touch_later(
        s / "content/papers/p03.md", paper_text("Paper 3", "2025-01-04", ("robots",))
    ),
    "delete paper": lambda s: (s / "content/papers/p07.md").unlink(),
    "add paper": lambda s: touch_later(
        s / "content/papers/zz.md", paper_text("Brand new", "2026-01-01", ("vision",))
    ),
    "template": lambda s: touch_later(
        s / "templates/paper.html",
        '{% extends "base.html" %}{% block content %}<h1>{{ paper.title }}!</h1>{% endblock %}',
    ),
    "static": lambda s: touch_later(s / "static/style.css", "body{color:red}"),
    "config": lambda s: touch_later(s / "site.toml", 'title = "Renamed site"\n'),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_incremental_output_equals_a_cold_build(make_site, tmp_path, edit):
    site = make_site(many_papers())
    builder = Builder(site)
    builder.build()
    EDITS[edit](site)
    builder.build()
    cold = tmp_path / "cold"
    build(site, cold)
    assert snapshot(site / "_site") == snapshot(cold)


def test_watcher_narrowed_rebuilds_see_creations_deletions_and_keep_errors(make_site):
    site = make_site(many_papers())
    papers = (site / "content" / "papers").resolve()
    builder = Builder(site)
    builder.build()
    (papers / "p01.md").unlink()
    (papers / "new.md").write_text(paper_text("New one", "2026-01-01", ("nlp",)))
    result = builder.build(changed={papers / "p01.md", papers / "new.md"})
    assert result.papers == 12
    assert not (site / "_site" / "papers" / "p01.html").exists()
    assert (site / "_site" / "papers" / "new.html").is_file()
    (papers / "bad.md").write_text("---\ntitle: [x\n---\n")
    with pytest.raises(ContentError):
        builder.build(changed={papers / "bad.md"})
    # The broken file is still reported when the next change is elsewhere.
    touch_later(papers / "p02.md", paper_text("P2 edited", "2025-01-03", ("nlp",)))
    with pytest.raises(ContentError) as err:
        builder.build(changed={papers / "p02.md"})
    assert "bad.md:2" in str(err.value)


def test_quick_update_writes_only_the_edited_page_and_the_full_build_agrees(make_site, tmp_path):
    site = make_site(many_papers())
    papers = (site / "content" / "papers").resolve()
    builder = IncrementalBuilder(site)
    builder.build()
    before = snapshot(site / "_site")
    touch_later(papers / "p05.md", (papers / "p05.md").read_text() + "\n## Notes\n\nA new note.\n")
    assert builder.quick_update({papers / "p05.md"}) == ["papers/p05.html"]
    after_quick = snapshot(site / "_site")
    assert {p for p in after_quick if after_quick[p] != before.get(p)} == {"papers/p05.html"}
    assert "A new note." in after_quick["papers/p05.html"].decode()
    full = builder.build(changed={papers / "p05.md"}, defer_slow=True)
    assert "papers/p05.html" not in full.write.changed_paths  # already written, same bytes
    builder.build(changed=set())  # the search index catches up
    build(site, tmp_path / "cold")
    assert snapshot(site / "_site") == snapshot(tmp_path / "cold")


def test_quick_update_declines_when_listings_would_change(make_site):
    site = make_site(many_papers())
    papers = (site / "content" / "papers").resolve()
    builder = IncrementalBuilder(site)
    builder.build()
    text = (papers / "p05.md").read_text()
    touch_later(papers / "p05.md", text.replace("Paper5 foxtrot", "Paper5 retitled"))
    assert builder.quick_update({papers / "p05.md"}) == []
    touch_later(papers / "p05.md", text.replace('tags: ["vision"]', 'tags: ["robots"]'))
    assert "robots" in (papers / "p05.md").read_text()
    assert builder.quick_update({papers / "p05.md"}) == []


def test_a_build_after_a_quick_update_and_a_revert_equals_a_cold_build(make_site, tmp_path):
    # serve writes the edited page, tells the tabs, then records the page in the output's
    # manifest: a later build (serve stopped before its full pass) must trust that record.
    site = make_site(many_papers())
    papers = (site / "content" / "papers").resolve()
    builder = IncrementalBuilder(site)
    builder.build()
    original = (papers / "p05.md").read_text()
    touch_later(papers / "p05.md", original + "\n## Notes\n\nA passing note.\n")
    assert builder.quick_update({papers / "p05.md"}) == ["papers/p05.html"]
    builder.record_quick()
    touch_later(papers / "p05.md", original)  # the edit undone
    result = build(site)
    assert "papers/p05.html" in result.write.changed_paths
    assert "A passing note." not in (site / "_site" / "papers" / "p05.html").read_text()
    build(site, tmp_path / "cold")
    assert snapshot(site / "_site") == snapshot(tmp_path / "cold")


def test_the_search_catch_up_after_a_notes_edit_remakes_that_paper_alone(
    make_site, tmp_path, monkeypatch
):
    # serve's catch-up (in another process) updates the index the last build cached: only
    # the edited paper's search document is made again, and the site equals a cold build.
    site = make_site(many_papers())
    papers = (site / "content" / "papers").resolve()
    builder = IncrementalBuilder(site)
    builder.build()
    touch_later(papers / "p05.md", (papers / "p05.md").read_text() + "\n## Notes\n\nQuokkas.\n")
    assert builder.quick_update({papers / "p05.md"}) == ["papers/p05.html"]
    builder.build(changed={papers / "p05.md"}, defer_slow=True)
    inputs = builder.slow_inputs()
    assert inputs is not None
    made: list[str] = []
    to_document = search_assets.to_document
    monkeypatch.setattr(
        search_assets,
        "to_document",
        lambda paper, texts: made.append(paper.slug) or to_document(paper, texts),
    )
    builder.offer_search(inputs.papers, compute_slow_parts(inputs))
    assert made == ["p05"]
    builder.build(changed=set(), defer_slow=True)  # as the catch-up's poke asks
    assert not builder.deferred
    assert "quokka" in (site / "_site" / "search" / "index.js").read_text()
    build(site, tmp_path / "cold")
    assert snapshot(site / "_site") == snapshot(tmp_path / "cold")


def test_a_notes_edit_under_serve_swaps_the_paper_into_the_last_graph(
    make_site, tmp_path, monkeypatch
):
    # The follow-up pass of a notes edit makes no graph afresh, and its site (backlinks,
    # tag and author pages included) equals a cold build; a tag edit makes one afresh.
    texts = many_papers()
    texts["p03"] = texts["p03"] + "\n## Notes\n\nSee [[p05]].\n"
    site = make_site(texts)
    papers = (site / "content" / "papers").resolve()
    builder = IncrementalBuilder(site)
    builder.build()
    made: list[int] = []
    build_graph = graphcache.build_graph
    monkeypatch.setattr(
        graphcache,
        "build_graph",
        lambda papers, *rest: made.append(1) or build_graph(papers, *rest),
    )
    text = (papers / "p03.md").read_text()
    touch_later(papers / "p03.md", text + "\nMore, still about [[p05]].\n")
    assert builder.quick_update({papers / "p03.md"}) == ["papers/p03.html"]
    builder.build(changed={papers / "p03.md"}, defer_slow=True)
    builder.build(changed=set())
    assert made == []
    build(site, tmp_path / "cold")  # makes its own graph
    assert snapshot(site / "_site") == snapshot(tmp_path / "cold")
    made.clear()
    touch_later(papers / "p03.md", text.replace('tags: ["vision"]', 'tags: ["robots"]'))
    builder.build(changed={papers / "p03.md"})
    assert made == [1]
    build(site, tmp_path / "cold2")
    assert snapshot(site / "_site") == snapshot(tmp_path / "cold2")


def test_serve_records_its_build_once_the_catch_up_completes_it(make_site, monkeypatch):
    # `sitegen build` after `serve` skips when serve's last pass left the output complete:
    # not after a notes edit's follow-up pass (search and related papers owed), but after
    # the catch-up pass that pays them.
    monkeypatch.setattr(rebuilds, "RELOAD_GRACE", 0)
    site = make_site(many_papers())
    papers = (site / "content" / "papers").resolve()
    live = rebuilds.LiveSite(IncrementalBuilder(site), lambda message: None)
    owed: list[SlowInputs] = []
    monkeypatch.setattr(live, "_start_slow", owed.append)

    def build_would_skip() -> bool:
        out = (site / "_site").resolve()
        return unchanged_build(site, out, build_stamp(site, out)) is not None

    live.rebuild(None)
    assert build_would_skip()
    touch_later(papers / "p05.md", (papers / "p05.md").read_text() + "\n## Notes\n\nWombats.\n")
    live.rebuild({papers / "p05.md"})
    assert not build_would_skip()
    [inputs] = owed
    live.builder.offer_search(inputs.papers, compute_slow_parts(inputs))
    live.rebuild(set())  # as the catch-up's poke asks
    assert build(site).skipped


def test_a_build_is_skipped_only_while_the_output_holds_every_file_it_listed(make_site):
    site = make_site({"a": paper_text("A", tags=("x",)), "b": paper_text("B", "2025-01-01")})
    assert not build(site).skipped
    assert build(site).skipped
    (site / "_site" / "tags" / "x.html").unlink()  # a file of the last build, gone
    assert not build(site).skipped
    assert "A" in (site / "_site" / "tags" / "x.html").read_text()
    (site / "_site" / "mine.txt").write_text("a file of the user's, beside the build's")
    assert build(site).skipped
    (site / "_site" / "papers").rename(site / "_site" / "moved")
    assert not build(site).skipped
    assert (site / "_site" / "papers" / "b.html").is_file()
    # What a build killed after its commit leaves beside the output: cleared by the next.
    staging = site / "._site.sitegen-staging"
    staging.mkdir()
    (staging / MANIFEST).write_text("{}")
    assert not build(site).skipped
    assert not staging.exists() and build(site).skipped
