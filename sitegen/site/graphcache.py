"""The site graph kept between runs: a build whose papers differ from the last one's only in
what the graph does not hold (a notes edit) binds the last graph to its papers instead of
sorting and gathering 10,000 papers again (~0.15 s, a tenth of such a build).

The file holds the graph without its papers (each named by its place in the newest-first
list), in two parts (the papers' order, authors and links; the tags), the digest of each
paper it was made of, and the stamp of what else made it (sitegen's code, the tag aliases).
A build whose papers are those, or whose papers that differ were read again from files the
graph was made of, binds it to its papers and checks each of those as `serve` does
(graph.same_in_graph): one changed in slug, title, date, file, tags, authors or links, or
warned about, a paper added or gone, or another stamp, and the graph is made afresh (when
only tags changed, a retag, the part without tags is kept as it was).
"""

from __future__ import annotations

import contextlib
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sitegen.content.models import Author, Paper, Tag
from sitegen.content.wikilinks import LinkTarget, PaperLinks
from sitegen.errors import Problem
from sitegen.fingerprint import code_fingerprint
from sitegen.fsutil import atomic_write_bytes
from sitegen.site.graph import (
    GraphTags,
    SiteGraph,
    assemble,
    build_graph,
    gather_tags,
    graph_fields_changed,
    same_in_graph,
)

T = TypeVar("T")

CACHE_FILE = "graph.pickle"
_CACHE_VERSION = "graph-v5"

_Members = tuple[str, str, list[int]]
"""A tag or an author: its name, its slug, its papers by place in the newest-first list."""


@dataclass(frozen=True, slots=True)
class GraphSkeleton:
    """A SiteGraph's papers' order, authors and links, each paper named by its place in
    `papers` (plain values: quick to pickle and read)."""

    papers: list[str]
    """Slugs, newest first."""
    authors: list[_Members]
    author_slugs: dict[str, str]
    link_index: dict[str, str]
    """What a `[[...]]` finds (as wikilinks.resolve_links indexes them), by slug."""
    outgoing: dict[int, list[str]]
    """The link targets of each paper that has any (by place), by slug."""
    incoming: list[tuple[str, list[int]]]
    """(slug, the papers linking to it), in the order the links were gathered."""
    link_warnings: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class TagSkeleton:
    """A SiteGraph's tags and warnings, papers named as in its GraphSkeleton."""

    tags: list[_Members]
    tag_names: dict[str, str]
    tag_slugs: dict[str, str]
    tag_sets: list[list[int]]
    """The distinct tuples of tags papers hold (by place in `tags`): shared, as made."""
    paper_tag_sets: list[int]
    """Each paper's tuple of tags, by place in `tag_sets`."""
    tag_table: tuple[tuple[str, str, str], ...]
    warnings: tuple[Problem, ...]
    """The tags' warnings (graph.GraphTags.warnings)."""


@dataclass(frozen=True, slots=True)
class _Kept:
    """What the cache file holds: a graph's skeletons (pickled: written again as read when
    only digests change, a notes edit, or the tags, a retag), the digests of the papers it
    was made of, and the stamp of the rest."""

    stamp: str
    digests: dict[str, str]
    """Paper slug -> its digest."""
    skeleton: bytes
    tags: bytes


def skeleton_of(graph: SiteGraph) -> GraphSkeleton:
    """`graph`'s papers' order, authors and links (as `build_graph` made them)."""
    place = {paper.slug: n for n, paper in enumerate(graph.papers)}

    def members(group: Sequence[Paper]) -> list[int]:
        return [place[paper.slug] for paper in group]

    links = graph.links
    return GraphSkeleton(
        [paper.slug for paper in graph.papers],
        [(author.name, author.slug, members(author.papers)) for author in graph.authors],
        dict(graph.author_slugs),
        {key: target.slug for key, target in links.index.items()},
        {
            n: [target.slug for target in links.outgoing[paper.slug]]
            for n, paper in enumerate(graph.papers)
            if links.outgoing[paper.slug]
        },
        [(slug, members(group)) for slug, group in links.incoming.items()],
        links.warnings,
    )


