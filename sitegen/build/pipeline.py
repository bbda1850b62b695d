"""One build: load -> graph -> render -> search -> write. Nothing is written unless all succeed.

A Builder kept alive re-reads only changed files and re-renders only pages whose inputs
changed; a one-off build is a Builder used once (with its caches read from the site's
`.sitegen-cache/`). What only `serve` needs on top of this lives in serve/incremental.py.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import multiprocessing
import os
import pickle
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

from sitegen.build.companions import CompanionCache
from sitegen.build.papercache import PaperCache
from sitegen.build.result import BuildResult
from sitegen.config import SiteConfig, cache_folder, load_config, output_folder
from sitegen.content.markdown import MarkdownTexts
from sitegen.content.models import Paper
from sitegen.errors import ContentError, Problem
from sitegen.output.writer import (
    OutputWriter,
    Staged,
    WriteReport,
    check_output_folder,
    file_digest,
    output_lock,
)
from sitegen.progress import NO_PROGRESS, Progress
from sitegen.render.feeds import feed_note, feed_warnings
from sitegen.render.renderer import (
    Renderer,
    RenderResult,
    SideFiles,
    SideJob,
    Unchanged,
    stage_side_files,
)
from sitegen.render.static import add_static_files
from sitegen.site import related as related_module
from sitegen.site.graph import SiteGraph, placed
from sitegen.site.graphcache import GraphCache
from sitegen.site.layout import LayoutCache, Positions
from sitegen.site.related import Related, RelatedCache, TextModel
from sitegen.workers import ends_with_build
from sitegen.workers.forked import can_fork
from sitegen.workers.spawned import exit_with_parent, worker_pool

if TYPE_CHECKING:
    from sitegen.search.documents import Key

PAPERS_CACHE = "papers.sqlite"
COMPANIONS_CACHE = "companions.sqlite"
SPAWN_SEARCH_FROM = 2000
"""From this many papers the search index is built in a process of its own (forked once
the papers are read, or spawned)."""
HANDOFF_SLICE = 1000
"""Papers pickled at a time for the spawned search (the pickler's memo stays small)."""
COMPANIONS, SEARCH = "companions", "search"
"""The side jobs of a build, by name."""
Companions = Callable[[Callable[[], Iterable[str]]], SideFiles]
"""The companion files of a build, from its pages (`CompanionCache.files`)."""


class Builder:
    """Builds one site into one output folder, caching what has not changed."""

    def __init__(
        self,
        site_root: Path,
        out: Path | None = None,
        in_place: bool = False,
        strict: bool = False,
        progress: Progress = NO_PROGRESS,
        relayout: bool = False,
    ) -> None:
        self.site_root = site_root
        self.out = output_folder(site_root, out)
        self.in_place = in_place
        """Write changed files one by one (quick, for `serve`) instead of swapping the folder."""
        self.strict = strict
        """Warnings are errors: nothing is written if there is any (`build --strict`)."""
        self.progress = progress
        """Told how far each stage is (a progress bar on a terminal)."""
        self.cache_dir = cache_folder(site_root)
        self.texts = MarkdownTexts()
        self.papers = PaperCache(self.texts, site_root, self.cache_dir / PAPERS_CACHE)
        self.model = TextModel()
        """The papers' tf-idf rows, computed at most once a build for related papers and map."""
        self.related = RelatedCache(self.cache_dir, self.model)
        self.layout = LayoutCache(self.cache_dir, self.model)
        self.graphs = GraphCache(self.cache_dir)
        self.relayout = relayout
        """Lay the paper map out afresh on the next build, not from the cached layout."""
        self._companions_cache = CompanionCache(
            self.cache_dir / COMPANIONS_CACHE, self.papers.key_of
        )
        self.renderer: Renderer | None = None
        self._renderer_key: bool | None = None
        self.search_files: dict[str, bytes] = {}
        """The search files of the last build."""
        self._early_search: SearchJob | None = None
        """The search job `load` started, until the build ends (see `SearchJob.close`)."""

    def build(self, changed: Iterable[Path] | None = None) -> BuildResult:
        """Build; `changed` (absolute paths from the watcher) narrows what is re-read."""
        try:
            return self._build(changed)
        finally:
            gc.unfreeze()  # frozen while it ran (see `load`)
            if self._early_search is not None:
                self._early_search.close()
                self._early_search = None

    def _build(self, changed: Iterable[Path] | None) -> BuildResult:
        started = time.perf_counter()
        config = load_config(self.site_root)
        check_output_folder(self.out, self.site_root)
        with output_lock(self.out):
            writer = OutputWriter(self.out, in_place=self.in_place)
            try:
                graph, warnings, result, report = self._write(config, changed, writer)
            except BaseException:
                if self._early_search is not None:  # it may be staging files: stopped first
                    self._early_search.cancel()
                writer.abort()
                raise
        assert self.renderer is not None
        self.renderer.save_cache(self.out)
        self.papers.save()
        self.graphs.save()
        return BuildResult(
            out=self.out,
            papers=len(graph.papers),
            tags=len(graph.tags),
            pages=sum(1 for path in result.paths if path.endswith(".html")),
            rendered=result.rendered,
            write=report,
            warnings=warnings,
            seconds=time.perf_counter() - started,
            notes=tuple(note for note in [feed_note(config)] if note),
        )

    def _write(
        self, config: SiteConfig, changed: Iterable[Path] | None, writer: OutputWriter
    ) -> tuple[SiteGraph, list[Problem], RenderResult, WriteReport]:
        """Load, render and write the site into `writer`: (graph, warnings, render, report)."""
        graph, loaded = self.load(config, changed, writer)
        warnings = self._warnings(config, graph, loaded)
        renderer = self._renderer_for(config)
        search = self.search_of(graph)
        companions = functools.partial(_with_pages, self._companions(config, graph, writer))
        elsewhere = search if isinstance(search, SearchJob) and search.makes_companions else None
        jobs = {COMPANIONS: SideJob(companions, shows_notes=False, elsewhere=elsewhere)}
        if isinstance(search, SearchJob) and search.side_job:
            jobs[SEARCH] = SideJob(search, staged=False)  # serve keeps its bytes
        start = search.start if isinstance(search, SearchJob) else None
        result = renderer.render_site(
            config, graph, writer, jobs, start, self.progress, self.papers.before
        )
        self.after_render(config, graph)
        self.progress.stage("search")
        self.search_files = search.files(result.side) if isinstance(search, SearchJob) else search
        files = dict(self.search_files)
        generated = (*result.paths, *result.side_paths)
        skipped = add_static_files(files, config, generated) + renderer.skipped_templates
        if self.strict and skipped:
            raise ContentError(skipped)
        self.progress.stage("write", len(files))
        for path, data in files.items():
            writer.put(path, data)
            self.progress.advance()
        return graph, warnings + skipped, result, writer.finish()

    def _warnings(
        self, config: SiteConfig, graph: SiteGraph, loaded: list[Problem]
    ) -> list[Problem]:
        """Every warning of the build; with `strict`, an error before anything is written."""
        warnings = loaded + list(graph.warnings)
        if feed_note(config) is None:  # an empty base_url is a summary note, not a warning
            warnings += [Problem(config.source_path, None, m) for m in feed_warnings(config)]
        if self.strict and warnings:
            raise ContentError(warnings)
        return warnings

    def load(
        self,
        config: SiteConfig,
        changed: Iterable[Path] | None,
        writer: OutputWriter | None = None,
    ) -> tuple[SiteGraph, list[Problem]]:
        """The site graph of the papers as they are now, and the papers' warnings (`writer`:
        the build's, where a big site's search process stages the companion files)."""
        papers, warnings = self.papers.load(
            config.papers_dir,
            None if changed is None else self.site_paths(changed),
            meanwhile=related_module.prepare,  # likely needed after many files changed
            progress=self.progress,
        )
        tagged = self.graph_of(config, papers)  # placed below, made once
        # The papers live as long as the build: frozen, the garbage collector stops walking
        # them again for every full collection while the rest is made (seconds at 10,000
        # papers, all on the critical path). `build` unfreezes them.
        gc.freeze()
        self._start_search(config, tagged, writer)
        related, positions = self.related_of(papers), self.layout_of(papers)
        self.model.forget()  # both have what they need from it: free the memory
        return placed(tagged, related, positions), warnings

    def _start_search(
        self, config: SiteConfig, tagged: SiteGraph, writer: OutputWriter | None
    ) -> None:
        """Start a big site's search index now, in a process forked while this one holds
        little more than the papers (nothing to hand over, little memory to copy): it is
        made while related papers and the map are computed here, mostly on one core,
        instead of beside the page workers. An edit's update of the last index is made
        there too, off this process's path, and then, after a retag or on a first build,
        the companion files (staged in `writer`): a retag's render of a few pages then forks
        no worker. `serve` (in place, threaded) decides later. `tagged` has no related
        papers nor map yet: neither the search nor the companion files show them."""
        if self.in_place or len(tagged.papers) < SPAWN_SEARCH_FROM or not can_fork():
            return
        search = SearchJob(
            tagged, self.cache_dir, self.texts, self.papers.key_of, to_fork=True, writer=writer
        )
        search.fork(None if writer is None else self._companions(config, tagged, writer))
        if search.makes_companions and self._renders_all():
            # Every page and companion file is made: the companions are the forked
            # process's as soon as its index is, while this one lays out the map (mostly on
            # one core), not a page worker's (~0.8 s of a 10,000-paper render's 2 cores).
            search.want(True)
        self._early_search = search

    def _renders_all(self) -> bool:
        """Whether the render is sure to make every page: nothing was rendered before (into
        this output folder, by this builder or an earlier one)."""
        return self.renderer is None and not (self.cache_dir / _pages_cache(self.out)).exists()

    def graph_of(self, config: SiteConfig, papers: Sequence[Paper]) -> SiteGraph:
        """The papers' graph, without related papers or map yet (serve builds on it)."""
        return self.graphs.get(papers, config.aliases, self.papers.before)

    def after_render(self, config: SiteConfig, graph: SiteGraph) -> None:
        """Called once every page of `graph` is rendered (serve builds on it)."""

    def related_of(self, papers: Sequence[Paper]) -> Related:
        """Related papers, computed now if the cache has none for these papers."""
        return self.related.get(papers)

    def layout_of(self, papers: Sequence[Paper]) -> Positions:
        """The paper map's points: cached, a few new papers placed, or laid out afresh."""
        positions = self.layout.get(papers, relayout=self.relayout)
        self.relayout = False
        return positions

    def search_of(self, graph: SiteGraph) -> SearchJob | dict[str, bytes]:
        """The search files to write: a job that makes them while the pages render (or
        since `load`, see `_start_search`)."""
        if self._early_search is not None:
            return self._early_search
        return SearchJob(graph, self.cache_dir, self.texts, self.papers.key_of)

    def site_paths(self, paths: Iterable[Path]) -> set[Path]:
        """Absolute watcher paths as the site's own paths (which may be relative)."""
        root = self.site_root.resolve()
        return {
            self.site_root / p.relative_to(root)
            if p.is_absolute() and p.is_relative_to(root)
            else p
            for p in paths
        }

    def _companions(self, config: SiteConfig, graph: SiteGraph, writer: OutputWriter) -> Companions:
        cache = self._companions_cache
        return functools.partial(
            cache.files, config, graph, self.texts, holds=writer.has, held=writer.held
        )

    def _renderer_for(self, config: SiteConfig) -> Renderer:
        # A site that gains or loses its own templates/ folder needs a new loader chain.
        has_templates = (config.root / "templates").is_dir()
        if self.renderer is None or self._renderer_key != has_templates:
            cache_file = self.cache_dir / _pages_cache(self.out)
            self.renderer = Renderer(config.root, self.texts, cache_file)
            self._renderer_key = has_templates
        return self.renderer


def _with_pages(companions: Companions, paths: Sequence[str]) -> SideFiles:
    """The companion files of a build whose pages are known (a side job's `make`)."""
    return companions(lambda: paths)


def _pages_cache(out: Path) -> str:
    """One page cache per output folder (`build` and `serve --out` may use others)."""
    digest = hashlib.blake2b(str(out.resolve()).encode(), digest_size=6).hexdigest()
    return f"pages-{digest}.pickle"


def shown_papers(graph: SiteGraph) -> list[Paper]:
    """Papers whose tags read as the site shows them (aliases resolved, one spelling)."""
    shown = []
    for paper in graph.papers:
        tags = tuple(tag.name for tag in graph.tags_of(paper))
        shown.append(paper if tags == paper.tags else replace(paper, tags=tags))
    return shown


def search_keys(
    graph: SiteGraph, shown: Sequence[Paper], key_of: Callable[[Paper], object]
) -> list[Key]:
    """Each paper's search document key: its file as parsed and its tags as shown (None for a
    paper `key_of` does not know by its file)."""
    keys: list[Key] = []
    for paper, shown_paper in zip(graph.papers, shown, strict=True):
        key = key_of(paper)
        keys.append(None if key is paper else (key, shown_paper.tags))
    return keys


class SearchJob:
    """The search files of a build, made while the pages render: by a forked worker (a
    side job) for small sites, by a spawned process for big ones. A fork then would start
    with this process's whole memory; a spawned process holds only the papers and the
    index, keeping the build's peak memory down (50,000 papers: about 1 GB less). A big
    site's one-off build forks it instead as soon as the papers are read (`fork`, see
    `Builder._start_search`), when this process holds little more than they do.

    `to_fork`: the job will be forked, and the forked process updates the last index if it
    can, else builds it afresh. Otherwise a big site's index is updated here when a few
    papers were edited (quicker than a new process)."""

    def __init__(
        self,
        graph: SiteGraph,
        cache_dir: Path,
        texts: MarkdownTexts,
        key_of: Callable[[Paper], object] | None = None,
        *,
        to_fork: bool = False,
        writer: OutputWriter | None = None,
    ) -> None:
        self.graph = graph
        self.cache_dir = cache_dir
        self.texts = texts
        self._key_of = key_of
        self._updated: dict[str, bytes] | None = None
        big = len(graph.papers) >= SPAWN_SEARCH_FROM
        if big and not to_fork:
            from sitegen.search.assets import updated_search_assets  # see `make`

            self._updated = updated_search_assets(
                self.shown, cache_dir, texts=texts, keys=self.keys
            )
        self.spawned = big and self._updated is None
        self._future: Future[dict[str, bytes]] | None = None
        self._handoff: Path | None = None
        self._forked: tuple[multiprocessing.process.BaseProcess, Connection] | None = None
        self._sent: _Sent | None = None
        """What the forked process sent, once taken (None: it died)."""
        self._saving: multiprocessing.process.BaseProcess | None = None
        """The forked process, once its files are taken: it saves the index meanwhile."""
        self.writer = writer
        """The build's writer, if the job is forked: its files the output holds already are
        not sent back (their digests are: see `_search_forked`), and the companion files
        made there are staged in it."""
        self._pages: Connection | None = None
        """Where the page paths are told to the forked process, if it makes the companion
        files, until they are (`tell_pages`)."""
        self._pages_file: Path | None = None
        """The file the page paths were handed over in, until the process is done."""
        self.forked = False
        """`fork` started a process to make the files."""
        self._token: int | None = None
        """A pipe's read end, which both processes hold, and the one byte written to it:
        whichever reads it makes the companion files (see `claim`)."""
        self.told = False
        """The forked process was told to make the companion files (see `want`)."""

    @functools.cached_property
    def shown(self) -> list[Paper]:
        """The papers with their tags as shown, made where the job runs (a forked job: in
        the forked process, off the build's path)."""
        return shown_papers(self.graph)

    @functools.cached_property
    def keys(self) -> list[Key] | None:
        """Each shown paper's search document key (`search_keys`), if the job knows how."""
        key_of = self._key_of
        return None if key_of is None else search_keys(self.graph, self.shown, key_of)

    def __call__(self, _pages: Sequence[str]) -> dict[str, bytes]:
        return self.make()

    def make(self, later: list[Callable[[], None]] | None = None) -> dict[str, bytes]:
        """The search files, made in this process (`later`: see `build_search_assets`)."""
        # Imported here, where the index is made: a big site's edit makes it in a forked
        # process, and the build's own (on its critical path) need not import it (~15 ms).
        from sitegen.search.assets import build_search_assets

        return build_search_assets(
            self.shown, self.cache_dir, texts=self.texts, keys=self.keys, later=later
        )

    @property
    def side_job(self) -> bool:
        """Whether a forked worker makes the files while the pages render."""
        return not self.spawned and self._updated is None

    def fork(self, companions: Companions | None = None) -> None:
        """Start making the files of a spawned job now, in a forked process instead: it
        inherits the papers and their plain texts, so nothing is handed over. Only while
        this process has no other thread (see workers/forked.py). The process makes the
        `companions` files next, if given and a writer is, while this one renders; they
        wait for the page paths only for a sitemap (see `tell_pages`)."""
        if not self.spawned:
            return
        context = multiprocessing.get_context("fork")
        reader, sender = context.Pipe(duplex=False)
        if companions is None or self.writer is None:
            told = teller = companions = None
        else:
            told, teller = context.Pipe(duplex=False)
            self._token = _token()
        process = context.Process(
            target=_search_forked, args=(self, sender, told, companions, os.getpid())
        )
        process.start()
        sender.close()  # the child's end only: the reader sees EOF if the child dies
        if told is not None:
            told.close()
        self._forked, self._pages = (process, reader), teller
        self.forked = True

    @property
    def makes_companions(self) -> bool:
        """The forked process can make the companion files too: see renderer.Elsewhere."""
        return self._token is not None

    def claim(self) -> bool:
        """Make the companion files here, unless the forked process has started them."""
        return self._token is not None and _took(self._token)

    def want(self, wanted: bool) -> None:
        """Tell the forked process whether to make the companion files, once (see
        `Elsewhere`): it reads the next message as the page paths."""
        if self.told:
            return
        self.told = wanted
        if self._pages is not None:
            with contextlib.suppress(OSError):  # the process died: the files are made here
                self._pages.send(wanted)
            if not wanted:  # nothing more to tell
                self._pages.close()
                self._pages = None

    def tell_pages(self, paths: Sequence[str] | None) -> None:
        """Tell the forked process every page's path, or that the companion files are not
        needed after all (see `Elsewhere`). Handed over in a file: through the pipe, a big
        site's paths would wait for the process to read them."""
        teller, self._pages = self._pages, None
        if teller is None:
            return
        name = None
        if paths is not None:
            with contextlib.suppress(OSError):  # not written: the files are made here
                name = self._hand_over_pages(paths)
        with contextlib.suppress(OSError):  # the process died: the files are made here
            teller.send(name)
        teller.close()

    def _hand_over_pages(self, paths: Sequence[str]) -> str:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="page-paths-", suffix=".pickle", dir=self.cache_dir)
        self._pages_file = Path(name)
        with open(fd, "wb") as file:
            pickle.dump(list(paths), file, pickle.HIGHEST_PROTOCOL)
        return name

    def staged(self) -> list[Staged | tuple[str, str]] | None:
        """The companion files the forked process staged (see `Elsewhere`); None if it died."""
        sent = self._take()
        return None if sent is None else sent.companions

    def cancel(self) -> None:
        """Stop the forked process, if any (the build failed: its files are not needed)."""
        if self._pages is not None:
            self._pages.close()
            self._pages = None
        if self._token is not None:
            os.close(self._token)
            self._token = None
        if self._forked is not None:
            process, reader = self._forked
            process.terminate()
            process.join()
            reader.close()
            self._forked = None
        self._forget_pages_file()

    def _forget_pages_file(self) -> None:
        if self._pages_file is not None:
            self._pages_file.unlink(missing_ok=True)
            self._pages_file = None

    def close(self) -> None:
        """End the forked process, if any: stopped if its files were never taken (the build
        failed), else waited for while it saves the index for the next build."""
        self.cancel()
        if self._saving is not None:
            self._saving.join()
            self._saving = None

    def start(self) -> None:
        """Start a spawned job (after the page workers fork), unless `fork` started it."""
        if self.spawned and self._forked is None:
            self._handoff = hand_over(self.shown, self.texts, self.keys, self.cache_dir)
            pool = worker_pool()
            self._future = pool.submit(search_in_worker, self._handoff, self.cache_dir)
            pool.shutdown(wait=False)

    def files(self, side: Mapping[str, SideFiles]) -> dict[str, bytes]:
        """The search files, from the side job or the spawned process that made them (a
        forked process's unchanged files are kept in the build's writer, and left out)."""
        if self._updated is not None:
            return self._updated
        if self.forked:
            return self._forked_files()
        if self._future is None:
            # What __call__ returned, in a forked worker: bytes only.
            return cast(dict[str, bytes], side[SEARCH]) if SEARCH in side else self(())
        try:
            return self._future.result()
        except BrokenProcessPool:  # the worker was killed: do the work here instead
            return self(())
        finally:
            if self._handoff is not None:  # read and removed by the worker, unless it died
                self._handoff.unlink(missing_ok=True)

    def _take(self) -> _Sent | None:
        """What the forked process sent, received the first time; None if it died."""
        if self._forked is not None:
            process, reader = self._forked
            self._forked = None
            try:
                self._sent = reader.recv()
                self._saving = process  # joined once the build is done with (`close`)
            except (EOFError, OSError):  # the process died: the work is done here instead
                process.join()
            finally:
                reader.close()
                self._forget_pages_file()
        return self._sent

    def _forked_files(self) -> dict[str, bytes]:
        taken = self._take()
        if taken is None:
            return self(())
        sent = taken.search
        if self.writer is not None:  # Unchanged as it told the process (`_unless_held`)
            for path, data in sent.items():
                if isinstance(data, Unchanged):
                    self.writer.keep(path, data.digest)
        return {path: data for path, data in sent.items() if isinstance(data, bytes)}


