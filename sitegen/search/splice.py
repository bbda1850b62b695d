"""A few documents' entries replaced in a term's encoded postings or positions, as text.

Both encodings (codec.encode_postings, positions.encode_term) are, per field, one entry per
document holding the term, in document order, each starting with the gap from the previous
document. Replacing document d changes d's entry and the gap of the entry after it, nothing
else: the entries between are copied as they are, so an edit to one paper costs about the
length of the terms it holds, not a decoding of every posting of a common word.

Entries are found in plain Python, or in numpy in a text of NUMPY_FROM characters or more:
numpy is about three times quicker there, but importing it takes a tenth of a second, more
than a one-paper edit of 10,000 papers spends splicing in Python (its longest texts are under
100,000 characters).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Set
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from sitegen.search.codec import FIELD_SEP, parse_varint_array, parse_varints, varint

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

NUMPY_FROM = 1 << 18
"""Characters of one term's entries in one field from which numpy finds the entries."""


@dataclass(frozen=True, slots=True)
class Entry:
    """A document's new entry in one field, without its gap."""

    flag: int
    """Added to twice the gap in postings (1: a term frequency follows); 0 in positions."""
    body: str
    """The varints after the gap."""


@dataclass(frozen=True, slots=True)
class Kind:
    """How entries are laid out."""

    gap_scale: int
    """The gap is the head varint divided by this (postings keep a flag in the low bit)."""
    positions: bool
    """A count of positions follows the gap, then the positions (else: a tf, if flagged)."""


POSTINGS = Kind(2, positions=False)
POSITIONS = Kind(1, positions=True)


def splice(
    text: str,
    kind: Kind,
    fields: int,
    changed: Mapping[int, list[Entry | None]],
    only: Set[int],
) -> str:
    """`text` (one term, every field) with the entries of the documents in `changed` replaced
    by theirs, field by field (None: the document does not hold the term there), in the
    fields `only` (where they differ)."""
    parts = text.split(FIELD_SEP) if text else [""] * fields
    for f in sorted(only):
        parts[f] = _splice_field(parts[f], kind, {doc: new[f] for doc, new in changed.items()})
    return FIELD_SEP.join(parts)


def _splice_field(text: str, kind: Kind, changed: Mapping[int, Entry | None]) -> str:
    found = _entries_numpy(text, kind) if len(text) >= NUMPY_FROM else _entries(text, kind)
    docs, at, flags, bodies = found
    # Entries to write anew: the changed documents' and the one after each (its gap).
    touched: set[int] = set()
    for doc in changed:
        k = bisect.bisect_left(docs, doc)
        touched.update(k2 for k2 in (k, k + 1) if k2 < len(docs))
    new_docs = sorted(changed)
    events = sorted(
        [(docs[k], 1, k) for k in touched]
        + [(doc, 0, k) for k, doc in enumerate(new_docs) if changed[doc] is not None]
    )
    out: list[str] = []
    previous, copied = -1, 0  # last document written; entries copied up to
    for doc, is_old, item in events:
        upto = item if is_old else bisect.bisect_left(docs, doc)
        if copied < upto:
            out.append(text[at[copied] : at[upto]])
            previous, copied = docs[upto - 1], upto
        if not is_old:
            entry = changed[new_docs[item]]
            assert entry is not None
            out.append(varint((doc - previous - 1) * kind.gap_scale + entry.flag) + entry.body)
            previous = doc
            continue
        copied = item + 1
        if doc in changed:
            continue  # written anew, or no longer there
        out.append(varint((doc - previous - 1) * kind.gap_scale + flags[item]))
        out.append(text[bodies[item] : at[item + 1]])
        previous = doc
    out.append(text[at[copied] :])
    return "".join(out)


Entries = tuple[list[int], list[int], list[int], list[int]]
"""Per entry of a field's text: its document, where it starts (then the text's length), its
flag, and where the varints after its gap start."""


def _entries(text: str, kind: Kind) -> Entries:
    """The entries of `text`, one field's. They are a chain: each one's length is in its
    first varints (positions: the count after the gap; postings: the flag, set when a term
    frequency follows)."""
    values, starts = parse_varints(text)
    docs: list[int] = []
    at: list[int] = []
    flags: list[int] = []
    bodies: list[int] = []
    k, doc, end = 0, -1, len(values)
    scale, positions = kind.gap_scale, kind.positions
    while k < end:
        head = values[k]
        doc += head // scale + 1
        docs.append(doc)
        at.append(starts[k])
        flags.append(head % scale)
        bodies.append(starts[k + 1])
        k += 2 + values[k + 1] if positions else 1 + (head & 1)
    at.append(len(text))
    return docs, at, flags, bodies


def _entries_numpy(text: str, kind: Kind) -> Entries:
    """`_entries` in numpy."""
    import numpy as np

    values, starts = parse_varint_array(text)
    heads = _heads(values, kind)
    docs = np.cumsum(values[heads] // kind.gap_scale + 1) - 1
    flags = values[heads] % kind.gap_scale
    at = [*starts[heads].tolist(), len(text)]
    return docs.tolist(), at, flags.tolist(), starts[heads + 1].tolist()


def _heads(values: npt.NDArray[np.int64], kind: Kind) -> npt.NDArray[np.int64]:
    """The index of the varint each entry starts with, by pointer jumping along the chain:
    after k rounds every entry within 2**k of the first is found."""
    import numpy as np

    n = len(values)
    step = 2 + np.r_[values[1:], 0] if kind.positions else 1 + (values & 1)
    jump = np.r_[np.minimum(np.arange(n) + step, n), n]
    reached = np.zeros(n + 1, dtype=bool)
    reached[0] = True
    span = 1
    while span < n:
        reached[jump[reached]] = True
        jump = jump[jump]
        span *= 2
    return np.flatnonzero(reached[:n])


def postings_entry(tf: int) -> Entry:
    """A document's postings entry for a term it holds `tf` times."""
    return Entry(1, varint(tf - 2)) if tf > 1 else Entry(0, "")


def positions_entry(places: list[int]) -> Entry:
    """A document's positions entry (ascending positions)."""
    gaps = [places[0]] + [b - a for a, b in pairwise(places)]
    return Entry(0, varint(len(places)) + "".join(map(varint, gaps)))