def tag_skeleton_of(graph: SiteGraph) -> TagSkeleton:
    """`graph`'s tags and warnings (as `build_graph` made them)."""
    place = {paper.slug: n for n, paper in enumerate(graph.papers)}
    tag_place = {tag.slug: n for n, tag in enumerate(graph.tags)}
    set_place: dict[int, int] = {}
    tag_sets: list[list[int]] = []
    for tags in graph.paper_tags.values():
        if id(tags) not in set_place:
            set_place[id(tags)] = len(tag_sets)
            tag_sets.append([tag_place[tag.slug] for tag in tags])
    return TagSkeleton(
        [(tag.name, tag.slug, [place[p.slug] for p in tag.papers]) for tag in graph.tags],
        dict(graph.tag_names),
        dict(graph.tag_slugs),
        tag_sets,
        [set_place[id(graph.paper_tags[paper.slug])] for paper in graph.papers],
        graph.tag_table,
        graph.warnings[: len(graph.warnings) - len(graph.links.warnings)],  # see assemble
    )


def bind(skeleton: GraphSkeleton, tagged: TagSkeleton, papers: Mapping[str, Paper]) -> SiteGraph:
    """The graph of the skeletons made of `papers` (by slug: those it was made of)."""
    ordered = tuple([papers[slug] for slug in skeleton.papers])
    return _bound_with(skeleton, ordered, _tags_of(tagged, ordered))


def _tags_of(tagged: TagSkeleton, ordered: tuple[Paper, ...]) -> GraphTags:
    """The tags of the skeleton, of the papers `ordered` as its graph's were."""
    tags = tuple([Tag(name, slug, _members(ordered, places)) for name, slug, places in tagged.tags])
    tag_sets = [tuple([tags[n] for n in places]) for places in tagged.tag_sets]
    paper_tags = {
        paper.slug: tag_sets[n] for paper, n in zip(ordered, tagged.paper_tag_sets, strict=True)
    }
    names, slugs = dict(tagged.tag_names), dict(tagged.tag_slugs)
    return GraphTags(tags, names, slugs, paper_tags, tagged.tag_table, tagged.warnings)


def _bound_with(
    skeleton: GraphSkeleton, ordered: tuple[Paper, ...], tagged: GraphTags
) -> SiteGraph:
    """The graph of the skeleton, of the papers `ordered` as its graph's were, and `tagged`."""
    # One target a paper, as wikilinks.resolve_links makes them (its keys are kept: making each
    # title's key again cost as much as all the rest).
    targets = {paper.slug: LinkTarget(paper.slug, paper.title) for paper in ordered}
    index = {key: targets[slug] for key, slug in skeleton.link_index.items()}
    outgoing: dict[str, tuple[LinkTarget, ...]] = dict.fromkeys(targets, ())
    for n, slugs in skeleton.outgoing.items():
        outgoing[ordered[n].slug] = tuple([targets[slug] for slug in slugs])
    incoming = {slug: _members(ordered, places) for slug, places in skeleton.incoming}
    links = PaperLinks(index, outgoing, incoming, skeleton.link_warnings)
    authors = tuple(
        [Author(name, slug, _members(ordered, places)) for name, slug, places in skeleton.authors]
    )
    return assemble(ordered, tagged, authors, dict(skeleton.author_slugs), links)


def _members(ordered: tuple[Paper, ...], places: list[int]) -> tuple[Paper, ...]:
    return tuple([ordered[n] for n in places])


