"""Feeds, sitemap, robots.txt and BibTeX files that go with the pages, made in a side job of
the render.

What each file and each paper's BibTeX entry was made from is kept in `.sitegen-cache/`: a
row per file (what it was made from, the digest of its bytes), a row per entry's text (by
its digest) and one row listing every paper's entry (its paper's key, citation key and
digest: read and split whole, ten times quicker than a row a paper at 10,000 papers). A
build after an edit makes again only the entries of edited papers and the files whose
inputs changed, reads the texts of only the entries a remade file holds, and writes back
only the rows that changed. A file made from the same inputs as the output's is not made
at all, nor sent back: the side job says it is Unchanged, with its digest.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sitegen import fingerprint
from sitegen.build.rowstore import RowStore
from sitegen.config import SiteConfig
from sitegen.content.markdown import MarkdownTexts
from sitegen.content.models import Paper
from sitegen.output.writer import file_digest
from sitegen.render.bibtex import (
    bib_contents,
    bib_file,
    clash_root,
    entry_keys,
    key_base,
    paper_bibtex,
)
from sitegen.render.feeds import FileRecipe, feed_recipes, sitemap_recipe
from sitegen.render.renderer import Made, Unchanged
from sitegen.site.graph import SiteGraph
from sitegen.urls import BIBLIOGRAPHY, NOT_FOUND, SITEMAP

CACHE_VERSION = "companions-v3"
FILE, TEXT = "f:", "t:"
"""Row key prefixes: a file (by path), an entry's text (by digest)."""
ENTRIES = "entries"
"""The row of every paper's entry."""
_SEP = "\0"
"""Between the values of a row (no path, key or digest holds it)."""

_HEX = re.compile("[0-9a-f]{40}")
_DIGEST_CHARS = 40
_READ_ALL_FROM = 1000
"""From this many entry texts to read, all are read (a .bib file of most papers)."""

Holds = Callable[[str, str], bool]
"""Whether the output holds a path with bytes of a digest (`OutputWriter.has`)."""


Held = Callable[[str, str], bytes | None]
"""The output's bytes of a path, if it holds them with a digest (`OutputWriter.held`)."""


def _holds_nothing(_path: str, _digest: str) -> bool:
    return False


def _held_nothing(_path: str, _digest: str) -> bytes | None:
    return None


_EntryRow = tuple[str, str, str]
"""What a paper's BibTeX entry was made from, and the digest of its text: the paper's key
(`key_of`, as text; "" when it has none that lasts between runs), its citation key, the
digest. (Tuples: ten thousand of them are read, compared and written every build.)"""


def _read_entries(value: bytes) -> dict[str, _EntryRow]:
    """The entries row: the digest of the rest, then a line per paper, slug and the row's
    values. A row whose digest fails is read as none: its citation keys are trusted where
    no paper changed (see `_citation_keys`)."""
    checksum, _, text = value.partition(b"\n")
    if checksum.decode("ascii", "replace") != _digest(text):
        return {}
    rows = {}
    for line in text.decode("utf-8", "surrogatepass").split("\n"):
        parts = line.split(_SEP)
        if len(parts) == 4 and len(parts[3]) == _DIGEST_CHARS:
            rows[parts[0]] = (parts[1], parts[2], parts[3])
    return rows


def _entries_row(rows: Mapping[str, _EntryRow]) -> bytes:
    lines = [_SEP.join((slug, *row)) for slug, row in rows.items()]
    text = "\n".join(lines).encode("utf-8", "surrogatepass")
    return _digest(text).encode() + b"\n" + text


@dataclass(frozen=True, slots=True)
class _FileRow:
    """What a file was made from (`FileRecipe.key`), and the digest of its bytes."""

    key: str
    digest: str

    def encode(self) -> bytes:
        return _SEP.join((self.key, self.digest)).encode("utf-8")

    @staticmethod
    def decode(value: bytes) -> _FileRow | None:
        parts = _split(value, 2)
        return _FileRow(*parts) if parts is not None else None


