"""The search index in term shards: each decodes alone, merged they are the whole index, and in
Chromium a query loads only its shards yet ranks and scores exactly as the unsharded index does."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import shard_decoder
from conftest import http_server, run_sitegen
from lunr.index import Index
from lunr.stemmer import porter_stemmer
from rapidfuzz.distance import OSA
from support import stock_builder
from synthetic import seed_papers
from test_search import receive_calls

from sitegen import urls
from sitegen.content.models import Paper
from sitegen.search import assets as search
from sitegen.search import codec as search_codec
from sitegen.search.assets import FIELDS, build_search_assets, to_document
from sitegen.search.fastlunr import build_index

SEEDS = seed_papers()
DOCUMENTS = [to_document(p) for p in SEEDS]
TINY = 1500
"""Shard size (characters) that cuts the seeds' index into about a hundred shards."""
ASTRAL = replace(
    SEEDS[0],
    slug="astral-letters",
    title="Place names: \U00020bb7\u7530 and \U00020bb7\u91ce\u5bb6",
    abstract="Emoji inside words: happy\U0001f600sad, happy\U0001f600glad.",
)
"""A paper whose words share beginnings past U+FFFF (two UTF-16 code units a character)."""


@pytest.fixture(scope="module")
def stock() -> dict[str, Any]:
    """lunr.py's own serialized index of the seeds."""
    index = build_index(stock_builder(FIELDS), [d.fields(i) for i, d in enumerate(DOCUMENTS)])
    serialized: dict[str, Any] = index.serialize()
    return serialized


@pytest.fixture(scope="module")
def tiny() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return search.build_payload(DOCUMENTS, TINY)


def payload_meta(files: dict[str, bytes]) -> Any:
    """The metadata search/index.js carries."""
    return receive_calls(files[urls.SEARCH_INDEX])[-1][2]


def _shard_keys(shard: dict[str, Any]) -> list[str]:
    return shard_decoder.front_decode(shard["terms"]) + list(shard_decoder.shard_words(shard))


def test_shards_merged_are_the_whole_index(
    stock: dict[str, Any], tiny: tuple[dict[str, Any], list[dict[str, Any]]]
) -> None:
    meta, shards = tiny
    assert len(shards) > 50
    whole = shard_decoder.decode(*search.build_payload(DOCUMENTS, 10**9))
    merged = shard_decoder.canonical(shard_decoder.decode(meta, shards))
    assert json.dumps(merged) == json.dumps(shard_decoder.canonical(whole))
    assert json.dumps(merged) == json.dumps(shard_decoder.canonical(stock))


