"""build(site, out): load -> graph -> render -> write. Nothing is written unless all succeed.

A Builder kept alive (by `sitegen serve`) re-reads only changed files and re-renders
only pages whose inputs changed; a one-off build is a Builder used once.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path

from sitegen import related as related_module
from sitegen.bibtex import bib_files
from sitegen.config import CACHE_DIR, DEFAULT_OUT, SiteConfig, load_config
from sitegen.content import load_paper
from sitegen.errors import ContentError, Problem
from sitegen.feeds import feed_files, feed_warnings
from sitegen.graph import SiteGraph, build_graph
from sitegen.markdown import first_sentence, markdown_to_text, remember_text
from sitegen.models import Paper
from sitegen.papercache import PaperCache
from sitegen.related import RelatedCache
from sitegen.render import Renderer, SideJob
from sitegen.search import build_search_assets
from sitegen.theme import theme_dir
from sitegen.wikilinks import find_wikilinks, link_key
from sitegen.workers import worker_pool
from sitegen.writer import OutputWriter, WriteReport, check_output_folder, output_lock, write_one

PAPERS_CACHE = "papers.pickle"
SPAWN_SEARCH_FROM = 2000
"""From this many papers the search index is built in a spawned process."""
EDITOR_TEMP_PREFIXES = (".#", "#", ".")
EDITOR_TEMP_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".part", ".crdownload")


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build made, for the CLI's summary line."""

    out: Path
    papers: int
    tags: int
    pages: int
    rendered: tuple[str, ...]
    """Pages rendered by this build (the others were unchanged and reused)."""
    write: WriteReport
    warnings: list[Problem]
    seconds: float


