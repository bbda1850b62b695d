"""The files a build makes beside its pages (feeds, sitemap, .bib) are written by the worker
process that makes them, not sent back whole: each one is still written exactly once, a side
job that fails leaves the last good output, and one whose worker dies is done again here."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import paper_text

from sitegen.build import pipeline
from sitegen.build.companions import CompanionCache
from sitegen.build.pipeline import Builder
from sitegen.errors import SiteError
from sitegen.output.writer import MANIFEST, OutputWriter, Staged
from sitegen.render.renderer import Renderer
from sitegen.search import assets as search_assets
from sitegen.workers import forked
from sitegen.workers.forked import can_fork

SITE_TOML = 'title = "Side jobs"\nbase_url = "https://example.org/"\n'


def papers() -> dict[str, str]:
    return {
        f"paper-{n}": paper_text(
            f"Paper {n}", f"2025-0{1 + n % 9}-1{n % 10}", ("vision", f"topic {n % 3}"), "Text."
        )
        for n in range(6)
    }


def files_of(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def companion(path: str) -> bool:
    """A file the companions side job makes (not a page, search or static file)."""
    return path.endswith((".bib", ".xml", ".txt"))


def patch_stage(
    monkeypatch: pytest.MonkeyPatch, after: Callable[[str], None]
) -> Callable[..., Staged]:
    """OutputWriter.stage calls `after(path)` once a file is staged (in whatever process)."""
    stage = OutputWriter.stage

    def staged_then(
        self: OutputWriter, path: str, data: bytes, digest: str | None = None
    ) -> Staged:
        result = stage(self, path, data, digest)
        after(path)
        return result

    monkeypatch.setattr(OutputWriter, "stage", staged_then)
    return stage


@pytest.mark.usefixtures("single_threaded")
def test_side_job_files_are_written_by_a_worker_once_each(make_site, tmp_path, monkeypatch):
    site = make_site(papers(), config=SITE_TOML)
    log = tmp_path / "staged.log"
    main = os.getpid()

    def note(path: str) -> None:
        with open(log, "a", encoding="utf-8") as file:  # appends from every process
            file.write(f"{os.getpid()} {path}\n")

    patch_stage(monkeypatch, note)
    result = Builder(site).build()
    out = files_of(site / "_site")
    staged = [line.split(" ", 1) for line in log.read_text().splitlines()]
    side = [(pid, path) for pid, path in staged if companion(path)]
    assert {path for _, path in side} >= {"sitemap.xml", "robots.txt", "feed.xml"}
    assert any(path.endswith(".bib") for _, path in side)
    assert sorted(path for _, path in side) == sorted({path for _, path in side})  # once each
    if can_fork():
        assert all(int(pid) != main for pid, _ in side)  # not sent back to be written here
    for _, path in side:
        assert out[path]  # in the output, not empty
    changed = result.write.changed_paths
    assert len(changed) == len(set(changed)) == len(out)


def test_a_failing_side_job_leaves_the_last_good_output(make_site, monkeypatch):
    site = make_site(papers(), config=SITE_TOML)
    Builder(site).build()
    before = files_of(site / "_site")
    (site / "content" / "papers" / "paper-9.md").write_text(
        paper_text("A new paper", "2025-09-09", ("vision",), "New.")
    )

    def fail_at_bib(path: str) -> None:
        if path.endswith(".bib"):  # after the feeds are staged
            raise SiteError(f"cannot write {path}")

    patch_stage(monkeypatch, fail_at_bib)
    with pytest.raises(SiteError, match=r"cannot write .*\.bib"):
        Builder(site).build()
    assert files_of(site / "_site") == before
    assert [p.name for p in site.iterdir() if "staging" in p.name] == []


@pytest.mark.usefixtures("single_threaded")
def test_a_side_job_whose_worker_dies_is_done_again_here(make_site, tmp_path, monkeypatch):
    site = make_site(papers(), config=SITE_TOML)
    Builder(site).build()
    expected = files_of(site / "_site")
    main = os.getpid()

    def die_in_worker(path: str) -> None:
        if path.endswith(".bib") and os.getpid() != main:
            os._exit(1)  # a worker killed after staging some of the job's files

    patch_stage(monkeypatch, die_in_worker)
    (site / "_site" / "feed.xml").unlink()  # rebuilt below, as the cold build made it
    Builder(site).build()
    assert files_of(site / "_site") == expected


def built_as_big_site(
    make_site: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, dict[str, bytes]]:
    """A small site built, then taken for a big one (its search in a process of its own)."""
    site = make_site(papers(), config=SITE_TOML)
    Builder(site).build()
    monkeypatch.setattr(pipeline, "SPAWN_SEARCH_FROM", 1)
    return site, files_of(site / "_site")


def note_hand_over(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The input files `hand_over` writes for a spawned search, as it writes them."""
    handed: list[Path] = []
    hand_over = pipeline.hand_over

    def noted(*args: object) -> Path:
        handed.append(hand_over(*args))  # type: ignore[arg-type]
        return handed[-1]

    monkeypatch.setattr(pipeline, "hand_over", noted)
    return handed


