"""FastBuilder: byte-identical to stock lunr.py on synthetic papers and on awkward text."""

from __future__ import annotations

import gc
import json
import math
import random
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lunr.builder import Builder
from lunr.stop_word_filter import stop_word_filter
from lunr.token import Token
from support import stock_builder
from synthetic import synthetic_papers

from sitegen.search import codec as search_codec
from sitegen.search.assets import FIELDS, to_document
from sitegen.search.fastlunr import (
    NO_METADATA,
    build_index,
    fast_builder,
    round_3,
    split_words,
)
from sitegen.search.postings import encode_builder

Doc = dict[str, Any]


def doc(ref: int, **fields: Any) -> Doc:
    """A lunr document with every field of FIELDS, empty unless given."""
    return {"ref": str(ref), **{spec.name: "" for spec in FIELDS}, **fields}


def serialized(builder: Builder, docs: Sequence[Doc]) -> str:
    return json.dumps(build_index(builder, docs).serialize())


def assert_identical(
    docs: Sequence[Doc], setup: Callable[[Builder], None] = lambda b: None
) -> None:
    stock, fast = stock_builder(FIELDS), fast_builder(FIELDS)
    setup(stock)
    setup(fast)
    assert serialized(fast, docs) == serialized(stock, docs)


@pytest.fixture(scope="module")
def synthetic_docs() -> list[Doc]:
    return [to_document(p).fields(i) for i, p in enumerate(synthetic_papers(300, seed=5))]


def test_synthetic_papers_serialize_byte_identically(synthetic_docs: list[Doc]) -> None:
    stock = serialized(stock_builder(FIELDS), synthetic_docs)
    assert len(stock) > 100_000
    assert serialized(fast_builder(FIELDS), synthetic_docs) == stock


def test_read_postings_sees_the_same_builder_state(synthetic_docs: list[Doc]) -> None:
    stock, fast = stock_builder(FIELDS), fast_builder(FIELDS)
    build_index(stock, synthetic_docs)
    build_index(fast, synthetic_docs)
    assert search_codec.read_postings(fast) == search_codec.read_postings(stock)
    assert fast.field_lengths == stock.field_lengths
    assert fast.field_term_frequencies == stock.field_term_frequencies
    assert fast.average_field_length == stock.average_field_length
    assert fast.term_index == stock.term_index


def test_postings_encoded_at_once_equal_term_by_term(synthetic_docs: list[Doc]) -> None:
    docs = [*synthetic_docs, {**synthetic_docs[0], "ref": str(len(synthetic_docs))}]
    docs[-1]["abstract"] = "model model model " * 40 + "the the rare"  # tf > 1, past 1024
    stock = stock_builder(FIELDS)
    build_index(stock, docs)
    postings = search_codec.read_postings(stock)
    fast = fast_builder(FIELDS)
    for doc in docs:
        fast.add(doc)  # no build: the counts are all encode_builder reads
    header, terms, encoded = encode_builder(fast)
    assert header == search_codec.header_of(postings)
    assert terms == list(postings.terms)
    assert encoded == [search_codec.encode_postings(p) for p in postings.frequencies]


EDGES = [0, 31, 32, 1023, 1024, 1025, 32767, 32768, 2**40]
"""Where a varint gains a digit, or stops being in a table."""


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(EDGES) | st.integers(0, 2**45), max_size=60))
def test_varints_written_and_read_in_bulk_equal_one_by_one(values: list[int]) -> None:
    """numpy writes the whole index's numbers, plain Python an edit's: the same text."""
    expected = [search_codec.varint(v) for v in values]
    text = "".join(expected)
    assert search_codec.joined_varints(values) == text
    one_slot = np.zeros(len(values), dtype=np.int64)
    assert search_codec.grouped_varints(np.array(values, dtype=np.int64), one_slot, 1, 1) == [text]
    parsed, starts = search_codec.parse_varints(text)
    assert parsed == values == search_codec.read_varints(text)
    assert [text[a:b] for a, b in pairwise(starts)] == expected
    parsed_array, starts_array = search_codec.parse_varint_array(text)
    assert (parsed_array.tolist(), starts_array.tolist()) == (parsed, starts)


