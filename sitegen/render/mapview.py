"""The paper map as pages show it: regions with labels, the data script of map.html, and the
small map of the papers near each paper (an SVG drawn at build time, no script needed)."""

from __future__ import annotations

import functools
import hashlib
import math
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from sitegen import urls
from sitegen.content.models import STATUSES, Paper
from sitegen.fingerprint import digest
from sitegen.render.listing import compact_json
from sitegen.site.graph import SiteGraph, slugs_digest

NEARBY = 8
"""Papers shown around a paper on its page's small map."""
NEARBY_SIZE = (320, 200)
"""The small map's width and height, in SVG units."""
REGION_MAX = 24
LABEL_TAGS = 2
"""Tags in a region's label."""

Memo = dict[str, list[Any]]
"""Results of the map's points, by the kind of result and a digest of the points."""


@dataclass(frozen=True, slots=True)
class MapMemo:
    """What the map's points alone decide (each point's nearest points, the regions' groups),
    as JSON-ready lists kept between builds (see Renderer): a build that moves no point needs
    neither scipy nor its k-d tree or k-means."""

    earlier: Memo = field(default_factory=dict)
    """The last build's results (untrusted: each is checked before it is used)."""
    now: Memo = field(default_factory=dict)
    """This build's results: the next build's `earlier`."""


@dataclass(frozen=True, slots=True)
class MapPoint:
    """A paper on a paper page's small map."""

    title: str
    href: str
    """Path of its page relative to the site root."""
    x: float
    """Position in the SVG, in its units."""
    y: float
    centre: bool
    """The paper whose page this is."""


@dataclass(frozen=True, slots=True)
class Region:
    """A dense part of the map: its label and papers (also the map's text alternative)."""

    label: str
    """Its most telling tags, or "Untagged"."""
    x: float
    """Centre of its papers, in map units ([0, 1])."""
    y: float
    papers: tuple[tuple[str, str], ...]
    """(title, href) of its papers, newest first."""


def regions(graph: SiteGraph, memo: MapMemo | None = None) -> tuple[Region, ...]:
    """The map cut into about sqrt(n / 4) regions (k-means on the points, fixed seed), each
    labelled by the tags its papers carry more often than the whole list, biggest first.
    `memo` holds the groups of earlier builds' points (and is given this build's)."""
    papers = [p for p in graph.papers if p.slug in graph.positions]
    if not papers:
        return ()
    points = [tuple(map(float, graph.positions[p.slug])) for p in papers]
    count = max(1, min(REGION_MAX, round(math.sqrt(len(papers) / 4)), len(papers)))
    # The points packed as numpy packs them (float64 pairs): the memo's key, without numpy
    # when the memo knows them (a tag edit's build).
    packed = array("d", chain.from_iterable(points))
    find = functools.partial(_clusters, packed, count)
    groups = _memoised(memo, f"groups {count}", packed.tobytes(), (len(points),), count, find)
    rows_of: list[list[int]] = [[] for _ in range(count)]
    for row, group in enumerate(groups):
        rows_of[group].append(row)
    overall = Counter(tag.name for p in papers for tag in graph.tags_of(p))
    found = []
    for rows in rows_of:
        if not rows:
            continue
        members = [papers[i] for i in rows]
        found.append(
            Region(
                _label(members, graph, overall, len(papers)),
                round(math.fsum(points[i][0] for i in rows) / len(rows), 4),
                round(math.fsum(points[i][1] for i in rows) / len(rows), 4),
                tuple((p.title, urls.paper_page(p.slug)) for p in members),
            )
        )
    return tuple(sorted(found, key=lambda r: (-len(r.papers), r.label)))


