"""The paper map: every paper a point in 2-D, laid out from the tf-idf model of related.py.

Rows are reduced to SVD_DIMS dimensions (truncated SVD, i.e. latent semantic analysis), then
t-SNE (scikit-learn, Barnes-Hut, fixed seed) lays them out; its perplexity shrinks for small
lists, since t-SNE refuses one of at least the number of papers. t-SNE's cost grows faster than
the list, so above TSNE_MAX papers it lays out TSNE_MAX evenly spread landmark papers only and
places every other paper among its nearest landmarks, as a new paper is placed in a cached
layout: the cost then grows linearly (50,000 papers lay out in well under a minute).

Positions are in [0, 1] x [0, 1]. The layout is cached by each paper's text: a build where no
title or abstract changed reuses it; a few new or edited papers are placed among their
nearest unchanged papers without moving any other point; a full layout runs again when more
than RELAYOUT_SHARE of the papers have been placed that way since the last one, or when asked.
The tf-idf rows come from a TextModel that a build shares with related papers, which need the
rows anyway whenever a title or abstract changed: placing a new paper then costs no tf-idf.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sitegen.content.models import Paper
from sitegen.fsutil import atomic_write_bytes
from sitegen.site.related import Matrix, TextModel, text_digest

if TYPE_CHECKING:
    # numpy is imported where points are computed: a build whose titles and abstracts are
    # as cached reads them and need not import it (a tenth of a second).
    import numpy as np
    import numpy.typing as npt

    Floats = npt.NDArray[np.float64]

Positions = dict[str, tuple[float, float]]
"""Paper slug -> its point on the map, both coordinates in [0, 1]."""

SVD_DIMS = 50
TSNE_MAX = 1_500
"""Up to this many papers t-SNE lays out all of them; above, this many landmarks."""
PERPLEXITY = 30.0
NEIGHBOURS = 5
"""A placed paper goes to the similarity-weighted mean of this many nearest laid-out papers."""
RELAYOUT_SHARE = 0.1
RELAYOUT_MIN = 20
"""Papers placed since the last full layout that never force a new one, however few papers."""
JITTER = 0.006
"""How far (in map units) a placed paper may sit from its neighbours' mean: apart, not on top."""
_CACHE_VERSION = "layout-v1"
_CHUNK = 2048


def compute_layout(papers: Sequence[Paper], model: TextModel | None = None) -> Positions:
    """Every paper's point, from its title and abstract; the same papers, the same points.
    The tf-idf rows come from `model` (which may know them already), else are computed."""
    slugs, matrix = (
        (model or TextModel()).rows(papers)
        if len(papers) >= 4
        else (sorted(p.slug for p in papers), None)
    )
    if matrix is None:
        return _circle(slugs)
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    # BLAS and OpenMP (the SVD's and t-SNE's) on one thread: the same points on any number
    # of cores (Barnes-Hut sums in thread order), and several times less CPU, since idle
    # OpenMP threads spin (304 papers: 15 s of CPU on two busy cores, 1.2 s on one thread).
    with threadpool_limits(limits=1):
        return _layout(matrix, slugs)


def _layout(matrix: Matrix, slugs: list[str]) -> Positions:
    import numpy as np

    reduced = _reduce(matrix)
    if reduced.shape[1] < 2 or float(np.ptp(reduced, axis=0).max()) < 1e-9:
        # One usable word, or every paper the same words: nothing to lay out in two
        # dimensions (t-SNE divides by the spread, and its Barnes-Hut tree crashes on NaN).
        return _circle(slugs)
    if len(slugs) <= TSNE_MAX:
        try:
            return dict(zip(slugs, _pairs(_normalise(_tsne(reduced))), strict=True))
        except FloatingPointError:
            return _circle(slugs)
    landmarks = np.linspace(0, len(slugs) - 1, TSNE_MAX).round().astype(np.int64)
    placed = np.empty((len(slugs), 2))
    placed[landmarks] = _normalise(_tsne(reduced[landmarks]))
    others = np.setdiff1d(np.arange(len(slugs)), landmarks)
    placed[others] = _place(reduced[others], reduced[landmarks], placed[landmarks], slugs, others)
    return dict(zip(slugs, _pairs(placed), strict=True))


def _circle(slugs: list[str]) -> Positions:
    """Too few papers (or words) for a model: evenly round a circle, in slug order."""
    if len(slugs) == 1:
        return {slugs[0]: (0.5, 0.5)}
    return {
        slug: (
            0.5 + 0.4 * math.cos(2 * math.pi * i / len(slugs)),
            0.5 + 0.4 * math.sin(2 * math.pi * i / len(slugs)),
        )
        for i, slug in enumerate(slugs)
    }


def _reduce(matrix: Matrix) -> Floats:
    """Unit-length rows of at most SVD_DIMS dimensions (dot product = cosine similarity)."""
    import numpy as np
    from sklearn.decomposition import TruncatedSVD

    dims = min(SVD_DIMS, matrix.shape[1] - 1, matrix.shape[0] - 1)
    if dims < 2:
        dense: Floats = matrix.toarray().astype(np.float64)
    else:
        svd = TruncatedSVD(n_components=dims, random_state=0, algorithm="randomized")
        dense = svd.fit_transform(matrix).astype(np.float64)
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    return dense / np.where(norms > 0, norms, 1.0)


