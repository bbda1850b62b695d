"""The site graph kept between runs: a build whose papers differ from the last one's only in
what the graph does not hold (a notes edit) binds the last graph to its papers instead of
sorting and gathering 10,000 papers again (~0.15 s, a tenth of such a build).

The file holds the graph without its papers (each named by its place in the newest-first
list), the digest of each paper it was made of, and the stamp of what else made it (sitegen's
code, the tag aliases). A build whose papers are those, or whose papers that differ were read
again from files the graph was made of, binds it to its papers and checks each of those as
`serve` does (graph.same_in_graph): one changed in slug, title, date, file, tags, authors or
links, or warned about, a paper added or gone, or another stamp, and the graph is made afresh.
"""

from __future__ import annotations

import contextlib
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sitegen.content.models import Author, Paper, Tag
from sitegen.content.wikilinks import LinkTarget, PaperLinks
from sitegen.errors import Problem
from sitegen.fingerprint import code_fingerprint
from sitegen.fsutil import atomic_write_bytes
from sitegen.site.graph import GRAPH_FIELDS, SiteGraph, build_graph, same_in_graph

CACHE_FILE = "graph.pickle"
_CACHE_VERSION = "graph-v3"

_Members = tuple[str, str, list[int]]
"""A tag or an author: its name, its slug, its papers by place in the newest-first list."""


@dataclass(frozen=True, slots=True)
class GraphSkeleton:
    """A SiteGraph without related papers or map, each paper named by its place in `papers`
    (plain values: quick to pickle and read)."""

    papers: list[str]
    """Slugs, newest first."""
    tags: list[_Members]
    tag_names: dict[str, str]
    tag_slugs: dict[str, str]
    tag_sets: list[list[int]]
    """The distinct tuples of tags papers hold (by place in `tags`): shared, as made."""
    paper_tag_sets: list[int]
    """Each paper's tuple of tags, by place in `tag_sets`."""
    tag_table: tuple[tuple[str, str, str], ...]
    authors: list[_Members]
    author_slugs: dict[str, str]
    link_index: dict[str, str]
    """What a `[[...]]` finds (as wikilinks.resolve_links indexes them), by slug."""
    outgoing: dict[int, list[str]]
    """The link targets of each paper that has any (by place), by slug."""
    incoming: list[tuple[str, list[int]]]
    """(slug, the papers linking to it), in the order the links were gathered."""
    warnings: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class _Kept:
    """What the cache file holds: a graph's skeleton, the digests of the papers it was made
    of, and the stamp of the rest."""

    stamp: str
    digests: dict[str, str]
    """Paper slug -> its digest."""
    skeleton: bytes
    """The GraphSkeleton, pickled: written again as read when only digests change (a
    notes edit), which costs a tenth of pickling it again."""


def skeleton_of(graph: SiteGraph) -> GraphSkeleton:
    """`graph` (as `build_graph` made it: no related papers nor map) without its papers."""
    place = {paper.slug: n for n, paper in enumerate(graph.papers)}
    tag_place = {tag.slug: n for n, tag in enumerate(graph.tags)}
    set_place: dict[int, int] = {}
    tag_sets: list[list[int]] = []
    for tags in graph.paper_tags.values():
        if id(tags) not in set_place:
            set_place[id(tags)] = len(tag_sets)
            tag_sets.append([tag_place[tag.slug] for tag in tags])

    def members(group: Sequence[Paper]) -> list[int]:
        return [place[paper.slug] for paper in group]

    links = graph.links
    return GraphSkeleton(
        [paper.slug for paper in graph.papers],
        [(tag.name, tag.slug, members(tag.papers)) for tag in graph.tags],
        dict(graph.tag_names),
        dict(graph.tag_slugs),
        tag_sets,
        [set_place[id(graph.paper_tags[paper.slug])] for paper in graph.papers],
        graph.tag_table,
        [(author.name, author.slug, members(author.papers)) for author in graph.authors],
        dict(graph.author_slugs),
        {key: target.slug for key, target in links.index.items()},
        {
            n: [target.slug for target in links.outgoing[paper.slug]]
            for n, paper in enumerate(graph.papers)
            if links.outgoing[paper.slug]
        },
        [(slug, members(group)) for slug, group in links.incoming.items()],
        graph.warnings,
    )