class Builder:
    """Builds one site into one output folder, caching what has not changed."""

    def __init__(self, site_root: Path, out: Path | None = None, in_place: bool = False) -> None:
        self.site_root = site_root
        self.out = out if out is not None else site_root / DEFAULT_OUT
        self.in_place = in_place
        """Write changed files one by one (quick, for `serve`) instead of swapping the folder."""
        self._papers = PaperCache(site_root / CACHE_DIR / PAPERS_CACHE)
        self._related = RelatedCache(site_root / CACHE_DIR)
        self._renderer: Renderer | None = None
        self._renderer_key: bool | None = None
        self._search_files: dict[str, bytes] = {}
        self._search_input: tuple[Paper, ...] | None = None
        self.deferred = False
        """True while related papers or the search index lag behind the pages."""
        self.slow_inputs: SlowInputs | None = None
        """What `compute_slow_parts` needs to catch up, while `deferred`."""
        self._offered: tuple[tuple[Paper, ...], dict[str, bytes]] | None = None
        self._last: tuple[SiteConfig, SiteGraph] | None = None

    def build(self, changed: Iterable[Path] | None = None, defer_slow: bool = False) -> BuildResult:
        """Build; `changed` (absolute paths from the watcher) narrows what is re-read.

        `defer_slow` (for `serve`) keeps the last related papers and search index when they
        would have to be recomputed, so the edited page is fresh at once; `deferred` then
        says a later `build(changed=(), ...)` will bring them up to date.
        """
        started = time.perf_counter()
        config = load_config(self.site_root)
        check_output_folder(self.out, self.site_root)
        papers, warnings = self._papers.load(
            config.papers_dir,
            None if changed is None else self._site_paths(changed),
            meanwhile=related_module.prepare,  # likely needed after many files changed
        )
        related, fresh = self._related.peek(papers)
        if not fresh and not defer_slow:
            related, fresh = self._related.get(papers), True
        graph = build_graph(papers, related, config.aliases)
        renderer = self._renderer_for(config)
        search = None if defer_slow else _SearchJob(graph, self.site_root / CACHE_DIR)
        with output_lock(self.out):
            writer = OutputWriter(self.out, in_place=self.in_place)
            try:
                companions: SideJob = functools.partial(_companion_files, config, graph)
                jobs: list[SideJob] = [companions]
                if search is not None and not search.spawned:
                    jobs.append(search)
                result = renderer.render_site(
                    config, graph, writer, jobs, search.start if search else None
                )
                self._last = (config, graph)
                if search is None:
                    self._defer_search(graph, fresh)
                else:
                    self._search_files = search.result() if search.spawned else result.side[1]
                    self._search_input, self.deferred, self.slow_inputs = graph.papers, False, None
                files = {**result.side[0], **self._search_files}
                _add_static(files, config, result.paths)
                for path, data in files.items():
                    writer.put(path, data)
                report = writer.finish()
            except BaseException:
                writer.abort()
                raise
        renderer.save_cache(self.out)
        self._papers.save()
        warnings = warnings + list(graph.warnings)
        warnings += [Problem(config.source_path, None, m) for m in feed_warnings(config)]
        return BuildResult(
            out=self.out,
            papers=len(graph.papers),
            tags=len(graph.tags),
            pages=sum(1 for path in result.paths if path.endswith(".html")),
            rendered=result.rendered,
            write=report,
            warnings=warnings,
            seconds=time.perf_counter() - started,
        )

    def quick_update(self, changed: Iterable[Path]) -> list[str]:
        """Re-render and write just the edited papers' own pages, when that is all that can
        have changed in them (same title, date, tags, authors, status, summary and links).
        Returns the pages written, or [] when a full build is needed. The full build that
        should follow finds those pages done."""
        if self._last is None or self._renderer is None:
            return []
        config, graph = self._last
        by_slug = {paper.slug: paper for paper in graph.papers}
        written: list[str] = []
        for path in sorted(self._site_paths(changed)):
            paper = _reloaded_if_listing_unchanged(path, graph, by_slug)
            if paper is None:
                return written
            page, html, key = self._renderer.render_paper(config, graph, paper)
            with output_lock(self.out):
                self._renderer.remember(page, key, write_one(self.out, page, html))
            written.append(page)
        return written

    def _defer_search(self, graph: SiteGraph, related_fresh: bool) -> None:
        """Keep the last search files unless fresh ones were offered; note what is owed."""
        self._take_offered_search(graph.papers)
        self.deferred = not related_fresh or self._search_input != graph.papers
        self.slow_inputs = (
            SlowInputs(graph.papers, _with_shown_tags(graph), self.site_root / CACHE_DIR)
            if self.deferred
            else None
        )

    def offer_search(self, papers: tuple[Paper, ...], files: dict[str, bytes]) -> None:
        """Search files computed elsewhere for `papers`; used if still current."""
        self._offered = (papers, files)

    def _take_offered_search(self, papers: tuple[Paper, ...]) -> None:
        if self._offered is not None and self._offered[0] == papers:
            self._search_input, self._search_files = self._offered
            self._offered = None

    def _site_paths(self, paths: Iterable[Path]) -> set[Path]:
        """Absolute watcher paths as the site's own paths (which may be relative)."""
        root = self.site_root.resolve()
        return {
            self.site_root / p.relative_to(root)
            if p.is_absolute() and p.is_relative_to(root)
            else p
            for p in paths
        }

    def _renderer_for(self, config: SiteConfig) -> Renderer:
        # A site that gains or loses its own templates/ folder needs a new loader chain.
        has_templates = (config.root / "templates").is_dir()
        if self._renderer is None or self._renderer_key != has_templates:
            self._renderer = Renderer(
                config.root, self.site_root / CACHE_DIR / _pages_cache(self.out)
            )
            self._renderer_key = has_templates
        return self._renderer


def _pages_cache(out: Path) -> str:
    """One page cache per output folder (`build` and `serve --out` may use others)."""
    digest = hashlib.blake2b(str(out.resolve()).encode(), digest_size=6).hexdigest()
    return f"pages-{digest}.json"


def _reloaded_if_listing_unchanged(
    path: Path, graph: SiteGraph, by_slug: dict[str, Paper]
) -> Paper | None:
    """The paper read anew from `path`, if only its own page can have changed."""
    if path.suffix != ".md" or not path.is_file():
        return None
    try:
        paper, _ = load_paper(path)
    except (ContentError, OSError):
        return None  # the full build reports it
    old = by_slug.get(paper.slug)
    if old is None or old.path != path:
        return None
    same = ("title", "date", "tags", "authors", "status", "arxiv", "doi", "year")
    if any(getattr(paper, name) != getattr(old, name) for name in same):
        return None
    if first_sentence(markdown_to_text(paper.abstract)) != first_sentence(
        markdown_to_text(old.abstract)
    ):
        return None  # listings show the first sentence
    links = [graph.links.index.get(link_key(text)) for text, _ in find_wikilinks(paper.notes)]
    if (
        None in links
        or tuple(dict.fromkeys(t for t in links if t and t.slug != paper.slug))
        != (graph.links.outgoing[paper.slug])
    ):
        return None
    return paper