def cold_build(site: Path, in_place: bool = False) -> dict[str, bytes]:
    shutil.rmtree(site / ".sitegen-cache")
    shutil.rmtree(site / "_site")
    Builder(site, in_place=in_place).build()
    return files_of(site / "_site")


def test_the_spawned_search_reads_its_input_from_a_file_it_then_removes(make_site, monkeypatch):
    # `serve`'s builds (in place) start a big site's search once the pages render.
    site, expected = built_as_big_site(make_site, monkeypatch)
    handed = note_hand_over(monkeypatch)
    assert cold_build(site, in_place=True) == expected
    assert len(handed) == 1 and handed[0].parent == site / ".sitegen-cache"
    assert not handed[0].exists()


@pytest.mark.skipif(not can_fork(), reason="forks a process")
@pytest.mark.usefixtures("single_threaded")
def test_a_big_site_forks_its_search_once_its_papers_are_read(make_site, monkeypatch):
    site, expected = built_as_big_site(make_site, monkeypatch)
    handed = note_hand_over(monkeypatch)
    order: list[str] = []
    fork, related_of = pipeline.SearchJob.fork, Builder.related_of
    monkeypatch.setattr(
        pipeline.SearchJob, "fork", lambda job, *more: order.append("search") or fork(job, *more)
    )
    monkeypatch.setattr(
        Builder, "related_of", lambda b, ps: order.append("related") or related_of(b, ps)
    )
    assert cold_build(site) == expected
    assert order == ["search", "related"] and handed == []  # inherited, nothing handed over


