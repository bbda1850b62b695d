"""SiteGraph: every paper and tag, their order and their links, checked before rendering."""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from sitegen.content.models import STATUSES, Author, Paper, Tag
from sitegen.content.topics import author_slug, normalise_tag, tag_slug, tag_words
from sitegen.content.wikilinks import PaperLinks, notes_links, resolve_links
from sitegen.errors import ContentError, Problem


@dataclass(frozen=True, slots=True)
class SiteGraph:
    """The whole site's data, gathered before any page is rendered."""

    papers: tuple[Paper, ...]
    """Every paper, newest first (ties broken by title)."""
    tags: tuple[Tag, ...]
    """Every tag, by name."""
    tag_names: dict[str, str]
    """Normalised tag -> the tag's display name."""
    tag_slugs: dict[str, str]
    """Normalised tag -> the tag page slug."""
    paper_tags: dict[str, tuple[Tag, ...]]
    """Paper slug -> its tags, in the order its file lists them, without repeats."""
    tag_table: tuple[tuple[str, str, str], ...]
    """(normalised, display name, slug) of every tag: equal tables, equal tag naming."""
    related: RelatedPapers
    """Paper slug -> its most similar papers, most similar first (a paper without any may
    be missing: read it with `.get(slug, ())`)."""
    authors: tuple[Author, ...]
    """Every author, by name."""
    author_slugs: dict[str, str]
    """Author name as written in a paper -> the author page slug."""
    links: PaperLinks
    """`[[...]]` links between papers' notes, both ways."""
    warnings: tuple[Problem, ...] = ()
    """Tags spelled differently that share one page, shown as one tag; `[[links]]` to no
    paper (shown as unresolved links)."""
    positions: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Paper slug -> its point on the paper map (site/layout.py), in [0, 1]^2; empty when
    no layout was asked for."""

    def tags_of(self, paper: Paper) -> tuple[Tag, ...]:
        """The paper's tags, in the order its file lists them, without repeats."""
        return self.paper_tags[paper.slug]

    def tagging_key(self) -> tuple[object, ...]:
        """Every tag's slug and name, and each paper's tags' slugs, in the papers' order:
        what the browser's tag files show (equal keys, equal tagging)."""
        table = tuple([(tag.slug, tag.name) for tag in self.tags])
        tags = tuple([tuple([t.slug for t in self.tags_of(p)]) for p in self.papers])
        return table, slugs_digest(self.papers), tags

    def neighbours(self, index: int) -> tuple[Paper | None, Paper | None]:
        """(newer, older) paper next to papers[index] in the listing."""
        newer = self.papers[index - 1] if index > 0 else None
        older = self.papers[index + 1] if index + 1 < len(self.papers) else None
        return newer, older

    def status_counts(self) -> dict[str, int]:
        counts = Counter(paper.status for paper in self.papers)
        return {status: counts.get(status, 0) for status in STATUSES}


def slugs_digest(papers: Sequence[Paper]) -> str:
    """Digest of the papers' slugs, in order (slugs hold no NUL)."""
    joined = "\0".join([p.slug for p in papers])
    return hashlib.blake2b(joined.encode(), digest_size=16).hexdigest()


def build_graph(
    papers: Sequence[Paper],
    related: Mapping[str, Sequence[str]] | None = None,
    aliases: Sequence[tuple[str, str]] = (),
    positions: Mapping[str, tuple[float, float]] | None = None,
) -> SiteGraph:
    """Order papers, gather tags; every collision is reported at once."""
    ordered = order_papers(papers)
    links = resolve_links(ordered)
    tagged = gather_tags(ordered, aliases)
    authors, author_slugs = _gather_authors(ordered)
    return placed(assemble(ordered, tagged, authors, author_slugs, links), related, positions)


def order_papers(papers: Sequence[Paper]) -> tuple[Paper, ...]:
    """The papers newest first, ties broken by title, then slug."""
    return tuple(sorted(papers, key=lambda p: (-p.date.toordinal(), p.title.casefold(), p.slug)))


