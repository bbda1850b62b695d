"""Build lunr.py indexes, stock or fast, with byte-identical serialized output.

lunr.py spends a build in Python loops over characters, tokens and postings, and in the garbage
collector walking the growing index again and again. `FastBuilder` keeps lunr's data structures
and arithmetic and moves the loops into C: a field is split by `str.split` (or one regular
expression), each distinct word goes through the pipeline once and is then a dict lookup,
`Counter` counts terms, postings are written term by term once every document is in, field
vectors are computed in numpy with lunr's operations in lunr's order, and the collector is paused
while the index is built. `tests/test_search_lunr.py` checks the serialized JSON is byte-identical
to stock lunr.py's; `benchmarks/bench_lunr.py` times both.
"""

from __future__ import annotations

import operator
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, pairwise
from typing import TYPE_CHECKING, Any

from lunr import __TARGET_JS_VERSION__
from lunr.builder import Builder
from lunr.idf import idf as lunr_idf
from lunr.index import Index
from lunr.pipeline import Pipeline
from lunr.stemmer import porter_stemmer, stemmer
from lunr.stop_word_filter import stop_word_filter
from lunr.token import Token
from lunr.trimmer import trimmer
from lunr.vector import Vector

from sitegen.workers import gc_paused

if TYPE_CHECKING:
    # numpy is imported where it is used: an edit's build, which only analyses the few
    # documents it changed, need not import it (a tenth of a second).
    import numpy as np
    import numpy.typing as npt

REF = "ref"
"""Name of the document key holding the lunr ref (a decimal string)."""

# lunr.tokenizer.SEPARATOR_CHARS, as one regular expression.
_SEPARATORS = re.compile("[ \t\n\r\f\v\xa0-]+")
# Characters `str.split()` splits on and lunr does not: text without them splits the same way.
_OTHER_SPACES = re.compile("[\x1c-\x1f\x85\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")

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
    """Add every document to `builder` and build the lunr index.

    A `FastBuilder` builds with the cyclic garbage collector paused (see `gc_paused`); a stock
    builder runs as lunr.py runs it, so benchmarks compare against lunr.py as shipped.
    """
    with gc_paused() if isinstance(builder, FastBuilder) else nullcontext():
        for document in documents:
            builder.add(document)
        return builder.build()


def split_words(text: str) -> list[str]:
    """`text` lowercased and split where lunr's tokenizer splits it (may hold empty strings)."""
    text = text.lower()
    if text.isascii():
        plain = not ("\x1c" in text or "\x1d" in text or "\x1e" in text or "\x1f" in text)
    else:
        plain = _OTHER_SPACES.search(text) is None
    if plain:
        return text.replace("-", " ").split()
    return _SEPARATORS.split(text)


class _NoMetadata(dict[str, Any]):
    """An empty dict that refuses to change: one object for every posting's metadata.

    lunr gives each (term, field, document) posting its own dict of whitelisted metadata, always
    empty here (FastBuilder leaves whitelisting to lunr's own `add`): sharing one saves a dict
    per posting (over a million at 10,000 papers), and it serializes the same, `{}`.
    """

    def _read_only(self, *args: object, **kwargs: object) -> None:
        raise TypeError("lunr posting metadata built by FastBuilder is read-only")

    # Signatures loosened to "any arguments": every one of them raises.
    __setitem__ = __delitem__ = __ior__ = _read_only  # type: ignore[assignment]
    setdefault = update = pop = popitem = clear = _read_only  # type: ignore[assignment]


NO_METADATA = _NoMetadata()
"""The metadata of every posting FastBuilder writes."""


class _NotPerToken(Exception):
    """The pipeline turned one word into several terms: only lunr's own `add` handles that."""


class _PipedWords(dict[str, str | None]):
    """Word -> the term the field's pipeline makes of it (None: dropped), piped on first use."""

    def __init__(self, pipeline: Pipeline, field_name: str) -> None:
        super().__init__({"": None})  # the empty strings a regular-expression split leaves
        self._pipeline = pipeline
        self._field_name = field_name

    def __missing__(self, word: str) -> str | None:
        piped = self._pipeline.run([Token(word, {})], self._field_name)
        if len(piped) > 1:
            raise _NotPerToken(word)
        term = str(piped[0]) if piped else None
        self[word] = term
        return term