@dataclass(frozen=True, slots=True)
class _Sent:
    """What the forked search process sends back, once."""

    search: SideFiles
    """The search files (those the output holds already as Unchanged)."""
    companions: list[Staged | tuple[str, str]] | None
    """The companion files, staged (as `renderer.stage_side_files`), if it made them."""


def _search_forked(
    job: SearchJob,
    sender: Connection,
    told: Connection | None,
    companions: Companions | None,
    parent: int,
) -> None:
    """In the process `SearchJob.fork` made: the files, sent to the parent."""
    exit_with_parent(parent)
    ends_with_build()
    later: list[Callable[[], None]] = []
    try:
        files = _unless_held(job.make(later), job.writer)
        staged = None
        if companions is not None and told is not None and job.writer is not None:
            staged = _companions_forked(companions, _ToldPages(told), job.writer, job.claim)
    except BaseException:
        # The parent, finding no files, does the work again and reports what failed
        # (and Ctrl-C stops it): no traceback from here.
        os._exit(1)
    sender.send(_Sent(files, staged))
    sender.close()
    # The index is saved for the next build once the parent has the files, not before:
    # it writes the pages meanwhile.
    for save in later:
        save()


def _companions_forked(
    companions: Companions, told: _ToldPages, writer: OutputWriter, claim: Callable[[], bool]
) -> list[Staged | tuple[str, str]] | None:
    """The companion files, staged in `writer`; None if the parent said they are not needed
    (the last build's are kept), before they were made or while they waited for the pages,
    or if it was free to make them first (`claim`: see `SearchJob.claim`)."""
    if not told.wanted() or not claim():  # waits for the parent to know
        return None
    try:
        return stage_side_files(writer, companions(told))
    except _NotWanted:
        return None


