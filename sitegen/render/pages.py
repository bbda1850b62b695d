"""What templates see: display-ready views of papers and tags, and every page of a site
with the fingerprint of what it shows (equal fingerprints, equal bytes)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from markupsafe import Markup

from sitegen import urls
from sitegen.config import SiteConfig
from sitegen.content.markdown import MarkdownTexts, render_markdown
from sitegen.content.models import STATUSES, Paper, Tag
from sitegen.content.names import index_name, short_authors
from sitegen.content.wikilinks import LinkTarget
from sitegen.fingerprint import digest
from sitegen.render.bibtex import clash_groups, entry_key_among, entry_keys, paper_bibtex_both
from sitegen.render.charts import (
    MonthCounts,
    ReadMonths,
    months_added,
    months_read,
    timeline_svg,
)
from sitegen.render.listing import (
    Pagination,
    by_initial,
    compact_json,
    data_key,
    list_data_text,
    list_pages,
    list_tags_text,
    queue_parts,
    summary_chunks,
)
from sitegen.render.mapview import (
    MapMemo,
    NearbyMaps,
    Region,
    map_data,
    map_data_key,
    map_tags,
    map_tags_key,
    regions,
)
from sitegen.render.meta import paper_meta
from sitegen.site.graph import SiteGraph


@dataclass(frozen=True, slots=True)
class TagLink:
    """A tag as a paper page shows it."""

    name: str
    href: str
    """Path of the tag page relative to the site root."""
    count: int

    @property
    def slug(self) -> str:
        """The page's file name without `.html` (feeds and .bib files share it)."""
        return self.href.rsplit("/", 1)[-1].removesuffix(".html")


@dataclass(frozen=True, slots=True)
class RelatedLink:
    """A related paper as a paper page lists it."""

    title: str
    href: str
    """Path of its page relative to the site root."""
    shared_tags: tuple[TagLink, ...]
    """The tags both papers carry."""


@dataclass(frozen=True, slots=True)
class ViewMarkdown:
    """A paper's abstract and notes as Markdown, and what makes them HTML."""

    abstract: str
    notes: str
    texts: MarkdownTexts
    links: Mapping[str, LinkTarget]
    """Where the notes' `[[links]]` lead."""
    raw_html: bool
    """site.toml's `raw_html` (documented as unsafe): HTML in notes let through."""


@dataclass(frozen=True)
class PaperView:
    """What templates see of a paper: display-ready values, relative hrefs. Its abstract and
    notes are made HTML when a template first shows them: a listing's item shows neither,
    and a page of a listing shows a hundred items."""

    slug: str
    title: str
    href: str
    """Path of the paper page relative to the site root."""
    date: dt.date
    status: str
    read: dt.date | None
    """The day it was read (`read:`), when recorded."""
    authors: tuple[TagLink, ...]
    """Each author as the paper writes the name, linking to their page (count unused)."""
    short_authors: str
    """The first authors' family names for lists: "Kusupati, Bhatt, … +9"."""
    url: str | None
    arxiv: str | None
    doi: str | None
    venue: str | None
    year: int | None
    tags: tuple[TagLink, ...]
    summary: str
    """The abstract's first sentence, plain text."""
    markdown: ViewMarkdown = field(repr=False, compare=False)

    @functools.cached_property
    def abstract_html(self) -> str:
        return self.markdown.texts.abstract_html(self.markdown.abstract)

    @functools.cached_property
    def notes_html(self) -> str:
        notes = self.markdown.notes
        if not notes.strip():
            return ""
        return render_markdown(notes, self.markdown.links, self.markdown.raw_html)