class GraphCache:
    """The papers' graph (without related papers or map), bound from the last build's
    when only papers' notes changed since (see the module's doc)."""

    def __init__(self, cache_dir: Path | None) -> None:
        self.cache_dir = cache_dir
        self._last: _Kept | None = None
        """What the file holds, as read or written by this process."""
        self._unsaved: _Kept | tuple[str, SiteGraph, bytes | None] | None = None
        """What the next `save` writes: as kept, or a graph made afresh (with its stamp and
        the pickled skeleton it keeps, if only tags changed)."""

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
        edited = _edited(last, papers, before) if last is not None else None
        graph = _bound(last, papers, edited) if last is not None and edited is not None else None
        if last is None or graph is None:
            retagged = edited is not None and all(_only_tags(old, new) for old, new in edited)
            kept = last.skeleton if last is not None and retagged else None
            graph = _retagged(kept, papers, aliases) if kept else None
            if graph is None:  # made afresh: its skeleton too (a damaged one is not kept)
                graph, kept = build_graph(papers, None, aliases), None
            self._unsaved = (stamp, graph, kept)
        elif edited:
            digests = {paper.slug: paper.digest for paper in papers}
            self._unsaved = _Kept(stamp, digests, last.skeleton, last.tags)  # the same graph's
        return graph

    def save(self) -> None:
        """Keep the last graph made for the next run (a cache: failing only costs time)."""
        unsaved, self._unsaved = self._unsaved, None
        if isinstance(unsaved, tuple):
            stamp, graph, skeleton = unsaved
            digests = {paper.slug: paper.digest for paper in graph.papers}
            if skeleton is None:
                skeleton = pickle.dumps(skeleton_of(graph), pickle.HIGHEST_PROTOCOL)
            tags = pickle.dumps(tag_skeleton_of(graph), pickle.HIGHEST_PROTOCOL)
            unsaved = _Kept(stamp, digests, skeleton, tags)
        if unsaved is None:
            return
        self._last = unsaved
        if self.cache_dir is not None:
            kept = (unsaved.stamp, unsaved.digests, unsaved.skeleton, unsaved.tags)
            with contextlib.suppress(OSError):
                atomic_write_bytes(self.cache_dir / CACHE_FILE, pickle.dumps(kept), durable=False)

    def _read(self, stamp: str) -> _Kept | None:
        if self._last is None and self.cache_dir is not None:
            # The cache is sitegen's own file inside the site's folder, as trusted as the site.
            with contextlib.suppress(Exception):  # missing, damaged, of other code: not used
                kept = _Kept(*pickle.loads((self.cache_dir / CACHE_FILE).read_bytes()))
                shapes = (isinstance(kept.digests, dict), isinstance(kept.skeleton, bytes))
                self._last = kept if all(shapes) and isinstance(kept.tags, bytes) else None
        return self._last if self._last is not None and self._last.stamp == stamp else None


Edited = list[tuple[Paper, Paper]]
"""Papers changed since a graph was made: (as it was made of, as now)."""


def _edited(last: _Kept, papers: Sequence[Paper], before: Mapping[str, Paper]) -> Edited | None:
    """The papers that differ from those `last` was made of, if the others are those and
    these were read again from their files (`before`: as they were); else None."""
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
    return edited


def _only_tags(old: Paper, new: Paper) -> bool:
    """Whether the graph shows the papers alike but for their tags: their notes, which hold
    their links, are alike too, and so are the lines of any link warnings (more lines of
    tags move the notes)."""
    lines_kept = old.notes_line == new.notes_line or "[[" not in new.notes
    return old.notes == new.notes and lines_kept and graph_fields_changed(old, new) <= {"tags"}


def _retagged(
    skeleton: bytes, papers: Sequence[Paper], aliases: Sequence[tuple[str, str]]
) -> SiteGraph | None:
    """The graph of `papers`, which differ from those of `skeleton` in tags alone: the
    papers' order, authors and links bound from it, the tags gathered afresh (a third of
    making it all again). None if the skeleton is damaged."""
    kept = _loaded(skeleton, GraphSkeleton)
    by_slug = {paper.slug: paper for paper in papers}
    if kept is None or set(kept.papers) != by_slug.keys():
        return None
    ordered = tuple([by_slug[slug] for slug in kept.papers])
    return _bound_with(kept, ordered, gather_tags(ordered, aliases))


def _bound(last: _Kept, papers: Sequence[Paper], edited: Edited) -> SiteGraph | None:
    """The graph `last` holds bound to `papers`, if the `edited` ones stand in it as the
    papers it was made of did; else None."""
    if any(graph_fields_changed(old, new) for old, new in edited):
        return None  # told before reading the graph (a retag, say)
    skeleton, tagged = _loaded(last.skeleton, GraphSkeleton), _loaded(last.tags, TagSkeleton)
    if skeleton is None or tagged is None:
        return None
    graph = bind(skeleton, tagged, {paper.slug: paper for paper in papers})
    warned = {warning.path for warning in graph.warnings}
    return graph if all(same_in_graph(old, new, graph, warned) for old, new in edited) else None


def _loaded(data: bytes, kind: type[T]) -> T | None:
    """The `kind` pickled in `data`; None if damaged or another thing (the file is
    sitegen's own, as trusted as the site)."""
    try:
        found = pickle.loads(data)
    except Exception:  # damaged: not used
        return None
    return found if isinstance(found, kind) else None
