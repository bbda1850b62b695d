"""An edit's few documents spliced into a term's encoded postings and positions: the same
text as encoding the term's entries again, whether Python or numpy finds the entries."""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.search import splice
from sitegen.search.codec import decode_postings, encode_postings
from sitegen.search.positions import decode, encode_term

FIELDS = 3
DOCS = 80

# Per field, document -> its entry (a term frequency, or positions); None: not held there.
tfs = st.integers(1, 1100)  # past 1024: a longer varint
places = st.lists(st.integers(0, 2000), min_size=1, max_size=6, unique=True).map(sorted)
gaps = st.integers(0, 40)  # documents far apart too: gaps of two digits


def fields_of(values: st.SearchStrategy[object]) -> st.SearchStrategy[list[dict[int, object]]]:
    return st.lists(
        st.dictionaries(st.integers(0, DOCS - 1), values, max_size=30),
        min_size=FIELDS,
        max_size=FIELDS,
    )


@settings(max_examples=150, deadline=None)
@given(data=st.data())
@pytest.mark.parametrize("kind", [splice.POSTINGS, splice.POSITIONS], ids=["postings", "positions"])
@pytest.mark.parametrize("numpy_from", [0, 10**9], ids=["numpy", "python"])
def test_a_splice_equals_the_entries_encoded_again(
    numpy_from: int, kind: splice.Kind, data: st.DataObject
) -> None:
    values = places if kind.positions else tfs
    before = data.draw(fields_of(values))
    docs = data.draw(st.lists(st.integers(0, DOCS - 1), min_size=1, max_size=4, unique=True))
    new = {
        doc: data.draw(st.lists(st.none() | values, min_size=FIELDS, max_size=FIELDS))
        for doc in docs
    }
    after = [dict(field) for field in before]
    for doc, per_field in new.items():
        for f, value in enumerate(per_field):
            after[f].pop(doc, None)
            if value is not None:
                after[f][doc] = value
    encode = encode_term if kind.positions else encode_postings
    text = encode([sorted(field.items()) for field in before])
    entry = splice.positions_entry if kind.positions else splice.postings_entry
    changed = {
        doc: [None if v is None else entry(v) for v in per_field]  # type: ignore[arg-type]
        for doc, per_field in new.items()
    }
    with mock.patch.object(splice, "NUMPY_FROM", numpy_from):  # entries found by numpy or not
        got = splice.splice(text, kind, FIELDS, changed, set(range(FIELDS)))
    assert got == encode([sorted(field.items()) for field in after])
    read = decode if kind.positions else decode_postings
    assert read(got, FIELDS) == [sorted(field.items()) for field in after]