def _tsne(rows: Floats) -> Floats:
    import numpy as np
    from sklearn.manifold import TSNE

    # Rows are unit length: euclidean distance orders pairs as cosine similarity does.
    perplexity = min(PERPLEXITY, max(2.0, (len(rows) - 1) / 3))
    tsne = TSNE(
        n_components=2,
        perplexity=perplexity,
        init="pca",
        learning_rate="auto",
        max_iter=500,  # the layout settles well before sklearn's default 1000 on these data
        method="barnes_hut",
        # Coarser Barnes-Hut sums than sklearn's 0.5: a quarter less CPU (1.70 -> 1.30 s at
        # 10,000 papers, the build's longest step while the search index is made), and the
        # same share of map neighbours sharing a tag (bench_map.py: 70.6%, 70.7% before).
        angle=0.8,
        random_state=0,
    )
    with warnings.catch_warnings():  # near-degenerate input: sklearn warns, we check below
        warnings.simplefilter("ignore", RuntimeWarning)
        result: Floats = tsne.fit_transform(rows)
    if not np.isfinite(result).all():
        raise FloatingPointError("t-SNE gave no finite layout")
    return result


def _normalise(points: Floats) -> Floats:
    """Points scaled, keeping their aspect, into [0.03, 0.97]^2."""
    import numpy as np

    low, high = points.min(axis=0), points.max(axis=0)
    span = float(max((high - low).max(), 1e-9))
    centred = (points - (low + high) / 2) / span
    return np.asarray(0.5 + 0.94 * centred)


def _pairs(points: Floats) -> list[tuple[float, float]]:
    return [(round(float(x), 5), round(float(y), 5)) for x, y in points]


def _place(
    rows: Floats, known: Floats | Matrix, known_xy: Floats, slugs: Sequence[str], indexes: Any
) -> Floats:
    """Points for `rows`: the similarity-weighted mean of the NEIGHBOURS most similar `known`
    rows' points (`known` dense or sparse), nudged by a little that depends only on the
    paper's slug."""
    import numpy as np

    k = min(NEIGHBOURS, known.shape[0])
    out = np.empty((len(rows), 2))
    for start in range(0, len(rows), _CHUNK):
        scores = np.asarray(known @ rows[start : start + _CHUNK].T).T
        best = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        weights = np.clip(np.take_along_axis(scores, best, axis=1), 0, None) + 1e-6
        out[start : start + _CHUNK] = (
            np.einsum("ij,ijk->ik", weights, known_xy[best]) / weights.sum(axis=1)[:, None]
        )
    out += np.array([_nudge(slugs[i]) for i in indexes]).reshape(-1, 2)
    return np.clip(out, 0.0, 1.0)


def _nudge(slug: str) -> tuple[float, float]:
    value = int.from_bytes(hashlib.blake2b(slug.encode(), digest_size=4).digest(), "big")
    angle = 2 * math.pi * (value & 0xFFFF) / 0x10000
    radius = JITTER * ((value >> 16) / 0x10000)
    return radius * math.cos(angle), radius * math.sin(angle)


def place_papers(
    papers: Sequence[Paper], kept: Positions, model: TextModel | None = None
) -> Positions:
    """`kept` (points of papers whose text is unchanged) with every other paper of `papers`
    placed among its nearest kept papers, by the tf-idf rows of all `papers` (from `model`,
    which may know them already); no kept point moves."""
    import numpy as np

    model = model or TextModel()
    slugs, matrix = model.rows(papers)
    new = [i for i, slug in enumerate(slugs) if slug not in kept]
    old = [i for i, slug in enumerate(slugs) if slug in kept]
    positions = {slug: kept[slug] for slug in slugs if slug in kept}
    if matrix is None or not old:
        return compute_layout(papers, model)
    rows = matrix[new].toarray().astype(np.float64)
    known_xy = np.array([kept[slugs[i]] for i in old])
    points = _place(rows, matrix[old], known_xy, slugs, new)
    positions.update(zip((slugs[i] for i in new), _pairs(points), strict=True))
    return positions


class LayoutCache:
    """The map layout, recomputed in full only when much changed (see the module's doc)."""

    def __init__(self, cache_dir: Path | None, model: TextModel | None = None) -> None:
        self.cache_dir = cache_dir
        self.model = model or TextModel()
        """Where the tf-idf rows come from (shared with related papers in a build)."""
        self._memory: dict[str, Any] | None = None

    def get(self, papers: Sequence[Paper], relayout: bool = False) -> Positions:
        digests = {p.slug: text_digest(p) for p in papers}
        state = None if relayout else self._read()
        if state is not None and state["digests"] == digests:
            return {slug: (xy[0], xy[1]) for slug, xy in state["positions"].items()}
        kept: Positions = {}
        if state is not None:
            kept = {
                slug: (xy[0], xy[1])
                for slug, xy in state["positions"].items()
                if state["digests"].get(slug) == digests.get(slug)
            }
        placed = (state["placed"] if state else 0) + len(digests.keys() - kept.keys())
        if state is None or not kept or placed > max(RELAYOUT_MIN, RELAYOUT_SHARE * len(papers)):
            positions, placed = compute_layout(papers, self.model), 0
        else:
            positions = place_papers(papers, kept, self.model)
        self._write({"digests": digests, "positions": positions, "placed": placed})
        return positions

    def _path(self) -> Path | None:
        return self.cache_dir / "layout.json" if self.cache_dir else None

    def _read(self) -> dict[str, Any] | None:
        if self._memory is not None:
            return self._memory
        path = self._path()
        try:
            data = json.loads(path.read_text()) if path else None
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("version") != _CACHE_VERSION:
            return None
        self._memory = data
        return data

    def _write(self, state: dict[str, Any]) -> None:
        self._memory = {"version": _CACHE_VERSION, **state}
        path = self._path()
        if path is None:
            return
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            atomic_write_bytes(path, json.dumps(self._memory).encode(), durable=False)