@pytest.mark.skipif(not can_fork(), reason="forks a process")
@pytest.mark.usefixtures("single_threaded")
def test_a_forked_search_that_dies_is_done_again_here(make_site, monkeypatch):
    site, expected = built_as_big_site(make_site, monkeypatch)
    main, build_search_assets = os.getpid(), search_assets.build_search_assets

    def die_in_child(*args: object, **kwargs: object) -> dict[str, bytes]:
        if os.getpid() != main:
            os._exit(1)
        return build_search_assets(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(search_assets, "build_search_assets", die_in_child)
    assert cold_build(site) == expected


@pytest.mark.skipif(not can_fork(), reason="forks a process")
@pytest.mark.usefixtures("single_threaded")
def test_a_build_that_fails_stops_the_search_it_forked(make_site, monkeypatch):
    linking = paper_text("Linking", notes="See [[a paper not added yet]].")
    site = make_site({**papers(), "linking": linking}, config=SITE_TOML)
    monkeypatch.setattr(pipeline, "SPAWN_SEARCH_FROM", 1)
    monkeypatch.setattr(
        search_assets, "build_search_assets", lambda *args, **kwargs: time.sleep(60)
    )
    with pytest.raises(SiteError):
        Builder(site, strict=True).build()  # the link to no paper is a warning: an error here
    assert multiprocessing.active_children() == []


@pytest.mark.usefixtures("single_threaded")
def test_a_build_that_renders_its_pages_here_forks_a_worker_a_side_job_only(make_site, monkeypatch):
    """Too few pages to hand out are rendered in the build's own process: a worker forked
    for them would only idle (each fork of a big site's build process costs time)."""
    site = make_site(papers(), config=SITE_TOML)
    sizes: list[int] = []
    side_jobs: list[int] = []
    real_pool, real_run = forked.ProcessPoolExecutor, Renderer._run

    def pool(workers: int, **kwargs: object) -> object:
        sizes.append(workers)
        return real_pool(workers, **kwargs)

    def run(self: Renderer, job: object, *args: object) -> object:
        side_jobs.append(len(job.side_jobs))  # type: ignore[attr-defined]
        return real_run(self, job, *args)

    monkeypatch.setattr(forked, "ProcessPoolExecutor", pool)
    monkeypatch.setattr(Renderer, "_run", run)
    monkeypatch.setattr(forked, "worker_count", lambda: 4)
    Builder(site).build()
    assert side_jobs and 0 < side_jobs[0] < 4
    assert sizes == side_jobs
    assert files_of(site / "_site")["feed.xml"]


def note_staging(monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
    """Each file staged is logged with the process that staged it (every process appends)."""

    def note(path: str) -> None:
        with open(log, "a", encoding="utf-8") as file:
            file.write(f"{os.getpid()} {path}\n")

    patch_stage(monkeypatch, note)


def note_staged_by_search(monkeypatch: pytest.MonkeyPatch, folder: Path) -> Path:
    """A file written once the forked search process stages companion files."""
    there = folder / "staged-by-search"
    stage = pipeline.stage_side_files

    def noted(*args: object) -> object:
        there.write_text("staged")
        return stage(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "stage_side_files", noted)
    return there


def claims_in_turn(monkeypatch: pytest.MonkeyPatch, folder: Path, here_first: bool) -> None:
    """Who is free first to make the companion files (`SearchJob.claim`), made sure of: the
    other process claims them only once the first has (it then finds them taken)."""
    main, claimed = os.getpid(), folder / "claimed"
    claim = pipeline.SearchJob.claim

    def in_turn(job: pipeline.SearchJob) -> bool:
        first = (os.getpid() == main) == here_first
        deadline = time.monotonic() + 60
        while not first and not claimed.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        took = claim(job)
        if first:
            claimed.write_text(str(took))
        return took

    monkeypatch.setattr(pipeline.SearchJob, "claim", in_turn)


def retag(site: Path) -> None:
    (site / "content" / "papers" / "paper-2.md").write_text(
        paper_text("Paper 2", "2025-03-12", ("robots", "topic 2"), "Text.")
    )


@pytest.mark.skipif(not can_fork(), reason="forks a process")
@pytest.mark.usefixtures("single_threaded")
@pytest.mark.parametrize("config", [SITE_TOML, 'title = "No sitemap"\n'], ids=["sitemap", "none"])
@pytest.mark.parametrize("here_first", [False, True], ids=["search free first", "build free first"])
def test_a_big_site_retag_makes_its_companions_in_the_process_free_first(
    make_site, tmp_path, monkeypatch, config, here_first
):
    """The forked search process makes the feeds and .bib files once the index is made
    (a sitemap waits for the build to tell it the pages), unless the build's process is
    done with its few pages first: then it makes them. Either way the retag forks no
    worker at all, and the files are made once."""
    site = make_site(papers(), config=config)
    monkeypatch.setattr(pipeline, "SPAWN_SEARCH_FROM", 1)
    there = note_staged_by_search(monkeypatch, tmp_path)
    Builder(site).build()
    there.unlink(missing_ok=True)  # a first build's: see the test below
    retag(site)
    claims_in_turn(monkeypatch, tmp_path, here_first)
    pools: list[int] = []
    real_pool = forked.ProcessPoolExecutor
    monkeypatch.setattr(
        forked, "ProcessPoolExecutor", lambda n, **kw: pools.append(n) or real_pool(n, **kw)
    )
    log = tmp_path / "staged.log"
    note_staging(monkeypatch, log)
    result = Builder(site).build()
    staged = [line.split(" ", 1) for line in log.read_text().splitlines()]
    side = {path: int(pid) for pid, path in staged if companion(path)}
    assert {"papers.bib", "tags/robots.bib", "tags/robots.xml"} <= side.keys()
    assert ("sitemap.xml" in side) == ("base_url" in config)  # a new tag page: listed
    assert (os.getpid() in side.values()) == here_first and len(set(side.values())) == 1
    assert there.exists() != here_first
    assert pools == [] and len(result.rendered) < 20
    assert "robots" in (site / "_site" / "papers.bib").read_text()
    assert not list((site / ".sitegen-cache").glob("page-paths-*"))
    assert files_of(site / "_site") == cold_build(site)


@pytest.mark.skipif(not can_fork(), reason="forks a process")
@pytest.mark.usefixtures("single_threaded")
@pytest.mark.parametrize("here_first", [False, True], ids=["search free first", "build free first"])
def test_a_big_site_first_build_makes_its_companions_in_the_process_free_first(
    make_site, tmp_path, monkeypatch, here_first
):
    """A first build renders every page, so the forked search process is told at once that
    the feeds and .bib files are wanted: it makes them after its index (while the build
    lays out the map), unless the build's process is done with its pages first. A later
    full render, which knew its last pages only once it read them, makes them beside its
    pages, as before."""
    site = make_site(papers(), config=SITE_TOML)
    monkeypatch.setattr(pipeline, "SPAWN_SEARCH_FROM", 1)
    there = note_staged_by_search(monkeypatch, tmp_path)
    claims_in_turn(monkeypatch, tmp_path, here_first)
    log = tmp_path / "staged.log"
    note_staging(monkeypatch, log)
    Builder(site).build()
    staged = [line.split(" ", 1) for line in log.read_text().splitlines()]
    side = {path: int(pid) for pid, path in staged if companion(path)}
    assert {"sitemap.xml", "feed.xml", "papers.bib"} <= side.keys()
    assert (os.getpid() in side.values()) == here_first and len(set(side.values())) == 1
    assert there.exists() != here_first
    first = files_of(site / "_site")
    there.unlink(missing_ok=True)
    toml = site / "site.toml"
    toml.write_text(toml.read_text().replace("Side jobs", "Side jobs, renamed"))
    log.unlink()
    Builder(site).build()  # every page shows the title: all rendered again
    staged = [line.split(" ", 1) for line in log.read_text().splitlines()]
    assert "feed.xml" in {path for _, path in staged}  # the feeds show the title
    assert not there.exists()
    assert files_of(site / "_site") == cold_build(site) != first


@pytest.mark.skipif(not can_fork(), reason="forks a process")
@pytest.mark.usefixtures("single_threaded")
@pytest.mark.parametrize("lost", [False, True], ids=["output whole", "a feed lost"])
def test_a_big_site_notes_edit_makes_no_companion_file_in_the_search_process(
    make_site, tmp_path, monkeypatch, lost
):
    """After an edit of notes alone the output keeps the last feeds and .bib files: the
    forked search process is told not to make them. When the output lost one, they are
    made beside the page, as before."""
    site, _ = built_as_big_site(make_site, monkeypatch)
    Builder(site).build()  # now with the forked search's cache
    path = site / "content" / "papers" / "paper-3.md"
    path.write_text(path.read_text() + "\n## Notes\n\nRead again.\n")
    if lost:
        (site / "_site" / "feed.xml").unlink()
    log, made = tmp_path / "staged.log", tmp_path / "made.log"
    note_staging(monkeypatch, log)
    there = note_staged_by_search(monkeypatch, tmp_path)
    files = CompanionCache.files

    def noted(*args: object, **kwargs: object) -> object:
        with open(made, "a", encoding="utf-8") as file:
            file.write(f"{os.getpid()}\n")
        return files(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(CompanionCache, "files", noted)
    result = Builder(site).build()
    staged = [line.split(" ", 1) for line in log.read_text().splitlines()]
    side = {int(pid) for pid, path in staged if companion(path)}
    made_in = {int(pid) for pid in made.read_text().split()} if made.exists() else set()
    assert side == made_in and len(made_in) == (1 if lost else 0)  # made once, by one process
    assert not there.exists()
    assert [p for p in result.write.changed_paths if companion(p)] == (["feed.xml"] if lost else [])
    assert result.rendered == ("papers/paper-3.html",)
    assert [p.name for p in site.iterdir() if "staging" in p.name] == []
    assert files_of(site / "_site") == cold_build(site)


@pytest.mark.skipif(not can_fork(), reason="forks a process")
@pytest.mark.usefixtures("single_threaded")
def test_companions_whose_search_process_dies_are_made_here(make_site, monkeypatch, tmp_path):
    site, _ = built_as_big_site(make_site, monkeypatch)
    Builder(site).build()
    main = os.getpid()

    def die_in_child(path: str) -> None:
        if path.endswith(".bib") and os.getpid() != main:
            os._exit(1)  # killed after staging some of the companion files

    retag(site)
    claims_in_turn(monkeypatch, tmp_path, here_first=False)
    patch_stage(monkeypatch, die_in_child)
    Builder(site).build()
    monkeypatch.undo()
    assert files_of(site / "_site") == cold_build(site)


@pytest.mark.skipif(not can_fork(), reason="forks a process")
@pytest.mark.usefixtures("single_threaded")
def test_a_failed_build_stops_its_search_process_before_dropping_what_was_staged(
    make_site, monkeypatch
):
    """The search process may be staging companion files when the build fails: it is
    stopped first, so that nothing is staged once the staging folder is thrown away."""
    site, before = built_as_big_site(make_site, monkeypatch)
    main = os.getpid()

    def slow_in_child(path: str) -> None:
        if path.endswith(".bib") and os.getpid() != main:
            time.sleep(60)

    def fail(*args: object) -> object:
        raise SiteError("cannot render")

    retag(site)
    patch_stage(monkeypatch, slow_in_child)
    monkeypatch.setattr(Renderer, "_run", fail)
    started = time.monotonic()
    with pytest.raises(SiteError, match="cannot render"):
        Builder(site).build()
    assert time.monotonic() - started < 30  # not waited for
    assert multiprocessing.active_children() == []
    assert files_of(site / "_site") == before
    assert [p.name for p in site.iterdir() if "staging" in p.name] == []


@pytest.mark.skipif(not can_fork(), reason="forks a process")
@pytest.mark.usefixtures("single_threaded")
def test_pages_that_cannot_be_handed_to_the_search_process_are_made_here(make_site, monkeypatch):
    """The sitemap waits for the page paths, handed over in a file of the cache folder: if
    that cannot be written, the companion files are made here, and the build succeeds."""
    site, _ = built_as_big_site(make_site, monkeypatch)
    retag(site)

    def cannot_write(*args: object, **kwargs: object) -> object:
        raise OSError("no space left on device")

    monkeypatch.setattr(pipeline.SearchJob, "_hand_over_pages", cannot_write)
    Builder(site).build()
    sitemap = (site / "_site" / "sitemap.xml").read_text()
    assert "tags/robots.html" in sitemap
    monkeypatch.undo()
    assert files_of(site / "_site") == cold_build(site)
    assert list((site / ".sitegen-cache").glob("page-paths-*")) == []
