"""Parsed papers kept between builds: a file is parsed again only when it changed.

With a cache file (in `.sitegen-cache/`) they are kept across runs too, one row per file,
with the plain text of each abstract and notes and each paper's citation key base, so a
rebuild after one edit parses one file and writes one row. Many files to parse (a cold
build) are parsed on every core.
"""

from __future__ import annotations

import io
import os
import pickle
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar

from sitegen.build.rowstore import RowStore
from sitegen.content.markdown import MarkdownTexts, markdown_to_text, render_markdown
from sitegen.content.models import Paper
from sitegen.content.papers import is_paper_name, load_paper, paper_files, slug_collisions
from sitegen.errors import ContentError, Problem
from sitegen.fingerprint import code_fingerprint
from sitegen.fsutil import leaves_site, skipped_link
from sitegen.progress import NO_PROGRESS, Progress
from sitegen.render.bibtex import key_base, remember_key_base
from sitegen.workers.forked import ForkPool

PARALLEL_PARSE_FROM = 300
"""From this many files to parse, they are parsed on every core."""
CACHE_VERSION = "papers-v2"


@dataclass(frozen=True, slots=True)
class _Entry:
    stamp: tuple[int, int]
    """(mtime_ns, size) when parsed."""
    paper: Paper | None
    """None when the file has errors."""
    problems: list[Problem]
    """Its errors (paper is None) or warnings."""
    abstract_html: str = ""
    abstract_text: str = ""
    notes_text: str = ""
    skipped: bool = False
    """A symlink out of the site: not read, and `problems` holds the warning."""
    key_base: str = ""
    """The paper's citation key before clash letters (bibtex.key_base)."""


_ENTRY_FIELDS = tuple(f.name for f in fields(_Entry))
_PAPER_AT, _HTML_AT = _ENTRY_FIELDS.index("paper"), _ENTRY_FIELDS.index("abstract_html")
_PAPER_FIELDS = tuple(f.name for f in fields(Paper))
_PATH_AT = _PAPER_FIELDS.index("path")


