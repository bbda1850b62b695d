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

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from sitegen.search.codec import FIELD_SEP, TERM_SEP, read_varints, varint, varints

Table = dict[str, str]
"""Term -> its positions, encoded (`encode`)."""

Ids = npt.NDArray[np.int64]

PART_CHARS = 12 * 1024
"""Target characters of a positions file: a two-word phrase loads two of them (gzip: about
70%), not the positions of two whole term shards (90 KiB gzipped each at 10,000 papers)."""


Terms = Sequence[str | None]
"""The term of each word of a field value, in order (None: a word the pipeline drops)."""


def collect(documents: Sequence[Sequence[Sequence[Terms]]], fields: int) -> Table:
    """Every term's positions, encoded, from each document's fields' values' terms.

    One pass in Python gives each term a number; grouping by term, field and document and the
    gaps are numpy's (`_encode`).
    """
    numbers = _Numbers()
    ids: list[int] = []
    values: list[tuple[int, int, int, int]] = []  # document, field, first position, words
    for doc, per_field in enumerate(documents):
        for f, per_value in enumerate(per_field):
            at = 0
            for value in per_value:
                ids += map(numbers.__getitem__, value)
                values.append((doc, f, at, len(value)))
                at += len(value) + 1  # a gap between two authors or tags
    columns = np.array(values, dtype=np.int64).reshape(-1, 4).T
    return _encode(numbers.terms, np.array(ids, dtype=np.int64), columns, fields)


class _Numbers(dict[str | None, int]):
    """Term -> its number in `terms` (None, a dropped word, is -1: it keeps its place)."""

    def __init__(self) -> None:
        super().__init__({None: -1})
        self.terms: list[str] = []

    def __missing__(self, term: str | None) -> int:
        number = self[term] = len(self.terms)
        self.terms.append(str(term))
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
    text = varints(out)
    stream_starts = np.flatnonzero(new_stream)
    bounds = [*heads[group_of[stream_starts]].tolist(), len(out)]
    table: dict[str, list[str]] = {}
    for number, a, b in zip(stream[stream_starts].tolist(), bounds, bounds[1:], strict=False):
        term, f = divmod(number, fields)
        table.setdefault(terms[term], [""] * fields)[f] = "".join(text[a:b])
    return {term: ",".join(per_field) for term, per_field in table.items()}


def encode(table: Table, terms: Sequence[str], fields: int) -> list[str]:
    """The positions of each of `terms` (none: an empty string per field)."""
    empty = "," * (fields - 1)
    return [table.get(term, empty) for term in terms]


def encode_term(per_field: Sequence[Sequence[tuple[int, Sequence[int]]]]) -> str:
    """One term's positions: per field, (document, positions) in document order."""
    texts = []
    for entries in per_field:
        out: list[int] = []
        previous = -1
        for doc, places in entries:
            out += (doc - previous - 1, len(places), places[0])
            out += (b - a for a, b in pairwise(places))
            previous = doc
        texts.append("".join(map(varint, out)))
    return FIELD_SEP.join(texts)


def decode(text: str, fields: int) -> list[list[tuple[int, list[int]]]]:
    """Per field, the (document, positions) pairs `encode_term` wrote ("": none)."""
    per_field: list[list[tuple[int, list[int]]]] = [[] for _ in range(fields)]
    for f, part in enumerate(text.split(FIELD_SEP) if text else ()):
        numbers = iter(read_varints(part))
        doc = -1
        for gap in numbers:
            doc += gap + 1
            places = [next(numbers) for _ in range(next(numbers))]
            for k in range(1, len(places)):
                places[k] += places[k - 1]
            per_field[f].append((doc, places))
    return per_field


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
