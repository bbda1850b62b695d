"""Which pages an edit can have changed, told without fingerprinting every page.

A render records what its pages were made from: each paper's digest, the tag table, and a
stamp of everything else the pages show (the papers' order, links, related papers, map
points, the theme). When the next build finds the same stamp, with the theme's templates:

- if its only changed papers differ from the version that render saw in their notes alone,
  nothing but those papers' own pages can differ: every other page shows a paper's listing
  entry, face, data or map point, never its notes (see pages.LISTING_TEMPLATES and
  pages.PAPER_TEMPLATES);
- if they differ in their tags too, the pages that are not a paper's can differ (they list
  papers and tags), but of the papers' pages only those that show the changed tags: the
  edited papers' own, those listing an edited paper among their related papers (with the
  tags they share), and those of papers holding a tag named anew (see `shown_by`);
- if they differ in their reading status or read date (and maybe notes and tags), the
  pages that list them and those that count statuses can differ too, but no other paper's
  page, which shows none of it.

In every other case each page's fingerprint is checked, as before.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from itertools import chain

from sitegen.content.models import Paper
from sitegen.fingerprint import digest
from sitegen.render.pages import Retag, Theme
from sitegen.site.graph import SiteGraph, slugs_digest


@dataclass(frozen=True, slots=True)
class RenderInputs:
    """What the pages of one render were made from (kept with its pages' keys)."""

    papers: dict[str, str]
    """Paper slug -> the digest of its file's text (equal digests, equal papers)."""
    stamp: str
    """Digest of the rest but the tag table: order, links, related papers, map points, theme."""
    tags: tuple[tuple[str, str, str], ...] = ()
    """The tag table (see SiteGraph.tag_table)."""
    members: dict[str, str] = field(default_factory=dict)
    """Tag slug -> the digest of its papers' slugs, in order."""

    def as_json(self) -> dict[str, object]:
        return {
            "papers": self.papers,
            "stamp": self.stamp,
            "tags": self.tags,
            "members": self.members,
        }

    @staticmethod
    def from_json(data: object) -> RenderInputs:
        """Raises ValueError, TypeError, KeyError or AttributeError for data of another shape."""
        if not isinstance(data, dict) or not isinstance(data["papers"], dict):
            raise ValueError("not render inputs")
        papers = {str(slug): str(found) for slug, found in data["papers"].items()}
        tags = tuple((str(key), str(name), str(slug)) for key, name, slug in data["tags"])
        members = {str(slug): str(found) for slug, found in data["members"].items()}
        return RenderInputs(papers, str(data["stamp"]), tags, members)


def render_inputs(graph: SiteGraph, theme: Theme) -> RenderInputs:
    """What the pages of `graph` are made from (a few milliseconds for 10,000 papers)."""
    papers = graph.papers
    slugs = [p.slug for p in papers]
    return RenderInputs(
        dict(zip(slugs, [p.digest for p in papers], strict=True)),
        _stamp(graph, theme, slugs),
        graph.tag_table,
        {tag.slug: slugs_digest(tag.papers) for tag in graph.tags},
    )


def _stamp(graph: SiteGraph, theme: Theme, slugs: list[str]) -> str:
    """Digest of the papers' order (`slugs`), links, related papers, map points and the
    theme: strings joined and floats packed rather than the repr of nested lists (a
    fifth of the time at 10,000 papers). Slugs are made of letters, digits and hyphens;
    should one hold a separator, the repr is digested instead."""
    joined = "\0".join(slugs)
    if joined.count("\0") != max(len(slugs) - 1, 0) or "\1" in joined or "\2" in joined:
        return digest((theme, slugs, *_linked(graph, slugs)))
    hasher = hashlib.blake2b(digest_size=16)
    hasher.update(repr(theme).encode("utf-8", "surrogatepass") + b"\2")
    hasher.update(joined.encode() + b"\2")
    # As _linked's first two lists, joined without making them (most papers link to none).
    outgoing, related = graph.links.outgoing, graph.related.slugs
    links = ["\0".join([t.slug for t in to]) if (to := outgoing.get(s)) else "" for s in slugs]
    hasher.update("\1".join(links).encode() + b"\2")
    hasher.update("\1".join(["\0".join(related.get(s, ())) for s in slugs]).encode() + b"\2")
    points = graph.positions
    hasher.update("".join(["1" if s in points else "0" for s in slugs]).encode())
    hasher.update(array("d", chain.from_iterable(points.get(s, _NOWHERE) for s in slugs)).tobytes())
    return hasher.hexdigest()


def _linked(
    graph: SiteGraph, slugs: list[str]
) -> tuple[list[list[str]], list[list[str]], list[tuple[float, float] | None]]:
    """Per paper: the slugs it links to, the slugs of its related papers, its map point.
    The related slugs as placed: those of no paper too, which the papers' order (`slugs`)
    tells apart, rather than finding every paper's related papers."""
    outgoing, related = graph.links.outgoing, graph.related.slugs
    return (
        [[t.slug for t in outgoing.get(s, ())] for s in slugs],
        [list(related.get(s, ())) for s in slugs],
        [graph.positions.get(s) for s in slugs],
    )


_NOWHERE = (0.0, 0.0)
"""The point packed for a paper off the map (told apart by the presence string)."""


@dataclass(frozen=True, slots=True)
class PaperEdits:
    """The papers edited since the last render, when they differ in notes, tags or reading
    status alone."""

    indexes: tuple[int, ...]
    """Their indexes in `graph.papers`."""
    retagged: bool
    """Some differ in their tags: not only their own pages can have changed."""
    restated: bool = False
    """Some differ in their reading status or read date: the listings that show them, and
    the pages that count statuses, can have changed too."""

    @property
    def listed(self) -> bool:
        """Pages besides the edited papers' own can have changed (see `retag_of`)."""
        return self.retagged or self.restated


def paper_edits(
    last: RenderInputs | None,
    now: RenderInputs,
    graph: SiteGraph,
    theme: Theme,
    before: Mapping[str, Paper],
) -> PaperEdits | None:
    """The papers edited since `last`, when they differ in their notes, tags or reading
    status alone (and nothing else the pages show changed); None when other pages may have
    changed too.
    `before`: papers as they were before this build read their files again, by slug."""
    if last is None or last.stamp != now.stamp or not (theme.stock_paper and theme.stock_listings):
        return None
    edited, retagged, restated = [], last.tags != now.tags, False
    for index, paper in enumerate(graph.papers):
        seen = last.papers.get(paper.slug)
        if seen == paper.digest and paper.digest:
            continue
        old = before.get(paper.slug)
        if (
            old is None
            or not old.digest
            or old.digest != seen
            or not _same_but_notes_tags_status(old, paper)
        ):
            return None
        edited.append(index)
        retagged = retagged or old.tags != paper.tags
        restated = restated or (old.status, old.read) != (paper.status, paper.read)
    return PaperEdits(tuple(edited), retagged, restated)


def _same_but_notes_tags_status(old: Paper, new: Paper) -> bool:
    """Whether the papers differ in their notes, tags, status or read date alone (and so in
    their digests).
    Where the notes and body start in the file are theirs too (they move when a paper gets
    its first notes, or its tags take more lines): no page shows them, only warnings, which
    every build makes again."""
    same_rest = (
        replace(
            old,
            notes=new.notes,
            tags=new.tags,
            status=new.status,
            read=new.read,
            body_line=new.body_line,
            notes_line=new.notes_line,
            digest=new.digest,
        )
        == new
    )
    return same_rest and old.extra == new.extra


def retag_of(graph: SiteGraph, edits: PaperEdits, last: RenderInputs, now: RenderInputs) -> Retag:
    """What the `edits` of tags or statuses changed that listings show (see pages.Retag):
    the entries of the edited papers and of the papers holding a tag whose name or slug
    moved; the tags whose papers changed, or whose name did, or whose timeline counts a
    status that changed."""
    renamed = _renamed(last, graph)
    listed = {graph.papers[i].slug for i in edits.indexes}
    if renamed:
        listed.update(
            slug for slug, tags in graph.paper_tags.items() if any(t.slug in renamed for t in tags)
        )
    moved = {slug for slug, found in now.members.items() if last.members.get(slug) != found}
    if edits.restated:  # their tags' pages draw their papers added per month, by status
        moved.update(t.slug for i in edits.indexes for t in graph.tags_of(graph.papers[i]))
    return Retag(
        frozenset(listed),
        frozenset(moved | renamed),
        len(last.tags) != len(now.tags),
        tagged=edits.retagged,
        statuses=edits.restated,
    )


def _renamed(last: RenderInputs, graph: SiteGraph) -> set[str]:
    """Slugs of the tags whose row of the tag table is new, gone or changed since `last`."""
    return {slug for _, _, slug in set(last.tags).symmetric_difference(graph.tag_table)}


def shown_by(graph: SiteGraph, edits: PaperEdits, last: RenderInputs) -> set[int]:
    """Indexes of the papers whose pages can show what `edits` changed, the last render's
    stamp being the same (see `paper_edits`): what the page of a paper shows of others is
    their faces (slug and title), the tags they share with it and its map neighbours' faces
    (see SitePages._paper_shows), so a retag changes the edited papers' pages, those listing
    them among related papers, and those of papers holding a tag whose name or slug moved."""
    edited = {graph.papers[i].slug for i in edits.indexes}
    renamed = _renamed(last, graph)
    related, paper_tags = graph.related.slugs, graph.paper_tags
    shown = set(edits.indexes)
    for index, paper in enumerate(graph.papers):
        shows_edited = any(slug in edited for slug in related.get(paper.slug, ()))
        if shows_edited or (renamed and any(t.slug in renamed for t in paper_tags[paper.slug])):
            shown.add(index)
    return shown
