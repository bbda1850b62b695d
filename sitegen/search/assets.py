"""Papers -> the search index and document store, as scripts the browser loads with <script>.

Output (paths relative to the site root):

- `search/index.js`: what every query needs, and small: fields, pipeline, document count, field
  lengths (the scores' globals), the first key of every term shard, the tag table.
- `search/terms-<k>.js`: term shard k (`search_codec`): the postings of one contiguous range of
  terms in sorted order, and the surface words in that range that let the last word typed match
  as a prefix past its stem. A query loads the shards its words fall in, never the whole index.
  When the whole index fits in one shard, `index.js` carries it and there is no `terms-0.js`.
- `search/store-<k>.js`: what results are drawn from (title, URL slug, date, tags, short text)
  for papers `k * STORE_CHUNK` onwards. Split so a search downloads only the chunks of the results
  it shows, never the whole store.

Every file calls `SitegenSearch.receive(...)` (static/search.js) rather than being fetched, so
search works from file:// too. Refs are positions in the newest-first paper list.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import pickle
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import repeat
from pathlib import Path
from typing import Any

from lunr import __VERSION__ as lunr_version
from lunr.stop_word_filter import stop_word_filter
from lunr.token import Token
from lunr.trimmer import trimmer

from sitegen import urls
from sitegen.content.markdown import MarkdownTexts
from sitegen.content.models import Paper
from sitegen.content.topics import tag_slug
from sitegen.fingerprint import code_fingerprint
from sitegen.fsutil import replace_unflushed
from sitegen.search.documents import FIELDS, Key, SearchDocument, pack, to_document, unpack
from sitegen.search.fastlunr import REF, memo_stemmer
from sitegen.search.state import IndexPayload, IndexState, build_state, vocabulary
from sitegen.text import clip
from sitegen.workers import gc_paused

__all__ = [
    "FIELDS",
    "IndexPayload",
    "SearchDocument",
    "build_index_files",
    "build_payload",
    "build_search_assets",
    "search_assets_of",
    "surface_words",
    "to_document",
    "updated_search_assets",
    "vocabulary",
]

STORE_CHUNK = 10
"""Papers per store file. A page of 20 results touches about 20 files wherever its papers
are in the list, so a chunk holds few papers: 100,000 papers, first query's store 155 KiB gzip
with 50 a file, 40 KiB with 10."""

SHORT_TEXT = 240
"""Characters of abstract kept for a result's fragment (cut at a word boundary)."""

SHARD_BYTES = 64 * 1024
"""Target characters of a term shard. A query loads a shard or two of this size (gzip: about
60%), however large the index: at 50,000 papers, 150 shards. Halving or doubling it changes what
a first query downloads by a tenth at most (benchmarks/bench_search_shards.py)."""

CACHE_VERSION = "10"
"""Bump when the index payload changes for the same documents (invalidates caches)."""
STATE_FILE = "search/state.pickle"
"""The index kept between builds (`state.IndexState`) and the store's scripts, under the
cache folder."""

# lunr's tokenizer's separators.
_SEPARATORS = re.compile("[ \t\n\r\f\v\xa0-]+")


Row = tuple[Paper, Key, MarkdownTexts]
"""A paper, its key (`documents.Key`) and what knows the plain text of its abstract and notes."""


def build_search_assets(
    papers: Sequence[Paper],
    cache_dir: Path | None = None,
    shard_bytes: int = SHARD_BYTES,
    *,
    texts: MarkdownTexts | None = None,
    keys: Sequence[Key] | None = None,
    later: list[Callable[[], None]] | None = None,
) -> dict[str, bytes]:
    """Index, term shard and store files for `papers` (newest first), keyed by path under the
    output root.

    With `cache_dir`, the last build's index is updated when only a few papers changed (and
    reused when none did). `texts` knows the plain text of abstracts and notes converted already;
    `keys` (one per paper, `documents.Key`) spare making the document of a paper the cache knows.
    With `later`, saving the index for the next build is put there to be called once the files
    are handed on, instead of done before they are returned.
    """
    return search_assets_of(_rows(papers, texts, keys), cache_dir, shard_bytes, later)


