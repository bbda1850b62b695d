"""Search index and store: lunr.py fidelity, compact encoding, queries, escaping, cache."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import shard_decoder
from lunr.index import Index
from lunr.pipeline import Pipeline
from support import stock_builder
from synthetic import seed_papers, synthetic_papers

from sitegen.content.models import Paper
from sitegen.search import assets as search
from sitegen.search import codec as search_codec
from sitegen.search import positions as positions_module
from sitegen.search import postings as postings_module
from sitegen.search import state as state_module
from sitegen.search.assets import FIELDS, build_search_assets, to_document
from sitegen.search.fastlunr import build_index, fast_builder

SEEDS = seed_papers()


def lunr_docs(papers: list[Paper]) -> list[dict[str, str]]:
    return [to_document(p).fields(i) for i, p in enumerate(papers)]


def receive_calls(script: bytes) -> list[tuple[str, int | None, Any]]:
    """(kind, chunk, payload) of each `SitegenSearch.receive(...)` call of a generated script."""
    calls = []
    for line in script.decode("ascii").splitlines(keepends=True):
        match = re.fullmatch(r'SitegenSearch\.receive\("(\w+)",(?:(\d+),)?(.*)\);\n', line)
        assert match, line[:80]
        chunk = None if match.group(2) is None else int(match.group(2))
        calls.append((match.group(1), chunk, json.loads(match.group(3))))
    return calls


def payload_of(script: bytes) -> Any:
    """The JSON argument of a generated script's last `SitegenSearch.receive(...)` call."""
    return receive_calls(script)[-1][2]


@pytest.fixture(scope="module")
def seed_assets() -> dict[str, bytes]:
    return build_search_assets(SEEDS)


@pytest.fixture(scope="module")
def seed_index() -> tuple[Index, dict[str, Any]]:
    """lunr.py's stock index of the seeds and the decoded compact payload."""
    stock = build_index(stock_builder(FIELDS), lunr_docs(SEEDS))
    return stock, shard_decoder.decode(*search.build_payload([to_document(p) for p in SEEDS]))


@pytest.mark.parametrize("papers", [SEEDS, synthetic_papers(400, seed=11)], ids=["seeds", "synth"])
def test_fast_builder_serializes_byte_identically_to_stock_lunr(papers: list[Paper]) -> None:
    docs = lunr_docs(papers)
    stock = json.dumps(build_index(stock_builder(FIELDS), docs).serialize())
    fast = json.dumps(build_index(fast_builder(FIELDS), docs).serialize())
    assert len(stock) > 10_000
    assert fast == stock


def test_memoized_stemmer_keeps_lunrs_label_and_registry() -> None:
    builder = fast_builder(FIELDS)
    index = build_index(builder, lunr_docs(SEEDS[:5]))
    assert index.serialize()["pipeline"] == ["stemmer"]
    assert [fn.label for fn in builder.pipeline._stack] == ["trimmer", "stopWordFilter", "stemmer"]
    # The global registry still holds lunr's own stemmer: loading any index is unaffected.
    assert Pipeline.registered_functions["stemmer"].__module__ == "lunr.stemmer"


def test_fast_builder_falls_back_for_non_string_fields() -> None:
    docs = [
        {
            "ref": "0",
            "title": ["Alpha Beta", "Gamma"],
            "tag": "",
            "author": "",
            "year": "2024",
            "venue": "",
            "status": "toread",
            "id": "",
            "abstract": None,
        }
    ]
    stock = build_index(stock_builder(FIELDS), docs).serialize()
    assert build_index(fast_builder(FIELDS), docs).serialize() == stock


def test_compact_index_decodes_to_lunr_py_output(seed_index: tuple[Index, dict[str, Any]]) -> None:
    stock, decoded = seed_index
    # Exactly lunr.py's index, but for `_index`: relabelled, in the terms' sorted order (the
    # format's one change), so both sides are compared with their labels as ranks.
    assert [t for t, _ in decoded["invertedIndex"]] == sorted(
        stock.inverted_index, key=search_codec.utf16_key
    )
    indexes = [entry["_index"] for _, entry in decoded["invertedIndex"]]
    assert indexes == sorted(set(indexes))
    assert json.dumps(shard_decoder.canonical(decoded)) == json.dumps(
        shard_decoder.canonical(stock.serialize())
    )


