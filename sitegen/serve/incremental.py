"""What only `serve` needs on top of a build: the edited page first, the slow parts later.

A save re-renders the edited paper's own page at once when nothing else it shows changed
(`quick_update`); the full rebuild that follows keeps the last related papers and search
index when they would have to be recomputed (`defer_slow`), and says what it owes in
`slow_inputs`. `compute_slow_parts` then runs in another process, and its search files are
`offer`ed back for the next rebuild.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sitegen.build.pipeline import Builder, SearchJob, search_keys, shown_papers
from sitegen.build.result import BuildResult
from sitegen.config import SiteConfig
from sitegen.content.markdown import MarkdownTexts
from sitegen.content.models import Paper
from sitegen.content.papers import load_paper
from sitegen.content.wikilinks import find_wikilinks, link_key
from sitegen.errors import ContentError
from sitegen.output.writer import output_lock, record_written, write_one
from sitegen.search.assets import build_search_assets
from sitegen.search.documents import Key
from sitegen.site.graph import SiteGraph, with_papers
from sitegen.site.related import Related, RelatedCache
from sitegen.text import first_sentence

LISTED_FIELDS = ("title", "date", "tags", "authors", "status", "arxiv", "doi", "year")
"""What listings, links and neighbours show of a paper besides its summary."""


@dataclass(frozen=True, slots=True)
class SlowInputs:
    """What the slow parts of a build (related papers, search index) are computed from."""

    papers: tuple[Paper, ...]
    shown: list[Paper]
    """The papers with their tags as shown (search indexes those)."""
    keys: list[Key]
    """Each shown paper's search document key (`pipeline.search_keys`): the index cached by
    the last build is updated from the papers whose key changed, not built again."""
    cache_dir: Path


def compute_slow_parts(inputs: SlowInputs) -> dict[str, bytes]:
    """Related papers (into the cache) and the search files: run in another process, so the
    edited page never waits for them."""
    RelatedCache(inputs.cache_dir).get(inputs.papers)
    return build_search_assets(inputs.shown, inputs.cache_dir, keys=inputs.keys)


class IncrementalBuilder(Builder):
    """A Builder for `serve`: writes in place, and can put off the slow parts."""

    def __init__(self, site_root: Path, out: Path | None = None) -> None:
        super().__init__(site_root, out, in_place=True)
        self.deferred = False
        """True while related papers or the search index lag behind the pages."""
        self._owed: SiteGraph | None = None
        """The graph whose related papers and search index are owed, while `deferred`."""
        self._defer_slow = False
        self._related_fresh = True
        self._search_input: tuple[Paper, ...] | None = None
        self._offered: tuple[tuple[Paper, ...], dict[str, bytes]] | None = None
        self._last: tuple[SiteConfig, SiteGraph] | None = None
        self._unrecorded: dict[str, str] = {}
        """Pages `quick_update` wrote that the manifest does not list yet, with digests."""

    def build(self, changed: Iterable[Path] | None = None, defer_slow: bool = False) -> BuildResult:
        """Build; with `defer_slow`, keep the last related papers and search index when they
        would have to be recomputed, so the edited page is fresh at once."""
        self._defer_slow = defer_slow
        self.record_quick()
        result = super().build(changed)
        if not defer_slow and self._last is not None:
            self._search_input, self.deferred, self._owed = self._last[1].papers, False, None
        return result

    def graph_of(self, config: SiteConfig, papers: Sequence[Paper]) -> SiteGraph:
        # A notes edit: the last graph with the new paper swapped in.
        if self._last is not None and self._last[0].aliases == config.aliases:
            graph = with_papers(self._last[1], papers)
            if graph is not None:
                return graph
        return super().graph_of(config, papers)

    def after_render(self, config: SiteConfig, graph: SiteGraph) -> None:
        self._last = (config, graph)

    def related_of(self, papers: Sequence[Paper]) -> Related:
        related, fresh = self.related.peek(papers)
        if not fresh and not self._defer_slow:
            related, fresh = self.related.get(papers), True
        self._related_fresh = fresh
        return related

    def search_of(self, graph: SiteGraph) -> SearchJob | dict[str, bytes]:
        if not self._defer_slow:
            return super().search_of(graph)
        # The last search files, unless fresh ones were offered; note what is owed.
        if self._offered is not None and self._offered[0] == graph.papers:
            self._search_input, self.search_files = self._offered
            self._offered = None
        self.deferred = not self._related_fresh or self._search_input != graph.papers
        self._owed = graph if self.deferred else None
        return self.search_files

    def slow_inputs(self) -> SlowInputs | None:
        """What `compute_slow_parts` needs to catch up, while `deferred`: gathered when
        asked (once the pass that put them off has told the tabs), before the next build."""
        graph = self._owed
        if graph is None:
            return None
        shown = shown_papers(graph)
        keys = search_keys(graph, shown, self.papers.key_of)
        return SlowInputs(graph.papers, shown, keys, self.cache_dir)

    def offer_search(self, papers: tuple[Paper, ...], files: dict[str, bytes]) -> None:
        """Search files computed elsewhere for `papers`; used if still current."""
        self._offered = (papers, files)

    def quick_update(self, changed: Iterable[Path]) -> list[str]:
        """Re-render and write just the edited papers' own pages, when that is all that can
        have changed in them (same title, date, tags, authors, status, summary and links).
        Returns the pages written, or [] when a full build is needed. The full build that
        should follow finds those pages done."""
        if self._last is None or self.renderer is None:
            return []
        config, graph = self._last
        by_slug = {paper.slug: paper for paper in graph.papers}
        written: list[str] = []
        for path in sorted(self.site_paths(changed)):
            paper = _reloaded_if_listing_unchanged(path, graph, by_slug, self.texts)
            if paper is None:
                break
            page, html, key = self.renderer.render_paper(config, graph, paper)
            with output_lock(self.out):
                self._unrecorded[page] = write_one(self.out, page, html)
            self.renderer.remember(page, key, self._unrecorded[page])
            written.append(page)
        return written

    def record_quick(self) -> None:
        """Record the pages `quick_update` wrote in the output's manifest (reading and
        writing it takes longer than the page itself on a big site, so tabs are told first).
        `build` does it too, before it reads the manifest."""
        if self._unrecorded:
            with output_lock(self.out):
                record_written(self.out, self._unrecorded)
            self._unrecorded = {}


def _reloaded_if_listing_unchanged(
    path: Path, graph: SiteGraph, by_slug: dict[str, Paper], texts: MarkdownTexts
) -> Paper | None:
    """The paper read anew from `path`, if only its own page can have changed."""
    if path.suffix != ".md" or path.is_symlink() or not path.is_file():
        return None  # a link may lead out of the site: the full build decides
    try:
        paper, _ = load_paper(path)
    except (ContentError, OSError):
        return None  # the full build reports it
    old = by_slug.get(paper.slug)
    if old is None or old.path != path:
        return None
    if any(getattr(paper, name) != getattr(old, name) for name in LISTED_FIELDS):
        return None
    if first_sentence(texts.plain(paper.abstract)) != first_sentence(texts.plain(old.abstract)):
        return None  # listings show the first sentence
    links = [graph.links.index.get(link_key(text)) for text, _ in find_wikilinks(paper.notes)]
    if (
        None in links
        or tuple(dict.fromkeys(t for t in links if t and t.slug != paper.slug))
        != (graph.links.outgoing[paper.slug])
    ):
        return None
    return paper