@dataclass(frozen=True, slots=True)
class GraphTags:
    """The tags of a graph's papers (see SiteGraph), gathered by `gather_tags`."""

    tags: tuple[Tag, ...]
    tag_names: dict[str, str]
    tag_slugs: dict[str, str]
    paper_tags: dict[str, tuple[Tag, ...]]
    tag_table: tuple[tuple[str, str, str], ...]
    warnings: tuple[Problem, ...]
    """Tags spelled differently that share one page."""


def gather_tags(ordered: Sequence[Paper], aliases: Sequence[tuple[str, str]]) -> GraphTags:
    """The tags of the papers `ordered` newest first; raises ContentError naming every two
    tags that would share a page."""
    synonyms = {normalise_tag(a): normalise_tag(t) for a, t in aliases}
    preferred = {normalise_tag(t): t for _, t in aliases}
    # Papers share lists of tags (10,000 papers, a few thousand lists): each list is worked
    # out once, and each spelling's key too.
    lists = Counter(paper.tags for paper in ordered)
    aliased = {}
    for name in {name for tags in lists for name in tags}:
        key = normalise_tag(name)
        aliased[name] = synonyms.get(key, key)
    one_page, warnings, problems = _one_tag_per_page(ordered, aliased.__getitem__, len(aliased))
    if problems:
        raise ContentError(problems)
    keys = {name: one_page.get(key, key) for name, key in aliased.items()}
    tag_names, tag_slugs = _canonical_tags(lists, keys.__getitem__, preferred)
    keys_of = {tags: tuple(dict.fromkeys([keys[name] for name in tags])) for tags in lists}
    mine_of = [keys_of[paper.tags] for paper in ordered]  # each paper's list hashed once
    members: dict[str, list[Paper]] = defaultdict(list)
    for paper, mine in zip(ordered, mine_of, strict=True):
        for key in mine:
            members[key].append(paper)
    tags = tuple(
        sorted(
            (Tag(tag_names[key], tag_slugs[key], tuple(group)) for key, group in members.items()),
            key=lambda tag: tag.name.casefold(),
        )
    )
    by_slug = {tag.slug: tag for tag in tags}
    # Papers whose lists hold the same tags share one tuple (by its keys' tuple, made once).
    shown = {id(mine): tuple([by_slug[tag_slugs[k]] for k in mine]) for mine in keys_of.values()}
    paper_tags = {paper.slug: shown[id(mine)] for paper, mine in zip(ordered, mine_of, strict=True)}
    table = tuple(sorted((key, tag_names[key], tag_slugs[key]) for key in tag_names))
    return GraphTags(tags, tag_names, tag_slugs, paper_tags, table, tuple(warnings))


def assemble(
    ordered: tuple[Paper, ...],
    tagged: GraphTags,
    authors: tuple[Author, ...],
    author_slugs: dict[str, str],
    links: PaperLinks,
) -> SiteGraph:
    """The graph of its parts, without related papers or map yet."""
    return SiteGraph(
        ordered,
        tagged.tags,
        tagged.tag_names,
        tagged.tag_slugs,
        tagged.paper_tags,
        tagged.tag_table,
        NO_RELATED,
        authors,
        author_slugs,
        links,
        tagged.warnings + links.warnings,
    )


GRAPH_FIELDS = ("slug", "title", "date", "path", "tags", "authors")
"""What `build_graph` reads of a paper, besides the `[[links]]` in its notes."""


def with_papers(graph: SiteGraph, papers: Sequence[Paper]) -> SiteGraph | None:
    """What `build_graph(papers, None, aliases)` makes, made from the `graph` it made of
    nearly the same papers: when each paper that differs keeps its slug, title, date,
    file, tags, authors and resolved links and has no warning (a notes edit, say), only
    the objects change, and swapping them in is quicker than sorting and gathering all
    again. None when some paper changed more."""
    if len(papers) != len(graph.papers) or len({p.slug for p in papers}) != len(papers):
        return None
    old_of = {paper.slug: paper for paper in graph.papers}
    warned = {warning.path for warning in graph.warnings}
    swapped: dict[str, Paper] = {}
    for paper in papers:
        old = old_of.get(paper.slug)
        if old is paper:
            continue
        if old is None or not same_in_graph(old, paper, graph, warned):
            return None
        swapped[paper.slug] = paper
    return placed(_swapped(graph, swapped), None, None)