def test_decoded_index_round_trips_and_answers_like_stock(
    seed_index: tuple[Index, dict[str, Any]],
) -> None:
    stock, decoded = seed_index
    loaded = Index.load(json.loads(json.dumps(decoded)))
    assert json.dumps(loaded.serialize()) == json.dumps(decoded)
    for query in ["contrastive", "title:clip", "+video -audio", "pretrain*", "year:2025 transfer"]:
        expected = [(r["ref"], r["score"]) for r in stock.search(query)]
        got = [(r["ref"], r["score"]) for r in loaded.search(query)]
        # Refs exactly, scores within float error (pytest 9.2's approx takes no pairs).
        assert [ref for ref, _ in got] == [ref for ref, _ in expected]
        assert [score for _, score in got] == pytest.approx([score for _, score in expected])


def _distinctive_query(abstract_terms: list[str], df: Counter[str], n: int = 4) -> str:
    """The paper's n rarest alphabetic abstract terms (stems are valid query words)."""
    words = sorted({t for t in abstract_terms if t.isalpha()}, key=lambda t: (df[t], t))
    return " ".join(words[:n])


def test_distinctive_abstract_words_find_each_seed_in_top_3(
    seed_index: tuple[Index, dict[str, Any]],
) -> None:
    _, decoded = seed_index
    index = Index.load(decoded)
    per_doc: dict[int, list[str]] = {}
    df: Counter[str] = Counter()
    for term, posting in decoded["invertedIndex"]:
        for ref in posting["abstract"]:
            per_doc.setdefault(int(ref), []).append(term)
        df[term] = sum(len(posting[f.name]) for f in FIELDS)
    misses = []
    for ref, terms in per_doc.items():
        query = _distinctive_query(terms, df)
        top = [int(r["ref"]) for r in index.search(query)[:3]]
        if ref not in top:
            misses.append((ref, query, top))
    assert len(per_doc) == len(SEEDS)
    assert misses == []


def test_title_matches_rank_first(seed_index: tuple[Index, dict[str, Any]]) -> None:
    index = Index.load(seed_index[1])
    for word in ["contrastive", "transfer", "video", "language"]:
        results = index.search(word)
        in_title = [
            bool(
                r["match_data"].metadata
                and any("title" in fields for fields in r["match_data"].metadata.values())
            )
            for r in results
        ]
        assert any(in_title) and not all(in_title), word
        first_other = in_title.index(False)
        assert all(in_title[:first_other]) and not any(in_title[first_other:]), word


def test_varints_and_front_coding_round_trip() -> None:
    out: list[str] = []
    numbers = [0, 1, 31, 32, 33, 1023, 1024, 10**9, 7]
    for n in numbers:
        search_codec.write_varint(n, out)
    assert list(shard_decoder.read_varints("".join(out))) == numbers
    terms = sorted(
        ["a", "ab", "abc", "abd", "b", "été", "ü", "\U0001d518nicode"], key=search_codec.utf16_key
    )
    assert shard_decoder.front_decode(search_codec.front_code(terms)) == terms


def test_terms_are_in_javascript_string_order() -> None:
    # Python orders U+FA0E before U+1F917; JavaScript (UTF-16 units) the other way round, and
    # lunr.js refuses to load terms out of its order. (U+FA0E: a letter folding leaves alone.)
    paper = Paper(
        slug="emoji",
        title="Fine \ufa0ene",
        date=dt.date(2024, 1, 1),
        abstract="\U0001f917 hugging face",
    )
    decoded = shard_decoder.decode(*search.build_payload([to_document(paper)]))
    terms = [term for term, _ in decoded["invertedIndex"]]
    assert terms.index("\U0001f917") < terms.index("\ufa0ene")


def test_store_holds_what_results_show(seed_assets: dict[str, bytes]) -> None:
    index = payload_of(seed_assets["search/index.js"])
    chunk_size = index["storeChunk"]
    assert index["docs"] == len(SEEDS)
    store_files = sorted(k for k in seed_assets if k.startswith("search/store-"))
    assert len(store_files) == math.ceil(len(SEEDS) / chunk_size)
    for ref in (0, chunk_size + 3, len(SEEDS) - 1):
        paper = SEEDS[ref]
        chunk = payload_of(seed_assets[f"search/store-{ref // chunk_size}.js"])
        i = ref % chunk_size
        assert chunk["title"][i] == paper.title
        assert chunk["slug"][i] == paper.slug
        assert chunk["date"][i] == paper.date.isoformat()
        assert [index["tags"][t][0] for t in chunk["tags"][i]] == list(paper.tags)
        assert paper.abstract.startswith(chunk["text"][i].rstrip("…"))
        assert len(chunk["text"][i]) <= search.SHORT_TEXT + 1