class FastBuilder(Builder):  # type: ignore[misc]
    """A lunr.py Builder whose indexes serialize byte-identically, built about ten times faster.

    Once built, its state is lunr's (inverted_index, field_term_frequencies, field_lengths,
    field_vectors, ...), with two differences that serialize the same: term frequencies are
    `Counter`s, and every posting's metadata is `NO_METADATA` rather than its own empty
    `defaultdict(list)`. Until `build`, the postings lack the documents added since the last
    build: `build` writes them term by term, in document order as lunr does, rather than one
    document at a time scattered over the whole index (twice as fast, for the memory caches).
    Falls back to lunr's own `add` when a faster path could change the output: metadata
    whitelisted, a pipeline function that may look at neighbouring tokens or split a token, a
    non-string field.
    """

    def __init__(self) -> None:
        super().__init__()
        self._pipeline_state: object = None
        """The indexing pipeline `_words` and `_per_token` were made for."""
        self._per_token = False
        """Whether every function of that pipeline looks at one token alone."""
        self._words: dict[str, _PipedWords] = {}
        """Per field, each word met and what that pipeline makes of it."""
        self._unposted: list[tuple[str, str, Counter[str]]] = []
        """(field, document ref, term frequencies) added but not yet in the inverted index."""
        self.term_lists: dict[str, list[str | None]] | None = None
        """Set to a dict to keep, by field ref, the term each word of the field became, in
        order (None: a dropped word): positions come from the same pass as the counts."""
        self.word_docs: Counter[str] | None = None
        """Set to a Counter to count, per word lunr splits a field into, the documents
        holding it."""

    def add(self, doc: Mapping[str, Any], attributes: dict[str, Any] | None = None) -> None:
        counted = self._count_fields(doc)
        if counted is None:
            self._post_documents()  # lunr's add writes postings now: keep document order
            super().add(doc, attributes)
            return
        doc_ref = str(doc[self._ref])
        self._documents[doc_ref] = attributes or {}
        self.document_count += 1
        known = self.inverted_index.keys()
        if self.word_docs is not None:
            self.word_docs.update(set().union(*(split for *_, split in counted)))
        for field_name, terms, length, mapped, _split in counted:
            field_ref = f"{field_name}/{doc_ref}"  # str(FieldRef(doc_ref, field_name))
            if self.term_lists is not None:
                self.term_lists[field_ref] = mapped
            self.field_term_frequencies[field_ref] = terms
            self.field_lengths[field_ref] = length
            if not known >= terms.keys():
                self._add_terms(terms)
            self._unposted.append((field_name, doc_ref, terms))

    def _count_fields(
        self, doc: Mapping[str, Any]
    ) -> list[tuple[str, Counter[str], int, list[str | None], list[str]]] | None:
        """Per field: name, term frequencies, length, the term of each word (None: dropped)
        and the words; None when only lunr's add is exact."""
        pipeline = self.pipeline
        skips = [(fn, set(fields)) for fn, fields in pipeline._skip.items() if fields]
        state = (tuple(pipeline._stack), skips)
        if state != self._pipeline_state:  # first document, or the pipeline was changed
            self._pipeline_state = state
            self._per_token = all(
                getattr(fn, "label", None) in _PER_TOKEN_LABELS for fn in state[0]
            )
            self._words = {}
        if self.metadata_whitelist or not self._per_token:
            return None
        counted = []
        for field_name, field in self._fields.items():
            value = doc[field_name] if field.extractor is None else field.extractor(doc)
            if value is not None and not isinstance(value, str):
                return None  # lunr tokenizes a list element by element
            try:
                counted.append((field_name, *self._count_terms(value or "", field_name)))
            except _NotPerToken:
                return None
        return counted

    def _count_terms(
        self, text: str, field_name: str
    ) -> tuple[Counter[str], int, list[str | None], list[str]]:
        """The field's term frequencies, in first-occurrence order, its length in terms, the
        term of each word and the words."""
        words = self.piped(field_name)
        split = split_words(text)
        if "" in split:  # what a split may leave between separators: no word
            split = [word for word in split if word]
        mapped = list(map(words.__getitem__, split))
        terms: Counter[Any] = Counter(mapped)
        dropped = terms.pop(None, 0)
        return terms, len(split) - dropped, mapped, split

    def piped(self, field_name: str) -> Mapping[str, str | None]:
        """Word -> the term the field's pipeline makes of it (None: dropped), piped on first use."""
        words = self._words.get(field_name)
        if words is None:
            words = self._words[field_name] = _PipedWords(self.pipeline, field_name)
        return words

    def piped_words(self) -> dict[str, str]:
        """Every word met so far (any field) and the term it became, dropped words left out."""
        out: dict[str, str] = {}
        for words in self._words.values():
            out.update((word, term) for word, term in words.items() if term is not None)
        return out

    def _add_terms(self, terms: Iterable[str]) -> None:
        """Builder.add's new postings, in first-occurrence order: terms get lunr's `_index`."""
        for term in terms:
            if term not in self.inverted_index:
                posting: dict[str, Any] = {name: {} for name in self._fields}
                posting["_index"] = self.term_index
                self.term_index += 1
                self.inverted_index[term] = posting

    def _post_documents(self, everything: _Postings | None = None) -> None:
        """Write the documents added since the last call into their terms' postings.

        `everything`: `field_term_frequencies` flattened, reused if nothing else was added.
        """
        import numpy as np

        unposted, self._unposted = self._unposted, []
        if not unposted:
            return
        frequencies = [terms for _, _, terms in unposted]
        postings = everything
        if postings is None or not _same_objects(postings.frequencies, frequencies):
            postings = _Postings(self.inverted_index, frequencies)
        fields = list(self._fields)
        field_number = {name: i for i, name in enumerate(fields)}
        entry_field = np.array([field_number[name] for name, _, _ in unposted], dtype=np.int64)
        # Group (field, term), keeping document order within a group: lunr's dict order.
        key = np.repeat(entry_field, postings.counts) * postings.width + postings.term_index
        order = np.argsort(key, kind="stable")
        refs = [ref for _, ref, _ in unposted]
        entry = np.repeat(np.arange(len(unposted)), postings.counts)[order]
        sorted_refs = list(map(refs.__getitem__, entry.tolist()))
        sorted_key = key[order]
        starts = np.flatnonzero(np.diff(sorted_key, prepend=-1))
        bounds = [*starts.tolist(), len(sorted_refs)]
        for group, (start, end) in zip(sorted_key[starts].tolist(), pairwise(bounds), strict=True):
            field_name = fields[group // postings.width]
            posting = postings.by_index[group % postings.width]
            documents = posting[field_name]
            if documents:  # earlier documents (lunr's own add) keep their place, as in lunr
                for ref in sorted_refs[start:end]:
                    documents.setdefault(ref, NO_METADATA)
            else:
                posting[field_name] = dict.fromkeys(sorted_refs[start:end], NO_METADATA)

    def build(self) -> Index:
        with gc_paused():
            postings = _Postings(self.inverted_index, self.field_term_frequencies.values())
            self._post_documents(postings)
            self._calculate_average_field_lengths()
            self._create_field_vectors(postings)
            self._create_token_set()
        return _PreRoundedIndex(
            inverted_index=self.inverted_index,
            field_vectors=self.field_vectors,
            token_set=self.token_set,
            fields=list(self._fields.keys()),
            pipeline=self.search_pipeline,
        )

    def _calculate_average_field_lengths(self) -> None:
        # lunr.py divides by the number of documents: an empty site would crash it.
        if not self.field_lengths:
            self.average_field_length = {name: 0 for name in self._fields}
            return
        super()._calculate_average_field_lengths()

    def _create_field_vectors(self, postings: _Postings | None = None) -> None:
        # Builder's arithmetic, operation for operation, so floats match to the last bit:
        #   score = idf * ((k1 + 1) * tf) / (k1 * (1 - b + b * (length / average)) + tf)
        #   score *= field_boost; score *= doc_boost; round(score, 3)
        # over every posting at once in numpy (IEEE float64, one operation per ufunc: nothing
        # fused or reordered). `k1 * (...)` only depends on the field vector: computed once per
        # vector, in Python.
        import numpy as np

        if postings is None:
            postings = _Postings(self.inverted_index, self.field_term_frequencies.values())
        frequencies = postings.frequencies
        tf = np.fromiter(
            chain.from_iterable(f.values() for f in frequencies), np.int64, len(postings.term_index)
        )
        idf = np.array([lunr_idf(posting, self.document_count) for posting in postings.by_index])
        norm, boost, doc_boost = self._vector_factors()
        k1_plus_1 = self._k1 + 1
        scores = (
            idf[postings.term_index] * (k1_plus_1 * tf) / (np.repeat(norm, postings.counts) + tf)
        )
        scores *= np.repeat(boost, postings.counts)
        scores *= np.repeat(doc_boost, postings.counts)
        self.field_vectors = dict(
            zip(self.field_term_frequencies, _vectors(postings, scores), strict=True)
        )

    def _vector_factors(self) -> tuple[npt.NDArray[np.float64], ...]:
        """Per field vector: lunr's length normalisation `k1 * (...)`, field and document boost."""
        import numpy as np

        k1, b = self._k1, self._b
        norms, boosts, doc_boosts = [], [], []
        for field_ref, terms in self.field_term_frequencies.items():
            field_name, _, doc_ref = field_ref.partition("/")  # FieldRef.from_string
            length = self.field_lengths[field_ref]
            average = self.average_field_length[field_name]
            # lunr computes it only for a term of the field, so never for an average of 0.
            norms.append(k1 * (1 - b + b * (length / average)) if terms else 0.0)
            boosts.append(self._fields[field_name].boost)
            doc_boosts.append(self._documents[doc_ref].get("boost", 1))
        return tuple(np.array(v, dtype=np.float64) for v in (norms, boosts, doc_boosts))


class _Postings:
    """Term frequency dicts flattened: each one's size, and every term's `_index`, in order."""

    def __init__(self, inverted_index: dict[str, Any], frequencies: Iterable[Mapping[str, int]]):
        import numpy as np

        self.frequencies = list(frequencies)
        """The term frequency dicts."""
        index_of = {term: posting["_index"] for term, posting in inverted_index.items()}
        self.width = max(index_of.values(), default=-1) + 1
        """One more than the largest `_index`."""
        self.by_index: list[dict[str, Any]] = [{}] * self.width
        """Inverted-index entries by `_index`."""
        for posting in inverted_index.values():
            self.by_index[posting["_index"]] = posting
        self.counts = np.fromiter(map(len, self.frequencies), np.int64, len(self.frequencies))
        """Terms per dict."""
        terms = list(chain.from_iterable(self.frequencies))
        self.term_index = np.fromiter(map(index_of.__getitem__, terms), np.int64, len(terms))
        """The `_index` of every term of every dict."""


def _vectors(postings: _Postings, scores: npt.NDArray[np.float64]) -> Iterator[Vector]:
    """The field vector of each term frequency dict: (term index, rounded score) by index."""
    import numpy as np

    vector = np.repeat(np.arange(len(postings.counts)), postings.counts)
    order = np.argsort(vector * postings.width + postings.term_index, kind="stable")
    elements: list[Any] = [0] * (2 * len(order))
    # Python ints, one object per term (lunr shares the posting's `_index`): 30 MB less.
    index_objects = np.array(range(postings.width), dtype=object)
    elements[0::2] = index_objects[postings.term_index[order]].tolist()
    elements[1::2] = round_3(scores[order]).tolist()
    end = 0
    for count in postings.counts.tolist():
        start, end = end, end + 2 * count
        yield Vector(elements[start:end])


def _same_objects(a: Sequence[object], b: Sequence[object]) -> bool:
    return len(a) == len(b) and all(map(operator.is_, a, b))


def round_3(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """`round(value, 3)` of each value, as Python rounds it, bit for bit.

    Python rounds the exact binary value to 3 decimals (ties to even), then takes the double
    nearest that decimal. With y = fl(1000 * value), rint(y) is that decimal's numerator
    whenever y is not within 1e-6 of a tie (fl moved y by at most half an ulp, far less for
    |y| < 2**33), and rint(y) / 1000, one correctly rounded division of exact integers, is the
    nearest double. The values near a tie, too large or not finite go through Python's round.
    """
    import numpy as np

    scaled = values * 1000.0
    rounded = np.rint(scaled) / 1000.0
    with np.errstate(invalid="ignore"):  # inf - inf: not finite, so not safe anyway
        safe = (np.abs(scaled - np.floor(scaled) - 0.5) > 1e-6) & (np.abs(scaled) < 2.0**33)
    for i in np.flatnonzero(~safe).tolist():
        rounded[i] = round(float(values[i]), 3)
    return rounded


class _PreRoundedIndex(Index):  # type: ignore[misc]
    """An Index whose vector elements are already rounded to 3 places, as FastBuilder makes them.

    `Index.serialize` rounds every element again; rounding is idempotent (the nearest double to a
    3-decimal number rounds back to that number), so copying the elements gives the same output.
    """

    def serialize(self) -> dict[str, Any]:
        with gc_paused():
            return {
                "version": __TARGET_JS_VERSION__,
                "fields": self.fields,
                "fieldVectors": [
                    [ref, list(vector.elements)] for ref, vector in self.field_vectors.items()
                ],
                "invertedIndex": [
                    [term, self.inverted_index[term]] for term in sorted(self.inverted_index)
                ],
                "pipeline": self.pipeline.serialize(),
            }