class CompanionCache:
    """The feeds, sitemap, robots.txt and BibTeX files of a build, made afresh only where
    their inputs changed since the last build (whose rows `cache_file` keeps)."""

    def __init__(self, cache_file: Path | None, key_of: Callable[[Paper], object]) -> None:
        self._store = RowStore(cache_file) if cache_file is not None else None
        self.key_of = key_of
        """What stands for a paper between runs: its file and digest (else the paper)."""

    def files(
        self,
        config: SiteConfig,
        graph: SiteGraph,
        texts: MarkdownTexts,
        pages: Callable[[], Iterable[str]],
        holds: Holds = _holds_nothing,
        held: Held = _held_nothing,
    ) -> dict[str, Made | Unchanged]:
        """Feeds, sitemap, robots.txt and BibTeX files for the site's `pages()`, as a cold
        build makes them: each file's bytes, or Unchanged if the output `holds` them already
        (and `held` reads the output's files that the .bib files made again may take from).
        `pages` is called last, and only for a sitemap: the files may be made before the
        build knows its pages (see pipeline.SearchJob)."""
        stamp = f"{CACHE_VERSION} {fingerprint.code_fingerprint()}"
        entry_rows, file_rows = self._read(stamp)
        recipes = feed_recipes(config, graph, extra_pages=None, texts=texts)
        entries = _Entries(graph.papers, self.key_of, entry_rows or {}, self._texts_of(stamp))
        contents = bib_contents(graph.papers, graph.tags)
        recipes.update(entries.recipes(contents))
        last_all = (file_rows or {}).get(BIBLIOGRAPHY)
        if entry_rows and last_all is not None and last_all.key != recipes[BIBLIOGRAPHY].key:
            entries.take_written(contents[BIBLIOGRAPHY], entry_rows, last_all, held)
        last_rows = file_rows or {}
        files: dict[str, Made | Unchanged] = {}
        made_rows: dict[str, _FileRow] = {}
        for path, recipe in recipes.items():
            files[path], made_rows[path] = _made(path, recipe, last_rows.get(path), holds)
        # The sitemap last: it lists the pages, which may be known only by now.
        sitemap = sitemap_recipe(config, graph, lambda: _listed(pages()))
        if sitemap is not None:
            files[SITEMAP], made_rows[SITEMAP] = _made(
                SITEMAP, sitemap, last_rows.get(SITEMAP), holds
            )
        if entry_rows is None or file_rows is None:
            self._replace(stamp, entries, made_rows)
        else:
            self._update(stamp, entries, entry_rows, made_rows, file_rows)
        return files

    def _read(self, stamp: str) -> tuple[dict[str, _EntryRow] | None, dict[str, _FileRow] | None]:
        """The last build's entries and files (None: no cache file of this code)."""
        if self._store is None:
            return None, None
        entries = self._store.read_keys(stamp, [ENTRIES])
        files = self._store.read(stamp, FILE)
        if entries is None or files is None:
            return None, None
        try:
            entry_rows = _read_entries(entries.get(ENTRIES, b""))
        except (UnicodeDecodeError, AttributeError):  # damaged: every entry is made again
            entry_rows = {}
        decoded = {path[len(FILE) :]: _FileRow.decode(value) for path, value in files.items()}
        return entry_rows, {path: row for path, row in decoded.items() if row is not None}

    def _texts_of(self, stamp: str) -> Callable[[Collection[str]], dict[str, bytes]]:
        """Reads entry texts by digest (those the file holds)."""

        def read(digests: Collection[str]) -> dict[str, bytes]:
            if self._store is None:
                return {}
            if len(digests) >= _READ_ALL_FROM:  # a range of the index: quicker for many
                rows = self._store.read(stamp, TEXT)
            else:
                rows = self._store.read_keys(stamp, [TEXT + digest for digest in digests])
            return {key[len(TEXT) :]: value for key, value in (rows or {}).items()}

        return read

    def _update(
        self,
        stamp: str,
        entries: _Entries,
        entry_rows: Mapping[str, _EntryRow],
        file_rows: dict[str, _FileRow],
        old_file_rows: Mapping[str, _FileRow],
    ) -> None:
        """Write the rows that changed, delete those no longer used (a cache: failing
        only costs time, and a row left out or damaged is made again next time)."""
        assert self._store is not None
        used = {row[2] for row in entries.rows.values()}
        rows = _rows(FILE, file_rows, old_file_rows)
        if entries.rows != entry_rows:
            rows[ENTRIES] = _entries_row(entries.rows)
        rows.update((TEXT + d, bytes(entries.texts[d])) for d in entries.made & used)
        removed = [FILE + path for path in old_file_rows.keys() - file_rows.keys()]
        removed += [TEXT + d for d in {row[2] for row in entry_rows.values()} - used]
        if rows or removed:
            self._store.update(stamp, rows, removed)

    def _replace(self, stamp: str, entries: _Entries, file_rows: dict[str, _FileRow]) -> None:
        """Start the file afresh with every row (a first build, or a damaged file)."""
        if self._store is None:
            return
        rows = _rows(FILE, file_rows, {})
        rows[ENTRIES] = _entries_row(entries.rows)
        rows.update((TEXT + digest, bytes(text)) for digest, text in entries.texts.items())
        self._store.replace(stamp, rows)


