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

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lunr.stop_word_filter import stop_word_filter
from lunr.token import Token
from lunr.trimmer import trimmer

from sitegen import urls
from sitegen.content.markdown import MarkdownTexts
from sitegen.content.models import Paper
from sitegen.content.topics import tag_slug
from sitegen.fsutil import atomic_write_bytes
from sitegen.search import codec as search_codec
from sitegen.search import positions
from sitegen.search.fastlunr import (
    REF,
    FastBuilder,
    FieldSpec,
    fast_builder,
    gc_paused,
    memo_stemmer,
    split_words,
)
from sitegen.search.fold import compounds, fold, fold_tex
from sitegen.text import clip

FIELDS = (
    FieldSpec("title", 10),
    FieldSpec("tag", 5),
    FieldSpec("author", 3),
    FieldSpec("year", 1),
    FieldSpec("venue", 2),
    FieldSpec("status", 1),
    FieldSpec("id", 1),
    FieldSpec("abstract", 1),
)
"""Indexed fields. Readers name them in queries (`title:`, `tag:`, `author:`, `year:`,
`venue:`, `status:`); `id` holds the arXiv id and DOI, found bare; the abstract field holds the
abstract and the notes. Boosts put title matches first."""

STORE_CHUNK = 50
"""Papers per store file: a first page of results touches a few small files."""

SHORT_TEXT = 240
"""Characters of abstract kept for a result's fragment (cut at a word boundary)."""

SHARD_BYTES = 64 * 1024
"""Target characters of a term shard. A query loads a shard or two of this size (gzip: about
60%), however large the index: at 50,000 papers, 150 shards. Halving or doubling it changes what
a first query downloads by a tenth at most (benchmarks/bench_search_shards.py)."""

CACHE_VERSION = "4"
"""Bump when the index payload changes for the same documents (invalidates caches)."""

_SPACES = re.compile(r"\s+")
_PLAIN_WORD = re.compile("[a-z]{3,}")
# Text with none of these renders to itself (modulo whitespace): no need to run the parser.
_SEPARATORS = re.compile("[ \t\n\r\f\v\xa0-]+")


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """What one paper contributes to the index and the store."""

    title: str
    """Plain-text title."""
    slug: str
    """The paper page is `papers/<slug>.html`."""
    date: str
    """ISO date."""
    tags: tuple[str, ...]
    """Tags as shown."""
    authors: tuple[str, ...]
    """Author names."""
    text: str
    """Abstract and notes as plain text."""
    year: str = ""
    """Publication year, else the listing year."""
    venue: str = ""
    """Where it was published, when known."""
    status: str = ""
    """Reading status, hyphens dropped (`toread`): `status:read` is not `to-read`."""
    ids: tuple[str, ...] = ()
    """arXiv id and DOI, when known."""

    def parts(self) -> dict[str, tuple[str, ...]]:
        """Each field's values, as written (list fields: one value per author or tag)."""
        return {
            "title": (self.title,),
            "tag": self.tags,
            "author": self.authors,
            "year": (self.year or self.date[:4],),
            "venue": (self.venue,),
            "status": (self.status,),
            "id": self.ids,
            "abstract": (self.text,),
        }

    def fields(self, ref: int) -> dict[str, str]:
        """The lunr document: values folded (accents, TeX), compounds also joined."""
        return self.lunr_document(ref)[0]

    def lunr_document(self, ref: int) -> tuple[dict[str, str], dict[str, int]]:
        """`fields(ref)`, and per field the number of joined compounds it ends with."""
        document, joined = {REF: str(ref)}, {}
        for name, values in self.parts().items():
            folded = fold(" ".join(values))
            extra = compounds(folded)
            document[name] = f"{folded} {' '.join(extra)}" if extra else folded
            joined[name] = len(extra)
        return document, joined


