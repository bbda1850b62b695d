"""Related papers: tf-idf cosine similarity of title and abstract, cached between builds."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from sitegen.fsutil import atomic_write_bytes
from sitegen.models import Paper

RELATED_COUNT = 5
_CHUNK = 1024
_CACHE_VERSION = "related-v1"


def corpus_key(papers: Sequence[Paper]) -> str:
    """Fingerprint of everything the similarity depends on (slugs, titles, abstracts)."""
    digest = hashlib.blake2b(_CACHE_VERSION.encode(), digest_size=16)
    for paper in sorted(papers, key=lambda p: p.slug):
        for part in (paper.slug, paper.title, paper.abstract):
            digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


def compute_related(
    papers: Sequence[Paper], count: int = RELATED_COUNT
) -> dict[str, tuple[str, ...]]:
    """Slug -> the slugs of its `count` most similar papers, most similar first."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(papers) < 2:
        return {paper.slug: () for paper in papers}
    ordered = sorted(papers, key=lambda p: p.slug)
    # The title counts twice: it says what the paper is about in the fewest words.
    texts = [f"{p.title}. {p.title}. {p.abstract}" for p in ordered]
    vectorizer = TfidfVectorizer(
        stop_words="english",
        sublinear_tf=True,
        max_df=0.5 if len(ordered) >= 20 else 1.0,  # tiny sites: every word counts
        dtype=np.float32,
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9\-]+\b",
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no usable words at all
        return {paper.slug: () for paper in papers}
    slugs = [p.slug for p in ordered]
    transposed = matrix.T.tocsr()
    k = min(count, len(ordered) - 1)

    def chunk(start: int) -> list[tuple[str, tuple[str, ...]]]:
        scores = (matrix[start : start + _CHUNK] @ transposed).toarray()
        rows = np.arange(scores.shape[0])
        scores[rows, rows + start] = -1.0  # a paper is not related to itself
        best = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        return [
            (slugs[start + row], _ranked(scores[row], candidates, slugs))
            for row, candidates in enumerate(best)
        ]

    # scipy's sparse product and numpy's partition release the GIL: threads use every core.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        chunks = pool.map(chunk, range(0, len(ordered), _CHUNK))
        return {slug: items for part in chunks for slug, items in part}


def _ranked(similarities: np.ndarray, candidates: np.ndarray, slugs: list[str]) -> tuple[str, ...]:
    # Ties (equal scores) go to the alphabetically first slug, so output is stable.
    chosen = sorted(candidates.tolist(), key=lambda i: (-float(similarities[i]), slugs[i]))
    return tuple(slugs[i] for i in chosen if similarities[i] > 0)


class RelatedCache:
    """Related papers, recomputed only when some title or abstract changed."""

    def __init__(self, cache_dir: Path | None) -> None:
        self.cache_dir = cache_dir
        self._key: str | None = None
        self._value: dict[str, tuple[str, ...]] = {}

    def get(self, papers: Sequence[Paper]) -> dict[str, tuple[str, ...]]:
        value, fresh = self.peek(papers)
        if fresh:
            return value
        value = compute_related(papers)
        self._write(corpus_key(papers), value)
        self._key, self._value = corpus_key(papers), value
        return value

    def peek(self, papers: Sequence[Paper]) -> tuple[dict[str, tuple[str, ...]], bool]:
        """(related, True) when known without computing; else (the last result, False)."""
        key = corpus_key(papers)
        if key == self._key:
            return self._value, True
        value = self._read(key)
        if value is None:
            return self._value, False
        self._key, self._value = key, value
        return value, True

    def _path(self) -> Path | None:
        return self.cache_dir / "related.json" if self.cache_dir else None

    def _read(self, key: str) -> dict[str, tuple[str, ...]] | None:
        path = self._path()
        try:
            data = json.loads(path.read_text()) if path else None
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        return {slug: tuple(items) for slug, items in data["related"].items()}

    def _write(self, key: str, value: dict[str, tuple[str, ...]]) -> None:
        path = self._path()
        if path is None:
            return
        data = {"key": key, "related": {slug: list(items) for slug, items in value.items()}}
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            atomic_write_bytes(path, json.dumps(data).encode())
