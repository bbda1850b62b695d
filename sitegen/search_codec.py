"""A compact encoding of a lunr.py index, decoded back (here and in search.js) for Index.load.

lunr's JSON stores every (term, field, document) posting twice: once as an inverted-index entry
keyed by the ref, once as an (index, score) pair in the document's field vector. Scores are BM25
values lunr computes from a few integers, so this format ships only those integers:

- per term, per field, the documents holding it as gaps between numeric refs, plus term frequency
  (almost always 1, so a flag bit);
- per document and field, the field length.

The decoder recomputes idf and every score with lunr's own arithmetic and rounding, and rebuilds
the exact `{version, fields, fieldVectors, invertedIndex, pipeline}` object `lunr.Index.load`
takes. One deliberate difference from lunr.py's output: a term's `_index` is its rank in sorted
order rather than the order it was first met. It is only a vector dimension label, so every score
is unchanged, and it lets #7 split terms into shards whose indexes and scores stay global.

Terms are sorted by UTF-16 code units, the order JavaScript compares strings in: lunr.js's
TokenSet builder refuses terms out of that order (Python's code point order differs past U+FFFF).

Numbers are written as base-32 text varints: high digits from `_MORE`, the last from `_LAST`,
so a number needs no separator and gzip sees a small alphabet. Every character is safe unescaped
in JSON and in a script element.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from lunr.builder import Builder

FORMAT = "sitegen-lunr-1"
"""Tag of this encoding; the decoder refuses anything else."""

_LAST = "0123456789abcdefghijklmnopqrstuv"
_MORE = "wxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$"
_VALUE = {c: i for i, c in enumerate(_LAST)} | {c: i for i, c in enumerate(_MORE)}
FIELD_SEP = ","
TERM_SEP = ";"


def utf16_key(term: str) -> bytes:
    """Sort key giving JavaScript's string order."""
    return term.encode("utf-16-be", "surrogatepass")


def write_varint(value: int, out: list[str]) -> None:
    """Append `value` (>= 0) as base-32 digits, the last one marked."""
    if value < 0:
        raise ValueError(f"varint must be >= 0, got {value}")
    digits = [_LAST[value & 31]]
    value >>= 5
    while value:
        digits.append(_MORE[value & 31])
        value >>= 5
    out.extend(reversed(digits))


def read_varints(text: str) -> Iterator[int]:
    """Every number of a run of varints."""
    value = 0
    for char in text:
        value = (value << 5) | _VALUE[char]
        if char in _LAST:
            yield value
            value = 0


@dataclass(frozen=True, slots=True)
class Postings:
    """The integers lunr's scores are made of, read from a built lunr.py Builder."""

    fields: tuple[str, ...]
    boosts: tuple[float, ...]
    k1: float
    b: float
    doc_count: int
    terms: tuple[str, ...]
    """Every term, in UTF-16 order (their rank is the `_index` the decoder gives them)."""
    lengths: tuple[tuple[int, ...], ...]
    """Per field, per document: the field's length in terms."""
    frequencies: tuple[tuple[tuple[tuple[int, int], ...], ...], ...]
    """Per term, per field: (document, term frequency) pairs in document order."""


def read_postings(builder: Builder) -> Postings:
    """Extract postings from a builder that has built its index (refs "0".."N-1", in order)."""
    fields = tuple(builder._fields)
    n = builder.document_count
    if list(builder._documents) != [str(i) for i in range(n)]:
        raise ValueError("documents must be added with refs '0', '1', ... in order")
    if any(attrs.get("boost", 1) != 1 for attrs in builder._documents.values()):
        raise ValueError("document boosts are not encoded")
    lengths = tuple(tuple(builder.field_lengths[f"{f}/{d}"] for d in range(n)) for f in fields)
    terms = tuple(sorted(builder.inverted_index, key=utf16_key))
    frequencies = []
    for term in terms:
        posting = builder.inverted_index[term]
        per_field = []
        for f in fields:
            docs = sorted(int(ref) for ref in posting[f])
            tfs = [builder.field_term_frequencies[f"{f}/{d}"][term] for d in docs]
            per_field.append(tuple(zip(docs, tfs, strict=True)))
        frequencies.append(tuple(per_field))
    boosts = tuple(builder._fields[f].boost for f in fields)
    return Postings(fields, boosts, builder._k1, builder._b, n, terms, lengths, tuple(frequencies))


def encode(postings: Postings, pipeline: Sequence[str]) -> dict[str, Any]:
    """The compact JSON-able payload for `postings`."""
    lengths = []
    for per_doc in postings.lengths:
        out: list[str] = []
        for length in per_doc:
            write_varint(length, out)
        lengths.append("".join(out))
    return {
        "format": FORMAT,
        "lunr": "2.3.9",
        "fields": list(postings.fields),
        "boosts": list(postings.boosts),
        "k1": postings.k1,
        "b": postings.b,
        "pipeline": list(pipeline),
        "docs": postings.doc_count,
        "lengths": lengths,
        # One shard today; #7 splits the term range into several, each decodable alone.
        "shards": [
            {
                "first": 0,
                "terms": front_code(postings.terms),
                "postings": _encode_postings(postings.frequencies),
            }
        ],
    }