def build_search_assets(
    papers: Sequence[Paper],
    cache_dir: Path | None = None,
    shard_bytes: int = SHARD_BYTES,
    *,
    texts: MarkdownTexts | None = None,
) -> dict[str, bytes]:
    """Index, term shard and store files for `papers` (newest first), keyed by path under the
    output root.

    With `cache_dir`, the index is reused when no indexed text changed since the last build.
    `texts` knows the plain text of abstracts and notes converted already.
    """
    texts = texts or MarkdownTexts()
    documents = [to_document(paper, texts) for paper in papers]
    tags = _tag_table(documents)
    payload = _cached_index(documents, cache_dir, shard_bytes)
    meta, shards = payload.meta, payload.shards
    meta["tags"] = [[name, tag_slug(name)] for name in tags]
    meta["storeChunk"] = STORE_CHUNK
    chunks = _store_chunks(documents, tags)
    meta["storeVersion"] = _digest(chunks)[:12]
    # Where results link to, under the page's root; the browser fills in {slug}.
    meta["urls"] = urls.BROWSER_PATTERNS
    scripts = [as_script("terms", k, shard) for k, shard in enumerate(shards)]
    extras = [as_script("positions", k, text) for k, text in enumerate(payload.positions)]
    extras.append(as_script("words", None, payload.vocabulary))
    meta["shardVersion"] = hashlib.sha256(b"".join(scripts + extras)).hexdigest()[:12]
    files = {}
    if len(shards) == 1:
        # A small index: one request instead of two. receive() keeps it for the engine.
        files[urls.SEARCH_INDEX] = scripts[0] + as_script("index", None, meta)
    else:
        files[urls.SEARCH_INDEX] = as_script("index", None, meta)
        files.update((urls.search_shard(k), script) for k, script in enumerate(scripts))
    files.update((urls.search_positions(k), script) for k, script in enumerate(extras[:-1]))
    files[urls.SEARCH_WORDS] = extras[-1]
    for k, chunk in enumerate(chunks):
        files[urls.search_store(k)] = as_script("store", k, chunk)
    return files


def to_document(paper: Paper, texts: MarkdownTexts | None = None) -> SearchDocument:
    """The searchable view of a paper."""
    texts = texts or MarkdownTexts()
    # TeX accents (T\"ulu) before Markdown reads their backslashes as escapes.
    text = texts.plain(fold_tex(paper.abstract))
    notes = texts.plain(fold_tex(paper.notes))
    return SearchDocument(
        title=_SPACES.sub(" ", paper.title).strip(),
        slug=paper.slug,
        date=paper.date.isoformat(),
        tags=paper.tags,
        authors=paper.authors,
        text=f"{text}\n{notes}" if notes else text,
        year=str(paper.year or paper.date.year),
        venue=paper.venue or "",
        status=paper.status.replace("-", ""),
        ids=tuple(i for i in (paper.arxiv, paper.doi) if i),
    )