def _token() -> int:
    """The read end of a pipe that holds one byte, its write end closed (see `claim`)."""
    read, write = os.pipe()
    os.write(write, b"!")
    os.close(write)
    return read


def _took(token: int) -> bool:
    """Whether this process read the byte of `token`: a pipe's read is atomic, so of the
    processes that share it one alone does, and the others read the end (b"") at once."""
    return os.read(token, 1) == b"!"


class _NotWanted(Exception):
    """The parent needs no companion files (see `SearchJob.tell_pages`)."""


class _ToldPages:
    """What the parent tells the forked search process of the companion files: first
    whether they are wanted (`SearchJob.want`), then the page paths (`tell_pages`)."""

    def __init__(self, told: Connection) -> None:
        self._told = told
        self._paths: list[str] | None = None

    def wanted(self) -> bool:
        """Whether to make them (waits for the parent to say)."""
        try:
            return self._told.recv() is True
        except EOFError:  # the parent is done without them
            return False

    def __call__(self) -> list[str]:
        """The page paths (waits for them); raises _NotWanted if the parent has none."""
        if self._paths is None:
            try:
                name = self._told.recv()
            except EOFError:
                name = None
            if name is None:
                raise _NotWanted
            with open(name, "rb") as file:
                self._paths = list(pickle.load(file))
        return self._paths