def test_each_shard_holds_one_key_range_and_decodes_alone(
    tiny: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    meta, shards = tiny
    keys = meta["shards"]
    assert keys[0] == "" and len(keys) == len(shards)
    assert keys == sorted(keys, key=search_codec.utf16_key)
    next_rank = 0
    stride = shards[1]["first"]
    for k, shard in enumerate(shards):
        assert {shard_decoder.shard_of(keys, key) for key in _shard_keys(shard)} <= {k}, k
        assert k == 0 or keys[k] in _shard_keys(shard)
        # Its terms' indexes: a range of its own, after the shards before it.
        assert shard["first"] == k * stride
        part = shard_decoder.decode_shard(meta, shard)
        assert len(part["invertedIndex"]) < stride
        next_rank += len(part["invertedIndex"])
        loaded = Index.load(json.loads(json.dumps(part)))  # a valid lunr index on its own
        assert sorted(loaded.inverted_index) == sorted(t for t, _ in part["invertedIndex"])
        # Its field vectors hold the elements of its own terms only.
        indexes = {entry["_index"] for _, entry in part["invertedIndex"]}
        assert all(set(v[::2]) <= indexes and v for _, v in part["fieldVectors"])
    assert next_rank == len(shard_decoder.decode(meta, shards)["invertedIndex"])


def test_shards_are_cut_near_the_target_size(
    tiny: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    _, shards = tiny
    sizes = [
        sum(len(shard[key]) for key in ("terms", "postings", "words", "stems")) for shard in shards
    ]
    single = [len(shard_decoder.front_decode(shard["terms"])) <= 1 for shard in shards]
    # Over the target only when one term's postings alone are larger.
    assert all(size <= TINY or alone for size, alone in zip(sizes, single, strict=True))
    assert sum(size > TINY // 2 for size in sizes) > len(sizes) * 3 // 4


@pytest.mark.parametrize(
    "query",
    [
        "contrastive learning",
        "title:video",
        "+video -audio",
        "pretrain*",
        "-video",
        "year:2025 lang",
    ],
)
def test_the_shards_a_query_names_answer_it_as_the_whole_index(
    stock: dict[str, Any], tiny: tuple[dict[str, Any], list[dict[str, Any]]], query: str
) -> None:
    """lunr's score is dot(query, field vector) / |query|: elements of other terms add nothing."""
    meta, shards = tiny
    keys = meta["shards"]
    words = [w.split(":")[-1].lstrip("+-") for w in query.split()]
    needed = set()
    for word in words:
        if word.endswith("*"):
            prefix = word[:-1]
            needed |= {
                k
                for k, shard in enumerate(shards)
                if any(t.startswith(prefix) for t in shard_decoder.front_decode(shard["terms"]))
            }
        else:
            needed.add(shard_decoder.shard_of(keys, porter_stemmer.stem(word)))
    assert len(needed) < len(shards) // 10
    parts = shard_decoder.decode_shards(meta, [shards[k] for k in sorted(needed)])
    subset = Index.load(shard_decoder.merge(meta, parts))
    whole = Index.load(shard_decoder.canonical(stock))
    expected = [(r["ref"], r["score"]) for r in whole.search(query)]
    assert expected and [(r["ref"], r["score"]) for r in subset.search(query)] == expected


def test_a_new_word_rewrites_its_own_shard_not_every_shard_after_it(tmp_path: Path) -> None:
    before = build_search_assets(SEEDS, tmp_path, shard_bytes=TINY)
    count = len([name for name in before if name.startswith("search/terms-")])
    # A word met nowhere else, sorted among the first terms: most shards come after its own.
    edited = [*SEEDS[:3], replace(SEEDS[3], notes=SEEDS[3].notes + " 0fresh"), *SEEDS[4:]]
    after = build_search_assets(edited, tmp_path, shard_bytes=TINY)
    (own,) = [
        k
        for k in range(count)
        if "0fresh" in shard_decoder.front_decode(shard_payload(after, k)["terms"])
    ]
    assert count > 50 and own < count // 4
    changed = {
        k for k in range(count) if after[urls.search_shard(k)] != before[urls.search_shard(k)]
    }
    # Its own and, until the cuts between shards fall where they fell before, a few after it:
    # not the index of every shard after it.
    assert min(changed) == own and len(changed) < count // 4, sorted(changed)
    # What a cold build of the same papers makes.
    assert after == build_search_assets(edited, shard_bytes=TINY)


def test_a_shard_whose_positions_take_another_file_renames_no_other_shards_files(
    tmp_path: Path,
) -> None:
    before = build_search_assets(SEEDS, tmp_path, shard_bytes=TINY)
    # A word the seeds use, over and over in one paper's notes: its positions outgrow a file.
    notes = SEEDS[3].notes + " learning" * 15000
    edited = [*SEEDS[:3], replace(SEEDS[3], notes=notes), *SEEDS[4:]]
    after = build_search_assets(edited, tmp_path, shard_bytes=TINY)
    count = len(payload_meta(after)["shards"])
    assert count == len(payload_meta(before)["shards"]) > 50
    files_of = {
        name: [_positions_files(files, k) for k in range(count)]
        for name, files in (("before", before), ("after", after))
    }
    grown = [k for k in range(count) if len(files_of["after"][k]) > len(files_of["before"][k])]
    assert grown and grown[0] < count - 10  # shards after it to keep their files
    for k in range(count):
        same_terms = shard_payload(after, k)["terms"] == shard_payload(before, k)["terms"]
        same_postings = shard_payload(after, k)["postings"] == shard_payload(before, k)["postings"]
        if same_terms and same_postings:  # its positions files: the same names and bytes
            assert files_of["after"][k] == files_of["before"][k], k
    assert after == build_search_assets(edited, shard_bytes=TINY)


def _positions_files(files: dict[str, bytes], k: int) -> list[tuple[str, bytes]]:
    """Term shard k's positions files: (name, bytes)."""
    shard = shard_payload(files, k)
    first = shard["positionFile"]
    names = [urls.search_positions(first + j) for j in range(len(shard["positionStarts"]))]
    return [(name, files[name]) for name in names]


def shard_payload(files: dict[str, bytes], k: int) -> dict[str, Any]:
    ((kind, chunk, shard),) = receive_calls(files[urls.search_shard(k)])
    assert (kind, chunk) == ("terms", k)
    return dict(shard)


def test_small_index_ships_inside_index_js_and_large_in_shard_files() -> None:
    small = build_search_assets(SEEDS[:5])
    assert not [name for name in small if name.startswith("search/terms-")]
    calls = receive_calls(small[urls.SEARCH_INDEX])
    assert [(kind, chunk) for kind, chunk, _ in calls] == [("terms", 0), ("index", None)]
    assert calls[1][2]["shards"] == [""]

    large = build_search_assets(SEEDS, shard_bytes=TINY)
    shard_files = sorted(
        (name for name in large if name.startswith("search/terms-")),
        key=lambda name: int(name.rsplit("-", 1)[1][:-3]),
    )
    (index_call,) = receive_calls(large[urls.SEARCH_INDEX])
    meta = index_call[2]
    assert len(shard_files) == len(meta["shards"]) > 50
    assert len(large[urls.SEARCH_INDEX]) < 20_000  # metadata only: no postings
    assert shard_files == [urls.search_shard(k) for k in range(len(shard_files))]
    shards = [shard_payload(large, k) for k in range(len(shard_files))]
    assert shard_decoder.canonical(shard_decoder.decode(meta, shards)) == shard_decoder.canonical(
        shard_decoder.decode(*search.build_payload(DOCUMENTS))
    )
    # A changed index changes the version the browser loads shards with (no stale cache).
    other = build_search_assets(SEEDS[1:], shard_bytes=TINY)
    assert payload_meta(other)["shardVersion"] != meta["shardVersion"]


def test_cache_is_keyed_by_shard_size(tmp_path: Path) -> None:
    default = build_search_assets(SEEDS[:40], cache_dir=tmp_path)
    small = build_search_assets(SEEDS[:40], cache_dir=tmp_path, shard_bytes=TINY)
    assert small == build_search_assets(SEEDS[:40], shard_bytes=TINY)
    assert default == build_search_assets(SEEDS[:40])
    assert len(payload_meta(small)["shards"]) > len(payload_meta(default)["shards"])


# --- In Chromium ---------------------------------------------------------------------------

SITE_TOML = 'title = "Shard test"\ndescription = "Sharded search"\n'
ONE_PAPER = '---\ntitle: "Only paper"\ndate: 2024-01-01\n---\nPlaceholder abstract.\n'

TYPED = ["contras", "contrastive lear", "video lang", "title:vid", "+video pretrai", "experiments"]
"""As-you-type queries: the last word matches as a prefix (through the shards' word tables)."""

LUNR = {
    "contrastive learning ": "+contrastive +learning ",
    "title:video ": "+title:video ",
    "+video -audio ": "+video -audio ",
    "contras* ": "+contras* ",
    "pre*ain ": "+pre*ain ",
    "-video ": "-video ",
    "languag~1 ": "languag~1 ",
    "*former ": "+*former ",
    "year:2025 transfer ": "+year:2025 +transfer ",
    "author:zhang model ": "+author:zhang +model ",
    "modle~1 ": "modle~1 ",
}
"""Queries in lunr's own syntax (a final space: no prefix matching), each with the query stock
lunr.js must answer identically: every plain word required (`+`), as sitegen requires them; a
query with lunr's `+`, `-` or `~` as written. Each finds papers having all its words."""


def outside_prefixes(meta: dict[str, Any], shards: list[dict[str, Any]]) -> dict[str, str]:
    """Prefixes of the seeds' words, each with its word's term, where that term lies in none of
    the shards the prefix and its stem fall in: the engine must load a second round of shards."""
    keys = meta["shards"]
    words = {w: t for shard in shards for w, t in shard_decoder.shard_words(shard).items()}
    found = {}
    for word, term in sorted(words.items()):
        prefix = word[:-1]
        if word.isalpha() and len(prefix) >= 6 and shard_of(keys, term) not in needed(keys, prefix):
            found[prefix] = term
    return found


def needed(keys: list[str], prefix: str) -> set[int]:
    """The shards the engine loads first for a prefix: those whose keys may start with it, and
    its stem's."""
    first = shard_of(keys, prefix)
    in_range = {
        k for k, key in enumerate(keys) if k == first or (k > first and key.startswith(prefix))
    }
    return in_range | {shard_of(keys, porter_stemmer.stem(prefix))}


def shard_of(keys: list[str], text: str) -> int:
    return shard_decoder.shard_of(keys, text)


LOADED_INDEX = """(e => {
  const meta = e.payload, index = e.index, fieldVectors = [];
  for (let doc = 0; doc < meta.docs; doc++) {
    for (const field of meta.fields) {
      const vector = index.fieldVectors[`${field}/${doc}`];
      fieldVectors.push([`${field}/${doc}`, vector ? vector.toJSON() : []]);
    }
  }
  const terms = Object.keys(index.invertedIndex).sort();
  const invertedIndex = terms.map(t => [t, index.invertedIndex[t]]);
  return JSON.stringify({version: meta.lunr, fields: meta.fields, fieldVectors, invertedIndex,
                         pipeline: meta.pipeline});
})"""
"""JS: the live lunr.Index of engine `e` as JSON, in the form of `shard_decoder.merge` (what
lunr.Index.load takes): terms in sorted (UTF-16) order, every document's field vectors in document
then field order, empty where no loaded term occurs."""

RESULTS = """async queries => {
  const engine = await SitegenSearch.load(), out = [];
  for (const q of queries) {
    const r = await engine.search(q);
    out.push(r.error ? r.error : r.results.map(x => [x.ref, x.score]));
  }
  return out;
}"""


@pytest.fixture(scope="module")
def theme(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output of a one-paper site built by the CLI: its search.html and static/ host the
    seeds' indexes below."""
    site = tmp_path_factory.mktemp("shards-theme")
    (site / "content" / "papers").mkdir(parents=True)
    (site / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    (site / "content" / "papers" / "only.md").write_text(ONE_PAPER, encoding="utf-8")
    out = site / "out"
    done = run_sitegen("build", "--site", site, "--out", out)
    assert done.code == 0, done.err
    return out


def _site(theme: Path, folder: Path, shard_bytes: int, papers: list[Paper] = SEEDS) -> str:
    shutil.copytree(theme, folder)
    shutil.rmtree(folder / "search")
    for name, data in build_search_assets(papers, shard_bytes=shard_bytes).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder.as_uri() + "/search.html"


@pytest.fixture(scope="module")
def sites(theme: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """search.html URLs (file://) of the seeds' index in one shard and in about a hundred, and
    in shards with ASTRAL too."""
    root = tmp_path_factory.mktemp("shard-sites")
    return {
        "one": _site(theme, root / "one", 10**9),
        "many": _site(theme, root / "many", TINY),
        "astral": _site(theme, root / "astral", TINY, [*SEEDS, ASTRAL]),
    }


@pytest.fixture
def open_page(chromium: Any) -> Iterator[Any]:
    """Opens search.html at a URL; fails the test on any console error or failed request."""
    context = chromium.new_context()
    problems: list[str] = []

    def opener(url: str) -> Any:
        tab = context.new_page()
        tab.on(
            "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
        )
        tab.on("pageerror", lambda e: problems.append(str(e)))
        # A request the page cancels by navigating away (a favicon, mid back-button) is no error.
        tab.on(
            "requestfailed",
            lambda r: (
                None if r.failure == "net::ERR_ABORTED" else problems.append("failed: " + r.url)
            ),
        )
        tab.goto(url)
        tab.wait_for_selector("#search-page[data-ready]")
        return tab

    yield opener
    context.close()
    assert problems == []


def loaded_shards(page: Any) -> int:
    return int(page.evaluate("SitegenSearch.load().then(e => e.parts.filter(Boolean).length)"))


@pytest.mark.browser
def test_sharded_search_ranks_and_scores_as_stock_lunr(
    open_page: Any, sites: dict[str, str], stock: dict[str, Any]
) -> None:
    page = open_page(sites["many"])
    got = page.evaluate(RESULTS, list(LUNR))
    reference = page.evaluate(
        "([s, qs]) => { const i = lunr.Index.load(s); "
        "return qs.map(q => i.search(q).map(x => [x.ref, x.score])); }",
        [shard_decoder.canonical(stock), list(LUNR.values())],
    )
    assert all(reference) and len(reference[5]) > 10  # every query finds papers; -video many
    assert got == reference  # same refs, same order, same float scores
    # lunr.py's own JSON (`_index` in first-met order) sums the same products in another order.
    raw = page.evaluate(
        "([s, qs]) => { const i = lunr.Index.load(s); "
        "return qs.map(q => i.search(q).map(x => [x.ref, x.score])); }",
        [stock, list(LUNR.values())],
    )
    for ours, theirs in zip(got, raw, strict=True):
        assert dict(ours) == pytest.approx(dict(theirs), rel=1e-12)


@pytest.mark.browser
def test_as_you_type_prefixes_match_the_unsharded_index(
    open_page: Any, sites: dict[str, str], stock: dict[str, Any]
) -> None:
    outside = list(outside_prefixes(*search.build_payload(DOCUMENTS, TINY)))
    assert len(outside) >= 2
    typed = [*TYPED, outside[0], outside[-1]]
    many, one = open_page(sites["many"]), open_page(sites["one"])
    sharded, whole = many.evaluate(RESULTS, typed), one.evaluate(RESULTS, typed)
    assert all(whole) and sharded == whole
    assert len(dict(whole[0])) > len(dict(many.evaluate(RESULTS, ["+contras "])[0]))
    # The same clauses on stock lunr's full index, with the engine's prefix pipeline.
    reference = many.evaluate(
        """async ([s, qs]) => { const e = await SitegenSearch.load(), i = lunr.Index.load(s);
        const out = [];
        i.pipeline = e.pipeline;
        for (const q of qs) { await e.search(q); const c = e.parse(q).clauses;
          out.push(i.query(x => { x.clauses = c; }).map(r => [r.ref, r.score])); }
        return out; }""",
        [shard_decoder.canonical(stock), typed],
    )
    assert reference == sharded


SHAPES = [
    "learn^3 video ",
    "video video model ",
    "+video -language model ",
    "title:video abstract:video ",
    "author:zhang -title:video learn ",
    "vid* lang~1 ",
    "+contrastive +zzzznothing ",
    "+model -model ",
]
"""Clause shapes beside TYPED and LUNR for score.js to answer as lunr: boosts, a word twice,
prohibited words among others, the same word in two fields, wildcard and fuzzy together, a
required word indexed nowhere, a word both required and prohibited."""

SCORED = """async queries => {
  const e = await SitegenSearch.load(), out = [];
  const view = rs => rs.map(r => [r.ref, r.score, JSON.stringify(r.matchData.metadata)]);
  for (const q of queries) {
    await e.search(q);  // its shards loaded
    e.freshTokenSet();
    const ours = e.scorer.query(e.index, e.parse(q).clauses);  // lunr's query changes clauses
    const theirs = e.index.query(x => { x.clauses = e.parse(q).clauses; });
    out.push(ours === null ? null : [view(ours), view(theirs)]);
  }
  return out;
}"""
"""JS: per query, [score.js's results, stock lunr's Index#query's] on the engine's live index,
as [ref, score, matchData] each; null where score.js leaves the query to lunr."""


@pytest.mark.browser
def test_score_js_answers_as_lunrs_own_query(open_page: Any, sites: dict[str, str]) -> None:
    queries = TYPED + list(LUNR) + SHAPES
    answers = open_page(sites["many"]).evaluate(SCORED, queries)
    left_to_lunr = [q for q, a in zip(queries, answers, strict=True) if a is None]
    assert left_to_lunr == ["-video "]  # prohibited words alone: lunr's own query answers
    pairs = [a for a in answers if a is not None]
    assert all(ours == theirs for ours, theirs in pairs)  # refs, order, float scores, matchData
    assert sum(1 for ours, _ in pairs if len(ours) > 5) >= len(pairs) - 3
    assert [ours for ours, _ in pairs][-2:] == [[], []]  # nothing has zzzznothing; model -model


@pytest.fixture(params=["file", "http"])
def many_url(request: pytest.FixtureRequest, sites: dict[str, str]) -> Iterator[str]:
    """The many-shard site's search.html, from disk and over local HTTP."""
    if request.param == "file":
        yield sites["many"]
        return
    with http_server(Path(urlsplit(sites["many"]).path).parent) as base:
        yield base + "search.html"


def loaded_set(page: Any) -> set[int]:
    return set(page.evaluate("SitegenSearch.load().then(e => Object.keys(e.parts).map(Number))"))


@pytest.mark.browser
def test_a_query_loads_only_the_shards_it_needs(open_page: Any, many_url: str) -> None:
    meta, shards = search.build_payload(DOCUMENTS, TINY)
    keys, stem = meta["shards"], porter_stemmer.stem
    page = open_page(many_url)
    total = int(page.evaluate("SitegenSearch.load().then(e => e.keys.length)"))
    scripts = "document.querySelectorAll('script[src*=\"search/terms-\"]').length"
    assert total > 50 and loaded_shards(page) == 0 and page.evaluate(scripts) == 0
    page.evaluate(RESULTS, ["contrastive "])
    assert loaded_set(page) == {shard_of(keys, "contrast")} and page.evaluate(scripts) == 1
    page.evaluate(RESULTS, ["transfer learning "])
    # Each word's shard, and where their joined form would be ("multi task" finds multitask).
    words = {shard_of(keys, t) for t in ("contrast", "transfer", "learn", stem("transferlearning"))}
    assert loaded_set(page) == words and len(words) >= 3
    page.evaluate(RESULTS, ["contrastive "])  # loaded once, kept
    assert loaded_set(page) == words and page.evaluate(scripts) == len(words)
    # A prefix: its range and stem, then the shards of the terms of the words it begins.
    prefix, term = next(iter(outside_prefixes(meta, shards).items()))
    page.evaluate(RESULTS, [prefix])
    table = {w: t for shard in shards for w, t in shard_decoder.shard_words(shard).items()}
    terms = {shard_of(keys, t) for w, t in table.items() if w.startswith(prefix)}
    expected = words | needed(keys, prefix) | terms
    assert shard_of(keys, term) in expected and loaded_set(page) == expected
    assert len(expected) < total // 4
    # A fuzzy term or a leading wildcard may match any term: the list of all terms says which.
    terms = [t for shard in shards for t in shard_decoder.front_decode(shard["terms"])]
    found = page.evaluate(RESULTS, ["modle~1 ", "*former "])
    near = {t for t in terms if OSA.distance(t, stem("modle")) <= 1}
    matched = {shard_of(keys, t) for t in near | {t for t in terms if t.endswith("former")}}
    assert all(found) and {"model", "modal", "mode"} <= near and len(matched) < total // 4
    assert loaded_set(page) == expected | matched
    assert page.evaluate(scripts) == len(expected | matched)
    termlist = "document.querySelectorAll('script[src*=\"search/termlist.js\"]').length"
    assert page.evaluate(termlist) == 1


TITLES = """async queries => {
  const engine = await SitegenSearch.load(), out = [];
  for (const q of queries) {
    const r = await engine.search(q);
    out.push((await engine.entries(r.results.map(x => +x.ref))).map(x => x.title));
  }
  return out;
}"""
"""JS: the titles each query finds, best first."""


@pytest.mark.browser
def test_words_past_u_ffff_decode_as_python_wrote_them(
    open_page: Any, sites: dict[str, str]
) -> None:
    page = open_page(sites["astral"])
    meta, shards = search.build_payload([*DOCUMENTS, to_document(ASTRAL)], TINY)
    terms = [t for shard in shards for t in shard_decoder.front_decode(shard["terms"])]
    assert {"\U00020bb7\u7530", "\U00020bb7\u91ce\u5bb6"} <= set(terms)
    full = json.loads(
        page.evaluate(
            f"SitegenSearch.load().then(e => e.load(e.all()).then(() => {LOADED_INDEX}(e)))"
        )
    )
    assert full == shard_decoder.decode(meta, shards)
    found = page.evaluate(TITLES, ["\U00020bb7\u7530 ", "\U00020bb7\u91ce\u5bb6 "])
    assert found == [[ASTRAL.title], [ASTRAL.title]]


@pytest.mark.browser
def test_browser_decodes_every_shard_as_python_does(open_page: Any, sites: dict[str, str]) -> None:
    page = open_page(sites["many"])
    meta, shards = search.build_payload(DOCUMENTS, TINY)
    partial = json.loads(
        page.evaluate(
            f"SitegenSearch.load().then(e => e.search('video lang').then(() => {LOADED_INDEX}(e)))"
        )
    )
    ks = page.evaluate("SitegenSearch.load().then(e => Object.keys(e.parts).map(Number))")
    expected = shard_decoder.merge(meta, shard_decoder.decode_shards(meta, [shards[k] for k in ks]))
    assert 0 < len(ks) < len(shards) and partial == expected
    full = json.loads(
        page.evaluate(
            f"SitegenSearch.load().then(e => e.load(e.all()).then(() => {LOADED_INDEX}(e)))"
        )
    )
    assert full == shard_decoder.decode(meta, shards)
    # The merged object is what lunr.Index.load takes, and answers as the live engine does.
    same = page.evaluate(
        "async qs => { const e = await SitegenSearch.load();"
        f"const i = lunr.Index.load(JSON.parse({LOADED_INDEX}(e)));"
        """i.pipeline = e.pipeline; const out = [];
        for (const q of qs) { const r = await e.search(q), c = e.parse(q).clauses;
          out.push([r.results.map(x => [x.ref, x.score]),
                    i.query(x => { x.clauses = c; }).map(x => [x.ref, x.score])]); }
        return out; }""",
        TYPED + list(LUNR),
    )
    assert all(a == b and a for a, b in same)