def front_code(terms: Sequence[str]) -> str:
    """Terms as (shared-prefix length varint, rest) joined by spaces (terms hold no spaces)."""
    parts = []
    previous = ""
    for term in terms:
        shared = 0
        limit = min(len(term), len(previous))
        while shared < limit and term[shared] == previous[shared]:
            shared += 1
        out: list[str] = []
        write_varint(shared, out)
        parts.append("".join(out) + term[shared:])
        previous = term
    return " ".join(parts)


def front_decode(text: str) -> list[str]:
    """Inverse of `front_code`."""
    terms: list[str] = []
    previous = ""
    for part in text.split(" ") if text else []:
        shared, start = 0, 0
        while True:
            char = part[start]
            shared = (shared << 5) | _VALUE[char]
            start += 1
            if char in _LAST:
                break
        previous = previous[:shared] + part[start:]
        terms.append(previous)
    return terms


def _encode_postings(frequencies: Sequence[Sequence[Sequence[tuple[int, int]]]]) -> str:
    encoded_terms = []
    for per_field in frequencies:
        encoded_fields = []
        for pairs in per_field:
            out: list[str] = []
            previous = -1
            for doc, tf in pairs:
                # Gap to the previous document, low bit set when tf > 1 (then tf - 2 follows).
                write_varint((doc - previous - 1) * 2 + (tf > 1), out)
                if tf > 1:
                    write_varint(tf - 2, out)
                previous = doc
            encoded_fields.append("".join(out))
        encoded_terms.append(FIELD_SEP.join(encoded_fields))
    return TERM_SEP.join(encoded_terms)


def decode(payload: dict[str, Any]) -> dict[str, Any]:
    """The lunr serialized index (`lunr.Index.load`'s input) a payload stands for.

    Mirrors `decodeIndex` in static/search-ui.js line for line; tests check both.
    """
    if payload.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} payload")
    fields: list[str] = payload["fields"]
    n: int = payload["docs"]
    k1: float = payload["k1"]
    b: float = payload["b"]
    lengths = [list(read_varints(text)) for text in payload["lengths"]]
    averages = [sum(per_doc) / n for per_doc in lengths]
    vectors: list[list[list[float]]] = [[[] for _ in fields] for _ in range(n)]
    inverted: list[list[Any]] = []
    for shard in payload["shards"]:
        terms = front_decode(shard["terms"])
        encoded = shard["postings"].split(TERM_SEP) if terms else []
        for offset, (term, text) in enumerate(zip(terms, encoded, strict=True)):
            term_index = shard["first"] + offset
            per_field = [_decode_pairs(part) for part in text.split(FIELD_SEP)]
            df = sum(len(pairs) for pairs in per_field)
            idf = _idf(df, n)
            entry: dict[str, Any] = {}
            for f, pairs in enumerate(per_field):
                entry[fields[f]] = {str(doc): {} for doc, _tf in pairs}
                boost = payload["boosts"][f]
                for doc, tf in pairs:
                    length = lengths[f][doc]
                    score = idf * ((k1 + 1) * tf) / (k1 * (1 - b + b * (length / averages[f])) + tf)
                    score *= boost
                    vectors[doc][f].extend((term_index, round(score, 3)))
            entry["_index"] = term_index
            inverted.append([term, entry])
    field_vectors = [
        [f"{field}/{doc}", vectors[doc][f]] for doc in range(n) for f, field in enumerate(fields)
    ]
    return {
        "version": payload["lunr"],
        "fields": fields,
        "fieldVectors": field_vectors,
        "invertedIndex": inverted,
        "pipeline": payload["pipeline"],
    }


def _decode_pairs(text: str) -> list[tuple[int, int]]:
    pairs = []
    numbers = read_varints(text)
    previous = -1
    for value in numbers:
        doc = previous + 1 + (value >> 1)
        tf = next(numbers) + 2 if value & 1 else 1
        pairs.append((doc, tf))
        previous = doc
    return pairs


def _idf(documents_with_term: int, document_count: int) -> float:
    # lunr.idf, from the posting's document count.
    x = (document_count - documents_with_term + 0.5) / (documents_with_term + 0.5)
    return math.log(1 + abs(x))


def canonical(serialized: dict[str, Any]) -> dict[str, Any]:
    """A lunr.py serialized index with terms in UTF-16 order and `_index` = rank in that order.

    What `decode` returns for the same index: the relabelling the format makes, applied to
    lunr.py's own output, so tests can compare the two exactly.
    """
    entries = sorted(serialized["invertedIndex"], key=lambda entry: utf16_key(entry[0]))
    rank = {entry[1]["_index"]: i for i, entry in enumerate(entries)}
    inverted = [[term, {**posting, "_index": rank[posting["_index"]]}] for term, posting in entries]
    vectors = []
    for ref, elements in serialized["fieldVectors"]:
        pairs = sorted((rank[elements[i]], elements[i + 1]) for i in range(0, len(elements), 2))
        vectors.append([ref, [x for pair in pairs for x in pair]])
    return {**serialized, "invertedIndex": inverted, "fieldVectors": vectors}
