"""Term positions, for quoted phrases: `search/positions-<n>.js`, small files by term range.

lunr can keep positions as posting metadata, but then every query would download them. They
live in their own files instead, each holding a run of one term shard's terms of at most
`PART_CHARS` characters (or a single term that is larger), and the browser loads them only for
a query with a phrase (`"masked autoencoder"`, `author:"Hu Xu"`), only the files of its terms.
Term shard k says where its terms' files are: `positionFile` (the number of its first) and
`positionStarts` (the rank in the shard of each file's first term).

A term's positions: per field (comma separated), per document holding it there, varints of the
gap from the previous document, the count, then the gaps between positions. Positions count
every word lunr splits the field into, stop words too, so `"learning of representations"`
checks the right gap; the values of a list field (authors, tags) are 2 apart, so no phrase spans
two authors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from lunr.stop_word_filter import stop_word_filter
from lunr.token import Token
from lunr.trimmer import trimmer

from sitegen.search.codec import TERM_SEP, varint
from sitegen.search.fastlunr import memo_stemmer, split_words
from sitegen.search.fold import fold

Table = dict[str, str]
"""Term -> its positions, encoded (`encode`)."""

Ids = npt.NDArray[np.int64]

_SHORT = np.array([varint(value) for value in range(1024)], dtype=object)
"""The common varints, for numpy to pick."""

PART_CHARS = 12 * 1024
"""Target characters of a positions file: a two-word phrase loads two of them (gzip: about
70%), not the positions of two whole term shards (90 KiB gzipped each at 10,000 papers)."""


@lru_cache(maxsize=1 << 18)
def term_of(word: str) -> str | None:
    """The term lunr's indexing pipeline makes of one lowercased word (None: dropped)."""
    token = trimmer(Token(word))
    if not str(token) or not stop_word_filter(token):
        return None
    return str(memo_stemmer(token))


def collect(documents: Sequence[Mapping[str, Sequence[str]]], fields: Sequence[str]) -> Table:
    """Every term's positions, encoded, from each document's field values (unfolded).

    One pass in Python gives each word its term's number (each distinct word piped once);
    grouping by term, field and document and the gaps are numpy's (`_encode`).
    """
    numbers = _Numbers()
    ids: list[int] = []
    values: list[tuple[int, int, int, int]] = []  # document, field, first position, words
    for doc, parts in enumerate(documents):
        for f, name in enumerate(fields):
            at = 0
            for value in parts.get(name, ()):
                words = split_words(fold(value))
                if "" in words:  # what a split may leave between separators: no word
                    words = [word for word in words if word]
                ids += map(numbers.__getitem__, words)
                values.append((doc, f, at, len(words)))
                at += len(words) + 1  # a gap between two authors or tags
    columns = np.array(values, dtype=np.int64).reshape(-1, 4).T
    return _encode(numbers.terms, np.array(ids, dtype=np.int64), columns, len(fields))


class _Numbers(dict[str, int]):
    """Word -> the number of its term in `terms` (-1: a dropped word, which keeps its place)."""

    def __init__(self) -> None:
        super().__init__()
        self.terms: list[str] = []
        self._known: dict[str, int] = {}

    def __missing__(self, word: str) -> int:
        term = term_of(word)
        number = -1 if term is None else self._known.setdefault(term, len(self._known))
        if number == len(self.terms):
            self.terms.append(term or "")
        self[word] = number
        return number


def _encode(terms: Sequence[str], ids: Ids, values: Ids, fields: int) -> Table:
    """Per term, per field: for each document holding it there (in order), the document gap,
    the count and the position gaps; `values`: document, field, first position and length of
    each field value whose words `ids` holds, in order."""
    doc, field, first, length = values
    pos = np.arange(len(ids)) + np.repeat(first - (np.cumsum(length) - length), length)
    docs, keep = np.repeat(doc, length), ids >= 0
    stream = (ids * fields + np.repeat(field, length))[keep]  # (term, field)
    if not len(stream):
        return {}
    order = np.argsort(stream * (int(doc.max(initial=0)) + 1) + docs[keep], kind="stable")
    stream, pos, docs = stream[order], pos[keep][order], docs[keep][order]
    new_stream = np.r_[True, stream[1:] != stream[:-1]]
    new_group = new_stream | np.r_[True, docs[1:] != docs[:-1]]  # (term, field, document)
    starts = np.flatnonzero(new_group)
    group_of = np.cumsum(new_group) - 1
    gaps = pos - np.r_[0, pos[:-1]]
    gaps[new_group] = pos[new_group]
    first_docs = docs[starts]
    doc_gaps = first_docs - np.r_[-1, first_docs[:-1]] - 1
    doc_gaps[new_stream[starts]] = first_docs[new_stream[starts]]
    out = np.empty(len(pos) + 2 * len(starts), dtype=np.int64)
    out[np.arange(len(pos)) + 2 * (group_of + 1)] = gaps
    heads = starts + 2 * np.arange(len(starts))
    out[heads], out[heads + 1] = doc_gaps, np.diff(np.r_[starts, len(pos)])
    text = _varints(out)
    stream_starts = np.flatnonzero(new_stream)
    bounds = [*heads[group_of[stream_starts]].tolist(), len(out)]
    table: dict[str, list[str]] = {}
    for number, a, b in zip(stream[stream_starts].tolist(), bounds, bounds[1:], strict=False):
        term, f = divmod(number, fields)
        table.setdefault(terms[term], [""] * fields)[f] = "".join(text[a:b])
    return {term: ",".join(per_field) for term, per_field in table.items()}


def _varints(values: Ids) -> list[str]:
    small = values < len(_SHORT)
    text = _SHORT[np.where(small, values, 0)]
    for i in np.flatnonzero(~small).tolist():
        text[i] = varint(int(values[i]))
    return list(text.tolist())


def encode(table: Table, terms: Sequence[str], fields: int) -> list[str]:
    """The positions of each of `terms` (none: an empty string per field)."""
    empty = "," * (fields - 1)
    return [table.get(term, empty) for term in terms]


def split(encoded: Sequence[str], part_chars: int = PART_CHARS) -> tuple[list[int], list[str]]:
    """Consecutive terms' positions grouped into files of about `part_chars`: (the rank of
    each file's first term, each file's text)."""
    starts: list[int] = []
    files: list[list[str]] = []
    size = part_chars
    for t, text in enumerate(encoded):
        if size + len(text) > part_chars and (not files or files[-1]):
            starts.append(t)
            files.append([])
            size = 0
        files[-1].append(text)
        size += len(text) + 1
    return starts, [TERM_SEP.join(part) for part in files]