def test_tag_links_use_python_slugify() -> None:
    paper = Paper(
        slug="p",
        title="T",
        date=dt.date(2024, 1, 1),
        abstract="x",
        tags=("Self-Supervised Learning", "3D vision"),
    )
    index = payload_of(build_search_assets([paper])["search/index.js"])
    assert index["tags"] == [
        ["3D vision", "3d-vision"],
        ["Self-Supervised Learning", "self-supervised-learning"],
    ]


def test_prefix_word_table_maps_words_past_their_stem() -> None:
    _meta, shards = search.build_payload([to_document(p) for p in SEEDS])
    words = {w: t for shard in shards for w, t in shard_decoder.shard_words(shard).items()}
    terms = [t for shard in shards for t in shard_decoder.front_decode(shard["terms"])]
    assert words["contrastive"] == "contrast"
    assert words["pretraining"] == "pretrain"
    assert all(word != term for word, term in words.items())
    assert "contrastiv" not in terms and "contrast" in terms
    # Every word is the one lunr's pipeline makes of some text, stemmed to its term.
    docs = (to_document(p).fields(i) for i, p in enumerate(SEEDS))
    assert set(words) <= set().union(*search.surface_words(docs).values())


def test_scripts_cannot_close_a_script_element_or_open_a_comment() -> None:
    hostile = "Breaking </script><script>alert(1)</script> <!-- & \u2028 search"
    paper = Paper(
        slug="hostile",
        title=hostile,
        date=dt.date(2024, 1, 1),
        abstract=f"Abstract with {hostile}",
        tags=("</script>",),
        authors=("<b>Eve</b>",),
    )
    files = build_search_assets([paper])
    for name, data in files.items():
        text = data.decode("ascii")
        assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text, (
            name
        )
    assert payload_of(files["search/store-0.js"])["title"] == [" ".join(hostile.split())]


def test_cache_skips_rebuild_unless_indexed_text_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    papers = SEEDS[:30]
    calls = count_full_builds(monkeypatch)
    first = build_search_assets(papers, cache_dir=tmp_path)
    second = build_search_assets(papers, cache_dir=tmp_path)
    assert second == first and calls == [30]
    # A change nothing indexes (the URL) reuses the index; a new abstract word updates it.
    moved = [replace(papers[0], url="https://example.org")]
    build_search_assets(moved + papers[1:], cache_dir=tmp_path)
    edited = [replace(papers[0], abstract="Zymurgy for robots.")]
    third = build_search_assets(edited + papers[1:], cache_dir=tmp_path)
    assert calls == [30] and third != first
    assert [p.name for p in (tmp_path / "search").iterdir()] == ["state.pickle"]
    assert build_search_assets(edited + papers[1:]) == third  # cached == freshly built


def count_full_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of documents of each index built from scratch from now on."""
    calls: list[int] = []
    real = search.build_state

    def counting(documents: Any, packed: list[bytes], *args: Any) -> Any:
        calls.append(len(packed))
        return real(documents, packed, *args)

    monkeypatch.setattr(search, "build_state", counting)
    return calls


ODD = ('Schütze \\"u-ber x--y-z a-b-c', "  lead-ing- -dash ", "Ünïcödé\u2003space\x1cX-Y", "")
"""Text that folds, splits and joins awkwardly (TeX accents, compounds, odd spaces)."""

INDEX_EDITS: dict[str, Any] = {
    "notes": lambda ps, i: replace(ps[i], notes="Fresh notes: zymurgy, multi-task; of the."),
    "notes removed": lambda ps, i: replace(ps[i], notes=""),
    "tag added": lambda ps, i: replace(ps[i], tags=(*ps[i].tags, "brand-new tag")),
    "tag added, last of all": lambda ps, i: replace(ps[i], tags=(*ps[i].tags, "zz last tag")),
    "tag removed": lambda ps, i: replace(ps[i], tags=ps[i].tags[1:]),
    "title": lambda ps, i: replace(ps[i], title=f"{ps[i].title} {ODD[0]}"),
    "authors": lambda ps, i: replace(ps[i], authors=("Jürgen Schmid-Huber", ODD[1])),
    "abstract emptied": lambda ps, i: replace(ps[i], abstract="", notes=""),
    "odd text": lambda ps, i: replace(ps[i], abstract=" ".join(ODD), notes=ODD[2]),
    "year and status": lambda ps, i: replace(ps[i], year=1999, status="read"),
}
"""One paper's edits the index is updated for (refs stay put)."""


