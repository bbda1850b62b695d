"""Every term's postings encoded at once, from a FastBuilder's counts, in numpy.

The same text as `codec.read_postings` then `codec.encode_postings` term by term (the tests
compare them), without a Python loop over the million postings of 10,000 papers.
"""

from __future__ import annotations

from itertools import chain, pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
from lunr.builder import Builder

from sitegen.search.codec import Header, encodable, grouped_varints, runs, utf16_key


def encode_builder(builder: Builder) -> tuple[Header, list[str], list[str]]:
    """`read_postings` and `encode_postings` of every term at once, in numpy: the header, every
    term in UTF-16 order and each one's postings encoded."""
    fields, n = encodable(builder)
    column = {field: f for f, field in enumerate(fields)}
    lengths = [[0] * n for _ in fields]
    where = []
    for field_ref in builder.field_term_frequencies:
        field, _, ref = str(field_ref).partition("/")
        lengths[column[field]][int(ref)] = builder.field_lengths[field_ref]
        where.append((column[field], int(ref)))
    frequencies = list(builder.field_term_frequencies.values())
    all_terms = list(chain.from_iterable(frequencies))
    terms = sorted(set(all_terms), key=utf16_key)
    rank_of = {term: r for r, term in enumerate(terms)}
    counts = np.fromiter(map(len, frequencies), np.int64, len(frequencies))
    field_doc = np.array(where, dtype=np.int64).reshape(-1, 2)
    rank = np.fromiter(map(rank_of.__getitem__, all_terms), np.int64, len(all_terms))
    place = np.repeat(field_doc[:, 1] * len(fields) + field_doc[:, 0], counts)
    tf = np.fromiter(chain.from_iterable(f.values() for f in frequencies), np.int64)
    header = Header(
        fields,
        tuple(builder._fields[f].boost for f in fields),
        builder._k1,
        builder._b,
        n,
        tuple(map(tuple, lengths)),
    )
    return header, terms, encode_columns(rank, place, tf, len(terms), len(fields))


ENTRY_CHUNK = 1 << 19
"""Postings entries encoded at a time (numpy's temporaries: about 100 bytes each)."""


def encode_columns(
    rank: npt.NDArray[np.integer[Any]],
    where: npt.NDArray[np.integer[Any]],
    tf: npt.NDArray[np.integer[Any]],
    terms: int,
    fields: int,
) -> list[str]:
    """`encode_postings` of each term, from one entry per (term rank, field, document) with
    its term frequency (`where`: document * fields + field, ascending by document): a range
    of terms at a time."""
    out: list[str] = []
    per_term = np.bincount(rank, minlength=terms)
    for low, high in pairwise(runs(np.cumsum(per_term), ENTRY_CHUNK)):
        pick = np.flatnonzero((rank >= low) & (rank < high))
        place = where[pick].astype(np.int64)
        columns = (rank[pick] - low, place % fields, place // fields, tf[pick])
        out += _encode_entries(np.stack(columns).astype(np.int64), high - low, fields)
    return out


def _encode_entries(entries: npt.NDArray[np.int64], terms: int, fields: int) -> list[str]:
    """`encode_postings` of each term: `entries` holds (term rank, field, document, tf)
    columns, documents ascending within a field."""
    if not entries.shape[1]:  # no postings (np.r_[True, ...] would be one)
        empty = np.zeros(0, dtype=np.int64)
        return grouped_varints(empty, empty, terms, fields)
    order = np.argsort(entries[0] * fields + entries[1], kind="stable")
    rank, field, doc, tf = entries[:, order]
    group = rank * fields + field
    new = np.r_[True, group[1:] != group[:-1]]
    gap = doc - np.r_[-1, doc[:-1]] - 1
    gap[new] = doc[new]
    more = tf > 1
    # Each entry's gap varint, then tf - 2 when tf > 1: slots in one list of numbers.
    slot = np.arange(len(doc)) + np.cumsum(more) - more
    values = np.empty(len(doc) + int(more.sum()), dtype=np.int64)
    groups = np.empty(len(values), dtype=np.int64)
    values[slot], groups[slot] = gap * 2 + more, group
    values[slot[more] + 1], groups[slot[more] + 1] = tf[more] - 2, group[more]
    return grouped_varints(values, groups, terms, fields)