def graph_fields_changed(old: Paper, new: Paper) -> set[str]:
    """The fields `build_graph` reads (GRAPH_FIELDS) in which the papers differ."""
    return {f for f in GRAPH_FIELDS if getattr(old, f) != getattr(new, f)}


def same_in_graph(old: Paper, new: Paper, graph: SiteGraph, warned: set[Path | None]) -> bool:
    """Whether `new` stands in `graph` as `old` did: the same fields the graph reads, the same
    links, and no warning of the graph about `old` (`warned`: the paths warned about)."""
    if old.path in warned or graph_fields_changed(old, new):
        return False
    targets, missing = notes_links(new, graph.links.index)
    return not missing and targets == graph.links.outgoing[new.slug]  # missing: a warning


def _swapped(graph: SiteGraph, new: Mapping[str, Paper]) -> SiteGraph:
    """`graph` with the papers of `new` (by slug) in place of the old ones, wherever listed."""

    def swap(group: tuple[Paper, ...]) -> tuple[Paper, ...]:
        return tuple([new.get(paper.slug, paper) for paper in group])

    tags = {t.slug: Tag(t.name, t.slug, swap(t.papers)) for s in new for t in graph.paper_tags[s]}
    remade: dict[int, tuple[Tag, ...]] = {}  # papers listing the same tags share one tuple
    paper_tags = {}
    for slug, mine in graph.paper_tags.items():
        ours = remade.get(id(mine))
        if ours is None:
            ours = remade[id(mine)] = (
                tuple([tags.get(t.slug, t) for t in mine])
                if any(t.slug in tags for t in mine)
                else mine
            )
        paper_tags[slug] = ours
    authors = {graph.author_slugs[name] for paper in new.values() for name in paper.authors}
    incoming = dict(graph.links.incoming)
    for slug in new:
        for target in graph.links.outgoing[slug]:
            incoming[target.slug] = swap(incoming[target.slug])
    return replace(
        graph,
        papers=swap(graph.papers),
        tags=tuple([tags.get(tag.slug, tag) for tag in graph.tags]),
        paper_tags=paper_tags,
        authors=tuple(
            [
                Author(a.name, a.slug, swap(a.papers)) if a.slug in authors else a
                for a in graph.authors
            ]
        ),
        links=replace(graph.links, incoming=incoming),
    )


def placed(
    graph: SiteGraph,
    related: Mapping[str, Sequence[str]] | None,
    positions: Mapping[str, tuple[float, float]] | None,
) -> SiteGraph:
    """`graph` with its papers' related papers and points on the map (slug -> slugs, slug ->
    point): what `build_graph` would have made given them too. Neither (a graph to place
    later): none at all, rather than an empty entry for every paper."""
    if not related and not positions:
        return replace(graph, related=NO_RELATED, positions={})
    positions = positions or {}
    return replace(
        graph,
        related=RelatedPapers(related or {}, graph.papers),
        positions={p.slug: positions[p.slug] for p in graph.papers if p.slug in positions},
    )


class RelatedPapers(Mapping[str, tuple[Paper, ...]]):
    """Paper slug -> its related papers (those of `slugs` that are among `papers`), for
    every paper of `papers`. Each paper's are found when first asked for: a rebuild after an
    edit renders a few pages, and finding all 10,000 papers' took 60 ms of it."""

    __slots__ = ("_found", "_papers", "slugs")

    def __init__(self, slugs: Mapping[str, Sequence[str]], papers: Sequence[Paper]) -> None:
        self.slugs = slugs
        """Paper slug -> the slugs of its related papers, some perhaps of no paper here."""
        self._papers = {paper.slug: paper for paper in papers}
        self._found: dict[str, tuple[Paper, ...]] = {}

    def __getitem__(self, slug: str) -> tuple[Paper, ...]:
        found = self._found.get(slug)
        if found is None:
            if slug not in self._papers:
                raise KeyError(slug)
            find = self._papers.get
            others = self.slugs.get(slug, ())
            found = tuple([p for s in others if (p := find(s)) is not None])
            self._found[slug] = found  # a race of two threads makes two equal tuples
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._papers)

    def __len__(self) -> int:
        return len(self._papers)