@pytest.mark.parametrize("edit", sorted(INDEX_EDITS))
@pytest.mark.parametrize("at", [0, 17, 39])
def test_an_updated_index_equals_a_cold_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str, at: int
) -> None:
    papers = [replace(p, notes=ODD[i % len(ODD)]) for i, p in enumerate(SEEDS[:40])]
    first = build_search_assets(papers, cache_dir=tmp_path, shard_bytes=2048)
    calls = count_full_builds(monkeypatch)
    before, papers[at] = papers[at], INDEX_EDITS[edit](papers, at)
    updated = build_search_assets(papers, cache_dir=tmp_path, shard_bytes=2048)
    assert calls == []  # updated, not rebuilt
    assert updated == build_search_assets(papers, shard_bytes=2048)
    # And back: the words the edit brought in are gone again, the words it took are back.
    papers[at] = before
    assert build_search_assets(papers, cache_dir=tmp_path, shard_bytes=2048) == first
    assert calls == [40]  # the cold build compared with


def test_a_run_of_edits_keeps_the_index_equal_to_a_cold_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    papers = list(SEEDS[:40])
    original = list(papers)
    build_search_assets(papers, cache_dir=tmp_path, shard_bytes=2048)
    calls = count_full_builds(monkeypatch)
    for k, edit in enumerate(sorted(INDEX_EDITS) * 2):
        at = (7 * k) % len(papers)
        papers[at] = INDEX_EDITS[edit](papers, at) if k % 3 else original[at]
        if k % 5 == 0:  # several papers at once
            papers[(at + 1) % 40] = replace(papers[(at + 1) % 40], notes=f"Also edited {k}.")
        updated = build_search_assets(papers, cache_dir=tmp_path, shard_bytes=2048)
        assert len(calls) == k  # updated, not rebuilt (the calls are the cold builds)
        assert updated == build_search_assets(papers, shard_bytes=2048), edit


def test_keys_spare_making_the_documents_of_papers_the_cache_knows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    papers = list(SEEDS[:30])
    keys: list[Any] = [("file", i, p.tags) for i, p in enumerate(papers)]
    build_search_assets(papers, cache_dir=tmp_path, keys=keys)
    made: list[str] = []
    real = search.to_document
    monkeypatch.setattr(search, "to_document", lambda p, t: made.append(p.slug) or real(p, t))
    papers[5] = replace(papers[5], notes="Edited: zymurgy.")
    keys[5] = ("file", "edited", papers[5].tags)
    keys[7] = None  # a paper known by no key: made again (and found unchanged)
    updated = build_search_assets(papers, cache_dir=tmp_path, keys=keys)
    assert made == [papers[5].slug, papers[7].slug]
    assert updated == build_search_assets(papers, keys=keys)
    # A paper added moves every later ref: the index is built afresh, but the documents of
    # known papers are found by their keys, wherever they are now.
    made.clear()
    papers.insert(0, replace(SEEDS[40], slug="brand-new"))
    keys.insert(0, ("file", "new", papers[0].tags))
    rebuilt = build_search_assets(papers, cache_dir=tmp_path, keys=keys)
    assert made == ["brand-new", papers[8].slug]
    assert rebuilt == build_search_assets(papers)


@pytest.mark.parametrize("change", ["new paper", "deleted paper", "many edited"])
def test_papers_added_removed_or_moved_rebuild_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    papers = list(SEEDS[:40])
    build_search_assets(papers, cache_dir=tmp_path)
    calls = count_full_builds(monkeypatch)
    if change == "new paper":
        papers.insert(3, replace(SEEDS[45], slug="brand-new"))
    elif change == "deleted paper":
        del papers[3]
    else:
        monkeypatch.setattr(state_module, "MAX_CHANGED", 4)
        papers = [replace(p, notes="All edited.") for p in papers]
    rebuilt = build_search_assets(papers, cache_dir=tmp_path)
    assert calls == [len(papers)]
    assert rebuilt == build_search_assets(papers)