def search_assets_of(
    rows: Iterable[Row],
    cache_dir: Path | None = None,
    shard_bytes: int = SHARD_BYTES,
    later: list[Callable[[], None]] | None = None,
) -> dict[str, bytes]:
    """`build_search_assets` of papers read once, one row at a time: a paper is let go once
    its document is made (100,000 papers and their texts: about 1 GB)."""
    with gc_paused():  # a million small objects loaded and made, no cycles among them
        cached = load_cache(cache_dir)
        documents = _Documents(rows, cached)
        return _assets(documents, cached, cache_dir, shard_bytes, later=later)


def updated_search_assets(
    papers: Sequence[Paper],
    cache_dir: Path,
    shard_bytes: int = SHARD_BYTES,
    *,
    texts: MarkdownTexts | None = None,
    keys: Sequence[Key] | None = None,
) -> dict[str, bytes] | None:
    """`build_search_assets`, if the last build's index can be updated to `papers` (a few
    papers changed, none added, removed or moved); else None, and nothing done."""
    with gc_paused():
        cached = load_cache(cache_dir)
        if cached is None:
            return None
        documents = _Documents(_rows(papers, texts, keys), cached)
        changed = cached[0].updatable(documents.packed)
        if changed is None:
            return None
        return _assets(documents, cached, cache_dir, shard_bytes, changed)


def _rows(
    papers: Sequence[Paper], texts: MarkdownTexts | None, keys: Sequence[Key] | None
) -> Iterable[Row]:
    every_key: Iterable[Key] = repeat(None) if keys is None else keys
    return zip(papers, every_key, repeat(texts or MarkdownTexts()))


class _Documents:
    """The papers' documents, pickled (`documents.pack`): made only for papers whose key the
    cache does not know (at 10,000 papers, half a second saved), unpickled only when read."""

    def __init__(self, rows: Iterable[Row], cached: _Cache | None) -> None:
        self.keys: list[Key] = []
        self._made: dict[int, SearchDocument] = {}
        self._known = cached[0] if cached is not None else None
        self._by_key: dict[Key, bytes] | None = None
        self.packed: list[bytes] = []
        tags: set[str] = set()
        known_keys = self._known.keys if self._known is not None else []
        known_packed = self._known.packed if self._known is not None else []
        for ref, (paper, key, texts) in enumerate(rows):
            self.keys.append(key)
            tags.update(paper.tags)
            # Most papers are where the cache has them (looked up here, not in a call each).
            if key is not None and ref < len(known_keys) and known_keys[ref] == key:
                self.packed.append(known_packed[ref])
                continue
            packed = self._cached(ref, key)
            if packed is None:
                document = self._made[ref] = to_document(paper, texts)
                packed = pack(document)
            self.packed.append(packed)
        self.tags = sorted(tags, key=str.casefold)
        """Every tag, in the order the store numbers them."""

    def __getitem__(self, ref: int) -> SearchDocument:
        document = self._made.get(ref)
        if document is None:
            document = self._made[ref] = unpack(self.packed[ref])
        return document

    def __len__(self) -> int:
        return len(self.packed)

    def handed(self) -> Iterator[SearchDocument]:
        """Every document in ref order, each let go here once handed out."""
        for ref in range(len(self.packed)):
            document = self._made.pop(ref, None)
            yield unpack(self.packed[ref]) if document is None else document

    def _cached(self, ref: int, key: Key) -> bytes | None:
        """The cached document of the paper with this key, if the cache has one."""
        known = self._known
        if key is None or known is None:
            return None
        if ref < len(known.keys) and known.keys[ref] == key:
            return known.packed[ref]
        if self._by_key is None:  # papers added, removed or moved: look them up by key
            self._by_key = {
                k: p for k, p in zip(known.keys, known.packed, strict=True) if k is not None
            }
        return self._by_key.get(key)