def paper_view(
    paper: Paper, graph: SiteGraph, texts: MarkdownTexts, raw_html: bool = False
) -> PaperView:
    """`raw_html` (site.toml, documented as unsafe) lets HTML in notes through."""
    tags = tuple(_tag_link(t) for t in graph.tags_of(paper))
    return PaperView(
        slug=paper.slug,
        title=paper.title,
        href=urls.paper_page(paper.slug),
        date=paper.date,
        status=paper.status,
        read=paper.read,
        authors=tuple(
            TagLink(name, urls.author_page(graph.author_slugs[name]), 0)
            for name in dict.fromkeys(paper.authors)
        ),
        short_authors=short_authors(tuple(dict.fromkeys(paper.authors))),
        url=paper.url,
        arxiv=paper.arxiv,
        doi=paper.doi,
        venue=paper.venue,
        year=paper.year,
        tags=tags,
        summary=texts.summary(paper.abstract),
        markdown=ViewMarkdown(paper.abstract, paper.notes, texts, graph.links.index, raw_html),
    )


@dataclass(frozen=True, slots=True)
class ListedPaper:
    """A row of the theme's listings: all its item shows is fingerprinted by its listing key,
    and its view is made only if the item must be rendered (see Renderer.paper_item)."""

    listing_key: str
    """See `listing_key`."""
    view: Callable[[], PaperView]


@dataclass(frozen=True, slots=True)
class Page:
    """One page to render: equal fingerprints guarantee equal output bytes."""

    path: str
    """Output path relative to the site root."""
    template: str
    shows: tuple[object, ...] | Callable[[], tuple[object, ...]]
    """Everything the page shows (plus its templates' sources and the config), or what
    gathers it (a paper page's: gathered by the worker that renders it on a cold build)."""
    context: Callable[[], dict[str, Any]]
    """Builds the template context; only called when the page must be rendered."""
    unchanged: bool = False
    """Nothing it shows can differ from the last render's (see `Retag`): its bytes hold."""
    changed: bool = False
    """What it shows differs from the last render's for sure (see `Retag`): it is rendered
    without making its key, and kept unkeyed (the next build that checks it renders it)."""

    @property
    def fingerprint(self) -> tuple[object, ...]:
        return self.shows() if callable(self.shows) else self.shows


def view_key(paper: Paper, graph: SiteGraph, counts: bool = True) -> str:
    """Fingerprint of everything a PaperView is made from: equal keys, equal views. Without
    `counts`, the number of papers of each of its tags is left out (for templates that do
    not show it)."""
    # A view shows its own tags' display names and slugs, which depend on every paper's
    # spelling: they are keyed as the graph names them, not as the paper writes them. A tag
    # added to another paper (or a new tag anywhere) leaves them be.
    tags = graph.tags_of(paper)
    shown = tuple([(t.name, t.slug, len(t.papers)) if counts else (t.name, t.slug) for t in tags])
    return digest((paper.slug, paper.digest, shown, graph.links.outgoing[paper.slug]))


LISTING_TEMPLATES = (
    "index.html",
    "tag.html",
    "author.html",
    "_paper_item.html",
    "_list.html",
    "list-data.js",
    "list-tags.js",
    "list-summaries.js",
    "queue.html",
)
"""The theme's templates that list papers; `listing_key` is what they show of one."""
PAPER_TEMPLATES = ("paper.html",)
"""The theme's templates of a paper page: they show the faces of other papers and tags only
(see SitePages._paper_shows), and the count of no tag."""


def listing_key(paper: Paper, graph: SiteGraph, summary: str) -> str:
    """Fingerprint of what the theme's listings show of a paper (see _paper_item.html), given
    its summary (the abstract's first sentence); of a paper read from a file, its identity
    and tags, which hold all that (an edit of its notes alone is told apart before: see
    render/edits.py)."""
    tags = tuple([(t.name, t.slug) for t in graph.tags_of(paper)])
    if paper.identity:  # its file makes all the rest, the summary too (a third of the time)
        return digest((paper.identity, tags))
    shown = (paper.authors, paper.year, paper.venue, paper.arxiv, paper.doi, paper.url)
    return digest((paper.slug, paper.title, paper.date, paper.status, tags, summary, shown))


