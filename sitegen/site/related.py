"""Related papers: tf-idf cosine similarity of title and abstract, cached between builds.

Up to EXACT_MAX papers every pair is scored. Above, each paper's work is bounded, so the cost
grows linearly with the number of papers, as a search engine's "more like this" query bounds
it (Elasticsearch's `max_query_terms`; pruned all-pairs similarity): a paper looks up only its
strongest terms, each term lists only the papers it weighs most in, and the CANDIDATES papers
that gather the highest partial scores that way are scored exactly (full cosine) and ranked.
Every cut keeps the larger values, ties going to the lower index (the slug order), so the
same papers get the same related papers, in whatever order they come.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import pickle
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sitegen.content.models import Paper
from sitegen.fsutil import atomic_write_bytes

if TYPE_CHECKING:
    # numpy is imported where similarities are computed: a build whose titles and abstracts
    # are as cached reads the answers and need not import it (a tenth of a second).
    import numpy as np
    import numpy.typing as npt

    Ids = npt.NDArray[np.int64]
    Keys = npt.NDArray[np.uint64]
    Scores = npt.NDArray[np.float32]

RELATED_COUNT = 5
EXACT_MAX = 2_000
"""Up to this many papers every pair is scored: exact results, in a fraction of a second."""
LOOKUPS = 4_000
"""Above EXACT_MAX, a paper's (query term, posting) budget: query terms x postings per term."""
CANDIDATES = 30
"""Above EXACT_MAX, the candidates per paper (best partial scores) that are scored exactly."""
_CHUNK = 1024
_BATCH_CELLS = 1 << 22
"""Padded cells per batch when picking each row's largest entries (32 MiB of uint64 keys)."""
_CACHE_VERSION = "related-v3"
_LOW = 0 if sys.byteorder == "little" else 1
"""Which uint32 half of a uint64 holds its low bits."""
_TOKEN = re.compile(r"(?u)\b[a-zA-Z][a-zA-Z0-9\-]+\b")

Matrix = Any
"""A scipy.sparse CSR matrix (scipy ships no type information)."""
Related = dict[str, tuple[str, ...]]
"""Slug -> the slugs of its most similar papers, most similar first."""


