"""Every term's postings encoded at once, from a FastBuilder's counts, in numpy.

The same text as `codec.read_postings` then `codec.encode_postings` term by term (the tests
compare them), without a Python loop over the million postings of 10,000 papers.
"""

from __future__ import annotations

from itertools import chain

import numpy as np
import numpy.typing as npt
from lunr.builder import Builder

from sitegen.search.codec import FIELD_SEP, Header, encodable, utf16_key, varints


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
    rank = {term: r for r, term in enumerate(terms)}
    counts = np.fromiter(map(len, frequencies), np.int64, len(frequencies))
    field_doc = np.array(where, dtype=np.int64).reshape(-1, 2)
    entries = np.stack(
        [
            np.fromiter(map(rank.__getitem__, all_terms), np.int64, len(all_terms)),
            np.repeat(field_doc[:, 0], counts),
            np.repeat(field_doc[:, 1], counts),
            np.fromiter(chain.from_iterable(f.values() for f in frequencies), np.int64),
        ]
    )
    header = Header(
        fields,
        tuple(builder._fields[f].boost for f in fields),
        builder._k1,
        builder._b,
        n,
        tuple(map(tuple, lengths)),
    )
    return header, terms, _encode_entries(entries, len(terms), len(fields))


def _encode_entries(entries: npt.NDArray[np.int64], terms: int, fields: int) -> list[str]:
    """`encode_postings` of each term: `entries` holds (term rank, field, document, tf)
    columns, documents ascending within a field."""
    if not entries.shape[1]:  # an empty list: no postings (np.r_[True, ...] would be one)
        return [FIELD_SEP.join([""] * fields) for _ in range(terms)]
    order = np.argsort(entries[0] * fields + entries[1], kind="stable")
    rank, field, doc, tf = entries[:, order]
    group = rank * fields + field
    new = np.r_[True, group[1:] != group[:-1]]
    gap = doc - np.r_[-1, doc[:-1]] - 1
    gap[new] = doc[new]
    more = tf > 1
    # Each entry's gap varint, then tf - 2 when tf > 1: slots in one token list.
    slot = np.arange(len(doc)) + np.cumsum(more) - more
    tokens = np.empty(len(doc) + int(more.sum()), dtype=object)
    tokens[slot] = varints(gap * 2 + more)
    tokens[slot[more] + 1] = varints(tf[more] - 2)
    starts = np.flatnonzero(new)
    bounds = [*slot[starts].tolist(), len(tokens)]
    text = tokens.tolist()
    per_term = [[""] * fields for _ in range(terms)]
    for g, a, b in zip(group[starts].tolist(), bounds, bounds[1:], strict=False):
        per_term[g // fields][g % fields] = "".join(text[a:b])
    return [FIELD_SEP.join(row) for row in per_term]