NO_RELATED = RelatedPapers({}, ())
"""A graph's related papers before any are placed."""


def _gather_authors(papers: Sequence[Paper]) -> tuple[tuple[Author, ...], dict[str, str]]:
    """One Author per slug: "José García" and "Jose Garcia" are taken to be one person."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    members: dict[str, list[Paper]] = defaultdict(list)
    slugs: dict[str, str] = {}
    for paper in papers:
        for name in dict.fromkeys(paper.authors):
            slug = slugs.get(name)
            if slug is None:
                slug = slugs[name] = author_slug(name)
            spellings[slug][name] += 1
            group = members[slug]
            if not group or group[-1] is not paper:
                group.append(paper)
    authors = [
        Author(min(spellings[slug].items(), key=lambda kv: (-kv[1], kv[0]))[0], slug, tuple(group))
        for slug, group in members.items()
    ]
    return tuple(sorted(authors, key=lambda a: (a.name.casefold(), a.slug))), slugs


def _one_tag_per_page(
    papers: Sequence[Paper], tag_key: Callable[[str], str], spellings: int
) -> tuple[dict[str, str], list[Problem], list[Problem]]:
    """Tags that share a page: the same words spelled apart ("weakly-supervised learning",
    "Weakly supervised learning") are one tag (key -> the first one's key, in file order, and a
    warning); different words ("C++", "C": tags/c.html) are an error naming both files.
    `spellings`: how many the papers hold (the files are read until each was seen)."""
    first: dict[str, tuple[str, str, Paper]] = {}  # slug -> (key, name, first file)
    merged: dict[str, str] = {}
    warnings: list[Problem] = []
    problems: list[Problem] = []
    seen: set[str] = set()  # a spelling seen again finds what its first time decided
    for paper in sorted(papers, key=lambda p: str(p.path or "")):
        if len(seen) == spellings:
            break
        for name in paper.tags:
            if name in seen:
                continue
            seen.add(name)
            key = tag_key(name)
            slug = tag_slug(key)
            owner_key, owner_name, owner = first.setdefault(slug, (key, name, paper))
            if owner_key == key or key in merged:
                continue
            where = f"{owner_name!r} ({owner.path})"
            if tag_words(key) == tag_words(owner_key):
                merged[key] = owner_key
                message = (
                    f"tags {name!r} and {where} share the page tags/{slug}.html: shown as "
                    "one tag; spell them alike to silence this"
                )
                warnings.append(Problem(paper.path, tags_line(paper), message))
            else:
                merged[key] = owner_key  # reported once
                message = (
                    f"tags {owner_name!r} ({owner.path}) and {name!r} (this file) would share "
                    f"the page tags/{slug}.html: rename one of them"
                )
                problems.append(Problem(paper.path, tags_line(paper), message))
    return merged, warnings, problems


def tags_line(paper: Paper) -> int | None:
    """The line of a paper's `tags:` key, read again: only needed to report a tag."""
    if paper.path is None:
        return None
    try:
        text = paper.path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    found = re.search(r"^tags\s*:", text, re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else None


def _canonical_tags(
    lists: Counter[tuple[str, ...]], tag_key: Callable[[str], str], preferred: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Each tag's name and slug, by key, from the papers' lists of tags (with how many papers
    hold each)."""
    counts: Counter[str] = Counter()
    for tags, papers in lists.items():
        for name in tags:
            counts[name] += papers
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for name, count in counts.items():
        spellings[tag_key(name)][name.strip()] += count
    # An alias target is shown as site.toml spells it; otherwise the most common
    # spelling wins, ties going to the alphabetically first.
    names = {
        key: preferred.get(key) or min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        for key, c in spellings.items()
    }
    return names, {key: tag_slug(key) for key in names}