def face(paper: Paper) -> str:
    """Fingerprint of what a link to the paper shows (its page and title), short and cheap
    to fingerprint again: pages that link to many papers are keyed by their faces."""
    return digest((paper.slug, paper.title))


NOTES_BLIND = ("summaries", "bib_keys", "nearby")
"""What `SitePages` gathers of every paper that its notes and tags never change: first
sentences of abstracts, citation keys, and the small maps (points and titles)."""


ViewOf = Callable[[Paper, str], PaperView]
"""The view of a paper, given its view key (the renderer keeps views between builds)."""


@dataclass(frozen=True, slots=True)
class Theme:
    """What the pages of a site depend on in its templates."""

    stock_listings: bool
    """Every listing template is the theme's own (see LISTING_TEMPLATES)."""
    has_search: bool
    """The templates include a search page."""
    has_map: bool = True
    """The templates include a paper map page."""
    stock_paper: bool = False
    """Every template of the paper page is the theme's own (see PAPER_TEMPLATES)."""


@dataclass(frozen=True, slots=True)
class Retag:
    """What an edit of papers' tags or reading status (and notes) alone changed, nothing
    else having changed since the last render (see render/edits.py): the listing pages
    that show none of it are marked `unchanged` by `SitePages.pages`, and are not
    fingerprinted again."""

    listed: frozenset[str]
    """Slugs of the papers whose listing entries can differ (their tags, or the names of
    their tags, changed)."""
    tags: frozenset[str]
    """Slugs of the tags whose papers or name changed (their pages' counts, members and
    timelines can differ)."""
    tag_count: bool
    """The number of tags changed (the theme's home pages show it)."""
    tagged: bool = True
    """Some paper's tags changed, or a tag's name: the tag files can differ."""
    statuses: bool = False
    """Some paper's reading status or read date changed: the pages counting statuses (the
    first home page, the queue, the stats) and the data files can differ."""


