"""Builds in separate runs reuse what the last one parsed and rendered (.sitegen-cache), on
every core; whatever the edit, the output equals a cold build of the same files."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import paper_text, run_sitegen
from test_incremental import EDITS, many_papers, snapshot, touch_later

from sitegen.build import papercache
from sitegen.build import pipeline as build_module
from sitegen.build.pipeline import Builder
from sitegen.build.result import BuildResult
from sitegen.config import CACHE_DIR, load_config
from sitegen.render import renderer as render


@pytest.fixture(params=["serial", "parallel"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs with work done here, and again split over forked workers."""
    if request.param == "parallel":
        monkeypatch.setattr(render, "PARALLEL_RENDER_FROM", 1)
        monkeypatch.setattr(papercache, "PARALLEL_PARSE_FROM", 1)
    return str(request.param)


def rendered_html(result: BuildResult) -> int:
    """HTML pages rendered (BuildResult.pages counts those; list/papers.js renders too)."""
    return sum(1 for path in result.rendered if path.endswith(".html"))


def fresh_build(site: Path) -> BuildResult:
    """A build by a new Builder, as a new `sitegen build` process makes it."""
    return Builder(site).build()


def cold_copy_build(site: Path, tmp_path: Path) -> Path:
    """The same files built from scratch elsewhere: no cache, no earlier output; only the
    paper map's layout comes along, which is history, not a cache of the papers (a point
    stays put as papers come and go: see site/layout.py)."""
    copy = tmp_path / "cold-site"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("_site", CACHE_DIR))
    if (site / CACHE_DIR / "layout.json").exists():
        (copy / CACHE_DIR).mkdir()
        shutil.copy(site / CACHE_DIR / "layout.json", copy / CACHE_DIR / "layout.json")
    Builder(copy).build()
    return copy / "_site"


ALL_EDITS: dict[str, Callable[[Path], object]] = {
    **EDITS,
    "notes only": lambda s: touch_later(
        s / "content/papers/p04.md",
        paper_text("Paper4 echo", "2025-01-05", ("nlp",), "Abstract4 echox.", "New notes."),
    ),
    "abstract only": lambda s: touch_later(
        s / "content/papers/p04.md",
        paper_text("Paper4 echo", "2025-01-05", ("nlp",), "A new abstract, echox."),
    ),
    "status only": lambda s: touch_later(
        s / "content/papers/p04.md",
        paper_text("Paper4 echo", "2025-01-05", ("nlp",), "Abstract4 echox.", status="read"),
    ),
    "renamed file": lambda s: (s / "content/papers/p04.md").rename(s / "content/papers/p4.md"),
    "alias in config": lambda s: touch_later(
        s / "site.toml", 'title = "T"\n[aliases]\n"nlp" = "language"\n'
    ),
    "theme item template": lambda s: touch_later(
        s / "templates/_paper_item.html", "<li>{{ paper.title }} ({{ root }})</li>\n"
    ),
}


@pytest.mark.parametrize("edit", sorted(ALL_EDITS))
def test_a_rebuild_after_any_edit_equals_a_cold_build(
    make_site: Callable[..., Path], tmp_path: Path, mode: str, edit: str
) -> None:
    site = make_site(many_papers())
    fresh_build(site)
    ALL_EDITS[edit](site)
    fresh_build(site)
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def test_a_new_run_renders_only_what_an_edit_shows(
    make_site: Callable[..., Path], mode: str
) -> None:
    site = make_site(many_papers())
    first = fresh_build(site)
    assert rendered_html(first) == first.pages
    assert fresh_build(site).rendered == ()
    ALL_EDITS["notes only"](site)
    again = fresh_build(site)
    assert again.rendered == ("papers/p04.html",)
    assert "New notes." in (site / "_site/papers/p04.html").read_text()


def test_a_page_removed_from_the_output_is_rendered_again(
    make_site: Callable[..., Path], mode: str
) -> None:
    site = make_site(many_papers())
    fresh_build(site)
    (site / "_site/papers/p02.html").unlink()
    (site / "_site/index.html").write_text("defaced")
    result = fresh_build(site)
    assert "papers/p02.html" in result.rendered
    assert "Paper2" in (site / "_site/papers/p02.html").read_text()


