"""A Python reader of the search index format (sitegen/search/codec.py), for the tests.

It decodes what the browser decodes (static/search/decode.js) into lunr's serialized form,
so the tests can compare both with the index stock lunr.py builds.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sitegen.search.codec import (
    _LAST,
    _VALUE,
    FIELD_SEP,
    FORMAT,
    TERM_SEP,
    utf16_head,
    utf16_key,
    utf16_length,
)


def read_varints(text: str) -> Iterator[int]:
    """Every number of a run of varints."""
    value = 0
    for char in text:
        value = (value << 5) | _VALUE[char]
        if char in _LAST:
            yield value
            value = 0


def front_decode(text: str) -> list[str]:
    """Inverse of `front_code`."""
    terms: list[str] = []
    previous = ""
    for part in text.split(" ") if text else []:
        shared, start = _read_varint(part)
        previous = utf16_head(previous, shared) + part[start:]  # lengths count as JS does
        terms.append(previous)
    return terms


def _read_varint(text: str, pos: int = 0) -> tuple[int, int]:
    """The varint at text[pos] and the position after it."""
    value = 0
    while True:
        char = text[pos]
        value = (value << 5) | _VALUE[char]
        pos += 1
        if char in _LAST:
            return value, pos


@dataclass(frozen=True, slots=True)
class Scoring:
    """What every shard's scores are computed from (the metadata, decoded once)."""

    fields: list[str]
    boosts: list[float]
    docs: int
    k1: float
    b: float
    lengths: list[list[int]]
    """Per field, per document: the field's length."""
    averages: list[float]
    """Per field: the average length."""


def scoring_of(meta: Mapping[str, Any]) -> Scoring:
    if meta.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} payload")
    n: int = meta["docs"]
    lengths = [list(read_varints(text)) for text in meta["lengths"]]
    averages = [sum(per_doc) / n if n else 0.0 for per_doc in lengths]
    return Scoring(meta["fields"], meta["boosts"], n, meta["k1"], meta["b"], lengths, averages)


def decode_shard(
    meta: Mapping[str, Any], shard: Mapping[str, Any], scoring: Scoring | None = None
) -> dict[str, Any]:
    """A shard as a lunr serialized index: its terms, and the field vectors they occur in holding
    their elements only (in document, then field order).

    Mirrors static/search/decode.js; the browser tests check both against stock lunr.
    """
    s = scoring or scoring_of(meta)
    width = len(s.fields)
    vectors: dict[int, list[float]] = {}
    inverted: list[list[Any]] = []
    terms = front_decode(shard["terms"])
    encoded = shard["postings"].split(TERM_SEP) if terms else []
    for offset, (term, text) in enumerate(zip(terms, encoded, strict=True)):
        term_index = shard["first"] + offset
        per_field = [_decode_pairs(part) for part in text.split(FIELD_SEP)]
        idf = _idf(sum(len(pairs) for pairs in per_field), s.docs)
        entry: dict[str, Any] = {}
        for f, pairs in enumerate(per_field):
            entry[s.fields[f]] = {str(doc): {} for doc, _tf in pairs}
            average = s.averages[f]
            for doc, tf in pairs:
                length = s.lengths[f][doc]
                score = idf * ((s.k1 + 1) * tf) / (s.k1 * (1 - s.b + s.b * (length / average)) + tf)
                score *= s.boosts[f]
                vectors.setdefault(doc * width + f, []).extend((term_index, round(score, 3)))
        entry["_index"] = term_index
        inverted.append([term, entry])
    field_vectors = [
        [f"{s.fields[slot % width]}/{slot // width}", vectors[slot]] for slot in sorted(vectors)
    ]
    return {
        "version": meta["lunr"],
        "fields": s.fields,
        "fieldVectors": field_vectors,
        "invertedIndex": inverted,
        "pipeline": meta["pipeline"],
    }


def merge(meta: Mapping[str, Any], parts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Decoded shards, given in shard order, as one lunr serialized index.

    It holds every field vector, empty or not, as the whole index does: lunr.js answers a query of
    prohibited words alone with every document, from the field vectors.
    """
    elements: dict[str, list[float]] = {}
    for part in parts:
        for ref, values in part["fieldVectors"]:
            elements.setdefault(ref, []).extend(values)
    fields: list[str] = meta["fields"]
    refs = [f"{field}/{doc}" for doc in range(meta["docs"]) for field in fields]
    return {
        "version": meta["lunr"],
        "fields": fields,
        "fieldVectors": [[ref, elements.get(ref, [])] for ref in refs],
        "invertedIndex": [entry for part in parts for entry in part["invertedIndex"]],
        "pipeline": meta["pipeline"],
    }


def decode_shards(
    meta: Mapping[str, Any], shards: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """`decode_shard` of each shard (the metadata decoded once)."""
    scoring = scoring_of(meta)
    return [decode_shard(meta, shard, scoring) for shard in shards]


def decode(meta: Mapping[str, Any], shards: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The lunr serialized index (`lunr.Index.load`'s input) of `meta` and all its shards."""
    return merge(meta, decode_shards(meta, shards))


def shard_words(shard: Mapping[str, Any]) -> dict[str, str]:
    """A shard's surface words, each mapped to its term (the browser's prefix table)."""
    words = front_decode(shard["words"])
    entries = shard["stems"].split(" ") if words else []
    table = {}
    for word, entry in zip(words, entries, strict=True):
        drop, start = _read_varint(entry)
        table[word] = utf16_head(word, utf16_length(word) - drop) + entry[start:]
    return table


def shard_of(keys: Sequence[str], text: str) -> int:
    """The shard whose key range holds `text` (`keys`: the metadata's first keys)."""
    return bisect.bisect_right([utf16_key(key) for key in keys], utf16_key(text)) - 1


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
    """A lunr serialized index with terms in UTF-16 order and `_index` = rank in that order.

    The format labels terms in that order too, but with a gap between shards (see
    search/codec.py): `decode`'s output and lunr.py's own, both made canonical, compare
    exactly.
    """
    entries = sorted(serialized["invertedIndex"], key=lambda entry: utf16_key(entry[0]))
    rank = {entry[1]["_index"]: i for i, entry in enumerate(entries)}
    inverted = [[term, {**posting, "_index": rank[posting["_index"]]}] for term, posting in entries]
    vectors = []
    for ref, elements in serialized["fieldVectors"]:
        pairs = sorted((rank[elements[i]], elements[i + 1]) for i in range(0, len(elements), 2))
        vectors.append([ref, [x for pair in pairs for x in pair]])
    return {**serialized, "invertedIndex": inverted, "fieldVectors": vectors}