class SitePages:
    """The pages of one build, each with the fingerprint of what it shows."""

    def __init__(
        self,
        config: SiteConfig,
        graph: SiteGraph,
        texts: MarkdownTexts,
        views: ViewOf,
        theme: Theme,
        memo: MapMemo | None = None,
    ) -> None:
        """`memo`: what earlier builds' map points decided (see MapMemo)."""
        self.config, self.graph, self.texts, self.views = config, graph, texts, views
        self.theme = theme
        # Views show how many papers each of their tags has; the theme's pages never do,
        # and a tag's count changes with any paper tagged or untagged.
        self._view_counts = not (theme.stock_paper and theme.stock_listings)
        self._keys: dict[str, str] = {}
        self._list_keys: dict[str, str] = {}
        """Paper slug -> its listing key (the theme's listings), made where first needed."""
        self._counts: dict[str, int] | None = None
        self._faces: dict[str, str] = {}
        """Paper slug -> its face (what a link to it shows), made where first needed."""
        # A tag's count is left out: a paper page's shared tags are tags of its own paper,
        # whose counts are part of its view key wherever a template may show them.
        self._tag_face = {tag.slug: digest((tag.name, tag.slug)) for tag in graph.tags}
        self._tag_faces_of: dict[str, tuple[tuple[str, str], ...]] = {}
        self._memo = memo
        self._some_bib_keys: dict[str, str] = {}
        """Paper slug -> its citation key, made for its page alone (see `bib_key`)."""

    def inherit(self, earlier: SitePages) -> None:
        """Take over what `earlier` (the pages of the last render) gathered that no paper's
        notes or tags change, when this build's papers differ from that render's in those
        alone (render/edits.py): serve's follow-up pass then gathers it for no paper again."""
        for name in NOTES_BLIND:
            if name in earlier.__dict__:  # a cached_property gathered there
                self.__dict__.setdefault(name, earlier.__dict__[name])
        self._faces.update(earlier._faces)  # a face is a paper's slug and title

    def prepare(self) -> None:
        """Gather, here and now, what the pages of many papers share (before workers fork,
        which would each gather it again; and the map's points decide it once)."""
        _ = (self.summaries, self.list_keys(), self.bib_keys, self.nearby, self.regions)

    @functools.cached_property
    def summaries(self) -> dict[str, str]:
        """Paper slug -> the first sentence of its abstract (lists and the cards show it)."""
        summary = self.texts.summary
        return {p.slug: summary(p.abstract) for p in self.graph.papers}

    def list_key(self, paper: Paper) -> str:
        """What listings show of `paper` (with the theme's own listing templates, what the
        item shows, or the paper's file and tags: see `listing_key`; an edit of notes alone
        re-renders no listing, told apart before any key is made: render/edits.py), made
        where first needed (a retag's pages list a few hundred papers of 10,000)."""
        if not self.theme.stock_listings:
            return self.key(paper)
        found = self._list_keys.get(paper.slug)
        if found is None:
            summary = self.texts.summary(paper.abstract)
            found = self._list_keys[paper.slug] = listing_key(paper, self.graph, summary)
        return found

    def list_keys(self) -> dict[str, str]:
        """Every paper's `list_key`, by slug."""
        for paper in self.graph.papers:
            self.list_key(paper)
        return self._list_keys if self.theme.stock_listings else self._keys

    @functools.cached_property
    def bib_keys(self) -> dict[str, str]:
        return entry_keys(self.graph.papers)

    def bib_key(self, index: int) -> str:
        """The citation key of the `index`th paper: from every paper's keys when they were
        gathered (see `prepare`, `inherit`), else from the papers whose keys may clash with
        its (a notes edit's page, in a new process)."""
        paper = self.graph.papers[index]
        keys: dict[str, str] = self.__dict__.get("bib_keys", self._some_bib_keys)
        found = keys.get(paper.slug)
        if found is None:
            found = self._some_bib_keys[paper.slug] = entry_key_among(paper, self._clashes)
        return found

    @functools.cached_property
    def _tagging(self) -> tuple[object, ...]:
        """The graph's `tagging_key`, which both tag files' keys hold (made once)."""
        return self.graph.tagging_key()

    @functools.cached_property
    def _clashes(self) -> dict[str, list[Paper]]:
        """The papers by the keys theirs may clash with (see bibtex.clash_groups)."""
        return clash_groups(self.graph.papers)

    @functools.cached_property
    def nearby(self) -> NearbyMaps:
        """Paper slug -> the small map of the papers near it on its page."""
        return NearbyMaps(self.graph, self._memo)

    @functools.cached_property
    def regions(self) -> tuple[Region, ...]:
        return regions(self.graph, self._memo) if self.theme.has_map else ()

    def _face(self, paper: Paper) -> str:
        found = self._faces.get(paper.slug)
        if found is None:
            found = self._faces[paper.slug] = face(paper)
        return found

    def _tag_faces(self, slug: str) -> tuple[tuple[str, str], ...]:
        """(slug, face) of each tag of paper `slug` (a face: what a link to it shows)."""
        found = self._tag_faces_of.get(slug)
        if found is None:
            tags = self.graph.paper_tags[slug]
            found = self._tag_faces_of[slug] = tuple(
                [(t.slug, self._tag_face[t.slug]) for t in tags]
            )
        return found

    def _all_keys(self) -> dict[str, str]:
        for paper in self.graph.papers:
            self.key(paper)
        return self._keys

    def key(self, paper: Paper) -> str:
        """The paper's view key (see view_key), computed where first needed."""
        key = self._keys.get(paper.slug)
        if key is None:
            key = self._keys[paper.slug] = self._view_key(paper)
        return key

    def _view_key(self, paper: Paper) -> str:
        return view_key(paper, self.graph, self._view_counts)

    def view(self, paper: Paper) -> PaperView:
        return self.views(paper, self.key(paper))

    def listed(self, paper: Paper) -> PaperView | ListedPaper:
        """The paper as a row of a listing: with the theme's listings, which show nothing of
        it but its item, what that item shows (its view, made if needed)."""
        if not self.theme.stock_listings:
            return self.view(paper)
        return ListedPaper(self.list_key(paper), partial(self.view, paper))

    def edited_paper_page(self, paper: Paper) -> Page:
        """The page of `paper` as edited since this graph was made, when nothing else it
        shows has changed (serve's quick path)."""
        self._keys[paper.slug] = self._view_key(paper)
        index = next(i for i, p in enumerate(self.graph.papers) if p.slug == paper.slug)
        return self.paper_page(index, paper)

    def pages(self, papers: bool = True, retag: Retag | None = None) -> Iterator[Page]:
        """Every page of the site (but the papers' own, unless `papers`). After a `retag`,
        the pages it cannot have changed are marked `unchanged`: those showing no paper's
        tags, tag names or counts (the papers' summaries, stats, authors, 404 and search
        pages), and the listings that list none of `retag.listed` (nor a tag of
        `retag.tags`). What the others show is gathered when their key is made."""
        graph = self.graph
        yield from self._home_pages(retag)
        yield Page(
            urls.LIST_DATA,
            "list-data.js",
            lambda: tuple([data_key(p) for p in graph.papers]),
            lambda: {"data": Markup(list_data_text(graph))},
            *_restated(retag),  # it holds statuses, no tags
        )
        yield Page(
            urls.LIST_TAGS,
            "list-tags.js",
            # The file holds no tag's count (see list_tags_text).
            lambda: self._tagging,
            lambda: {"data": Markup(list_tags_text(graph))},
            *_retagged(retag),
        )
        yield from self._summary_files(retag is not None)
        yield self._queue_page(retag)
        yield self._stats_page(retag is not None and not _statuses_moved(retag))
        if papers:
            for index, paper in enumerate(graph.papers):
                yield self.paper_page(index, paper)
        yield Page(
            urls.TAG_INDEX,
            "tags.html",
            lambda: (self._tag_fp(), len(graph.papers)),
            lambda: {"tags": self._tag_links(), "paper_count": len(graph.papers)},
        )
        for tag in graph.tags:
            page = partial(urls.tag_page, tag.slug)
            months = partial(months_added, tag.papers)
            moved = retag is not None and tag.slug in retag.tags
            link = _tag_link(tag)
            yield from self._listed_pages("tag", link, tag.papers, page, months, retag, moved)
        yield from self._author_pages(retag)
        # Served for missing pages at any depth: its links start at base_url when known, or
        # at the root its script finds (see 404.html).
        base = self.config.base_url or ""
        unchanged = retag is not None
        yield Page(urls.NOT_FOUND, "404.html", (base,), lambda: {"root": base}, unchanged)
        if self.theme.has_search:
            yield Page(urls.SEARCH, "search.html", (), dict, unchanged)
        if self.theme.has_map:
            yield from self._map_pages(retag)

    def _map_pages(self, retag: Retag | None = None) -> Iterator[Page]:
        """map.html, its data and a page per region (the map without a script)."""
        found = self.regions
        shown = tuple((r.label, len(r.papers)) for r in found)
        yield Page(urls.MAP, "map.html", shown, lambda: {"regions": found})
        for number, region in enumerate(found, 1):
            context = {"region": region, "number": number, "count": len(found)}
            yield Page(
                urls.map_region(number),
                "map-region.html",
                (region, number, len(found)),
                partial(dict, context),
            )
        yield Page(
            urls.MAP_DATA,
            "map-data.js",
            lambda: map_data_key(self.graph),
            lambda: {"data": Markup(map_data(self.graph))},
            *_restated(retag),  # it holds statuses, no tags
        )
        yield Page(
            urls.MAP_TAGS,
            "map-tags.js",
            lambda: map_tags_key(found, self._tagging),
            lambda: {"data": Markup(map_tags(self.graph, found))},
            *_retagged(retag),
        )

    def _home_pages(self, retag: Retag | None) -> Iterator[Page]:
        # The theme's first home page shows how many tags there are, not how many papers
        # each has; its later pages, neither.
        for pagination, papers in list_pages(self.graph.papers):
            counted = self._counts_shown(pagination)
            yield Page(
                urls.home_page(pagination.number),
                "index.html",
                partial(self._home_shows, pagination, papers),
                self._home_context(pagination, papers),
                _kept(papers, retag, counted and _counts_moved(retag)),
            )

    def _counts_shown(self, pagination: Pagination) -> bool:
        """Whether a home page shows the counts of tags and statuses (the theme's show them on
        the first page alone)."""
        return pagination.number == 1 or not self.theme.stock_listings

    def _home_shows(self, pagination: Pagination, papers: Sequence[Paper]) -> tuple[object, ...]:
        if not self._counts_shown(pagination):
            return (tuple([self.list_key(p) for p in papers]), pagination)
        counts = self._status_counts()
        tags = len(self.graph.tags) if self.theme.stock_listings else self._tag_fp()
        shared = (tags, tuple(counts.items()), len(self.graph.papers))
        return (tuple([self.list_key(p) for p in papers]), shared, pagination)

    def _home_context(
        self, pagination: Pagination, papers: Sequence[Paper]
    ) -> Callable[[], dict[str, Any]]:
        return lambda: {
            "papers": [self.listed(p) for p in papers],
            "pagination": pagination,
            "tags": self._tag_links(),
            "status_counts": self._status_counts(),
        }

    def _summary_files(self, unchanged: bool) -> Iterator[Page]:
        """The cards' summaries of every paper of the data file, loaded only for the cards
        the browser shows (static/list/summaries.js)."""
        for number, papers in enumerate(summary_chunks(self.graph.papers)):
            yield self._summaries_page(number, papers, unchanged)

    def _summaries_page(self, number: int, papers: Sequence[Paper], unchanged: bool) -> Page:
        @functools.cache  # the key's and the context's
        def shows() -> tuple[int, tuple[str, ...]]:  # all the file holds: not their titles
            return number, tuple([self.summaries[p.slug] for p in papers])

        return Page(
            urls.list_summaries(number),
            "list-summaries.js",
            shows,
            lambda: _summaries_context(*shows()),
            unchanged,
        )

    def _queue_page(self, retag: Retag | None) -> Page:
        parts = queue_parts(self.graph)

        def shows() -> tuple[object, ...]:
            return (tuple((part.count, tuple(map(self.list_key, part.papers))) for part in parts),)

        return Page(
            urls.QUEUE,
            "queue.html",
            shows,
            lambda: {
                "parts": [(part, [self.listed(p) for p in part.papers]) for part in parts],
                "status_counts": self._status_counts(),
            },
            _kept([p for part in parts for p in part.papers], retag, _statuses_moved(retag)),
        )

    def _stats_page(self, unchanged: bool) -> Page:
        @functools.cache  # the key's and the context's
        def shows() -> tuple[tuple[MonthCounts, ...], ReadMonths]:
            return months_added(self.graph.papers), months_read(self.graph.papers)

        def context() -> dict[str, Any]:
            months, read = shows()
            return {
                "months": months,
                "chart": timeline_svg(months, "Papers added per month, by status"),
                "statuses": STATUSES,
                "read": read,
                "read_chart": timeline_svg(read.months, "Papers read per month"),
            }

        return Page(urls.STATS, "stats.html", shows, context, unchanged)

    def paper_page(self, index: int, paper: Paper) -> Page:
        """The page of the `index`th paper (newest first). What it shows is gathered when
        first needed: on a cold build, by the worker that renders it."""
        return Page(
            urls.paper_page(paper.slug),
            "paper.html",
            partial(self._paper_shows, index, paper),
            partial(self._paper_context, index, paper),
        )

    def _paper_shows(self, index: int, paper: Paper) -> tuple[str, ...]:
        """Everything the page of the `index`th paper shows (see _paper_context), as faces of
        the papers and tags it shows (fixed-length digests, strung together): cheap to make
        and to fingerprint, for every paper of every build."""
        slug, face_of, tag_faces = paper.slug, self._face, self._tag_faces
        mine = {tag for tag, _ in tag_faces(slug)}
        related = "".join(
            [
                face_of(other)
                + "".join([f for tag, f in tag_faces(other.slug) if tag in mine])
                + ";"
                for other in self.graph.related.get(slug, ())
            ]
        )
        return (
            self.key(paper),
            *self._shown_neighbours(index),
            related,
            "".join([face_of(p) for p in self.graph.links.incoming.get(slug, ())]),
            self.bib_key(index),
            self.nearby.key(slug),
        )

    def _shown_neighbours(self, index: int) -> tuple[str, str]:
        """The newer and older papers as the `index`th paper's page shows them: the theme's
        template links them (their faces), a site's own gets their views (their keys)."""
        newer, older = self.graph.neighbours(index)

        def shown(other: Paper | None) -> str:
            if other is None:
                return ""
            return self._face(other) if self.theme.stock_paper else self.key(other)

        return shown(newer), shown(older)

    def _paper_context(self, index: int, paper: Paper) -> dict[str, Any]:
        """What the template of a paper page gets: what its paper's view, bib key and meta
        tags show, and what `_paper_shows` fingerprints of other papers and tags."""
        graph = self.graph
        newer, older = graph.neighbours(index)
        return {
            "nearby": self.nearby.get(paper.slug),
            "paper": self.view(paper),
            "newer": self.view(newer) if newer else None,
            "older": self.view(older) if older else None,
            "related": self._related(paper),
            "cited_by": tuple(
                RelatedLink(p.title, urls.paper_page(p.slug), ())
                for p in graph.links.incoming.get(paper.slug, ())
            ),
            **paper_bibtex_both(paper, self.bib_key(index)),
            "meta": [
                m
                for m in paper_meta(
                    self.config,
                    paper,
                    paper.authors,
                    [t.name for t in self.graph.tags_of(paper)],
                    self.texts,
                )
                if m[1] != "description"  # base.html writes the description
            ],
        }

    def _related(self, paper: Paper) -> tuple[RelatedLink, ...]:
        mine = {tag.slug for tag in self.graph.tags_of(paper)}
        return tuple(
            RelatedLink(
                other.title,
                urls.paper_page(other.slug),
                tuple(_tag_link(t) for t in self.graph.tags_of(other) if t.slug in mine),
            )
            for other in self.graph.related.get(paper.slug, ())
        )

    def _listed_pages(
        self,
        kind: str,
        link: TagLink,
        papers: Sequence[Paper],
        path: Callable[[int], str],
        months: Callable[[], tuple[MonthCounts, ...]] = tuple,
        retag: Retag | None = None,
        moved: bool = False,
    ) -> Iterator[Page]:
        """A tag's or author's list (templates/<kind>.html), `urls.LIST_PAGE_SIZE` papers a
        page; on the first, the script sorts and filters all of them (`members`) and the
        timeline of `months` is drawn. `moved`: the list's papers or `link` changed in the
        `retag` (if any)."""
        cut = list_pages(papers, path)
        every = tuple(p.slug for p in papers) if len(cut) > 1 else ()
        timeline = functools.cache(months)  # the first page's key's and context's
        for pagination, part in cut:
            first = pagination.number == 1
            shown = (link, part, pagination, every if first else (), timeline if first else tuple)
            yield Page(
                path(pagination.number),
                f"{kind}.html",
                partial(self._listed_shows, *shown),
                self._listed_context(kind, *shown),
                _kept(part, retag, moved),
            )

    def _listed_shows(
        self,
        link: TagLink,
        papers: Sequence[Paper],
        pagination: Pagination,
        members: tuple[str, ...],
        months: Callable[[], tuple[MonthCounts, ...]],
    ) -> tuple[object, ...]:
        shown = tuple([self.list_key(p) for p in papers])
        return (link, shown, pagination, members, months())

    def _listed_context(
        self,
        kind: str,
        link: TagLink,
        papers: Sequence[Paper],
        pagination: Pagination,
        members: tuple[str, ...],
        months: Callable[[], tuple[MonthCounts, ...]],
    ) -> Callable[[], dict[str, Any]]:
        label = f"Papers tagged {link.name} added per month, by status"

        def context() -> dict[str, Any]:
            shown = months()
            return {
                kind: link,
                "papers": [self.listed(p) for p in papers],
                "pagination": pagination,
                "members": members,
                "months": shown,
                "chart": timeline_svg(shown, label),
                "statuses": STATUSES,
            }

        return context

    def _author_pages(self, retag: Retag | None) -> Iterator[Page]:
        """The authors' index (a retag changes none of it) and each author's list."""
        authors = [
            TagLink(a.name, urls.author_page(a.slug), len(a.papers)) for a in self.graph.authors
        ]

        def context() -> dict[str, Any]:
            sections = [
                (letter, [replace(authors[i], name=index_name(authors[i].name)) for i in group])
                for letter, group in by_initial([a.name for a in authors])
            ]
            return {"authors": authors, "sections": sections}

        shows = (tuple(authors),)
        yield Page(urls.AUTHOR_INDEX, "authors.html", shows, context, retag is not None)
        for author, link in zip(self.graph.authors, authors, strict=True):
            page = partial(urls.author_page, author.slug)
            yield from self._listed_pages("author", link, author.papers, page, tuple, retag)

    def _status_counts(self) -> dict[str, int]:
        """Papers per status (the home pages and the queue show them: counted once)."""
        if self._counts is None:
            self._counts = self.graph.status_counts()
        return self._counts

    def _tag_fp(self) -> tuple[object, ...]:
        return tuple((t.name, t.slug, len(t.papers)) for t in self.graph.tags)

    def _tag_links(self) -> list[TagLink]:
        return [_tag_link(tag) for tag in self.graph.tags]


