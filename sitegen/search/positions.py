"""Term positions, for quoted phrases: `search/positions-<n>.js`, small files by term range.

lunr can keep positions as posting metadata, but then every query would download them. They
live in their own files instead, each holding a run of one term shard's terms of at most
`PART_CHARS` characters (or a single term that is larger), and the browser loads them only for
a query with a phrase (`"masked autoencoder"`, `author:"Hu Xu"`), only the files of its terms.
Term shard k says where its terms' files are: `positionFile` (the number of its first: k times
`file_stride`) and `positionStarts` (the rank in the shard of each file's first term).

A term's positions: per field (comma separated), per document holding it there, varints of the
gap from the previous document, the count, then the gaps between positions. Positions count
every word lunr splits the field into, stop words too, so `"learning of representations"`
checks the right gap; the values of a list field (authors, tags) are 2 apart, so no phrase spans
two authors.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

from sitegen.search.codec import (
    FIELD_SEP,
    TERM_SEP,
    grouped_varints,
    read_varints,
    runs,
    shard_stride,
    varint,
)

if TYPE_CHECKING:
    # numpy encodes every term's positions at once (`Collector.table`): an edit's build only
    # splits the positions into files, and need not import it.
    import numpy as np
    import numpy.typing as npt

    Ids = npt.NDArray[np.int64]

Table = dict[str, str]
"""Term -> its positions, encoded (`encode`)."""

PART_CHARS = 12 * 1024
"""Target characters of a positions file: a two-word phrase loads two of them (gzip: about
70%), not the positions of two whole term shards (90 KiB gzipped each at 10,000 papers)."""


Terms = Sequence[str | None]
"""The term of each word of a field value, in order (None: a word the pipeline drops)."""


def collect(documents: Sequence[Sequence[Sequence[Terms]]], fields: int) -> Table:
    """Every term's positions, encoded, from each document's fields' values' terms."""
    found = Collector(TermNumbers())
    for doc, per_field in enumerate(documents):
        for f, per_value in enumerate(per_field):
            found.add(doc, f, per_value)
    return found.table(fields)


class TermNumbers(dict[str | None, int]):
    """Term -> its number in `terms` (None, a dropped word, is -1: it keeps its place)."""

    def __init__(self) -> None:
        super().__init__({None: -1})
        self.terms: list[str] = []

    def __missing__(self, term: str | None) -> int:
        number = self[term] = len(self.terms)
        self.terms.append(str(term))
        return number


class Collector:
    """Term positions gathered a field at a time, as numbers in arrays (4 bytes a word, not a
    list entry and a tuple), and encoded a range of terms at a time (`table`)."""

    def __init__(self, numbers: TermNumbers) -> None:
        self.numbers = numbers
        self._ids = array("i")
        """The number of each word's term (-1: dropped), in order."""
        self._values = array("i")
        """Per field value: document, field, first position and number of words."""

    def add(self, doc: int, field: int, values: Sequence[Terms]) -> None:
        """The terms of one field of one document, value by value."""
        at = 0
        for value in values:
            self._ids.extend(map(self.numbers.__getitem__, value))
            self._values.extend((doc, field, at, len(value)))
            at += len(value) + 1  # a gap between two authors or tags

    def table(self, fields: int) -> Table:
        """Every term's positions, encoded: grouping by term, field and document and the
        gaps are numpy's (`_encode`), for terms numbered in a range holding about
        `PART_WORDS` words at a time."""
        import numpy as np

        ids = np.frombuffer(self._ids, dtype=np.int32)
        values = np.frombuffer(self._values, dtype=np.int32).reshape(-1, 4).T.astype(np.int64)
        doc, field, first, length = values
        value_start = np.cumsum(length) - length
        per_term = np.bincount(ids[ids >= 0], minlength=len(self.numbers.terms))
        cuts = runs(np.cumsum(per_term), PART_WORDS)
        table: Table = {}
        for low, high in pairwise(cuts):
            words = np.flatnonzero((ids >= low) & (ids < high))
            value = np.searchsorted(value_start, words, side="right") - 1
            pos = first[value] + words - value_start[value]
            table.update(
                _encode(
                    self.numbers.terms[low:high],
                    ids[words].astype(np.int64) - low,
                    (doc[value], field[value], pos),
                    fields,
                )
            )
        return table


PART_WORDS = 1 << 19
"""Words whose positions are encoded at a time (numpy's temporaries: about 100 bytes each)."""


def _encode(terms: Sequence[str], ids: Ids, words: tuple[Ids, Ids, Ids], fields: int) -> Table:
    """Per term, per field: for each document holding it there (in order), the document gap,
    the count and the position gaps; `ids` numbers the term of each word in `terms`, `words`
    is each one's document, field and position, in order."""
    import numpy as np

    docs, field, pos = words
    stream = ids * fields + field  # (term, field)
    if not len(stream):
        return {}
    order = np.argsort(stream * (int(docs.max(initial=0)) + 1) + docs, kind="stable")
    stream, pos, docs = stream[order], pos[order], docs[order]
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
    slots = np.empty(len(out), dtype=np.int64)
    body = np.arange(len(pos)) + 2 * (group_of + 1)
    out[body], slots[body] = gaps, stream
    heads = starts + 2 * np.arange(len(starts))
    out[heads], out[heads + 1] = doc_gaps, np.diff(np.r_[starts, len(pos)])
    slots[heads] = slots[heads + 1] = stream[starts]
    # Only the terms found here get an entry: numbered again, in order.
    held, slot_term = np.unique(slots // fields, return_inverse=True)
    texts = grouped_varints(out, slot_term * fields + slots % fields, len(held), fields)
    return dict(zip(map(terms.__getitem__, held.tolist()), texts, strict=True))


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


def file_stride(most: int) -> int:
    """How many file numbers each term shard has room for, given the most files a shard's
    positions take: a power of two, at least 64, so it stays the same from edit to edit. A
    shard whose positions take one more file (or one less) then renames no file of the shards
    after it (numbered in one run, 440 files at 10,000 papers were all written again)."""
    return shard_stride(most, 1 << 6)


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