@dataclass(frozen=True, slots=True)
class SlowInputs:
    """What the slow parts of a build (related papers, search index) are computed from."""

    papers: tuple[Paper, ...]
    shown: list[Paper]
    """The papers with their tags as shown (search indexes those)."""
    cache_dir: Path


def compute_slow_parts(inputs: SlowInputs) -> dict[str, bytes]:
    """Related papers (into the cache) and the search files: run in another process by
    `serve`, so the edited page never waits for them."""
    RelatedCache(inputs.cache_dir).get(inputs.papers)
    return build_search_assets(inputs.shown, inputs.cache_dir)


def _companion_files(
    config: SiteConfig, graph: SiteGraph, pages: Iterable[str]
) -> dict[str, bytes]:
    """Feeds, sitemap, robots.txt and BibTeX files that go with the pages."""
    listed = sorted(p for p in pages if p.endswith(".html") and p != "404.html")
    files = feed_files(config, graph, extra_pages=listed)
    files.update(bib_files(graph.papers, graph.tags))
    return files


class _SearchJob:
    """The search files of a full build, made while the pages render: by a forked worker
    (a side job) for small sites, by a spawned process for big ones. A fork would start
    with this process's whole memory; a spawned process holds only the papers and the
    index, keeping the build's peak memory down (50,000 papers: about 1 GB less)."""

    def __init__(self, graph: SiteGraph, cache_dir: Path) -> None:
        self.shown = _with_shown_tags(graph)
        self.cache_dir = cache_dir
        self.spawned = len(self.shown) >= SPAWN_SEARCH_FROM
        self._future: Future[dict[str, bytes]] | None = None

    def __call__(self, _pages: Sequence[str]) -> dict[str, bytes]:
        return build_search_assets(self.shown, self.cache_dir)

    def start(self) -> None:
        if self.spawned:
            # The plain text of every abstract and note, known here, spares the new
            # process parsing them all again.
            texts = {
                markdown: markdown_to_text(markdown)
                for paper in self.shown
                for markdown in (paper.abstract, paper.notes)
            }
            pool = worker_pool()
            self._future = pool.submit(_search_assets, self.shown, self.cache_dir, texts)
            pool.shutdown(wait=False)

    def result(self) -> dict[str, bytes]:
        if self._future is None:
            return self(())
        try:
            return self._future.result()
        except BrokenProcessPool:  # the worker was killed: do the work here instead
            return self(())


def _search_assets(papers: list[Paper], cache_dir: Path, texts: dict[str, str]) -> dict[str, bytes]:
    for markdown, plain in texts.items():
        remember_text(markdown, plain)
    return build_search_assets(papers, cache_dir)


def _with_shown_tags(graph: SiteGraph) -> list[Paper]:
    """Papers whose tags read as the site shows them (aliases resolved, one spelling)."""
    return [
        replace(paper, tags=tuple(tag.name for tag in graph.tags_of(paper)))
        for paper in graph.papers
    ]


def build(site_root: Path, out: Path | None = None) -> BuildResult:
    """Build the site at `site_root` into `out` (default `<site>/_site`)."""
    return Builder(site_root, out).build()


def static_files(config: SiteConfig) -> dict[str, bytes]:
    """The theme's static/ overlaid by the site's own static/, file by file."""
    files: dict[str, bytes] = {}
    for folder in dict.fromkeys((theme_dir() / "static", config.root / "static")):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not is_editor_temp(path.name):
                files[f"static/{path.relative_to(folder).as_posix()}"] = path.read_bytes()
    return files


def _add_static(files: dict[str, bytes], config: SiteConfig, pages: Iterable[str]) -> None:
    static = static_files(config)
    taken = set(files).union(pages)
    clashes = [path for path in static if path in taken]
    if clashes:
        folder = config.root / "static"
        raise ContentError([Problem(folder, None, f"{p} clashes with a page") for p in clashes])
    files.update(static)


def is_editor_temp(name: str) -> bool:
    """Swap, backup and lock files editors leave beside the real ones."""
    return name.startswith(EDITOR_TEMP_PREFIXES) or name.endswith(EDITOR_TEMP_SUFFIXES)