class PaperCache:
    """Every paper of a site, re-read only where the file changed."""

    def __init__(
        self, texts: MarkdownTexts, site_root: Path, cache_file: Path | None = None
    ) -> None:
        self.site_root = site_root
        """Papers that a symlink puts outside this folder are skipped, with a warning."""
        self.texts = texts
        """Given every paper's abstract HTML and plain texts, as parsed."""
        self._entries: dict[Path, _Entry] = {}
        self._scanned = False
        self._store = RowStore(cache_file) if cache_file is not None else None
        self._saved: dict[str, _Entry | bytes] = {}
        """What the cache file holds, by path: the entry as this process wrote or read it,
        or its row, not yet read (a file not listed since)."""
        self._in_file = False
        """Whether the cache file holds rows of this code, to be updated row by row."""
        self.before: dict[str, Paper] = {}
        """The papers the last `load` read again, as they were before, by slug."""

    def load(
        self,
        papers_dir: Path,
        changed: Set[Path] | None = None,
        meanwhile: Callable[[], object] | None = None,
        progress: Progress = NO_PROGRESS,
    ) -> tuple[list[Paper], list[Problem]]:
        """(papers, warnings); raises ContentError listing every broken file.

        `changed` (site paths the watcher saw change) lets a rebuild skip listing and
        stat-ing the whole folder; without it, every file's size and mtime are checked.
        `meanwhile` runs while worker processes parse (when there are many files).
        """
        if not self._scanned:
            self._entries = {}
            self._read_cache()
        outside = leaves_site(papers_dir, self.site_root)
        if outside is not None:
            self._entries, self._scanned = {}, False
            return [], [skipped_link(papers_dir, outside)]
        paths = self._paths(papers_dir, changed)
        fresh: dict[Path, _Entry] = {}
        stale: list[Path] = []
        self.before = {}
        for path in paths:
            entry = self._entries.get(path) or self._from_file(path)
            if changed is None or entry is None or path in changed:
                force = changed is not None and path in changed
                current = _current(path, entry, force)
                if current is None:
                    if entry is not None and entry.paper is not None:
                        self.before[entry.paper.slug] = entry.paper
                    stale.append(path)
                    continue
                entry = current
            fresh[path] = entry
        progress.stage("load", len(paths))
        progress.advance(len(fresh))
        parsed = _parse_all(stale, self.site_root, meanwhile, progress.advance)
        for path, entry in parsed:
            if entry is not None:
                self._prime(entry)
                fresh[path] = entry
        self._entries, self._scanned = fresh, True
        problems = [
            p for e in fresh.values() if e.paper is None and not e.skipped for p in e.problems
        ]
        papers = [e.paper for e in fresh.values() if e.paper is not None]
        problems.extend(slug_collisions(papers))
        if problems:
            raise ContentError(problems)
        warnings = [p for e in fresh.values() if e.paper or e.skipped for p in e.problems]
        return papers, warnings

    def key_of(self, paper: Paper) -> object:
        """What stands for `paper` in caches kept between runs: its file and the digest of
        its text when this cache parsed it so (a paper is made from these alone), else the
        paper itself (one changed since, e.g. by `dataclasses.replace`)."""
        path = paper.path
        entry = self._entries.get(path) if path is not None else None
        if path is not None and entry is not None and entry.paper is paper and paper.digest:
            return (os.fspath(path), paper.digest)
        return paper

    def save(self) -> None:
        """Keep the parsed papers for the next run, writing only the rows of files parsed
        or gone since the cache file was read (a cache: failing only costs time)."""
        if self._store is None:
            return
        saved, entries = self._saved, self._entries
        changed = {path: e for path, e in entries.items() if saved.get(os.fspath(path)) is not e}
        removed = saved.keys() - map(os.fspath, entries)
        if self._in_file and not changed and not removed:
            return
        stamp = _stamp()
        written = self._in_file and self._store.update(stamp, _rows(changed), removed)
        if not written:  # no file yet, one of other code, or damaged: every row afresh
            written = self._store.replace(stamp, _rows(entries))
        if written:
            self._saved = {os.fspath(path): entry for path, entry in entries.items()}
            self._in_file = True

    def _read_cache(self) -> None:
        rows = self._store.read(_stamp()) if self._store is not None else None
        self._saved, self._in_file = dict(rows or {}), rows is not None

    def _from_file(self, path: Path) -> _Entry | None:
        """The entry the cache file holds for `path` (not yet known to be current)."""
        key = os.fspath(path)
        row = self._saved.get(key)
        if not isinstance(row, bytes):
            return None
        # The cache is sitegen's own file inside the site's folder, as trusted as the site.
        try:
            entry = _decode(path, row)
        except Exception:  # a damaged row: the file is parsed again, the row rewritten
            return None
        self._prime(entry)
        self._saved[key] = entry
        return entry

    def _prime(self, entry: _Entry) -> None:
        """Tell the texts and BibTeX keys derived from the entry's paper."""
        if entry.paper is None:
            return
        html = entry.abstract_html or None  # left out of the cache file
        self.texts.remember(entry.paper.abstract, entry.abstract_text, html)
        self.texts.remember(entry.paper.notes, entry.notes_text)
        if entry.key_base:
            remember_key_base(entry.paper, entry.key_base)

    def _paths(self, papers_dir: Path, changed: Set[Path] | None) -> list[Path]:
        content_changes = {p for p in changed or () if papers_dir.parent in p.parents}
        only_papers = all(p.parent == papers_dir and p.suffix == ".md" for p in content_changes)
        if changed is None or not self._scanned or not only_papers:
            return paper_files(papers_dir)
        if not content_changes:
            return list(self._entries)
        listed = {p for p in content_changes if is_paper_name(p.name) and p.is_file()}
        kept = [p for p in self._entries if p not in content_changes]
        return sorted({*kept, *listed}, key=os.fspath)  # str keys: Path.__lt__ is slow