def _unless_held(files: Mapping[str, bytes], writer: OutputWriter | None) -> SideFiles:
    """`files`, those the output holds already with the same digest as Unchanged: sent
    back, 10,000 papers' index (15 MB, 1,476 files) cost the build's own process ~50 ms
    to take and digest again after an edit that changed a few of them."""
    found: dict[str, bytes | Unchanged] = {}
    for path, data in files.items():
        digest = file_digest(data)
        held = writer is not None and writer.has(path, digest)
        found[path] = Unchanged(digest) if held else data
    return found


def hand_over(
    papers: Sequence[Paper], texts: MarkdownTexts, keys: Sequence[Key] | None, cache_dir: Path
) -> Path:
    """A file holding what `search_in_worker` needs: the papers, the plain text of their
    abstracts and notes (known here: the new process need not parse them again) and their
    keys. Sent as an argument instead, they were pickled whole here (100,000 papers: about
    280 MiB, and as much again while pickling) and that copy was kept until the search
    was done (multiprocessing's feeder thread holds the last item it sent); pickled a slice
    at a time into a file, they cost this process almost nothing."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="search-input-", suffix=".pickle", dir=cache_dir)
    every_key: Sequence[Key] = [None] * len(papers) if keys is None else keys
    with open(fd, "wb") as file:
        for start in range(0, len(papers), HANDOFF_SLICE):
            end = start + HANDOFF_SLICE
            rows = [
                (paper, texts.plain(paper.abstract), texts.plain(paper.notes), key)
                for paper, key in zip(papers[start:end], every_key[start:end], strict=True)
            ]
            pickle.dump(rows, file, pickle.HIGHEST_PROTOCOL)
    return Path(name)


def search_in_worker(handoff: Path, cache_dir: Path) -> dict[str, bytes]:
    """The search files, in another process, from what `hand_over` wrote (then removed)."""
    try:
        from sitegen.search.assets import search_assets_of  # see `SearchJob.make`

        return search_assets_of(_handed_over(handoff), cache_dir)
    finally:
        handoff.unlink(missing_ok=True)


def _handed_over(handoff: Path) -> Iterator[tuple[Paper, Key, MarkdownTexts]]:
    """The papers `hand_over` wrote, a slice at a time (each let go once indexed)."""
    with open(handoff, "rb") as file:
        while rows := _next_slice(file):
            texts = MarkdownTexts()
            for paper, abstract, notes, _key in rows:
                texts.remember(paper.abstract, abstract)
                texts.remember(paper.notes, notes)
            for paper, _abstract, _notes, key in rows:
                yield paper, key, texts


def _next_slice(file: BinaryIO) -> list[tuple[Paper, str, str, Key]]:
    try:
        rows: list[tuple[Paper, str, str, Key]] = pickle.load(file)
    except EOFError:
        return []
    return rows