def test_a_paper_moved_in_the_list_updates_the_papers_between(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    papers = list(SEEDS[:40])
    build_search_assets(papers, cache_dir=tmp_path)
    calls = count_full_builds(monkeypatch)
    papers.insert(10, papers.pop(3))  # refs 3 to 10 now hold other papers
    updated = build_search_assets(papers, cache_dir=tmp_path)
    assert calls == []
    assert updated == build_search_assets(papers)


def test_a_damaged_or_foreign_index_cache_is_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    papers = list(SEEDS[:20])
    build_search_assets(papers, cache_dir=tmp_path)
    calls = count_full_builds(monkeypatch)
    (tmp_path / search.STATE_FILE).write_bytes(b"\x80\x05garbage{")
    papers[2] = replace(papers[2], notes="Edited.")
    assert build_search_assets(papers, cache_dir=tmp_path) == build_search_assets(papers)
    assert calls == [20, 20]
    monkeypatch.setattr(search, "code_fingerprint", lambda: "another sitegen")
    papers[3] = replace(papers[3], notes="Edited too.")
    assert build_search_assets(papers, cache_dir=tmp_path) == build_search_assets(papers)
    assert calls == [20, 20, 20, 20]


def _fields(paper: Paper) -> dict[str, Any]:
    return {name: getattr(paper, name) for name in Paper.__dataclass_fields__}


def test_markdown_is_indexed_as_plain_text() -> None:
    paper = Paper(
        slug="md",
        title="T",
        date=dt.date(2024, 1, 1),
        abstract="We use **bold** ideas and [links](https://x.org/zebra).\n\n- item",
        notes="A *note* about `code`.",
    )
    text = to_document(paper).text
    assert text == "We use bold ideas and links. item\nA note about code."


SMALL_PIECES = {"GROUP_CHUNK": 7, "ENTRY_CHUNK": 5, "PART_WORDS": 3}
"""Numbers written, postings entries and words encoded at a time: a few, so every term range
and chunk boundary is met."""


def in_small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Encode the index a few numbers at a time (`SMALL_PIECES`)."""
    monkeypatch.setattr(search_codec, "GROUP_CHUNK", SMALL_PIECES["GROUP_CHUNK"])
    monkeypatch.setattr(postings_module, "ENTRY_CHUNK", SMALL_PIECES["ENTRY_CHUNK"])
    monkeypatch.setattr(positions_module, "PART_WORDS", SMALL_PIECES["PART_WORDS"])


def test_an_index_encoded_in_small_pieces_equals_one_encoded_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    papers = [replace(p, notes=ODD[i % len(ODD)]) for i, p in enumerate(SEEDS[:40])]
    whole = build_search_assets(papers, shard_bytes=2048)
    in_small_pieces(monkeypatch)
    assert build_search_assets(papers, shard_bytes=2048) == whole


@pytest.mark.parametrize("pieces", ["small", "whole"])
def test_cold_positions_are_each_documents_own(
    monkeypatch: pytest.MonkeyPatch, pieces: str
) -> None:
    if pieces == "small":
        in_small_pieces(monkeypatch)
    papers = [replace(p, notes=ODD[i % len(ODD)]) for i, p in enumerate(SEEDS[:40])]
    documents = [to_document(p) for p in papers]
    state = state_module.build_state(documents)
    # Each document's positions as an update reads them, encoded term by term.
    analysis = state_module._Analysis(list(enumerate(documents)))
    names = [spec.name for spec in FIELDS]
    terms = {t for per_doc in analysis.positions.values() for f in per_doc.values() for t in f}
    expected = {
        term: positions_module.encode_term(
            [
                [
                    (ref, at[name][term])
                    for ref, at in analysis.positions.items()
                    if term in at[name]
                ]
                for name in names
            ]
        )
        for term in terms
    }
    assert state.positions == expected


def test_an_edit_writes_again_only_the_shards_it_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    papers = list(SEEDS[:40])
    build_search_assets(papers, cache_dir=tmp_path, shard_bytes=2048)
    written: list[int] = []
    real = search_codec._shard_parts

    def counting(group: Any, encoded: Any) -> Any:
        written.append(len(group))
        return real(group, encoded)

    monkeypatch.setattr(search_codec, "_shard_parts", counting)
    papers[3] = replace(papers[3], notes="Zymurgy.")  # one new word: one shard changes
    files = build_search_assets(papers, cache_dir=tmp_path, shard_bytes=2048)
    shards = [path for path in files if path.startswith("search/terms-")]
    assert len(written) == 1 and len(shards) > 10
    assert files == build_search_assets(papers, shard_bytes=2048)


def test_the_store_and_shard_versions_change_with_what_they_version(tmp_path: Path) -> None:
    # Browsers keep the store and shard scripts by these versions: a result's new title must
    # come with a new store version, cold or updated, and a term's with a new shard version.
    papers = list(SEEDS)
    before = payload_of(build_search_assets(papers, cache_dir=tmp_path)["search/index.js"])
    papers[3] = replace(papers[3], title=papers[3].title + " quokkaword")
    for cache_dir in (tmp_path, None):
        after = payload_of(build_search_assets(papers, cache_dir=cache_dir)["search/index.js"])
        assert after["storeVersion"] != before["storeVersion"]
        assert after["shardVersion"] != before["shardVersion"]
