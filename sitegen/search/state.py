"""The search index as integers and encoded terms, kept between builds and updated in place.

The encoded index (codec.py) holds only integers: per term its postings (documents and term
frequencies) and positions, per document its field lengths, and the document count; the browser
computes idf, average lengths and scores from them. So a document that changed, while every
document keeps its ref, changes only its own lengths and the terms it held or holds: `update`
re-analyses the old and the new version of each changed document and re-encodes just those
terms. Shards, positions files and the vocabulary are then assembled again from the encoded
terms (a tenth of a second at 10,000 papers), so they are cut exactly as a cold build cuts them.

Refs are positions in the newest-first list: a paper added or deleted moves every later ref,
and then `updatable` says no and the index is built afresh (`build_state`).

The documents are kept pickled, one by one (`documents.pack`): loading the index then costs
bytes, not ten objects a document, and an edit unpickles only the documents it changes.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from typing import Any

from lunr.token import Token
from lunr.trimmer import trimmer

from sitegen.search import codec, positions, splice
from sitegen.search.documents import FIELDS, Key, SearchDocument, pack, unpack
from sitegen.search.fastlunr import FastBuilder, fast_builder, split_words
from sitegen.search.fold import fold
from sitegen.workers import gc_paused

PositionsMemo = dict[tuple[str, ...], tuple[list[int], list[str]]]
"""A shard's terms' positions -> the files they are split into (`positions.split`)."""

MAX_CHANGED = 100
"""More changed documents than this: build afresh (about as fast by then)."""

_PLAIN_WORD = re.compile("[a-z]{3,}")


@dataclass(frozen=True, slots=True)
class IndexPayload:
    """Everything the index files are made of."""

    meta: dict[str, Any]
    """What every query needs (`search/index.js`)."""
    shards: list[dict[str, Any]]
    """Term shards (`search/terms-<k>.js`)."""
    positions: dict[int, str]
    """Term positions, in files of a few terms each, by number (`search/positions-<n>.js`;
    see `positions.file_stride`)."""
    vocabulary: str
    """Every indexed word, front-coded (`search/words.js`): typos are looked up in it."""
    term_list: str
    """Every term, front-coded (`search/termlist.js`): a fuzzy term (word~1) or a leading
    wildcard (*former) finds the terms it matches there, then loads only their shards."""


@dataclass(slots=True)
class IndexState:
    """The index of `documents`, term by term. Mutable: `update` changes it in place, which is
    the point (a copy would cost what a rebuild saves)."""

    packed: list[bytes]
    """What was indexed, in ref order, each document pickled (`documents.pack`)."""
    keys: list[Key]
    """Each document's key (`documents.Key`): an equal key, an equal document."""
    header: codec.Header
    """Fields, boosts, k1, b (the lengths and count in it are `lengths`' and `packed`')."""
    pipeline: list[str]
    """The search pipeline, serialized."""
    lengths: list[list[int]]
    """Per field, per document: the field's length in terms."""
    terms: list[str]
    """Every term, in UTF-16 order."""
    postings: dict[str, str]
    """Term -> its postings, encoded (`codec.encode_postings`)."""
    positions: dict[str, str]
    """Term -> its positions, encoded (absent: none, as for a joined compound)."""
    word_docs: Counter[str]
    """Every word lunr split a document into -> the number of documents holding it."""
    surface: dict[str, tuple[str, str]]
    """Each of those words the pipeline keeps -> (the word trimmed, its term)."""
    words: dict[str, set[str]]
    """Term -> the trimmed words stemmed to it (`assets.surface_words`)."""
    vocabulary: str | None = None
    """`vocabulary(words)`, once made (None: to make)."""
    payloads: dict[int, IndexPayload] = field(default_factory=dict)
    """The payload by shard size, once assembled."""
    shard_memos: dict[int, codec.ShardMemo] = field(default_factory=dict)
    """By shard size: the shards last assembled, by their contents (kept between builds)."""
    position_memos: dict[int, PositionsMemo] = field(default_factory=dict)
    """By shard size: each shard's positions files last made, by its terms' positions."""

    def updatable(self, packed: Sequence[bytes]) -> list[int] | None:
        """The refs of the documents (pickled) that changed, if `update` can take them; else
        None."""
        if len(packed) != len(self.packed):
            return None
        # Unchanged documents are mostly the very bytes objects kept: compared by identity.
        changed = [i for i, (a, b) in enumerate(zip(self.packed, packed, strict=True)) if a != b]
        return changed if len(changed) <= MAX_CHANGED else None

    def update(
        self, new_documents: Mapping[int, SearchDocument], packed: list[bytes], keys: list[Key]
    ) -> None:
        """Index the documents `packed` in place of the old ones; only those in
        `new_documents` (by ref) differ."""
        changed = sorted(new_documents)
        old = _Analysis([(i, unpack(self.packed[i])) for i in changed])
        new = _Analysis([(i, new_documents[i]) for i in changed])
        self.packed, self.keys = packed, keys
        if not changed:
            return
        for f, spec in enumerate(FIELDS):
            for ref in changed:
                self.lengths[f][ref] = new.lengths[ref][spec.name]
        for term in old.terms() | new.terms():
            before = {ref: old.entries(ref, term) for ref in changed}
            after = {ref: new.entries(ref, term) for ref in changed}
            if before != after:  # most of a paper's terms are where they were
                self._repost(term, before, after)
        self._reword(old, new)
        self.payloads.clear()

    def _repost(self, term: str, before: _Entries, after: _Entries) -> None:
        """Splice the documents' new entries into one term's postings and positions."""
        fields = len(FIELDS)
        for kind, table in (
            (splice.POSTINGS, self.postings),
            (splice.POSITIONS, self.positions),
        ):
            k = int(kind.positions)
            changed = {
                ref: [_entry(kind, per_field[f][k]) for f in range(fields)]
                for ref, per_field in after.items()
            }
            only = {
                f for f in range(fields) for ref in after if before[ref][f][k] != after[ref][f][k]
            }
            text = splice.splice(table.get(term, ""), kind, fields, changed, only)
            if not kind.positions:
                self._set_postings(term, text)
            elif text.strip(codec.FIELD_SEP):
                table[term] = text
            else:
                table.pop(term, None)

    def _set_postings(self, term: str, text: str) -> None:
        if text.strip(codec.FIELD_SEP):
            if term not in self.postings:
                self.terms.insert(_rank(self.terms, term), term)
            self.postings[term] = text
        elif term in self.postings:
            del self.postings[term]
            self.terms.pop(_rank(self.terms, term))

    def _reword(self, old: _Analysis, new: _Analysis) -> None:
        """Count the documents' words again; a word first met or no longer held changes
        `words` (and the vocabulary, if it is a plain word)."""
        delta: Counter[str] = Counter()
        for ref, before in old.raw.items():
            delta.update(new.raw[ref] - before)
            delta.subtract(before - new.raw[ref])
        gone: list[str] = []
        for raw, change in delta.items():
            if change > 0 and self.word_docs[raw] == 0:
                self._met(raw, new.piped.get(raw))
            self.word_docs[raw] += change
            if not self.word_docs[raw]:
                del self.word_docs[raw]
                if change < 0:
                    gone.append(raw)
        if not gone:
            return
        held = Counter(word for word, _term in self.surface.values())
        for raw in gone:
            entry = self.surface.pop(raw, None)
            if entry is None:
                continue
            word, term = entry
            held[word] -= 1
            if not held[word]:
                self._forget(word, term)

    def _met(self, raw: str, term: str | None) -> None:
        if term is None:
            return
        word = _trimmed(raw)
        self.surface[raw] = (word, term)
        group = self.words.setdefault(term, set())
        if word not in group:
            group.add(word)
            if _PLAIN_WORD.fullmatch(word):
                self.vocabulary = None

    def _forget(self, word: str, term: str) -> None:
        group = self.words.get(term, set())
        group.discard(word)
        if not group:
            self.words.pop(term, None)
        if _PLAIN_WORD.fullmatch(word):
            self.vocabulary = None

    def payload(self, shard_bytes: int) -> IndexPayload:
        """The index files' contents, cut into shards of about `shard_bytes`."""
        made = self.payloads.get(shard_bytes)
        if made is not None:
            return made
        h = self.header
        header = codec.Header(
            h.fields,
            h.boosts,
            h.k1,
            h.b,
            len(self.packed),
            tuple(map(tuple, self.lengths)),
        )
        encoded = [self.postings[term] for term in self.terms]
        memo = self.shard_memos.setdefault(shard_bytes, {})
        meta, shards, counts = codec.assemble(
            header, self.terms, encoded, self.pipeline, self.words, shard_bytes, memo
        )
        empty = "," * (len(FIELDS) - 1)
        split_before = self.position_memos.get(shard_bytes, {})
        split: PositionsMemo = {}
        self.position_memos[shard_bytes] = split
        start = 0
        splits = []
        for count in counts:
            texts = tuple(self.positions.get(t, empty) for t in self.terms[start : start + count])
            start += count
            splits.append(split_before.get(texts) or positions.split(texts))
            split[texts] = splits[-1]
        stride = positions.file_stride(max((len(parts) for _, parts in splits), default=0))
        files: dict[int, str] = {}
        for k, (shard, (starts, parts)) in enumerate(zip(shards, splits, strict=True)):
            shard["positionFile"], shard["positionStarts"] = k * stride, list(starts)
            files.update(enumerate(parts, k * stride))
        if self.vocabulary is None:
            self.vocabulary = vocabulary(self.words)
        term_list = codec.front_code(self.terms)
        made = IndexPayload(meta, shards, files, self.vocabulary, term_list)
        self.payloads[shard_bytes] = made
        return made