def build_payload(
    documents: Sequence[SearchDocument], shard_bytes: int = SHARD_BYTES
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The encoded lunr index: metadata and term shards (with the prefix-match words)."""
    payload = build_index_files(documents, shard_bytes)
    return payload.meta, payload.shards


@dataclass(frozen=True, slots=True)
class IndexPayload:
    """Everything the index files are made of."""

    meta: dict[str, Any]
    """What every query needs (`search/index.js`)."""
    shards: list[dict[str, Any]]
    """Term shards (`search/terms-<k>.js`)."""
    positions: list[str]
    """Term positions, in files of a few terms each (`search/positions-<n>.js`)."""
    vocabulary: str
    """Every indexed word, front-coded (`search/words.js`): typos are looked up in it."""


def build_index_files(
    documents: Sequence[SearchDocument], shard_bytes: int = SHARD_BYTES
) -> IndexPayload:
    """The lunr index, encoded in shards, with positions and the vocabulary."""
    builder = fast_builder(FIELDS)
    builder.term_lists = {}
    joined = []
    with gc_paused():
        for i, doc in enumerate(documents):
            lunr_doc, extra = doc.lunr_document(i)
            builder.add(lunr_doc)
            joined.append(extra)
        header, terms, encoded = search_codec.encode_builder(builder)
        words = _surface_words(builder.piped_words())
        pipeline = builder.search_pipeline.serialize()
        meta, shards = search_codec.assemble(header, terms, encoded, pipeline, words, shard_bytes)
        table = positions.collect(
            [_value_terms(builder, doc, i, joined[i]) for i, doc in enumerate(documents)],
            len(FIELDS),
        )
    files: list[str] = []
    ends = [shard["first"] for shard in shards[1:]] + [len(terms)]
    for shard, end in zip(shards, ends, strict=True):
        shard_terms = terms[shard["first"] : end]
        starts, texts = positions.split(positions.encode(table, shard_terms, len(FIELDS)))
        shard["positionFile"], shard["positionStarts"] = len(files), starts
        files += texts
    return IndexPayload(meta, shards, files, vocabulary(words))


def _value_terms(
    builder: FastBuilder, document: SearchDocument, ref: int, joined: Mapping[str, int]
) -> list[list[list[str | None]]]:
    """Per field, per value: the term of each word (positions count the words of each value,
    not the joined compounds after them)."""
    out = []
    for name, values in document.parts().items():
        if len(values) == 1:  # the builder split it already
            terms = builder.term_lists[f"{name}/{ref}"]  # type: ignore[index]
            out.append([terms[: len(terms) - joined[name]]])
        else:
            piped = builder.piped(name)
            out.append([[piped[w] for w in split_words(fold(v)) if w] for v in values])
    return out


def _surface_words(piped: Mapping[str, str]) -> dict[str, set[str]]:
    """`surface_words`, from every word the builder split and the term it became."""
    words: dict[str, set[str]] = defaultdict(set)
    for raw, term in piped.items():
        # lunr's trimmer leaves a word of letters and digits as it is.
        words[term].add(raw if raw.isalnum() else str(trimmer(Token(raw))))
    return words


def vocabulary(words: Mapping[str, Set[str]]) -> str:
    """The words a typo may be corrected to: all letters, three or more, front-coded."""
    found = {w for group in words.values() for w in group if _PLAIN_WORD.fullmatch(w)}
    return search_codec.front_code(sorted(found))


def surface_words(documents: Iterable[Mapping[str, str]]) -> dict[str, set[str]]:
    """Per indexed term, the words (trimmed, lowercased, not stop words) stemmed to it, from
    lunr documents (`SearchDocument.fields`).

    A prefix longer than a word's stem ("contrastiv" past "contrast") matches no term; the
    browser looks prefixes up among these words instead (lunr.js issues 413 and 328).
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


def _tag_table(documents: Sequence[SearchDocument]) -> list[str]:
    return sorted({tag for doc in documents for tag in doc.tags}, key=str.casefold)


def _store_chunks(
    documents: Sequence[SearchDocument], tags: Sequence[str]
) -> list[dict[str, list[Any]]]:
    tag_ids = {tag: i for i, tag in enumerate(tags)}
    chunks: list[dict[str, list[Any]]] = []
    for start in range(0, len(documents), STORE_CHUNK):
        part = documents[start : start + STORE_CHUNK]
        # Columns rather than records: gzip does better on runs of like values.
        chunks.append(
            {
                "title": [doc.title for doc in part],
                "slug": [doc.slug for doc in part],
                "date": [doc.date for doc in part],
                "tags": [[tag_ids[tag] for tag in doc.tags] for doc in part],
                "text": [clip(doc.text, SHORT_TEXT) for doc in part],
            }
        )
    return chunks


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def _cached_index(
    documents: Sequence[SearchDocument], cache_dir: Path | None, shard_bytes: int
) -> IndexPayload:
    """The index files' contents, from `cache_dir` when the indexed text is unchanged."""
    if cache_dir is None:
        return build_index_files(documents, shard_bytes)
    key = _digest(
        [CACHE_VERSION, search_codec.FORMAT, shard_bytes, [(f.name, f.boost) for f in FIELDS]]
        + [[doc.fields(i), doc.parts()] for i, doc in enumerate(documents)]
    )
    folder = cache_dir / "search"
    cached = folder / f"index-{key[:32]}.json"
    if cached.is_file():
        return IndexPayload(**json.loads(cached.read_text(encoding="utf-8")))
    payload = build_index_files(documents, shard_bytes)
    fields = {name: getattr(payload, name) for name in IndexPayload.__slots__}
    atomic_write_bytes(cached, json.dumps(fields).encode("utf-8"))
    for stale in folder.glob("index-*.json"):
        if stale != cached:
            stale.unlink(missing_ok=True)
    return payload