def test_damaged_caches_are_rebuilt_not_trusted(
    make_site: Callable[..., Path], tmp_path: Path, mode: str
) -> None:
    site = make_site(many_papers())
    fresh_build(site)
    caches = [
        site / CACHE_DIR / build_module.PAPERS_CACHE,
        site / CACHE_DIR / "companions.pickle",
        *(site / CACHE_DIR).glob("pages-*.json"),
    ]
    assert len(caches) == 3
    for path in caches:
        path.write_bytes(b"\x80\x05garbage{")
    ALL_EDITS["edit paper"](site)
    result = fresh_build(site)
    assert rendered_html(result) == result.pages  # nothing could be reused
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def test_caches_made_by_other_code_are_not_used(
    make_site: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(many_papers())
    fresh_build(site)
    monkeypatch.setattr(render, "code_fingerprint", lambda: "another sitegen")
    monkeypatch.setattr(papercache, "code_fingerprint", lambda: "another sitegen")
    result = fresh_build(site)
    assert rendered_html(result) == result.pages


def test_the_command_line_rebuild_writes_only_the_edited_page(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    site = make_site(many_papers())
    assert run_sitegen("build", "--site", site).code == 0
    ALL_EDITS["notes only"](site)
    run = run_sitegen("build", "--site", site)
    assert run.code == 0, run.err
    assert "papers/p04.html" in (site / "_site/.sitegen-manifest.json").read_text()
    written = int(re.search(r"(\d+) written", run.out).group(1))  # type: ignore[union-attr]
    # The page, and the search files its words are in: index.js, a term shard, its
    # positions, the vocabulary (words.js) and a store chunk.
    assert 1 <= written <= 6, run.out
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def test_listings_of_a_custom_item_template_follow_everything_it_shows(
    make_site: Callable[..., Path], mode: str
) -> None:
    site = make_site(many_papers())
    fresh_build(site)
    touch_later(
        site / "templates/_paper_item.html", "<li>{{ paper.title }}: {{ paper.notes_html }}</li>\n"
    )
    fresh_build(site)
    ALL_EDITS["notes only"](site)
    result = fresh_build(site)
    assert "index.html" in result.rendered
    assert "New notes." in (site / "_site/index.html").read_text()


def test_builds_into_two_output_folders_keep_their_own_page_caches(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    site = make_site(many_papers())
    fresh_build(site)
    Builder(site, tmp_path / "elsewhere").build()
    assert fresh_build(site).rendered == ()


@pytest.mark.parametrize(
    "edit", ["notes only", "edit paper", "retag paper", "add paper", "delete paper"]
)
def test_search_of_a_big_site_is_updated_or_built_in_a_spawned_process_the_same(
    make_site: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str
) -> None:
    """Big sites build the search index in a spawned process, or update the last one in the
    build's own process when papers were only edited (no process spawned then)."""
    site = make_site(many_papers())
    monkeypatch.setattr(build_module, "SPAWN_SEARCH_FROM", 1)
    fresh_build(site)
    ALL_EDITS[edit](site)
    spawned: list[bool] = []
    real_start = build_module.SearchJob.start

    def start(job: build_module.SearchJob) -> None:
        spawned.append(job.spawned)
        real_start(job)

    monkeypatch.setattr(build_module.SearchJob, "start", start)
    fresh_build(site)
    assert spawned == [edit in ("add paper", "delete paper")]
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def test_caches_kept_between_runs_know_a_paper_by_its_file_only_as_parsed(
    make_site: Callable[..., Path],
) -> None:
    site = make_site(many_papers())
    builder = Builder(site)
    graph, _ = builder.load(load_config(site), None)
    paper = graph.papers[0]
    assert builder.papers.key_of(paper) == (str(paper.path), paper.digest)
    changed = replace(paper, title="Another title")
    assert builder.papers.key_of(changed) is changed