def _summaries_context(number: int, summaries: tuple[str, ...]) -> dict[str, Any]:
    return {"number": number, "data": Markup(compact_json(summaries))}


def _tag_link(tag: Tag) -> TagLink:
    return TagLink(tag.name, urls.tag_page(tag.slug), len(tag.papers))


def _retagged(retag: Retag | None) -> tuple[bool, bool]:
    """(unchanged, changed) of the tag files (list and map) after `retag`: each holds every
    paper's tags, and some paper's entry changed unless only statuses did (making their
    keys, over 10,000 papers, costs ~10 ms of such an edit)."""
    if retag is None:
        return False, False
    return not retag.tagged, retag.tagged and bool(retag.listed)


def _restated(retag: Retag | None) -> tuple[bool, bool]:
    """(unchanged, changed) of the data files (list and map) after `retag`: each holds every
    paper's status, and no tag."""
    if retag is None:
        return False, False
    return not retag.statuses, retag.statuses


def _counts_moved(retag: Retag | None) -> bool:
    """Whether the counts of tags or statuses changed in `retag` (if any)."""
    return retag is not None and (retag.tag_count or retag.statuses)


def _statuses_moved(retag: Retag | None) -> bool:
    """Whether some paper's status or read date changed in `retag` (if any)."""
    return retag is not None and retag.statuses


def _kept(papers: Sequence[Paper], retag: Retag | None, moved: bool = False) -> bool:
    """Whether a listing of `papers` is unchanged by `retag`: it lists none of the papers
    whose entries it changed, and the rest of what it shows did not move."""
    return retag is not None and not moved and not any(p.slug in retag.listed for p in papers)