def build_state(
    documents: Iterable[SearchDocument],
    packed: list[bytes] | None = None,
    keys: list[Key] | None = None,
) -> IndexState:
    """The index of `documents` (`packed`, if pickled already; with their `keys`), from
    scratch. Each document is counted and let go (`indexer.Indexer`): `documents` may make
    them one at a time."""
    # Imported here: its numpy is for cold builds only, an edit's build need not import it.
    from sitegen.search.indexer import Indexer

    indexer = Indexer()
    made: list[bytes] = []
    with gc_paused():
        for document in documents:
            indexer.add(document)
            if packed is None:
                made.append(pack(document))
        terms, encoded = indexer.postings()
        table = indexer.positions_table()
        surface = {
            raw: (_trimmed(raw), term) for raw, term in indexer.builder.piped_words().items()
        }
        words: dict[str, set[str]] = {}
        for word, term in surface.values():
            words.setdefault(term, set()).add(word)
    header = replace(indexer.header(), lengths=())  # `lengths` has them
    return IndexState(
        packed=made if packed is None else packed,
        keys=[None] * indexer.documents if keys is None else keys,
        header=header,
        pipeline=indexer.builder.search_pipeline.serialize(),
        lengths=indexer.lengths,
        terms=terms,
        postings=dict(zip(terms, encoded, strict=True)),
        positions=table,
        word_docs=indexer.word_docs,
        surface=surface,
        words=words,
    )