def _assets(
    documents: _Documents,
    cached: _Cache | None,
    cache_dir: Path | None,
    shard_bytes: int,
    changed_refs: list[int] | None = None,
    later: list[Callable[[], None]] | None = None,
) -> dict[str, bytes]:
    """The files of `documents`; `changed_refs`: `IndexState.updatable` of the cached index,
    if already asked; `later`, as `build_search_assets`."""
    tags = documents.tags
    store = _Store.made(documents, tags, cached)
    state, changed = _index_state(documents, cached, changed_refs)
    payload = state.payload(shard_bytes)  # first: the vocabulary it makes is kept too
    if cache_dir is not None and changed:
        save = functools.partial(save_cache, cache_dir, state, store)
        if later is None:
            save()
        else:
            later.append(save)
    meta, shards = dict(payload.meta), payload.shards
    meta["tags"] = [[name, tag_slug(name)] for name in tags]
    meta["storeChunk"] = STORE_CHUNK
    meta["storeVersion"] = store.version
    # Where results link to, under the page's root; the browser fills in {slug}.
    meta["urls"] = urls.BROWSER_PATTERNS
    scripts = [as_script("terms", k, shard) for k, shard in enumerate(shards)]
    extras = {n: as_script("positions", n, text) for n, text in payload.positions.items()}
    words = as_script("words", None, payload.vocabulary)
    term_list = as_script("termlist", None, payload.term_list)
    digest = hashlib.sha256()  # of them all, one after another (not joined: a copy of them all)
    for script in (*scripts, *extras.values(), words, term_list):
        digest.update(script)
    meta["shardVersion"] = digest.hexdigest()[:12]
    files = {}
    if len(shards) == 1:
        # A small index: one request instead of two. receive() keeps it for the engine.
        files[urls.SEARCH_INDEX] = scripts[0] + as_script("index", None, meta)
    else:
        files[urls.SEARCH_INDEX] = as_script("index", None, meta)
        files.update((urls.search_shard(k), script) for k, script in enumerate(scripts))
    files.update((urls.search_positions(n), script) for n, script in extras.items())
    files[urls.SEARCH_WORDS] = words
    files[urls.SEARCH_TERM_LIST] = term_list
    files.update((urls.search_store(k), script) for k, script in enumerate(store.scripts))
    return files


def _index_state(
    documents: _Documents, cached: _Cache | None, changed: list[int] | None = None
) -> tuple[IndexState, bool]:
    """The index of `documents`: the cached one updated, if it can be, else built afresh; and
    whether it differs from the cached one (or its keys do). `changed`: the refs that
    changed, if known."""
    if cached is not None:
        state = cached[0]
        if changed is None:
            changed = state.updatable(documents.packed)
        if changed is not None:
            keys_before = state.keys
            state.update({ref: documents[ref] for ref in changed}, documents.packed, documents.keys)
            return state, bool(changed) or keys_before != state.keys
    return build_state(documents.handed(), documents.packed, documents.keys), True