def corpus_key(papers: Sequence[Paper]) -> str:
    """Fingerprint of everything the similarity depends on (slugs, titles, abstracts)."""
    digest = hashlib.blake2b(_CACHE_VERSION.encode(), digest_size=16)
    # One line a paper, sorted: by slug, as slugs hold no NUL (one string digested, not
    # 10,000).
    lines = sorted([f"{paper.slug}\0{text_digest(paper)}\n" for paper in papers])
    digest.update("".join(lines).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


_TEXT_DIGESTS: dict[tuple[str, str], str] = {}
"""text_digest's answers in this process: related papers and the map ask for every paper."""
_TEXT_DIGESTS_MAX = 1 << 18


def text_digest(paper: Paper) -> str:
    """What a paper's similarity to others and its point on the map depend on, besides its
    slug: its title and abstract."""
    texts = (paper.title, paper.abstract)
    found = _TEXT_DIGESTS.get(texts)
    if found is None:
        found = _digest_of_texts(paper.title, paper.abstract)
        remember_text_digest(paper, found)
    return found


def _digest_of_texts(title: str, abstract: str) -> str:
    text = f"{title}\0{abstract}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=8).hexdigest()


def remember_text_digest(paper: Paper, found: str) -> None:
    """Take `found` as `paper`'s text digest, as `text_digest` made it for an equal paper
    (in another process or an earlier run of the same code)."""
    if len(_TEXT_DIGESTS) >= _TEXT_DIGESTS_MAX:
        _TEXT_DIGESTS.clear()
    _TEXT_DIGESTS[paper.title, paper.abstract] = found


def compute_related(
    papers: Sequence[Paper], count: int = RELATED_COUNT, model: TextModel | None = None
) -> dict[str, tuple[str, ...]]:
    """Slug -> the slugs of its `count` most similar papers, most similar first; the tf-idf
    rows from `model` (which may know them already), else computed here.

    Equal similarities go to the alphabetically first slug, so the output is stable."""
    if len(papers) < 2 or count < 1:
        return {paper.slug: () for paper in papers}
    slugs, matrix = (model or TextModel()).rows(papers)
    if matrix is None:
        return {paper.slug: () for paper in papers}
    nearest = _nearest(matrix, min(count, len(slugs) - 1))
    return {slugs[i]: tuple(slugs[j] for j in row if j >= 0) for i, row in enumerate(nearest)}


def _csr(*args: Any, **kwargs: Any) -> Matrix:
    """scipy.sparse.csr_matrix, imported on first use (0.2 s a no-op build need not pay)."""
    from scipy.sparse import csr_matrix  # type: ignore[import-untyped]

    return csr_matrix(*args, **kwargs)


def prepare() -> None:
    """Import scikit-learn (a second or two), e.g. while workers parse the papers."""
    import sklearn.feature_extraction.text  # noqa: F401


def paper_texts(papers: Sequence[Paper]) -> list[str]:
    """What the model reads of each paper: the title (twice: it weighs more) and abstract."""
    return [f"{p.title}. {p.title}. {p.abstract}" for p in papers]


def tfidf(texts: list[str]) -> Matrix | None:
    """Unit-length tf-idf rows, one per text (scikit-learn's vectorizer); None without any
    usable word."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        stop_words="english",
        sublinear_tf=True,
        max_df=0.5 if len(texts) >= 20 else 1.0,  # tiny sites: every word counts
        dtype=np.float32,
        token_pattern=_TOKEN.pattern,
    )
    try:
        matrix: Matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no usable words at all
        return None
    matrix.sort_indices()
    return matrix


class TextModel:
    """The tf-idf rows of the papers of one build, computed on first use and then shared by
    related papers and the paper map (at 10,000 papers tf-idf takes about 2 s). It keeps only
    the rows of the last papers asked about, known by corpus_key: the same slugs, titles and
    abstracts give the same rows, so rows are never served for other papers."""

    def __init__(self) -> None:
        self._papers: tuple[Paper, ...] = ()
        self._key: str | None = None
        self._rows: tuple[list[str], Matrix | None] = ([], None)

    def rows(self, papers: Sequence[Paper]) -> tuple[list[str], Matrix | None]:
        """(The slugs in order, one unit-length tf-idf row per slug, or None without any
        usable word)."""
        asked = tuple(papers)
        # The same Paper objects compare by identity, far quicker than corpus_key (0.2 s at
        # 10,000 papers); papers equal in every field have equal texts.
        if asked == self._papers and self._key is not None:
            return self._rows
        key = corpus_key(asked)
        if key != self._key:
            ordered = sorted(asked, key=lambda p: p.slug)
            self._rows = ([p.slug for p in ordered], tfidf(paper_texts(ordered)))
            self._key = key
        self._papers = asked
        return self._rows

    def forget(self) -> None:
        """Drop the rows (memory) once this build needs them no more."""
        self._papers, self._key, self._rows = (), None, ([], None)


def _nearest(matrix: Matrix, k: int) -> Ids:
    """Row i: the indices of the `k` rows most similar to row i, best first, -1 past the last
    row with any similarity. Ties go to the lower index."""
    import numpy as np

    count = matrix.shape[0]
    chunk = _exact_chunk(matrix, k) if count <= EXACT_MAX else _pruned_chunk(matrix, k)
    # scipy's sparse products and numpy's partitions release the GIL: threads use every core.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        parts = list(pool.map(chunk, range(0, count, _CHUNK)))
    return np.vstack(parts)


def _exact_chunk(matrix: Matrix, k: int) -> Callable[[int], Ids]:
    """Rows start..start+_CHUNK against every row: one dense block of scores per chunk."""
    import numpy as np

    transposed = matrix.T.tocsr()
    columns = np.arange(matrix.shape[0], dtype=np.int64)

    def chunk(start: int) -> Ids:
        scores = (matrix[start : start + _CHUNK] @ transposed).toarray()
        rows = np.arange(scores.shape[0])
        scores[rows, rows + start] = 0.0  # a paper is not related to itself
        return _best(scores, np.broadcast_to(columns, scores.shape), k)

    return chunk


def _pruned_chunk(matrix: Matrix, k: int) -> Callable[[int], Ids]:
    """Rows start..start+_CHUNK against the CANDIDATES rows that an inverted index pruned to
    LOOKUPS entries per row finds for each. Postings per term grow as sqrt(rows), query terms
    shrink to match: the longer every list grows, the more of each one a lookup must see."""
    import numpy as np

    per_term = max(1, math.isqrt(matrix.shape[0]))
    query_terms = max(1, LOOKUPS // per_term)
    postings = _strongest(matrix.T.tocsr(), per_term)
    wanted = max(CANDIDATES, k) + 1  # the paper itself is usually among them: removed below

    def chunk(start: int) -> Ids:
        block = matrix[start : start + _CHUNK]
        partial = _strongest(block, query_terms) @ postings
        candidates = _columns(_strongest(partial, wanted), wanted)
        rows = np.arange(candidates.shape[0])[:, None]
        candidates[candidates == rows + start] = -1
        return _best(_cosines(matrix, start, candidates), candidates, k)

    return chunk


def _strongest(matrix: Matrix, keep: int) -> Matrix:
    """A copy of CSR `matrix` with each row's `keep` largest entries (ties: lower column).

    np.partition finds each long row's keep-th largest value, a batch of rows of similar
    length at a time; the entries at least that large are `keep` per row, or a few more where
    values tie at the cut, which sort keys (value, then column) settle."""
    import numpy as np

    lengths = np.diff(matrix.indptr)
    cut = np.full(len(lengths), -np.inf, dtype=np.float32)
    for rows in _batches(lengths, keep):
        cells = _padded(matrix.data, matrix.indptr[rows], lengths[rows], -np.inf)
        cut[rows] = np.partition(cells, cells.shape[1] - keep, axis=1)[:, -keep]
    passing = matrix.data >= np.repeat(cut, lengths)
    row_of = np.repeat(np.arange(len(lengths)), lengths)[passing]
    data, columns = matrix.data[passing], matrix.indices[passing]
    counts = np.bincount(row_of, minlength=len(lengths))
    if np.any(counts > keep):
        kept = _first_by_key(_keys(data, columns), counts, keep)
        data, columns, counts = data[kept], columns[kept], np.minimum(counts, keep)
    indptr = np.concatenate(([0], np.cumsum(counts)))
    return _csr((data, columns, indptr), shape=matrix.shape)


def _first_by_key(keys: Keys, counts: Ids, keep: int) -> npt.NDArray[np.bool_]:
    """Which of `keys` (rows of `counts` keys each, one after another) are among the `keep`
    smallest of their row."""
    import numpy as np

    starts = np.cumsum(counts) - counts
    kept = np.repeat(counts <= keep, counts)
    for rows in _batches(counts, keep):
        cells = _padded(keys, starts[rows], counts[rows], np.iinfo(np.uint64).max)
        smallest = np.argpartition(cells, keep - 1, axis=1)[:, :keep]
        kept[(starts[rows, None] + smallest).ravel()] = True
    return kept


def _batches(lengths: Ids, keep: int) -> Iterator[Ids]:
    """The rows longer than `keep`, by length, in batches whose longest row is at most twice
    the shortest (padding stays under half) and whose padded cells stay under _BATCH_CELLS."""
    import numpy as np

    rows = np.flatnonzero(lengths > keep)
    rows = rows[np.argsort(lengths[rows], kind="stable")]
    done = 0
    while done < len(rows):
        end = int(np.searchsorted(lengths[rows], 2 * lengths[rows[done]], side="right"))
        end = min(end, done + max(1, _BATCH_CELLS // int(lengths[rows[end - 1]])))
        yield rows[done:end]
        done = end


def _padded(values: npt.NDArray[Any], starts: Ids, lengths: Ids, fill: Any) -> npt.NDArray[Any]:
    """Runs values[start : start + length] as the rows of an array, `fill` after each run."""
    import numpy as np

    width = int(lengths.max())
    first = np.cumsum(lengths) - lengths  # each run's first entry in the flattened runs
    entry = np.arange(int(lengths.sum()))
    cells = np.full((len(lengths), width), fill, dtype=values.dtype)
    cells.ravel()[entry + np.repeat(np.arange(len(lengths)) * width - first, lengths)] = values[
        entry + np.repeat(starts - first, lengths)
    ]
    return cells


def _keys(scores: Scores, ids: npt.NDArray[np.integer[Any]]) -> Keys:
    """Sort keys: the smaller the key, the higher the score, then the lower the id.

    The high half is the score's bits inverted (a float32 >= 0 orders like its bits; scores
    <= 0 all count as 0), the low half the id, written in place as two uint32 halves."""
    import numpy as np

    keys = np.empty(scores.shape, dtype=np.uint64)
    halves = keys.view(np.uint32).reshape(*scores.shape, 2)
    halves[..., _LOW] = ids
    np.invert(
        np.where(scores > 0, scores, np.float32(0)).view(np.uint32), out=halves[..., 1 - _LOW]
    )
    return keys


def _best(scores: Scores, ids: npt.NDArray[np.integer[Any]], k: int) -> Ids:
    """Per row, the `k` ids of the highest positive scores, best first (ties: lower id)."""
    import numpy as np

    keys = _keys(scores, ids)
    if keys.shape[1] > k:
        keys = np.take_along_axis(keys, np.argpartition(keys, k - 1, axis=1)[:, :k], axis=1)
    keys = np.sort(keys, axis=1)
    positive = (keys >> np.uint64(32)) != np.uint64(0xFFFFFFFF)
    return np.where(positive, (keys & np.uint64(0xFFFFFFFF)).astype(np.int64), -1)


def _columns(matrix: Matrix, width: int) -> Ids:
    """Each row's column indices, left-aligned in a (rows, width) array padded with -1."""
    import numpy as np

    lengths = np.diff(matrix.indptr)
    rows = np.repeat(np.arange(matrix.shape[0]), lengths)
    columns = np.full((matrix.shape[0], width), -1, dtype=np.int64)
    columns[rows, np.arange(matrix.nnz) - matrix.indptr[rows]] = matrix.indices
    return columns