def _clusters(packed: array[float], count: int) -> list[int]:
    """k-means groups of points packed as (x, y) pairs (scipy's: no OpenMP, which would hang
    a forked worker)."""
    if count == 1:
        return [0] * (len(packed) // 2)
    import numpy as np
    from scipy.cluster.vq import kmeans2  # type: ignore[import-untyped]

    points = np.frombuffer(packed, dtype=float).reshape(-1, 2)
    _, groups = kmeans2(points, count, seed=0, minit="++")
    return [int(group) for group in groups]


def _label(members: Sequence[Paper], graph: SiteGraph, overall: Counter[str], total: int) -> str:
    """The tags most over-represented in `members` (count x log of how rare overall)."""
    here = Counter(tag.name for p in members for tag in graph.tags_of(p))
    scored = sorted(
        here, key=lambda tag: (-here[tag] * math.log(1 + total / overall[tag]), tag.casefold())
    )
    return " · ".join(scored[:LABEL_TAGS]) or "Untagged"


class NearbyMaps:
    """Paper slug -> its small map: it in the middle, its NEARBY nearest points around it.
    The neighbours are found for every paper at once (or known from the memo); each map is
    drawn when first asked for (by the worker that renders its page, on a cold build)."""

    def __init__(self, graph: SiteGraph, memo: MapMemo | None = None) -> None:
        positions = graph.positions
        papers = [p for p in graph.papers if p.slug in positions]
        self._papers = papers if len(papers) >= 2 else []
        self._rows: dict[str, int] = {p.slug: i for i, p in enumerate(self._papers)}
        self._nearest: list[list[int]] = []
        if self._papers:
            k = min(NEARBY + 1, len(papers))
            shape = (len(papers), k)
            # The points packed as numpy packs them (float64 pairs): the memo's key, without
            # numpy when the memo knows them.
            packed = array("d", chain.from_iterable(positions[p.slug] for p in papers))
            find = functools.partial(_nearest, packed, k)
            self._nearest = _memoised(
                memo, f"nearest {k}", packed.tobytes(), shape, len(papers), find
            )
        self._positions = positions
        self._faces: dict[int, str] = {}
        """Row -> what a map shows of its paper (its page, title and point), made where first
        needed (an edit build asks for a few)."""
        self._maps: dict[str, tuple[MapPoint, ...]] = {}

    def key(self, slug: str) -> str:
        """What the small map of paper `slug` shows (see `get`), without drawing it: the faces
        (fixed-length digests) of its papers, strung together."""
        row = self._rows.get(slug)
        if row is None:
            return ""
        return "".join([self._face(j) for j in self._nearest[row]])

    def _face(self, row: int) -> str:
        found = self._faces.get(row)
        if found is None:
            paper = self._papers[row]
            point = self._positions[paper.slug]
            found = self._faces[row] = digest((paper.slug, paper.title, point))
        return found

    def get(self, slug: str) -> tuple[MapPoint, ...]:
        """The small map of paper `slug` (empty when it is not on the map)."""
        found = self._maps.get(slug)
        if found is None:
            row = self._rows.get(slug)
            if row is None:
                return ()
            near = [self._papers[j] for j in self._nearest[row]]
            found = _small_map(near, [self._positions[p.slug] for p in near])
            self._maps[slug] = found
        return found


def _nearest(packed: array[float], k: int) -> list[list[int]]:
    """Each point's `k` nearest points (itself first, unless another shares its place), of
    points packed as (x, y) pairs."""
    import numpy as np
    from scipy.spatial import cKDTree  # type: ignore[import-untyped]

    points = np.frombuffer(packed, dtype=float).reshape(-1, 2)
    rows: list[list[int]] = np.asarray(cKDTree(points).query(points, k=k)[1]).tolist()
    return rows


def _small_map(
    papers: Sequence[Paper], points: Sequence[tuple[float, float]]
) -> tuple[MapPoint, ...]:
    """Points centred on the first, scaled so the farthest fits inside the SVG's margin."""
    width, height = NEARBY_SIZE
    x0, y0 = map(float, points[0])
    offsets = [(float(x) - x0, float(y) - y0) for x, y in points]
    reach = max([abs(d) for offset in offsets for d in offset]) or 1.0
    scale = min(width, height) / 2 * 0.8 / reach
    return tuple(
        MapPoint(
            paper.title,
            urls.paper_page(paper.slug),
            round(dx * scale + width / 2, 1),
            round(dy * scale + height / 2, 1),
            i == 0,
        )
        for i, (paper, (dx, dy)) in enumerate(zip(papers, offsets, strict=True))
    )


def _memoised(
    memo: MapMemo | None,
    kind: str,
    points: bytes,
    shape: tuple[int] | tuple[int, int],
    bound: int,
    compute: Callable[[], list[Any]],
) -> list[Any]:
    """`compute()` (nested lists of `shape` of integers in [0, bound)), or what `memo` holds
    for the same `kind` of result of the same `points` (packed float64 pairs); a memo that
    does not fit is not trusted."""
    if memo is None:
        return compute()
    key = f"{kind} {hashlib.blake2b(points, digest_size=16).hexdigest()}"
    known = memo.earlier.get(key)
    if known is not None and _fits(known, shape, bound):
        memo.now[key] = known
        return known
    found = compute()
    memo.now[key] = found
    return found


def _fits(known: list[Any], shape: tuple[int] | tuple[int, int], bound: int) -> bool:
    """Whether `known` is a list (of lists) of `shape`, of integers in [0, bound): checked by
    builtins over all 90,000 of 10,000 papers' neighbours in a millisecond or two."""
    if type(known) is not list or len(known) != shape[0]:
        return False
    values = known
    if len(shape) == 2:
        if known and (set(map(type, known)) != {list} or set(map(len, known)) != {shape[1]}):
            return False
        values = list(chain.from_iterable(known))
    if not values:
        return True
    return set(map(type, values)) == {int} and min(values) >= 0 and max(values) < bound


def map_data_key(graph: SiteGraph) -> tuple[object, ...]:
    """Everything `map_data` shows: equal keys, equal files."""
    return tuple([_point_key(p, graph) for p in graph.papers])


def map_tags_key(found: Sequence[Region], tagging: tuple[object, ...]) -> tuple[object, ...]:
    """Everything `map_tags` shows, given the graph's `tagging_key`: equal keys, equal files."""
    return tuple([(r.label, r.x, r.y) for r in found]), tagging


def _point_key(paper: Paper, graph: SiteGraph) -> object:
    """What `map_data` shows of a paper (or, when read from a file, the paper whole)."""
    xy = graph.positions.get(paper.slug)
    if paper.identity:
        return f"{paper.identity}\0{xy!r}"
    return (paper.slug, paper.title, paper.year, paper.date.year, paper.status, xy)


def map_data(graph: SiteGraph) -> str:
    """The data of `map/data.js` (JSON): the map's points as columns, in the newest-first
    order of the listing (and of the search index's refs). Their tags are `map_tags`'."""
    papers = graph.papers
    data = {
        "count": len(papers),
        "order": slugs_digest(papers),  # see map_tags
        "pattern": urls.PAPER_PATTERN,
        "statuses": list(STATUSES),
        "slug": [p.slug for p in papers],
        "title": [p.title for p in papers],
        "xy": [round(v * 10000) for p in papers for v in graph.positions.get(p.slug, (0.5, 0.5))],
        "year": [p.year or 0 for p in papers],
        "added": [p.date.year for p in papers],
        "status": [STATUSES.index(p.status) for p in papers],
    }
    return compact_json(data)


def map_tags(graph: SiteGraph, found: Sequence[Region]) -> str:
    """The data of `map/tags.js` (JSON): the tags of `map_data`'s points, in its order, and
    the regions' labels (which a tag edit changes, and nothing else of the map); `order`
    names the points' order as the data file does, and the browser checks them against
    each other."""
    tag_index = {tag.slug: i for i, tag in enumerate(graph.tags)}
    data = {
        "order": slugs_digest(graph.papers),
        "tags": [tag.name for tag in graph.tags],
        "tagSlugs": [tag.slug for tag in graph.tags],
        "paperTags": [[tag_index[t.slug] for t in graph.tags_of(p)] for p in graph.papers],
        "regions": [{"label": r.label, "x": r.x, "y": r.y} for r in found],
    }
    return compact_json(data)