def _listed(pages: Iterable[str]) -> list[str]:
    """The pages a sitemap lists besides the papers' and tags' (404.html is not one)."""
    return sorted(p for p in pages if p.endswith(".html") and p != NOT_FOUND)


def _made(
    path: str, recipe: FileRecipe, last: _FileRow | None, holds: Holds
) -> tuple[Made | Unchanged, _FileRow]:
    """A file: Unchanged if made from what the output's file was made from; else made, and
    still Unchanged if its bytes are the output's."""
    if last is not None and last.key == recipe.key and holds(path, last.digest):
        return Unchanged(last.digest), last
    data = recipe.make()
    digest = file_digest(data)
    made = Unchanged(digest) if holds(path, digest) else Made(data, digest)
    return made, _FileRow(recipe.key, digest)


class _Entries:
    """Every paper's BibTeX entry, by the digest of its text: made only for papers whose
    key or citation key changed, read from the cache only for the files made again."""

    def __init__(
        self,
        papers: Sequence[Paper],
        key_of: Callable[[Paper], object],
        known: Mapping[str, _EntryRow],
        read: Callable[[Collection[str]], dict[str, bytes]],
    ) -> None:
        self.rows: dict[str, _EntryRow] = {}
        """Each paper's row, by slug."""
        self.texts: dict[str, bytes | memoryview] = {}
        """The entries made or read in this build, by digest (UTF-8; views of an output
        file's bytes for those taken from it)."""
        self.made: set[str] = set()
        """The digests of the entries made in this build."""
        self._papers = papers
        lasting_of = {}
        for paper in papers:
            key = key_of(paper)
            lasting_of[paper.slug] = "" if key is paper else repr(key)
        self._citations = citations = _citation_keys(papers, lasting_of, known)
        self._read = read
        self._wrong: dict[str, bytes] = {}
        rows = self.rows
        for paper in papers:
            slug = paper.slug
            lasting = lasting_of[slug]
            citation = citations[slug]
            row = known.get(slug)
            if row is None or not lasting or row[0] != lasting or row[1] != citation:
                row = (lasting, citation, self._make(paper, citation))
            rows[slug] = row

    def recipes(self, contents: Mapping[str, Sequence[Paper]]) -> dict[str, FileRecipe]:
        """A recipe for each .bib file, keyed by the digests of its entries in order."""
        recipes, rows = {}, self.rows
        for path, papers in contents.items():
            digests = [rows[paper.slug][2] for paper in papers]
            recipes[path] = FileRecipe(_file_key(digests), functools.partial(self._file, digests))
        return recipes

    def take_written(
        self, papers: Sequence[Paper], known: Mapping[str, _EntryRow], last: _FileRow, held: Held
    ) -> None:
        """Take the texts of the entries of `papers` as `known` names them from the .bib file
        of them all that the output holds, if `last` says it was made of those, in order
        (one read and one digest of the file, where an edit would read 10,000 rows of the
        cache and check each one's digest)."""
        rows = [known.get(paper.slug) for paper in papers]
        digests = [row[2] for row in rows if row is not None]
        if len(digests) != len(papers) or _file_key(digests) != last.key:
            return
        data = held(BIBLIOGRAPHY, last.digest)
        texts = _entry_texts(data, len(digests)) if data is not None else None
        if texts is not None:
            for digest, text in zip(digests, texts, strict=True):
                self.texts.setdefault(digest, text)

    def _file(self, digests: Sequence[str]) -> bytes:
        texts = self.texts
        missing = {d for d in digests if d not in texts}
        for digest, text in self._read(missing).items():
            if isinstance(text, bytes) and _digest(text) == digest:  # damaged: not trusted
                texts[digest] = text
        sources = {self.rows[p.slug][2]: p for p in self._papers} if missing else {}
        for digest in missing - texts.keys():  # a row missing or damaged: made again
            paper = sources[digest]
            text = paper_bibtex(paper, self._citations[paper.slug]).encode("utf-8")
            if _digest(text) == digest:
                texts[digest] = text
                self.made.add(digest)
            else:  # the paper's row named another text: this build's bytes are right
                self._wrong[digest] = text
        wrong = self._wrong
        return bib_file([texts.get(d) or wrong[d] for d in digests])

    def _make(self, paper: Paper, citation: str) -> str:
        text = paper_bibtex(paper, citation).encode("utf-8")
        digest = _digest(text)
        self.texts[digest] = text
        self.made.add(digest)
        return digest