AWKWARD = [
    "",
    "the and of to a",  # stop words only
    "data data data Data DATA data-data",  # repeated words, case, hyphen
    "pre-training self-supervised -leading trailing- a--b - -- ---",  # hyphens
    "2024 3.14 1,000 10^6 v2 GPT-4o 1e-3 0",  # numbers
    "Müller García Tomás Zoë naïve Straße İstanbul ΣΊΣΥΦΟΣ ǅemal",  # case mapping
    # CJK, astral-plane letters and emoji, a combining accent
    "深度学习 模型 日本語のテキスト 한국어 😀 \U0001d518\U0001d52b\U0001d526 café\u0301",
    "no\u00a0break tab\there new\nline cr\rlf\x0bvt\x0cff",  # lunr's separators
    "em\u2003space ideo\u3000space nel\x85x group\x1dsep line\u2028sep narrow\u202fnb",
    "( ) [x] {y} 'quoted' \"double\" ... !!! ?? -.- __init__ a_b C++ C# .NET",
    "   leading and trailing spaces   ",
    "x" * 300 + " a " + "ab" * 100,  # long words
]


@pytest.mark.parametrize("text", AWKWARD, ids=range(len(AWKWARD)))
def test_awkward_text_in_every_field(text: str) -> None:
    docs = [doc(0, **{spec.name: text for spec in FIELDS}), doc(1, title="plain words data")]
    assert_identical(docs)


def test_awkward_texts_together() -> None:
    names = [spec.name for spec in FIELDS]
    docs = [
        doc(i, **{name: AWKWARD[(i + k) % len(AWKWARD)] for k, name in enumerate(names)})
        for i in range(len(AWKWARD) * 2)
    ]
    assert_identical(docs)


def test_fields_empty_in_every_document() -> None:
    # An average field length of 0: lunr never divides by it, neither may we.
    assert_identical([doc(0, title="only a title"), doc(1, title="another title", tag="x")])


def test_non_string_fields_fall_back_to_lunr() -> None:
    docs = [
        doc(0, title=["Alpha Beta", "Gamma"], abstract=None, year="2024"),
        doc(1, title="Alpha", author=("Jane Doe", "John Roe")),
        doc(2, title="Gamma delta", tag=None, abstract="alpha beta"),
    ]
    assert_identical(docs)


def test_duplicate_refs_and_interleaved_fallbacks() -> None:
    docs = [
        doc(0, title="graph neural networks", abstract="graph learning"),
        doc(1, title=["listed", "graph"], abstract="networks"),  # lunr's own add
        doc(0, title="graph again", abstract="learning networks"),  # same ref twice
        doc(2, title="networks of graphs"),
    ]
    assert_identical(docs)


def test_document_boosts() -> None:
    docs = [doc(i, title=f"boosted paper {i}", abstract="common words here") for i in range(4)]
    stock, fast = stock_builder(FIELDS), fast_builder(FIELDS)
    for builder in (stock, fast):
        for d, boost in zip(docs, [1, 2, 0.5, 3], strict=True):
            builder.add(d, {"boost": boost})
    assert json.dumps(fast.build().serialize()) == json.dumps(stock.build().serialize())


def test_metadata_whitelist_and_custom_pipelines_fall_back_to_lunr() -> None:
    docs = [doc(i, title=f"word{i} shared words", abstract="more shared words") for i in range(5)]

    def whitelist(builder: Builder) -> None:
        builder.metadata_whitelist = ["position"]

    def neighbours(token: Token, i: int, tokens: list[Token]) -> Token:
        return token.update(lambda s, _m: s + (str(tokens[i - 1]) if i else ""))

    neighbours.label = "neighbours"  # type: ignore[attr-defined]
    assert_identical(docs, whitelist)
    assert_identical(docs, lambda builder: builder.pipeline.add(neighbours))


def test_pipeline_changed_between_documents() -> None:
    first = [doc(0, title="the graph of the network"), doc(1, title="a network")]
    later = [doc(2, title="the graph of the network"), doc(3, abstract="of networks")]
    results = []
    for builder in (stock_builder(FIELDS), fast_builder(FIELDS)):
        for d in first:
            builder.add(d)
        builder.pipeline.remove(builder.pipeline._stack[1])  # the stop word filter
        assert stop_word_filter not in builder.pipeline._stack
        for d in later:
            builder.add(d)
        results.append(json.dumps(builder.build().serialize()))
    assert results[0] == results[1]