def _cosines(matrix: Matrix, start: int, candidates: Ids) -> Scores:
    """Exact similarity of row start + i and row candidates[i, j] (0 where that is -1)."""
    import numpy as np

    rows, slots = np.nonzero(candidates >= 0)
    pairs = matrix[rows + start].multiply(matrix[candidates[rows, slots]])
    scores = np.zeros(candidates.shape, dtype=np.float32)
    scores[rows, slots] = np.asarray(pairs.sum(axis=1)).ravel()
    return scores


class RelatedCache:
    """Related papers, recomputed only when some title or abstract changed."""

    def __init__(self, cache_dir: Path | None, model: TextModel | None = None) -> None:
        self.cache_dir = cache_dir
        self.model = model or TextModel()
        """Where the tf-idf rows come from (shared with the paper map in a build)."""
        self._key: str | None = None
        self._value: dict[str, tuple[str, ...]] = {}

    def get(self, papers: Sequence[Paper]) -> dict[str, tuple[str, ...]]:
        key = corpus_key(papers)
        value, fresh = self._peek(key)
        if fresh:
            return value
        value = compute_related(papers, model=self.model)
        self._write(key, value)
        self._key, self._value = key, value
        return value

    def peek(self, papers: Sequence[Paper]) -> tuple[dict[str, tuple[str, ...]], bool]:
        """(related, True) when known without computing; else (the last result, False)."""
        return self._peek(corpus_key(papers))

    def _peek(self, key: str) -> tuple[dict[str, tuple[str, ...]], bool]:
        if key == self._key:
            return self._value, True
        value = self._read(key)
        if value is None:
            return self._value, False
        self._key, self._value = key, value
        return value, True

    def _path(self) -> Path | None:
        return self.cache_dir / "related.pickle" if self.cache_dir else None

    def _read(self, key: str) -> dict[str, tuple[str, ...]] | None:
        """The cached answer for `key`; a pickle, read in a third of the time of JSON (the
        cache is sitegen's own file inside the site's folder, as trusted as the site)."""
        path = self._path()
        try:
            data = pickle.loads(path.read_bytes()) if path else None
        except Exception:  # missing or damaged: computed again
            return None
        if not isinstance(data, tuple) or len(data) != 2 or data[0] != key:
            return None
        related: dict[str, tuple[str, ...]] = data[1]
        return related

    def _write(self, key: str, value: dict[str, tuple[str, ...]]) -> None:
        path = self._path()
        if path is None:
            return
        data = pickle.dumps((key, value), pickle.HIGHEST_PROTOCOL)
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            atomic_write_bytes(path, data, durable=False)
