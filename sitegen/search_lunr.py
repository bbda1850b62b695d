"""Build lunr.py indexes, stock or fast, with byte-identical serialized output.

lunr.py spends most of a build stemming the same words over and over and walking strings a
character at a time. `FastBuilder` keeps lunr's data structures and arithmetic and only removes
that waste: each distinct raw token goes through the indexing pipeline once (memoized), the text is
split with one regular expression instead of a Python loop, and field vectors are sorted once
instead of kept sorted by repeated insertion. `tests/test_search.py` proves the serialized JSON is
byte-identical to stock lunr.py's on the seeds and on synthetic papers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lunr import get_default_builder
from lunr.builder import Builder
from lunr.field_ref import FieldRef
from lunr.idf import idf as lunr_idf
from lunr.index import Index
from lunr.stemmer import porter_stemmer, stemmer
from lunr.stop_word_filter import stop_word_filter
from lunr.token import Token
from lunr.trimmer import trimmer
from lunr.vector import Vector

REF = "ref"
"""Name of the document key holding the lunr ref (a decimal string)."""

# lunr.tokenizer.SEPARATOR_CHARS, as one regular expression.
_SEPARATORS = re.compile("[ \t\n\r\f\v\xa0-]+")

# Pipeline functions that look at nothing but the token's own string, so running the pipeline on
# one token at a time (and memoizing it) is the same as running it over the whole token list.
_PER_TOKEN_LABELS = frozenset({"trimmer", "stopWordFilter", "stemmer"})


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One indexed field."""

    name: str
    """Field name, as readers type it in a query (`title:`)."""
    boost: int
    """lunr build-time boost; the title's is highest so title matches rank first."""


@lru_cache(maxsize=1 << 18)  # bounded: a site has far fewer distinct words
def _stem(word: str) -> str:
    return str(porter_stemmer.stem(word))


def memo_stemmer(token: Token, i: int | None = None, tokens: list[Token] | None = None) -> Token:
    """lunr's Porter stemmer, memoized: same output, each distinct word stemmed once."""
    return token.update(lambda word, _metadata: _stem(word))


# Serialized under lunr's own label, so an index that used it loads with the stock stemmer.
# Not re-registered: the global registry keeps lunr's function and nothing else changes.
memo_stemmer.label = "stemmer"  # type: ignore[attr-defined]


def stock_builder(fields: Sequence[FieldSpec]) -> Builder:
    """lunr.py's default builder (`lunr.get_default_builder()`), fields declared."""
    builder = get_default_builder()
    _declare(builder, fields)
    return builder


def fast_builder(fields: Sequence[FieldSpec]) -> FastBuilder:
    """The default builder's pipelines, with the memoized stemmer, as a `FastBuilder`."""
    builder = FastBuilder()
    builder.pipeline.add(trimmer, stop_word_filter, memo_stemmer)
    builder.search_pipeline.add(stemmer)
    _declare(builder, fields)
    return builder


def _declare(builder: Builder, fields: Sequence[FieldSpec]) -> None:
    builder.ref(REF)
    for spec in fields:
        builder.field(spec.name, boost=spec.boost)


def build_index(builder: Builder, documents: Iterable[Mapping[str, str]]) -> Index:
    """Add every document to `builder` and build the lunr index."""
    for document in documents:
        builder.add(document)
    return builder.build()


class FastBuilder(Builder):  # type: ignore[misc]
    """A lunr.py Builder whose indexes serialize byte-identically, built several times faster.

    Falls back to lunr's own code when a faster path could change the output: metadata
    whitelisted, a pipeline function that may look at neighbouring tokens, a non-string field.
    """

    def _calculate_average_field_lengths(self) -> None:
        # lunr.py divides by the number of documents: an empty site would crash it.
        if not self.field_lengths:
            self.average_field_length = {name: 0 for name in self._fields}
            return
        super()._calculate_average_field_lengths()

    def __init__(self) -> None:
        super().__init__()
        self._term_cache: dict[tuple[str, str], tuple[str, ...]] = {}

    def add(self, doc: Mapping[str, Any], attributes: dict[str, Any] | None = None) -> None:
        if self.metadata_whitelist or not self._pipeline_is_per_token():
            super().add(doc, attributes)
            return
        doc_ref = str(doc[self._ref])
        self._documents[doc_ref] = attributes or {}
        self.document_count += 1
        for field_name, field in self._fields.items():
            value = doc[field_name] if field.extractor is None else field.extractor(doc)
            if value is not None and not isinstance(value, str):
                super_terms = self.pipeline.run(_lunr_tokenize(value), field_name)
                terms: list[str] = [str(term) for term in super_terms]
            else:
                terms = self._terms(value or "", field_name)
            self._add_field(doc_ref, field_name, terms)

    def _pipeline_is_per_token(self) -> bool:
        return all(getattr(fn, "label", None) in _PER_TOKEN_LABELS for fn in self.pipeline._stack)

    def _terms(self, text: str, field_name: str) -> list[str]:
        """The field's terms, in order: split like lunr's tokenizer, each word piped once."""
        terms: list[str] = []
        cache = self._term_cache
        for word in _SEPARATORS.split(text.lower()):
            if not word:
                continue
            key = (field_name, word)
            piped = cache.get(key)
            if piped is None:
                piped = tuple(str(t) for t in self.pipeline.run([Token(word, {})], field_name))
                cache[key] = piped
            terms.extend(piped)
        return terms

    def _add_field(self, doc_ref: str, field_name: str, terms: list[str]) -> None:
        # Builder.add's structures, walking each distinct term once. Counter keeps first-occurrence
        # order, so new terms get the same `_index` as lunr gives them.
        field_ref = str(FieldRef(doc_ref, field_name))
        field_terms = Counter(terms)
        self.field_term_frequencies[field_ref] = field_terms
        self.field_lengths[field_ref] = len(terms)
        inverted = self.inverted_index
        for term in field_terms:
            posting = inverted.get(term)
            if posting is None:
                posting = {name: {} for name in self._fields}
                posting["_index"] = self.term_index
                self.term_index += 1
                inverted[term] = posting
            # lunr stores a defaultdict(list) of whitelisted metadata; none is whitelisted here,
            # and an empty dict serializes the same.
            posting[field_name][doc_ref] = {}

    def _create_field_vectors(self) -> None:
        # Builder's arithmetic, operation for operation (floats must match to the last bit);
        # elements sorted once rather than binary-inserted one by one.
        k1, b = self._k1, self._b
        idf_cache: dict[str, float] = {}
        vectors: dict[str, Vector] = {}
        for field_ref, frequencies in self.field_term_frequencies.items():
            parsed = FieldRef.from_string(field_ref)
            length = self.field_lengths[field_ref]
            average = self.average_field_length[parsed.field_name]
            boost = self._fields[parsed.field_name].boost
            doc_boost = self._documents[parsed.doc_ref].get("boost", 1)
            pairs: list[tuple[int, float]] = []
            for term, tf in frequencies.items():
                posting = self.inverted_index[term]
                idf = idf_cache.get(term)
                if idf is None:
                    idf = idf_cache[term] = lunr_idf(posting, self.document_count)
                score = idf * ((k1 + 1) * tf) / (k1 * (1 - b + b * (length / average)) + tf)
                score *= boost
                score *= doc_boost
                pairs.append((posting["_index"], round(score, 3)))
            pairs.sort()
            vectors[field_ref] = Vector([x for pair in pairs for x in pair])
        self.field_vectors = vectors


def _lunr_tokenize(value: object) -> list[Token]:
    from lunr.tokenizer import Tokenizer

    tokens: list[Token] = Tokenizer(value)
    return tokens