def test_building_twice_and_adding_after_a_build() -> None:
    stock, fast = stock_builder(FIELDS), fast_builder(FIELDS)
    for builder in (stock, fast):
        builder.add(doc(0, title="first paper"))
        builder.build()
        builder.add(doc(1, title="second paper"))
    assert json.dumps(fast.build().serialize()) == json.dumps(stock.build().serialize())


def test_an_empty_index_builds() -> None:
    # lunr.py divides by zero here; an empty reading list is still a site.
    index = build_index(fast_builder(FIELDS), [])
    assert index.serialize()["fieldVectors"] == []
    assert index.serialize()["invertedIndex"] == []


def test_fast_index_answers_queries_like_stock(synthetic_docs: list[Doc]) -> None:
    stock = build_index(stock_builder(FIELDS), synthetic_docs[:100])
    fast = build_index(fast_builder(FIELDS), synthetic_docs[:100])
    for query in ["contrastive", "title:learning", "+video -audio", "pre*", "year:2025 model~1"]:
        assert fast.search(query) == stock.search(query), query


def test_posting_metadata_is_shared_and_read_only(synthetic_docs: list[Doc]) -> None:
    builder = fast_builder(FIELDS)
    build_index(builder, synthetic_docs[:20])
    posting = next(iter(builder.inverted_index.values()))
    metadata = next(m for field in FIELDS for m in posting[field.name].values())
    assert metadata is NO_METADATA
    assert metadata == {}
    with pytest.raises(TypeError):
        metadata["position"] = [0, 1]
    with pytest.raises(TypeError):
        metadata.setdefault("position", [])


@pytest.mark.parametrize("enabled", [True, False])
def test_build_leaves_the_garbage_collector_as_it_found_it(enabled: bool) -> None:
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        build_index(fast_builder(FIELDS), [doc(0, title="one")]).serialize()
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_split_words_splits_like_lunrs_tokenizer() -> None:
    from lunr.tokenizer import Tokenizer

    for text in AWKWARD:
        expected = [str(token) for token in Tokenizer(text)]
        assert [word for word in split_words(text) if word] == expected


def test_round_3_rounds_like_python() -> None:
    rng = random.Random(1)
    values = [rng.uniform(0, 50) for _ in range(20_000)]
    values += [rng.uniform(0, 1e-3) for _ in range(2_000)]
    # Exact ties and their neighbours, large values and non-finite ones.
    ties = [k / 1000 + 0.0005 for k in range(0, 5000, 7)] + [0.0625, 0.1875, 2.5e-4, 1.0005]
    values += ties + [math.nextafter(t, 0) for t in ties] + [math.nextafter(t, 9) for t in ties]
    values += [0.0, -0.0, -1.2345, 1e7 + 0.0005, 2.0**40 + 0.5, 1e300, math.inf, -math.inf]
    got = round_3(np.array(values)).tolist()
    expected = [round(v, 3) for v in values]
    assert [v.hex() for v in got] == [v.hex() for v in expected]
    assert math.isnan(round_3(np.array([math.nan]))[0])


@pytest.mark.parametrize("chunk", [1, 3, 1 << 19])
def test_grouped_varints_equal_one_by_one(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(search_codec, "GROUP_CHUNK", chunk)
    rng = random.Random(chunk)
    fields, terms = 3, 12
    per_term: list[list[list[int]]] = [[[] for _ in range(fields)] for _ in range(terms)]
    values, slots = [], []
    for t in range(terms):
        for f in range(fields):
            for _ in range(rng.choice([0, 0, 1, 2, 9])):  # some terms and fields hold none
                value = rng.choice(
                    [0, 31, 32, 1023, 1024, 32767, 32768, 2**40, rng.randrange(10**6)]
                )
                per_term[t][f].append(value)
                values.append(value)
                slots.append(t * fields + f)
    got = search_codec.grouped_varints(
        np.array(values, dtype=np.int64), np.array(slots, dtype=np.int64), terms, fields
    )
    expected = [",".join("".join(map(search_codec.varint, v)) for v in row) for row in per_term]
    assert got == expected
