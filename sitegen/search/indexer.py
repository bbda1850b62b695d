"""The cold build of an index: documents counted one at a time into arrays of numbers, then
encoded a range of terms at a time.

A lunr Builder keeps a dict of term frequencies per field of every document until it is built
(100,000 papers: about 2 GB). What the encoded index needs of them is one entry per (term,
field, document) with its frequency, and each word's term for the positions: here they are
numbers in `array`s (4 bytes each), a document's text and its dicts dropped once counted. The
counting is FastBuilder's (`fastlunr.py`: the same split, pipeline and memoized words), so the
index is the one `state._Analysis` updates; `tests/test_search.py` compares the two.
"""

from __future__ import annotations

from array import array
from collections import Counter

import numpy as np

from sitegen.search.codec import Header, utf16_key
from sitegen.search.documents import FIELDS, SearchDocument
from sitegen.search.fastlunr import fast_builder, split_words
from sitegen.search.fold import fold
from sitegen.search.positions import Collector, Table, TermNumbers
from sitegen.search.postings import encode_columns


class Indexer:
    """Documents added in ref order (0, 1, ...), counted as they come."""

    def __init__(self) -> None:
        self.builder = fast_builder(FIELDS)
        """Its pipelines, and the words each field's pipeline has made a term of."""
        self._piped = [self.builder.piped(spec.name) for spec in FIELDS]
        self.numbers = TermNumbers()
        self.positions = Collector(self.numbers)
        self._terms = array("i")
        """The number of each (field, document) entry's term, field by field of each
        document in turn."""
        self._frequencies = array("i")
        """Each entry's term frequency."""
        self._entries = array("i")
        """Per field of each document in turn: its number of entries."""
        self.lengths: list[list[int]] = [[] for _ in FIELDS]
        """Per field, per document: its length in terms."""
        self.word_docs: Counter[str] = Counter()
        """Every word lunr split a document into -> the number of documents holding it."""
        self.documents = 0

    def add(self, document: SearchDocument) -> None:
        """Count the next document (its ref: the number added before it)."""
        ref = self.documents
        self.documents += 1
        lunr_document, joined = document.lunr_document(ref)
        parts = document.parts()
        words: set[str] = set()
        for f, (spec, piped) in enumerate(zip(FIELDS, self._piped, strict=True)):
            split = split_words(lunr_document[spec.name])
            if "" in split:  # what a split may leave between separators: no word
                split = [word for word in split if word]
            mapped = list(map(piped.__getitem__, split))
            counts = Counter(mapped)
            dropped = counts.pop(None, 0)
            self.lengths[f].append(len(split) - dropped)
            self._terms.extend(map(self.numbers.__getitem__, counts))
            self._frequencies.extend(counts.values())
            self._entries.append(len(counts))
            words.update(split)
            # Positions count the words of each value, not the joined compounds after them.
            values = parts[spec.name]
            if len(values) == 1:
                per_value = [mapped[: len(mapped) - joined[spec.name]]]
            else:
                per_value = [[piped[w] for w in split_words(fold(v)) if w] for v in values]
            self.positions.add(ref, f, per_value)
        self.word_docs.update(words)

    def header(self) -> Header:
        """Fields, boosts, k1, b, the document count and the field lengths."""
        builder = self.builder
        return Header(
            tuple(spec.name for spec in FIELDS),
            tuple(builder._fields[spec.name].boost for spec in FIELDS),
            builder._k1,
            builder._b,
            self.documents,
            tuple(map(tuple, self.lengths)),
        )

    def postings(self) -> tuple[list[str], list[str]]:
        """Every term in UTF-16 order, and each one's postings encoded."""
        numbers = np.frombuffer(self._terms, dtype=np.int32)
        held = np.unique(numbers).tolist()
        terms = sorted(map(self.numbers.terms.__getitem__, held), key=utf16_key)
        rank = np.zeros(len(self.numbers.terms), dtype=np.int32)
        rank[list(map(self.numbers.__getitem__, terms))] = np.arange(len(terms))
        entries = np.frombuffer(self._entries, dtype=np.int32)
        where = np.repeat(np.arange(len(entries), dtype=np.int32), entries)  # doc * fields + f
        frequencies = np.frombuffer(self._frequencies, dtype=np.int32)
        encoded = encode_columns(rank[numbers], where, frequencies, len(terms), len(FIELDS))
        return terms, encoded

    def positions_table(self) -> Table:
        """Term -> its positions, encoded (`positions.Collector.table`)."""
        return self.positions.table(len(FIELDS))