def _citation_keys(
    papers: Sequence[Paper], lasting_of: Mapping[str, str], known: Mapping[str, _EntryRow]
) -> dict[str, str]:
    """Every paper's citation key, as `entry_keys(papers)` gives them: the last build's (in
    `known`) for the papers it had, unchanged (by their lasting keys), in the clash groups
    of no paper new, gone or changed (see bibtex.clash_root: a key clashes only within its
    group); made again for the rest (a tag edit: the edited paper's group, not 10,000)."""
    kept: dict[str, str] = {}
    touched: set[str] = set()
    for paper in papers:
        row = known.get(paper.slug)
        lasting = lasting_of[paper.slug]
        if row is not None and lasting and row[0] == lasting:
            kept[paper.slug] = row[1]
            continue
        touched.add(clash_root(key_base(paper)))
        if row is not None:
            touched.add(clash_root(row[1]))  # the group it leaves, if it changed group
    touched.update(clash_root(row[1]) for slug, row in known.items() if slug not in lasting_of)
    if not touched:
        return kept
    remade = [p for p in papers if p.slug not in kept or clash_root(kept[p.slug]) in touched]
    if len(remade) == len(papers):  # a cold build's: the pages made these keys already
        return entry_keys(papers)
    return {**kept, **entry_keys(remade)}


def _digest(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def _file_key(digests: Sequence[str]) -> str:
    """A .bib file's recipe key: what it is made of, the digests of its entries in order."""
    return _digest("".join(digests).encode())


def _entry_texts(data: bytes, count: int) -> list[memoryview] | None:
    """The texts of the entries `bib_file` joined into `data` (views of it, not copies), if
    there are `count`; else None. Each entry starts with "@" and ends with a line break
    (`paper_bibtex`), so every join reads "\n\n@": one inside an entry makes one more."""
    if count < 1 or not data.startswith(b"@") or not data.endswith(b"\n"):
        return None
    view, find, texts, start = memoryview(data), data.find, [], 0
    for _ in range(count - 1):
        end = find(b"\n\n@", start)
        if end < 0:
            return None
        texts.append(view[start : end + 1])
        start = end + 2
    if find(b"\n\n@", start) >= 0:
        return None
    texts.append(view[start:])
    return texts


def _rows(
    prefix: str, rows: Mapping[str, _FileRow], old: Mapping[str, _FileRow]
) -> dict[str, bytes]:
    """The rows that differ from `old`, encoded, by their key in the file."""
    return {prefix + key: row.encode() for key, row in rows.items() if old.get(key) != row}


def _split(value: bytes, count: int) -> list[str] | None:
    """A row's values, or None for a damaged row (its last value is a sha1 digest)."""
    try:
        parts = value.decode("utf-8", "surrogatepass").split(_SEP)
    except (UnicodeDecodeError, AttributeError):  # not bytes: a damaged row
        return None
    return parts if len(parts) == count and _HEX.fullmatch(parts[-1]) else None