def vocabulary(words: Mapping[str, Set[str]]) -> str:
    """The words a typo may be corrected to: all letters, three or more, front-coded."""
    found = {w for group in words.values() for w in group if _PLAIN_WORD.fullmatch(w)}
    return codec.front_code(sorted(found))


class _Analysis:
    """What a few documents (with their refs) hold: per field, term frequencies, lengths and
    term positions, and the words lunr splits them into."""

    def __init__(self, documents: Sequence[tuple[int, SearchDocument]]) -> None:
        builder = fast_builder(FIELDS)
        builder.term_lists = {}
        self.frequencies: dict[int, dict[str, Mapping[str, int]]] = {}
        self.lengths: dict[int, dict[str, int]] = {}
        self.positions: dict[int, dict[str, dict[str, list[int]]]] = {}
        self.raw: dict[int, set[str]] = {}
        self.names = names = [spec.name for spec in FIELDS]
        for ref, doc in documents:
            lunr_doc, joined = doc.lunr_document(ref)
            builder.add(lunr_doc)
            self.frequencies[ref] = {n: builder.field_term_frequencies[f"{n}/{ref}"] for n in names}
            self.lengths[ref] = {n: builder.field_lengths[f"{n}/{ref}"] for n in names}
            values = _value_terms(builder, doc, ref, joined)
            self.positions[ref] = {n: _places(v) for n, v in zip(names, values, strict=True)}
            self.raw[ref] = {w for n in names for w in split_words(lunr_doc[n]) if w}
        self.piped = builder.piped_words()

    def entries(self, ref: int, term: str) -> list[tuple[Any, Any]]:
        """Per field: the term's frequency and positions in document `ref` (None: none)."""
        return [
            (self.frequencies[ref][n].get(term), self.positions[ref][n].get(term))
            for n in self.names
        ]

    def terms(self) -> set[str]:
        return {term for fields in self.frequencies.values() for f in fields.values() for term in f}


_Entries = dict[int, list[tuple[Any, Any]]]
"""Per document: per field, a term's frequency and positions there (None: none)."""


def _entry(kind: splice.Kind, value: Any) -> splice.Entry | None:
    if not value:
        return None
    return splice.positions_entry(value) if kind.positions else splice.postings_entry(value)


def _places(values: Sequence[Sequence[str | None]]) -> dict[str, list[int]]:
    """Term -> its positions in a field (values 2 apart, as `positions.collect` counts)."""
    out: dict[str, list[int]] = {}
    at = 0
    for value in values:
        for k, term in enumerate(value):
            if term is not None:
                out.setdefault(term, []).append(at + k)
        at += len(value) + 1
    return out


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


def _rank(terms: list[str], term: str) -> int:
    """Where `term` is, or goes, in `terms` (UTF-16 order)."""
    return bisect.bisect_left(terms, codec.utf16_key(term), key=codec.utf16_key)


def _trimmed(raw: str) -> str:
    # lunr's trimmer leaves a word of letters and digits as it is.
    return raw if raw.isalnum() else str(trimmer(Token(raw)))
