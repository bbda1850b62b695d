"""Jinja rendering: SiteGraph -> pages, streamed into a sink (the build's output writer).

The renderer keeps what makes a rebuild quick: every page's fingerprint and the digest of
the bytes it became, the paper views, and the listings' rendered items."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import pickle
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Generic, Protocol, TypeVar, cast

import jinja2
from jinja2 import meta
from markupsafe import Markup

from sitegen import urls
from sitegen.config import SiteConfig
from sitegen.content.markdown import MarkdownTexts
from sitegen.content.models import Paper
from sitegen.errors import ContentError, Problem
from sitegen.fingerprint import code_fingerprint, digest
from sitegen.fsutil import atomic_write_bytes, site_tree
from sitegen.progress import NO_PROGRESS, Progress
from sitegen.render.edits import (
    PaperEdits,
    RenderInputs,
    paper_edits,
    render_inputs,
    retag_of,
    shown_by,
)
from sitegen.render.environment import make_environment
from sitegen.render.itemcache import KeptItems
from sitegen.render.mapview import MapMemo, Memo
from sitegen.render.pages import (
    LISTING_TEMPLATES,
    PAPER_TEMPLATES,
    ListedPaper,
    Page,
    PaperView,
    SitePages,
    Theme,
    paper_view,
    view_key,
)
from sitegen.site.graph import SiteGraph
from sitegen.workers.forked import ForkPool, in_worker

ITEM_TEMPLATE = "_paper_item.html"
ANY_ROOT = "\0root\0"
"""The root the theme's listing items are rendered with, then replaced by each page's (no
paper's text holds a NUL, and escaping leaves it as it is)."""


class StagedPage(Protocol):
    """A page handed to a sink (possibly by a worker process), to be recorded by the sink."""

    @property
    def path(self) -> str: ...

    @property
    def digest(self) -> str:
        """Digest of its bytes."""
        ...


S = TypeVar("S", bound=StagedPage)


class PageSink(Protocol, Generic[S]):
    """Where rendered pages go (the build's output writer). `stage` may run in a forked
    worker; what it returns is `record`ed in this process."""

    @property
    def out(self) -> Path: ...

    def has(self, path: str, digest: str) -> bool:
        """Whether the output holds `path` with bytes of this digest already."""
        ...

    def keep(self, path: str, digest: str) -> None: ...

    def stage(self, path: str, data: bytes, digest: str | None = None) -> S:
        """Stage `data` for `path` (`digest`: of the data, when known already)."""
        ...

    def record(self, staged: S) -> None: ...


@dataclass(frozen=True, slots=True)
class Unchanged:
    """A side job's file that the output holds already: kept, its bytes not sent back."""

    digest: str
    """The digest of its bytes (see `PageSink.has`)."""


@dataclass(frozen=True, slots=True)
class Made:
    """A side job's file made, with the digest of its bytes (worked out once: a .bib file of
    10,000 papers is 15 MB)."""

    data: bytes
    digest: str


SideFiles = Mapping[str, bytes | Made | Unchanged]
"""A side job's files, by path: their bytes (or Made), or Unchanged."""


class Elsewhere(Protocol):
    """A staged side job run by a process of the build's own, started before the render
    (see `SideJob.elsewhere`)."""

    def want(self, wanted: bool) -> None:
        """Tell it whether to make its files, as soon as the render knows (it waits for
        this; see `_started_elsewhere`). Told once: later calls change nothing."""
        ...

    @property
    def told(self) -> bool:
        """Whether it was told to make its files before the render asked (a first build
        makes every file: see pipeline.Builder._start_search)."""
        ...

    def tell_pages(self, paths: Sequence[str] | None) -> None:
        """Tell it every page's path (asked for last, and only by some), or None: its
        files are not needed after all."""
        ...

    def claim(self) -> bool:
        """Take the job back, unless it has started it: whichever is free first makes the
        files (a retag's few pages may render before or after its other work ends)."""
        ...

    def staged(self) -> Sequence[StagedPage | tuple[str, str]] | None:
        """Its files as `_run_side` stages them, once it is done; None if it made none
        (not wanted, or it failed): the job is then done here."""
        ...


@dataclass(frozen=True, slots=True)
class SideJob:
    """More files of a build, made from its page paths in a worker while the pages render."""

    make: Callable[[Sequence[str]], SideFiles]
    staged: bool = True
    """The worker stages the files in the writer itself and sends back only what `record`
    needs (a big site's feeds and .bib files, sent whole, would be held twice here: pickled
    and unpickled); else they come back whole, in `RenderResult.side`."""
    shows_notes: bool = True
    """Its files show papers' notes or reading status. A staged job whose files do not is
    not run for an edit of these alone: the output keeps the files it made last time (see
    render/edits.py)."""
    elsewhere: Elsewhere | None = None
    """A process of the build's own that can make the job's files (a staged job only): a
    retag's render, a few pages, has it make them and forks no worker (each fork of a big
    build's process costs it a page fault for every page it writes afterwards)."""


_SideResult = tuple[SideFiles | None, list[S | tuple[str, str]]]
"""A side job's files, returned whole (not `staged`), or staged in the writer (a file the
output holds already as (path, digest), for `keep`)."""
PARALLEL_RENDER_FROM = 400
"""From this many pages to render, they are rendered on every core."""
PAGE_CACHE_VERSION = "pages-v5"


@dataclass(frozen=True, slots=True)
class RenderResult:
    paths: tuple[str, ...]
    """Every page, by output path (each one staged in the writer)."""
    rendered: tuple[str, ...]
    """The pages actually rendered this time (the rest were unchanged and kept)."""
    side: Mapping[str, SideFiles]
    """The files of each side job not `staged`, by the job's name."""
    side_paths: tuple[str, ...]
    """The files of the staged side jobs (each one recorded in the writer)."""


class Renderer:
    """Renders a site's pages; kept between builds (or, with `cache_file`, across runs) it
    re-renders only pages whose fingerprint changed."""

    def __init__(
        self, site_root: Path, texts: MarkdownTexts, cache_file: Path | None = None
    ) -> None:
        # Compiled templates are kept beside the page cache.
        self.env = make_environment(site_root, cache_file.parent if cache_file else None)
        self.texts = texts
        self._pages: dict[str, tuple[str, str]] = {}
        """Output path -> (page fingerprint, digest of the bytes it rendered to)."""
        self._views: dict[str, PaperView] = {}
        self._template_fps: dict[str, str] = {}
        """Template name -> its fingerprint, as the last render's pages were made with."""
        self._inputs: RenderInputs | None = None
        """What the last render's pages were made from (see render/edits.py)."""
        self._inputs_pages: SitePages | None = None
        """The pages of that render, if made in this process (what they gathered of every
        paper outlives a notes edit: see `SitePages.inherit`)."""
        self._side_files: dict[str, dict[str, str]] = {}
        """Staged side job -> its files of the last render: output path -> digest."""
        self._config: SiteConfig | None = None
        self._refs: dict[str, tuple[str, ...]] = {}
        """Digest of a template's source -> the templates it references (kept with the pages:
        parsing every template again would cost a notes edit more than its page)."""
        self._items: dict[tuple[int, str], tuple[PaperView, Markup]] = {}
        self._cache_file = cache_file
        self._site_pages: tuple[SiteGraph, SitePages] | None = None
        self._map_memo: Memo = {}
        """What the last build's map points decided (see MapMemo)."""
        self._site_templates = (
            site_root / "templates" if (site_root / "templates").is_dir() else None
        )
        self.env.globals["paper_item"] = self.paper_item
        self._stock_items = False
        """The listing items are the theme's own (see `paper_item`)."""
        self._site_root = site_root
        self._templates: dict[str, jinja2.Template] = {}
        """The templates of the current render, loaded before the workers fork."""
        # Beside the page cache, of the same output folder: pages-<id>.pickle, items-<id>.pickle.
        items_name = "items-" + cache_file.name.split("-", 1)[-1] if cache_file else ""
        self._kept_items = KeptItems(cache_file.with_name(items_name) if cache_file else None)
        """The theme's items of listings' rows, with ANY_ROOT for their root (`_stock_item`)."""
        self._keys_made: dict[str, str] = {}
        """Output path -> the key of a page of the current render found changed: not made
        again where it renders (the list and map data's are ~0.1 s at 10,000 papers)."""

    @property
    def skipped_templates(self) -> list[Problem]:
        """A warning for each symlink in the site's templates/ that leads out of the site."""
        return site_tree(self._site_root / "templates", self._site_root)[1]

    def render_site(
        self,
        config: SiteConfig,
        graph: SiteGraph,
        writer: PageSink[S],
        side_jobs: Mapping[str, SideJob] | None = None,
        after_fork: Callable[[], object] | None = None,
        progress: Progress = NO_PROGRESS,
        before: Mapping[str, Paper] | None = None,
    ) -> RenderResult:
        """Stage every page in `writer`: pages whose fingerprint is unchanged (and whose file
        the output holds) are kept, the others rendered, on every core when there are many.
        Each side job (search index, feeds, for a full build) gets every page's path and
        runs meanwhile in a worker process. `after_fork` is called once the workers exist
        (a process that starts threads must fork first). `before`: the papers as they were
        before this build read their files again, by slug (an edit of notes alone then
        costs its own pages: see render/edits.py)."""
        if config != self._config:
            # Every page shows the site's title and settings (raw_html changes views too).
            self._pages = self._load_cache(config, writer.out)
            self._views.clear()
            self._items.clear()
            self._config = config
        item_fp = self._item_fingerprint()
        # The kept items were rendered under the pages' context and the item template.
        self._kept_items.use(digest((self._cache_context(config, writer.out), item_fp)))
        pages, memo = self._pages_of(config, graph)
        self._site_pages = (graph, pages)
        self._stock_items = pages.theme.stock_listings
        inputs = render_inputs(graph, pages.theme)
        edits = paper_edits(self._inputs, inputs, graph, pages.theme, before or {})
        asked = side_jobs = _started_elsewhere(side_jobs or {}, edits)
        if edits is not None and self._inputs_pages is not None:
            pages.inherit(self._inputs_pages)
        self._keys_made = {}
        found = None if edits is None else self._edited_pages(pages, edits, inputs, writer, item_fp)
        kept_sides: dict[str, dict[str, str]] = {}
        if found is None:
            pages.prepare()  # here, before the workers fork
            fresh, todo, template_fps = self._checked_pages(pages, writer, item_fp)
            self._map_memo = memo.now
        else:  # the map's points are as they were: what they decided still holds
            fresh, todo, template_fps = found
            self._map_memo = {**memo.earlier, **memo.now}
            if edits is not None and not edits.retagged:
                kept_sides = self._keep_notes_blind(side_jobs, writer)
            side_jobs = {name: j for name, j in side_jobs.items() if name not in kept_sides}
        paths = (*fresh, *(page.path for page, _ in todo))
        for name, side in asked.items():
            if side.elsewhere is not None:
                side.elsewhere.tell_pages(paths if name in side_jobs else None)
        progress.stage("render", len(paths))
        progress.advance(len(fresh))
        keys, self._keys_made = self._keys_made, {}
        job = _RenderJob(self, config, writer, todo, item_fp, side_jobs, paths, keys)
        self._compile({page.template for page, _ in todo})
        # The templates were checked (by fingerprint) just now: Jinja need not look at
        # their files' times again for every page and every `{% from ... import %}`.
        auto_reload, self.env.auto_reload = self.env.auto_reload, False
        try:
            results, sides = self._run(job, after_fork, progress)
        finally:
            self._templates = {}  # serve's quick path checks the files again
            self.env.auto_reload = auto_reload
        problems = [r for r in results if isinstance(r, Problem)]
        if problems:
            raise ContentError(problems)
        for (page, _), done in zip(todo, results, strict=True):
            assert not isinstance(done, Problem)
            staged, key = done
            writer.record(staged)
            fresh[page.path] = (key, staged.digest)
        self._pages = fresh
        self._template_fps = {**template_fps, ITEM_TEMPLATE: item_fp}
        self._inputs, self._inputs_pages = inputs, pages
        self._side_files = {
            **kept_sides,
            **{name: _record_all(writer, side[1]) for name, side in sides.items() if side[1]},
        }
        side_paths = [path for files in self._side_files.values() for path in files]
        side_values = {name: side[0] for name, side in sides.items() if side[0] is not None}
        rendered = tuple(page.path for page, _ in todo)
        return RenderResult(paths, rendered, side_values, tuple(side_paths))

    def _keep_notes_blind(
        self, side_jobs: Mapping[str, SideJob], writer: PageSink[S]
    ) -> dict[str, dict[str, str]]:
        """The staged side jobs whose files show no notes (nor statuses), when only notes or
        statuses changed since the last render: each one's files of that render, kept in the
        output (which holds them all), by the job's name. A job is left to run when the
        output lacks one of them."""
        kept: dict[str, dict[str, str]] = {}
        for name, side in side_jobs.items():
            files = self._side_files.get(name)
            if side.shows_notes or not side.staged or files is None:
                continue
            if all(writer.has(path, output) for path, output in files.items()):
                for path, output in files.items():
                    writer.keep(path, output)
                kept[name] = files
        return kept

    def _checked_pages(
        self, pages: SitePages, writer: PageSink[S], item_fp: str
    ) -> tuple[dict[str, tuple[str, str]], list[tuple[Page, str]], dict[str, str]]:
        """Every page's fingerprint checked: (pages kept, pages to render with their
        template's fingerprint, the fingerprint of each template)."""
        template_fps: dict[str, str] = {}
        fresh: dict[str, tuple[str, str]] = {}
        todo: list[tuple[Page, str]] = []
        for page in pages.pages():
            if page.template not in template_fps:
                template_fps[page.template] = self._checked_fingerprint(page.template)
            self._keep_or_render(page, template_fps[page.template], item_fp, writer, fresh, todo)
        return fresh, todo, template_fps

    def _keep_or_render(
        self,
        page: Page,
        template_fp: str,
        item_fp: str,
        writer: PageSink[S],
        fresh: dict[str, tuple[str, str]],
        todo: list[tuple[Page, str]],
    ) -> None:
        """Keep `page` (into `fresh`) if its key and the output's file are the last render's,
        else put it in `todo`."""
        cached = self._pages.get(page.path)
        if page.changed and cached is not None:  # rendered for sure, kept unkeyed
            self._keys_made[page.path] = UNKEYED
            todo.append((page, template_fp))
            return
        if cached is None:  # rendered for sure: its key is made where it renders
            todo.append((page, template_fp))
            return
        key = _page_key(template_fp, item_fp, page)
        if key == cached[0] and writer.has(page.path, cached[1]):
            writer.keep(page.path, cached[1])
            fresh[page.path] = cached
        else:
            self._keys_made[page.path] = key
            todo.append((page, template_fp))

    def _edited_pages(
        self,
        pages: SitePages,
        edits: PaperEdits,
        inputs: RenderInputs,
        writer: PageSink[S],
        item_fp: str,
    ) -> tuple[dict[str, tuple[str, str]], list[tuple[Page, str]], dict[str, str]] | None:
        """As `_checked_pages`, when the papers' pages that `edits` can have changed are
        known (see render/edits.py): the other papers' pages are kept as the last render
        left them, unchecked, and so are the other pages after an edit of notes alone, and
        after a retag those it cannot have changed (see pages.Retag). None if a template
        changed or the output lacks a page kept so."""
        last = self._template_fps
        if last.get(ITEM_TEMPLATE) != item_fp or self._inputs is None:
            return None
        template_fps = {name: self._checked_fingerprint(name) for name in last}
        del template_fps[ITEM_TEMPLATE]
        if any(fp != last[name] for name, fp in template_fps.items()):
            return None
        shown = shown_by(pages.graph, edits, self._inputs) if edits.retagged else edits.indexes
        checked = [pages.paper_page(index, pages.graph.papers[index]) for index in shown]
        if edits.listed:  # the other pages are the papers' and those the edit left be
            papers = pages.graph.papers
            kept = [urls.paper_page(p.slug) for i, p in enumerate(papers) if i not in shown]
            retag = retag_of(pages.graph, edits, self._inputs, inputs)
            for page in pages.pages(papers=False, retag=retag):
                if page.unchanged:
                    kept.append(page.path)
                else:
                    checked.append(page)
        else:
            mine = {page.path for page in checked}
            kept = [path for path in self._pages if path not in mine]
        if any(page.template not in last for page in checked):
            return None
        fresh = {path: self._pages[path] for path in kept if path in self._pages}
        if len(fresh) != len(kept) or not all(
            writer.has(path, output) for path, (_, output) in fresh.items()
        ):
            return None
        for path, (_, output) in fresh.items():
            writer.keep(path, output)
        todo: list[tuple[Page, str]] = []
        for page in checked:
            # The key made here gathers what the page shows in this process (the map's
            # neighbours, found once), not in the worker that renders it.
            self._keep_or_render(page, template_fps[page.template], item_fp, writer, fresh, todo)
        return fresh, todo, template_fps

    def _run(
        self, job: _RenderJob[S], after_fork: Callable[[], object] | None, progress: Progress
    ) -> tuple[list[tuple[S, str] | Problem], dict[str, _SideResult[S]]]:
        """Render the job's pages and run its side jobs, in forked workers when worth it."""
        elsewhere = [name for name, side in job.side_jobs.items() if side.elsewhere is not None]
        forked = [name for name in job.side_jobs if name not in elsewhere]
        if len(job.todo) < PARALLEL_RENDER_FROM and not forked:
            if after_fork is not None:
                after_fork()
            results = job.render(range(len(job.todo)))
            progress.advance(len(job.todo))
            return results, {name: _side_elsewhere(name, job) for name in elsewhere}
        # Pages rendered here (too few to hand out): a worker a side job, no more.
        most = len(forked) if len(job.todo) < PARALLEL_RENDER_FROM else None
        with ForkPool(job, min_items=PARALLEL_RENDER_FROM, most=most) as pool:
            sides = {name: pool.submit(functools.partial(_run_side, name)) for name in forked}
            sides.update(
                (name, functools.partial(_side_elsewhere, name, job)) for name in elsewhere
            )
            # Once the workers have their pages, if they render them (a slow after_fork,
            # such as the search job handing its input over, then costs no time).
            meanwhile = after_fork if pool.works_on(len(job.todo)) else None
            if after_fork is not None and meanwhile is None:
                after_fork()
            order = _listings_first(job.todo)
            rendered = pool.map_chunks(_render_chunk, order, meanwhile, done=progress.advance)
            by_index = dict(zip(order, self._items_taken(rendered), strict=True))
            in_order = [by_index[index] for index in range(len(order))]
            return in_order, {name: side() for name, side in sides.items()}

    def _items_taken(
        self, rendered: list[tuple[S, str] | Problem | _ItemsMade]
    ) -> list[tuple[S, str] | Problem]:
        """The pages' results of chunks rendered, the listing items among them kept."""
        results: list[tuple[S, str] | Problem] = []
        for result in rendered:
            if isinstance(result, _ItemsMade):
                for key, html in result.items.items():
                    self._kept_items.add(key, html)
            else:
                results.append(result)
        return results

    def render_paper(
        self, config: SiteConfig, graph: SiteGraph, paper: Paper
    ) -> tuple[str, bytes, str]:
        """Only `paper`'s own page, against the last build's `graph` (serve's quick path:
        the paper's listing entry, links and neighbours are unchanged): (path, bytes, key).
        Tell `remember` what was written, so the full render that follows reuses it."""
        if config != self._config or not self._template_fps:
            raise LookupError("no earlier full render to build on")
        # The last build's pages know every other paper's keys already.
        last = self._site_pages
        pages = (
            last[1] if last is not None and last[0] is graph else self._pages_of(config, graph)[0]
        )
        page = pages.edited_paper_page(paper)
        key = _page_key(self._template_fps[page.template], self._template_fps[ITEM_TEMPLATE], page)
        return page.path, self._render(page, config), key

    def remember(self, path: str, key: str, output_digest: str) -> None:
        self._pages[path] = (key, output_digest)

    def save_cache(self, out: Path) -> None:
        """Remember the pages of the last render for the next run (a cache: failing to
        write it only costs time)."""
        if self._cache_file is None or self._config is None:
            return
        data = {
            "version": PAGE_CACHE_VERSION,
            "context": self._cache_context(self._config, out),
            "pages": self._pages,
            "map": self._map_memo,
            "templates": self._template_fps,
            "inputs": self._inputs.as_json() if self._inputs is not None else None,
            "sides": self._side_files,
            "refs": self._refs,
        }
        # Pickled, not JSON: a fifth of the time each way (10,000 papers: 100 ms an edit).
        with contextlib.suppress(OSError, pickle.PicklingError):
            data_bytes = pickle.dumps(data, pickle.HIGHEST_PROTOCOL)
            atomic_write_bytes(self._cache_file, data_bytes, durable=False)
        self._save_items()

    def _load_cache(self, config: SiteConfig, out: Path) -> dict[str, tuple[str, str]]:
        """The pages of the last render into `out` under `config` (with its map memo, template
        fingerprints and inputs); none when unknown."""
        self._template_fps, self._inputs, self._side_files = {}, None, {}
        self._inputs_pages = None
        if self._cache_file is None:
            return {}
        try:
            data = pickle.loads(self._cache_file.read_bytes())
            if data["version"] != PAGE_CACHE_VERSION or data["context"] != self._cache_context(
                config, out
            ):
                return {}
            pages = {
                str(path): (str(key), str(out_digest))
                for path, (key, out_digest) in data["pages"].items()
            }
            self._map_memo = {str(kind): list(found) for kind, found in data["map"].items()}
            templates = {str(name): str(fp) for name, fp in data["templates"].items()}
            inputs = RenderInputs.from_json(data["inputs"]) if data["inputs"] else None
            sides = {
                str(name): {str(path): str(output) for path, output in files.items()}
                for name, files in data["sides"].items()
            }
            refs = {str(key): tuple(map(str, found)) for key, found in data["refs"].items()}
        except Exception:  # unreadable, damaged or of another shape: never trusted
            return {}
        self._template_fps, self._inputs, self._side_files = templates, inputs, sides
        self._refs.update(refs)
        return pages

    @staticmethod
    def _cache_context(config: SiteConfig, out: Path) -> str:
        """What every page depends on besides its fingerprint: the config, sitegen's own
        code and the output folder the digests describe."""
        return digest((config.settings_key, code_fingerprint(), str(out.resolve())))

    def _item_fingerprint(self) -> str:
        # Listings embed the item template through a function, invisible to Jinja's
        # reference scan, so every page's fingerprint carries it.
        item_fp = self._template_fingerprint(ITEM_TEMPLATE)
        if item_fp != self._template_fps.get(ITEM_TEMPLATE, item_fp):
            self._items.clear()
            self.env.cache.clear()  # type: ignore[union-attr]
        return item_fp

    def _checked_fingerprint(self, template: str) -> str:
        fingerprint = self._template_fingerprint(template)
        if self._template_fps.get(template, fingerprint) != fingerprint:
            # Jinja's own reload check is by mtime, which a quick save can keep.
            self.env.cache.clear()  # type: ignore[union-attr]
        return fingerprint

    def _compile(self, names: Iterable[str]) -> None:
        """Load (parse and compile) the templates a render uses, here, before the workers
        fork: they inherit them compiled instead of each compiling its own."""
        self._templates = {}
        for name in {*names, ITEM_TEMPLATE}:
            with contextlib.suppress(jinja2.TemplateError):  # reported when a page renders
                self._templates[name] = self.env.get_template(name)

    def _template(self, name: str) -> jinja2.Template:
        """A page's template: the one loaded for this render, else (serve's quick path)
        Jinja's, which checks the file's time on every call."""
        template = self._templates.get(name)
        return template if template is not None else self.env.get_template(name)

    def paper_item(self, view: PaperView | ListedPaper, root: str) -> Markup:
        """A paper's entry in a listing; rendered once per paper version (the theme's item
        shows `root` only as the start of links: once per page depth, a site's own)."""
        if isinstance(view, ListedPaper):  # a row of the theme's listings
            return Markup(str.replace(self._stock_item(view), ANY_ROOT, root))
        cached = self._items.get((id(view), root))
        if cached is None or cached[0] is not view:
            if self._stock_items and root != ANY_ROOT:
                html = Markup(str.replace(self.paper_item(view, ANY_ROOT), ANY_ROOT, root))
            else:
                html = Markup(self._template(ITEM_TEMPLATE).render(paper=view, root=root))
            cached = self._items[(id(view), root)] = (view, html)
        return cached[1]

    def _stock_item(self, listed: ListedPaper) -> str:
        """The theme's item of a listing's row with ANY_ROOT for its root, kept between runs
        by its listing key (which holds all the theme's item shows of a paper, as the keys of
        the listing pages do): a listing page of a new run renders no row's item again, nor
        makes its view (at 10,000 papers, a new tag's 99 home pages made 10,000 of each)."""
        key = listed.listing_key
        html = self._kept_items.items().get(key)
        if html is None:
            html = self._template(ITEM_TEMPLATE).render(paper=listed.view(), root=ANY_ROOT)
            self._kept_items.add(key, html)
        return html

    def _save_items(self) -> None:
        last = self._site_pages
        if last is not None:
            self._kept_items.save(len(last[0].papers), lambda: last[1].list_keys().values())

    def _pages_of(self, config: SiteConfig, graph: SiteGraph) -> tuple[SitePages, MapMemo]:
        """The pages of `graph`, and the memo their map's points fill (the next build's)."""
        theme = Theme(
            self.stock(LISTING_TEMPLATES),
            self.has_template("search.html"),
            self.has_template("map.html"),
            self.stock(PAPER_TEMPLATES),
        )
        memo = MapMemo(self._map_memo)
        views = functools.partial(self.view, graph)
        return SitePages(config, graph, self.texts, views, theme, memo), memo

    def view(self, graph: SiteGraph, paper: Paper, key: str | None = None) -> PaperView:
        """The paper as templates see it; Markdown is rendered once per paper version."""
        key = key or view_key(paper, graph)
        view = self._views.get(key)
        if view is None:
            raw_html = self._config.raw_html if self._config else False
            view = self._views[key] = paper_view(paper, graph, self.texts, raw_html)
        return view

    def stock(self, templates: Sequence[str]) -> bool:
        """Whether `templates` and every template they use are the theme's own (checked
        anew each build: a site may add its own at any time)."""
        own = self._site_templates
        if own is None:
            return True
        seen: set[str] = set()
        todo = list(templates)
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            if (own / name).exists():
                return False
            try:
                source, _, _ = self.env.loader.get_source(self.env, name)  # type: ignore[union-attr]
            except jinja2.TemplateNotFound:
                continue
            todo.extend(self._references(source))
        return True

    def has_template(self, name: str) -> bool:
        try:
            self.env.get_template(name)
        except jinja2.TemplateNotFound:
            return False
        return True

    def _render(self, page: Page, config: SiteConfig) -> bytes:
        context = page.context()
        # A page may set its own root (404.html: base_url, served at any depth).
        root = context.pop("root", urls.root_of(page.path))
        template = self._template(page.template)
        html = template.render(site=config, root=root, page_path=page.path, **context)
        return html.encode("utf-8")

    def _references(self, source: str) -> tuple[str, ...]:
        """Templates a template's source extends, includes or imports (parsed once)."""
        key = hashlib.blake2b(source.encode(), digest_size=16).hexdigest()
        refs = self._refs.get(key)
        if refs is None:
            try:
                ast = self.env.parse(source)
            except jinja2.TemplateSyntaxError:
                return ()  # reported when the page renders
            refs = self._refs[key] = tuple(
                ref for ref in meta.find_referenced_templates(ast) if ref
            )
        return refs

    def template_loop(self, name: str, page: str) -> Problem:
        """What to say when rendering `page` with template `name` recursed without end: the
        first loop of templates extending, including or importing each other."""
        trail: list[str] = []

        def loop_from(current: str) -> list[str] | None:
            if current in trail:
                return [*trail[trail.index(current) :], current]
            trail.append(current)
            try:
                source, _, _ = self.env.loader.get_source(self.env, current)  # type: ignore[union-attr]
            except jinja2.TemplateNotFound:
                source = ""
            for ref in self._references(source):
                if found := loop_from(ref):
                    return found
            trail.pop()
            return None

        loop = loop_from(name)
        if loop is None:
            return Problem(None, None, f"rendering {page}: templates nest too deeply")
        _, filename, _ = self.env.loader.get_source(self.env, loop[0])  # type: ignore[union-attr]
        chain = " → ".join(loop)
        message = f"templates extend or include each other in a loop: {chain}"
        return Problem(Path(filename) if filename else None, None, message)

    def _template_fingerprint(self, name: str) -> str:
        """Hash of a template and every template it extends, includes or imports."""
        digest = hashlib.blake2b(digest_size=16)
        todo, seen = [name], set()
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            try:
                source, _, _ = self.env.loader.get_source(self.env, current)  # type: ignore[union-attr]
            except jinja2.TemplateNotFound:
                continue  # reported when the page renders
            digest.update(current.encode() + b"\0" + source.encode() + b"\0")
            todo.extend(self._references(source))
        return digest.hexdigest()


UNKEYED = "unkeyed"
"""The key kept for a page rendered without making its key (Page.changed): it equals no
page's key (a digest), so the next build that checks the page renders it again."""


def _page_key(template_fp: str, item_fp: str, page: Page) -> str:
    """The key a page is cached by: equal keys, equal bytes."""
    return digest((template_fp, item_fp, page.fingerprint))


def _template_problem(err: jinja2.TemplateError, page: str) -> Problem:
    if isinstance(err, jinja2.TemplateSyntaxError):
        return Problem(Path(err.filename or err.name or "template"), err.lineno, err.message or "")
    return Problem(None, None, f"rendering {page}: {err}")


@dataclass(frozen=True, slots=True)
class _RenderJob(Generic[S]):
    """The pages one build must render, as forked workers see it."""

    renderer: Renderer
    config: SiteConfig
    writer: PageSink[S]
    todo: list[tuple[Page, str]]
    """Each page to render, with its template's fingerprint."""
    item_fp: str
    side_jobs: dict[str, SideJob]
    paths: tuple[str, ...]
    """Every page of the build."""
    keys: Mapping[str, str]
    """The keys of the pages to render made already, by output path."""

    def render(self, indexes: Iterable[int]) -> list[tuple[S, str] | Problem]:
        """Each page staged, with its key."""
        results: list[tuple[S, str] | Problem] = []
        for index in indexes:
            page, template_fp = self.todo[index]
            try:
                html = self.renderer._render(page, self.config)
            except jinja2.TemplateError as err:
                results.append(_template_problem(err, page.path))
                continue
            except RecursionError:  # a template that extends or includes itself, say
                results.append(self.renderer.template_loop(page.template, page.path))
                continue
            key = self.keys.get(page.path) or _page_key(template_fp, self.item_fp, page)
            results.append((self.writer.stage(page.path, html), key))
        return results


def _listings_first(todo: Sequence[tuple[Page, str]]) -> list[int]:
    """The indexes of the pages to render, listings first: the first chunk holds them all,
    and one worker renders every paper's listing item once (spread over the chunks, each
    worker rendered most items again), while the others render papers' pages."""
    return sorted(range(len(todo)), key=lambda i: todo[i][0].template not in LISTING_TEMPLATES)


@dataclass(frozen=True, slots=True)
class _ItemsMade:
    """The listing items a chunk of pages rendered, after its pages' results: a forked
    worker's would end with it (the first retag after a cold build of 10,000 papers
    rendered 2,400 again)."""

    items: dict[str, str]


def _render_chunk(
    job: _RenderJob[S], indexes: list[int]
) -> list[tuple[S, str] | Problem | _ItemsMade]:
    results: list[tuple[S, str] | Problem | _ItemsMade] = [*job.render(indexes)]
    made = job.renderer._kept_items.take_added() if in_worker() else None
    return [*results, _ItemsMade(made)] if made else results


def _run_side(name: str, job: _RenderJob[S]) -> _SideResult[S]:
    side = job.side_jobs[name]
    files = side.make(job.paths)
    if not side.staged:
        return files, []
    return None, stage_side_files(job.writer, files)


def stage_side_files(writer: PageSink[S], files: SideFiles) -> list[S | tuple[str, str]]:
    """A staged side job's files, staged in `writer` (those the output holds already as
    (path, digest), for `keep`)."""
    staged: list[S | tuple[str, str]] = []
    for path, data in files.items():
        if isinstance(data, Unchanged):
            staged.append((path, data.digest))
        elif isinstance(data, Made):
            staged.append(writer.stage(path, data.data, data.digest))
        else:
            staged.append(writer.stage(path, data))
    return staged


def _started_elsewhere(
    side_jobs: Mapping[str, SideJob], edits: PaperEdits | None
) -> dict[str, SideJob]:
    """The side jobs, those that can run elsewhere told whether they do: after a retag,
    whose render is a few pages, they do, and no worker is forked for them (they start
    while the pages are checked); so do those told already (a first build's, started
    before the render knew). Otherwise they run beside the pages as the others do: a
    full render forks workers anyway, and an edit of notes alone likely keeps the files
    of the last render (see `Renderer._keep_notes_blind`)."""
    placed = {}
    for name, side in side_jobs.items():
        if side.elsewhere is not None:
            there = side.elsewhere.told or (edits is not None and edits.retagged)
            side.elsewhere.want(there)
            side = side if there else replace(side, elsewhere=None)
        placed[name] = side
    return placed


def _side_elsewhere(name: str, job: _RenderJob[S]) -> _SideResult[S]:
    """The files of a side job run elsewhere, staged there (done here if this process is
    free first, or if that failed)."""
    elsewhere = job.side_jobs[name].elsewhere
    if elsewhere is None or elsewhere.claim():
        return _run_side(name, job)
    staged = elsewhere.staged()
    if staged is None:
        return _run_side(name, job)
    # Staged by the same writer, in the process it forked into (see `PageSink.stage`).
    return None, cast(list[S | tuple[str, str]], list(staged))


def _record_all(writer: PageSink[S], files: Iterable[S | tuple[str, str]]) -> dict[str, str]:
    """Record a side job's staged files, and keep the output's files it found unchanged:
    output path -> digest."""
    recorded = {}
    for staged in files:
        if isinstance(staged, tuple):
            writer.keep(*staged)
            recorded[staged[0]] = staged[1]
        else:
            writer.record(staged)
            recorded[staged.path] = staged.digest
    return recorded