def build_payload(
    documents: Sequence[SearchDocument], shard_bytes: int = SHARD_BYTES
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The encoded lunr index: metadata and term shards (with the prefix-match words)."""
    payload = build_index_files(documents, shard_bytes)
    return payload.meta, payload.shards


def build_index_files(
    documents: Sequence[SearchDocument], shard_bytes: int = SHARD_BYTES
) -> IndexPayload:
    """The lunr index, encoded in shards, with positions and the vocabulary."""
    return build_state(documents).payload(shard_bytes)


def surface_words(documents: Iterable[Mapping[str, str]]) -> dict[str, set[str]]:
    """Per indexed term, the words (trimmed, lowercased, not stop words) stemmed to it, from
    lunr documents (`SearchDocument.fields`).

    A prefix longer than a word's stem ("contrastiv" past "contrast") matches no term; the
    browser looks prefixes up among these words instead (lunr.js issues 413 and 328). The
    index is built with the same table, made as it tokenises (`state.build_state`).
    """
    words: dict[str, set[str]] = defaultdict(set)
    seen: set[str] = {""}
    for doc in documents:
        text = " ".join(value for key, value in doc.items() if key != REF)
        new = set(_SEPARATORS.split(text.lower())) - seen
        seen |= new
        for raw in new:
            word = str(trimmer(Token(raw)))
            if stop_word_filter(Token(word)):
                words[str(memo_stemmer(Token(word)))].add(word)
    return words


def as_script(kind: str, chunk: int | None, payload: object) -> bytes:
    """`SitegenSearch.receive(kind, [chunk,] payload);` with nothing that could end the script.

    JSON is ASCII-only (no charset surprises from file://) and `<`, `>`, `&` are escaped, so no
    `</script>` or `<!--` can appear, whatever the papers contain.
    """
    text = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    args = json.dumps(kind) + ("" if chunk is None else f",{chunk}")
    return f"SitegenSearch.receive({args},{text});\n".encode("ascii")


@dataclass(frozen=True, slots=True)
class _Store:
    """The store's scripts, kept to be reused where their papers and the tag table are the
    same."""

    tags: tuple[str, ...]
    """The tag table the chunks number tags by."""
    packed: tuple[bytes, ...]
    """The documents they show, pickled (the index state's very bytes)."""
    digests: tuple[str, ...]
    """Each chunk's script's digest: `version` is a digest of them all."""
    scripts: tuple[bytes, ...]
    """Each chunk's script (`search/store-<k>.js`)."""
    chunk_tags: tuple[tuple[str, ...], ...]
    """The tags each chunk numbers: a chunk is reused while they keep their numbers (a new
    tag sorting after them, say), not only while the whole table is the same."""

    @property
    def version(self) -> str:
        """A digest of every chunk (of their digests: a digest of every chunk's text cost
        a one-paper edit as much as the rest of the store)."""
        return hashlib.sha256("".join(self.digests).encode()).hexdigest()[:12]

    @staticmethod
    def made(documents: _Documents, tags: Sequence[str], cached: _Cache | None) -> _Store:
        """The store of `documents`, reusing the cached chunks whose papers are unchanged."""
        old = cached[1] if cached is not None else None
        tag_ids = {tag: i for i, tag in enumerate(tags)}
        renumbered = _renumbered(old.tags, tag_ids) if old is not None else set()
        packed = tuple(documents.packed)
        digests, scripts, chunk_tags = [], [], []
        for k, start in enumerate(range(0, len(packed), STORE_CHUNK)):
            end = min(start + STORE_CHUNK, len(packed))
            if (
                old is not None
                and end <= len(old.packed)
                and old.packed[start:end] == packed[start:end]  # the same papers ...
                and renumbered.isdisjoint(old.chunk_tags[k])  # ... their tags' numbers too
            ):
                digests.append(old.digests[k])
                scripts.append(old.scripts[k])
                chunk_tags.append(old.chunk_tags[k])
                continue
            part = [documents[ref] for ref in range(start, end)]
            scripts.append(as_script("store", k, _store_chunk(part, tag_ids)))
            digests.append(hashlib.blake2b(scripts[-1], digest_size=16).hexdigest())
            chunk_tags.append(tuple(sorted({tag for doc in part for tag in doc.tags})))
        return _Store(tuple(tags), packed, tuple(digests), tuple(scripts), tuple(chunk_tags))


def _renumbered(old_tags: Sequence[str], tag_ids: Mapping[str, int]) -> set[str]:
    """The tags of the old table whose number is another (or none) in the new one."""
    return {tag for i, tag in enumerate(old_tags) if tag_ids.get(tag) != i}


def _store_chunk(part: Sequence[SearchDocument], tag_ids: Mapping[str, int]) -> dict[str, Any]:
    # Columns rather than records: gzip does better on runs of like values.
    return {
        "title": [doc.title for doc in part],
        "slug": [doc.slug for doc in part],
        "date": [doc.date for doc in part],
        "tags": [[tag_ids[tag] for tag in doc.tags] for doc in part],
        "text": [clip(doc.text, SHORT_TEXT) for doc in part],
    }


_Cache = tuple[IndexState, _Store]


def load_cache(cache_dir: Path | None) -> _Cache | None:
    """The last build's index and store, if made by this code and readable."""
    if cache_dir is None:
        return None
    try:
        with open(cache_dir / STATE_FILE, "rb") as file:
            version, code, state, store = pickle.load(file)
    except Exception:  # missing, damaged or from other code: built afresh, never trusted
        return None
    if version != (CACHE_VERSION, lunr_version) or code != code_fingerprint():
        return None
    if not isinstance(state, IndexState) or not isinstance(store, _Store):
        return None
    return state, store


def save_cache(cache_dir: Path, state: IndexState, store: _Store) -> None:
    """Keep the index and the store for the next build (not the assembled payloads)."""
    # lunr.py's version too: its stemmer and stop words make the terms.
    data = ((CACHE_VERSION, lunr_version), code_fingerprint(), replace(state, payloads={}), store)
    path = cache_dir / STATE_FILE
    with contextlib.suppress(OSError, pickle.PicklingError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            # Pickled into the file, not into bytes first (100,000 papers: 300 MB less), and
            # not fsynced: a cache a power cut damaged is not trusted, only rebuilt.
            with os.fdopen(fd, "wb") as file:
                pickle.dump(data, file, pickle.HIGHEST_PROTOCOL)
            replace_unflushed(name, path)
        finally:
            Path(name).unlink(missing_ok=True)