def bind(skeleton: GraphSkeleton, papers: Mapping[str, Paper]) -> SiteGraph:
    """The graph of `skeleton` made of `papers` (by slug: those it was made of)."""
    ordered = tuple([papers[slug] for slug in skeleton.papers])

    def members(places: list[int]) -> tuple[Paper, ...]:
        return tuple([ordered[n] for n in places])

    tags = tuple([Tag(name, slug, members(places)) for name, slug, places in skeleton.tags])
    tag_sets = [tuple([tags[n] for n in places]) for places in skeleton.tag_sets]
    paper_tags = {
        paper.slug: tag_sets[n] for paper, n in zip(ordered, skeleton.paper_tag_sets, strict=True)
    }
    # One target a paper, as wikilinks.resolve_links makes them (its keys are kept: making each
    # title's key again cost as much as all the rest).
    targets = {paper.slug: LinkTarget(paper.slug, paper.title) for paper in ordered}
    index = {key: targets[slug] for key, slug in skeleton.link_index.items()}
    outgoing: dict[str, tuple[LinkTarget, ...]] = dict.fromkeys(targets, ())
    for n, slugs in skeleton.outgoing.items():
        outgoing[ordered[n].slug] = tuple([targets[slug] for slug in slugs])
    incoming = {slug: members(places) for slug, places in skeleton.incoming}
    return SiteGraph(
        ordered,
        tags,
        dict(skeleton.tag_names),
        dict(skeleton.tag_slugs),
        paper_tags,
        skeleton.tag_table,
        {},
        tuple([Author(name, slug, members(places)) for name, slug, places in skeleton.authors]),
        dict(skeleton.author_slugs),
        PaperLinks(index, outgoing, incoming),
        skeleton.warnings,
    )


class GraphCache:
    """The papers' graph (without related papers or map), bound from the last build's
    when only papers' notes changed since (see the module's doc)."""

    def __init__(self, cache_dir: Path | None) -> None:
        self.cache_dir = cache_dir
        self._last: _Kept | None = None
        """What the file holds, as read or written by this process."""
        self._unsaved: _Kept | tuple[str, SiteGraph] | None = None
        """What the next `save` writes: as kept, or a graph made afresh (with its stamp)."""

    def get(
        self,
        papers: Sequence[Paper],
        aliases: Sequence[tuple[str, str]],
        before: Mapping[str, Paper],
    ) -> SiteGraph:
        """The graph `build_graph(papers, None, aliases)` makes. `before`: papers as they were
        before this build read their files again, by slug."""
        stamp = f"{_CACHE_VERSION} {code_fingerprint()} {tuple(aliases)!r}"
        last = self._read(stamp)
        graph = _bound(last, papers, before) if last is not None else None
        if last is None or graph is None:
            graph = build_graph(papers, None, aliases)
            self._unsaved = (stamp, graph)
        elif any(last.digests[p.slug] != p.digest for p in papers):
            digests = {paper.slug: paper.digest for paper in papers}
            self._unsaved = _Kept(stamp, digests, last.skeleton)  # the same graph's
        return graph

    def save(self) -> None:
        """Keep the last graph made for the next run (a cache: failing only costs time)."""
        unsaved, self._unsaved = self._unsaved, None
        if isinstance(unsaved, tuple):
            stamp, graph = unsaved
            digests = {paper.slug: paper.digest for paper in graph.papers}
            skeleton = pickle.dumps(skeleton_of(graph), pickle.HIGHEST_PROTOCOL)
            unsaved = _Kept(stamp, digests, skeleton)
        if unsaved is None:
            return
        self._last = unsaved
        if self.cache_dir is not None:
            data = pickle.dumps((unsaved.stamp, unsaved.digests, unsaved.skeleton))
            with contextlib.suppress(OSError):
                atomic_write_bytes(self.cache_dir / CACHE_FILE, data, durable=False)

    def _read(self, stamp: str) -> _Kept | None:
        if self._last is None and self.cache_dir is not None:
            # The cache is sitegen's own file inside the site's folder, as trusted as the site.
            with contextlib.suppress(Exception):  # missing, damaged, of other code: not used
                kept = _Kept(*pickle.loads((self.cache_dir / CACHE_FILE).read_bytes()))
                shapes = (isinstance(kept.digests, dict), isinstance(kept.skeleton, bytes))
                self._last = kept if all(shapes) else None
        return self._last if self._last is not None and self._last.stamp == stamp else None


def _bound(last: _Kept, papers: Sequence[Paper], before: Mapping[str, Paper]) -> SiteGraph | None:
    """The graph `last` holds, bound to `papers` if they are the papers it was made of, but
    for some read again from their files that stand in the graph as they did; else None."""
    if len(papers) != len(last.digests):
        return None
    edited = []
    for paper in papers:
        digest = last.digests.get(paper.slug)
        if not digest:
            return None
        if paper.digest != digest:
            old = before.get(paper.slug)
            if old is None or old.digest != digest:
                return None
            edited.append((old, paper))
    if any(getattr(old, f) != getattr(new, f) for old, new in edited for f in GRAPH_FIELDS):
        return None  # told before reading the graph (a retag, say)
    try:
        skeleton = pickle.loads(last.skeleton)
    except Exception:  # damaged: not used (the file is sitegen's own, as trusted as the site)
        return None
    if not isinstance(skeleton, GraphSkeleton):
        return None
    graph = bind(skeleton, {paper.slug: paper for paper in papers})
    warned = {warning.path for warning in graph.warnings}
    return graph if all(same_in_graph(old, new, graph, warned) for old, new in edited) else None