def _stamp() -> str:
    """What the rows of the cache file must have been written by."""
    return f"{CACHE_VERSION} {code_fingerprint()}"


def _rows(entries: Mapping[Path, _Entry]) -> dict[str, bytes]:
    return {os.fspath(path): _encode(path, entry) for path, entry in entries.items()}


def _encode(path: Path, entry: _Entry) -> bytes:
    """An entry as a plain tuple, its paper's too: unpickling slotted dataclasses sets
    their fields one by one, four times slower. Without the abstract's HTML (a third of
    the size, and a rebuild renders few pages); the paper's path is the row's key."""
    values = [getattr(entry, name) for name in _ENTRY_FIELDS]
    if entry.paper is not None:
        paper = [getattr(entry.paper, name) for name in _PAPER_FIELDS]
        paper[_PATH_AT] = None if entry.paper.path == path else entry.paper.path
        values[_PAPER_AT] = tuple(paper)
    values[_HTML_AT] = ""
    return pickle.dumps(tuple(values), pickle.HIGHEST_PROTOCOL)


def _decode(path: Path, row: bytes) -> _Entry:
    values = list(_Unpickler(io.BytesIO(row)).load())
    if values[_PAPER_AT] is not None:
        paper = list(values[_PAPER_AT])
        paper[_PATH_AT] = paper[_PATH_AT] or path
        values[_PAPER_AT] = Paper(*paper)
    return _Entry(*values)


class _Unpickler(pickle.Unpickler):
    """Finds each class once a process: pickle's own looks it up again for every row
    (reading the date in 10,000 rows took as long as all the rest)."""

    _found: ClassVar[dict[tuple[str, str], Any]] = {}

    def find_class(self, module: str, name: str) -> Any:
        found = self._found.get((module, name))
        if found is None:
            found = self._found[module, name] = super().find_class(module, name)
        return found


def _current(path: Path, entry: _Entry | None, force: bool) -> _Entry | None:
    """The cached entry if the file is unchanged, else None (to be parsed)."""
    if entry is None or force:
        return None
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None  # parsing finds it gone
    return entry if entry.stamp == (stat.st_mtime_ns, stat.st_size) else None


def _parse_all(
    paths: list[Path],
    site_root: Path,
    meanwhile: Callable[[], object] | None,
    done: Callable[[int], object],
) -> list[tuple[Path, _Entry | None]]:
    if len(paths) < PARALLEL_PARSE_FROM:  # an edit: forking the workers costs more
        parsed = _parse_chunk(site_root, paths)
        done(len(paths))
        return parsed
    with ForkPool(site_root, min_items=PARALLEL_PARSE_FROM) as pool:
        return pool.map_chunks(_parse_chunk, paths, meanwhile, done)


def _parse_chunk(site_root: Path, paths: list[Path]) -> list[tuple[Path, _Entry | None]]:
    return [(path, _parse(path, site_root)) for path in paths]


def _parse(path: Path, site_root: Path) -> _Entry | None:
    try:
        stat = path.stat()
        # Only a link can lead out (the folder itself was checked): the rest pay no realpath.
        outside = leaves_site(path, site_root) if path.is_symlink() else None
        if outside is not None:
            return _Entry(
                (stat.st_mtime_ns, stat.st_size), None, [skipped_link(path, outside)], skipped=True
            )
        paper, warnings = load_paper(path)
    except ContentError as err:
        return _Entry((stat.st_mtime_ns, stat.st_size), None, err.problems)
    except FileNotFoundError:
        return None  # deleted while we were reading: the next build sees it gone
    return _Entry(
        (stat.st_mtime_ns, stat.st_size),
        paper,
        warnings,
        render_markdown(paper.abstract),
        markdown_to_text(paper.abstract),
        markdown_to_text(paper.notes),
        key_base=key_base(paper),
    )
