"""Parsed papers kept between builds: a file is parsed again only when it changed.

With a cache file (in `.sitegen-cache/`) they are kept across runs too, one row per file,
with the plain text of each abstract and notes and each paper's citation key base, so a
rebuild after one edit parses one file and writes one row. Many files to parse (a cold
build) are parsed on every core.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import io
import os
import pickle
from collections.abc import Callable, Iterator, Mapping, Set
from dataclasses import dataclass, fields
from pathlib import Path
from stat import S_ISREG
from typing import Any, ClassVar

from sitegen.build.rowstore import RowStore
from sitegen.content.markdown import MarkdownTexts, markdown_to_text, render_markdown
from sitegen.content.models import Paper, Source
from sitegen.content.papers import is_paper_name, load_paper, paper_names, slug_collisions
from sitegen.errors import ContentError, Problem
from sitegen.fingerprint import code_fingerprint
from sitegen.fsutil import leaves_site, path_prefix, skipped_link
from sitegen.progress import NO_PROGRESS, Progress
from sitegen.render.bibtex import key_base, remember_key_base
from sitegen.render.listing import remember_row_parts, row_parts
from sitegen.site.related import remember_text_digest, text_digest
from sitegen.text import first_sentence
from sitegen.workers.forked import ForkPool

PARALLEL_PARSE_FROM = 300
"""From this many files to parse, they are parsed on every core."""
CACHE_VERSION = "papers-v7"


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
    summary: str = ""
    """The first sentence of the abstract's plain text (MarkdownTexts.summary)."""
    text_digest: str = ""
    """The digest of the title and abstract (related.text_digest)."""
    row_parts: tuple[str, str] | tuple[()] = ()
    """Its row of the list data, but for what other papers decide (listing.row_parts)."""


_ENTRY_FIELDS = tuple(f.name for f in fields(_Entry))
_PAPER_AT, _HTML_AT = _ENTRY_FIELDS.index("paper"), _ENTRY_FIELDS.index("abstract_html")
_TEXTS_AT = {
    _ENTRY_FIELDS.index("abstract_text"): "abstract",
    _ENTRY_FIELDS.index("notes_text"): "notes",
}
"""Where an entry holds the plain text of its paper's field (most often the same text)."""
_PAPER_FIELDS = tuple(f.name for f in fields(Paper))
_PATH_AT = _PAPER_FIELDS.index("path")
_DAYS_AT = (_PAPER_FIELDS.index("date"), _PAPER_FIELDS.index("read"))
_SOURCES_AT = _PAPER_FIELDS.index("sources")


class PaperCache:
    """Every paper of a site, re-read only where the file changed."""

    def __init__(
        self, texts: MarkdownTexts, site_root: Path, cache_file: Path | None = None
    ) -> None:
        self.site_root = site_root
        """Papers that a symlink puts outside this folder are skipped, with a warning."""
        self._root_prefix = path_prefix(site_root)
        """How the paths of the site's files start (`""` for `.`). What is kept between runs
        names a file from the site's folder: a build run from elsewhere (`--site DIR`)
        finds what one run inside it (`.`) kept, instead of parsing every paper again."""
        self.texts = texts
        """Given every paper's abstract HTML and plain texts, as parsed."""
        self._entries: dict[str, _Entry] = {}
        """By file path as text: hashing 10,000 Path objects cost more than reading them."""
        self._scanned = False
        self._store = RowStore(cache_file) if cache_file is not None else None
        self._saved: dict[str, _Entry | bytes] = {}
        """What the cache file holds, by path: the entry as this process wrote or read it,
        or its row, not yet read (a file not listed since)."""
        self._in_file = False
        """Whether the cache file holds rows of this code, to be updated row by row."""
        self.before: dict[str, Paper] = {}
        """The papers the last `load` read again, as they were before, by slug."""
        self._stats: Mapping[str, os.stat_result] = {}
        """Stats of files taken just before the next `load` (see take_stats)."""

    def take_stats(self, stats: Mapping[str, os.stat_result]) -> None:
        """Check the files of the next `load` against `stats` (by path, as the build's input
        stamp took them just before) instead of stat-ing each file again."""
        self._stats = stats

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
        What it reads is left frozen for the garbage collector (gc.freeze), as a build
        wants its papers; `Builder.build` unfreezes everything when it ends.
        """
        if not self._scanned:
            self._entries = {}
            self._read_cache()
        outside = leaves_site(papers_dir, self.site_root)
        if outside is not None:
            self._entries, self._scanned = {}, False
            return [], [skipped_link(papers_dir, outside)]
        stats, self._stats = self._stats, {}
        paths = self._paths(papers_dir, changed, stats)
        forced = set() if changed is None else set(map(os.fspath, changed))
        self.before = {}
        with _gc_paused():
            fresh, stale = self._check(paths, changed is not None, forced, stats)
        progress.stage("load", len(paths))
        progress.advance(len(fresh))
        parsed = _parse_all(list(map(Path, stale)), self.site_root, meanwhile, progress.advance)
        with _gc_paused():
            return self._settle(fresh, parsed)

    def _settle(
        self, fresh: dict[str, _Entry], parsed: list[tuple[Path, _Entry | None]]
    ) -> tuple[list[Paper], list[Problem]]:
        """`load`'s answer, from the current entries and the files parsed again."""
        for path, entry in parsed:
            if entry is not None:
                self._prime(entry)
                fresh[os.fspath(path)] = entry
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

    def _check(
        self,
        paths: list[str],
        watched: bool,
        forced: Set[str],
        stats: Mapping[str, os.stat_result],
    ) -> tuple[dict[str, _Entry], list[str]]:
        """(entries known to be current, files to parse). Unless `watched` (the watcher
        told what changed: `forced`), every file's size and mtime are checked (from
        `stats` if they hold the file)."""
        fresh: dict[str, _Entry] = {}
        stale: list[str] = []
        for path in paths:
            entry = self._entries.get(path) or self._from_file(path)
            if not watched or entry is None or path in forced:
                current = _current(path, entry, path in forced, stats.get(path))
                if current is None:
                    if entry is not None and entry.paper is not None:
                        self.before[entry.paper.slug] = entry.paper
                    stale.append(path)
                    continue
                entry = current
            fresh[path] = entry
        return fresh, stale

    def key_of(self, paper: Paper) -> object:
        """What stands for `paper` in caches kept between runs: its file and the digest of
        its text when this cache parsed it so (a paper is made from these alone), else the
        paper itself (one changed since, e.g. by `dataclasses.replace`)."""
        path = os.fspath(paper.path) if paper.path is not None else None
        entry = self._entries.get(path) if path is not None else None
        if path is not None and entry is not None and entry.paper is paper and paper.digest:
            return (self._in_site(path), paper.digest)
        return paper

    def save(self) -> None:
        """Keep the parsed papers for the next run, writing only the rows of files parsed
        or gone since the cache file was read (a cache: failing only costs time)."""
        if self._store is None:
            return
        saved, entries = self._saved, self._entries
        changed = {path: e for path, e in entries.items() if saved.get(path) is not e}
        removed = saved.keys() - entries.keys()
        if self._in_file and not changed and not removed:
            return
        stamp = _stamp()
        written = self._in_file and self._store.update(
            stamp, self._rows(changed), map(self._in_site, removed)
        )
        if not written:  # no file yet, one of other code, or damaged: every row afresh
            written = self._store.replace(stamp, self._rows(entries))
        if written:
            self._saved = dict(entries)
            self._in_file = True

    def _read_cache(self) -> None:
        rows = self._store.read(_stamp()) if self._store is not None else None
        prefix = self._root_prefix
        # Every row names a file in the site's folder (see `_in_site`).
        self._saved = {prefix + name: row for name, row in rows.items()} if rows else {}
        self._in_file = rows is not None

    def _in_site(self, path: str) -> str:
        """`path` as kept between runs: from the site's folder (a paper's file is in it;
        were one not, its row would name no file next time, and the file be parsed)."""
        return path.removeprefix(self._root_prefix)

    def _rows(self, entries: Mapping[str, _Entry]) -> dict[str, bytes]:
        return {self._in_site(path): _encode(path, entry) for path, entry in entries.items()}

    def _from_file(self, path: str) -> _Entry | None:
        """The entry the cache file holds for `path` (not yet known to be current)."""
        row = self._saved.get(path)
        if not isinstance(row, bytes):
            return None
        # The cache is sitegen's own file inside the site's folder, as trusted as the site.
        try:
            entry = _decode(path, row)
        except Exception:  # a damaged row: the file is parsed again, the row rewritten
            return None
        self._prime(entry)
        self._saved[path] = entry
        return entry

    def _prime(self, entry: _Entry) -> None:
        """Tell the texts and BibTeX keys derived from the entry's paper."""
        if entry.paper is None:
            return
        html = entry.abstract_html or None  # left out of the cache file
        self.texts.remember(entry.paper.abstract, entry.abstract_text, html, entry.summary)
        self.texts.remember(entry.paper.notes, entry.notes_text)
        if entry.key_base:
            remember_key_base(entry.paper, entry.key_base)
        if entry.text_digest:
            remember_text_digest(entry.paper, entry.text_digest)
        if len(entry.row_parts) == 2:
            remember_row_parts(entry.paper, entry.row_parts)

    def _paths(
        self, papers_dir: Path, changed: Set[Path] | None, stats: Mapping[str, os.stat_result]
    ) -> list[str]:
        content_changes = {p for p in changed or () if papers_dir.parent in p.parents}
        only_papers = all(p.parent == papers_dir and p.suffix == ".md" for p in content_changes)
        if changed is None or not self._scanned or not only_papers:
            # Each file's path as `papers_dir / name` would spell it, made as text.
            folder = path_prefix(papers_dir)
            return [folder + name for name in _paper_names(papers_dir, folder, stats)]
        if not content_changes:
            return list(self._entries)
        listed = {os.fspath(p) for p in content_changes if is_paper_name(p.name) and p.is_file()}
        gone = set(map(os.fspath, content_changes))
        kept = [path for path in self._entries if path not in gone]
        return sorted({*kept, *listed})


def _paper_names(papers_dir: Path, folder: str, stats: Mapping[str, os.stat_result]) -> list[str]:
    """`paper_names(papers_dir)`, from `stats` if the input stamp took them (it lists the
    content folder just before: listing it again cost ~11 ms at 10,000 papers), each a
    regular file (a pipe named `x.md` would block its reader), as `paper_names` keeps them.
    Not when the folder is a link: the stamp follows each real folder once, perhaps through
    another link, so its files may be listed under another name. `folder`: papers_dir's
    path and a slash, as text."""
    if not stats or papers_dir.is_symlink():
        return paper_names(papers_dir)
    names = [path[len(folder) :] for path in stats if path.startswith(folder)]
    return sorted(
        name
        for name in names
        if "/" not in name and is_paper_name(name) and S_ISREG(stats[folder + name].st_mode)
    )


def _stamp() -> str:
    """What the rows of the cache file must have been written by."""
    return f"{CACHE_VERSION} {code_fingerprint()}"


def _encode(path: str, entry: _Entry) -> bytes:
    """An entry as a plain tuple, its paper's too, days as ordinals and sources as tuples:
    unpickling slotted dataclasses sets their fields one by one, four times slower, and
    each date is a class to find and call. Without the abstract's HTML (a third of the
    size, and a rebuild renders few pages); the paper's path is the row's key, and a plain
    text equal to its Markdown (a plain abstract) is None."""
    values: list[object] = [getattr(entry, name) for name in _ENTRY_FIELDS]
    if entry.paper is not None:
        paper: list[Any] = [getattr(entry.paper, name) for name in _PAPER_FIELDS]
        own = entry.paper.path is not None and os.fspath(entry.paper.path) == path
        paper[_PATH_AT] = None if own else entry.paper.path
        for at in _DAYS_AT:
            paper[at] = _ordinal(paper[at])
        paper[_SOURCES_AT] = tuple(
            (s.file, s.kind, _ordinal(s.listed), _ordinal(s.imported), s.key)
            for s in entry.paper.sources
        )
        values[_PAPER_AT] = tuple(paper)
        for at, name in _TEXTS_AT.items():
            if values[at] == getattr(entry.paper, name):
                values[at] = None
    values[_HTML_AT] = ""
    return pickle.dumps(tuple(values), pickle.HIGHEST_PROTOCOL)


def _decode(path: str, row: bytes) -> _Entry:
    values = list(_Unpickler(io.BytesIO(row)).load())
    if values[_PAPER_AT] is not None:
        paper = list(values[_PAPER_AT])
        paper[_PATH_AT] = paper[_PATH_AT] or Path(path)
        for at in _DAYS_AT:  # inline, not _day: a call a field cost more than it saved
            if type(paper[at]) is int:
                paper[at] = dt.date.fromordinal(paper[at])
        if paper[_SOURCES_AT]:
            paper[_SOURCES_AT] = tuple(
                [
                    Source(f, k, _day(listed), _day(on), key)
                    for f, k, listed, on, key in paper[_SOURCES_AT]
                ]
            )
        values[_PAPER_AT] = made = Paper(*paper)
        for at, name in _TEXTS_AT.items():
            if values[at] is None:
                values[at] = getattr(made, name)
    return _Entry(*values)


def _ordinal(day: dt.date | None) -> int | dt.date | None:
    """A day as its ordinal; anything else (a datetime a source lists, None) as it is."""
    return day.toordinal() if type(day) is dt.date else day


def _day(kept: int | dt.date | None) -> dt.date | None:
    return dt.date.fromordinal(kept) if isinstance(kept, int) else kept


class _Unpickler(pickle.Unpickler):
    """Finds each class once a process: pickle's own looks it up again for every row
    (reading the date in 10,000 rows took as long as all the rest)."""

    _found: ClassVar[dict[tuple[str, str], Any]] = {}

    def find_class(self, module: str, name: str) -> Any:
        found = self._found.get((module, name))
        if found is None:
            found = self._found[module, name] = super().find_class(module, name)
        return found


def _current(
    path: str, entry: _Entry | None, force: bool, stat: os.stat_result | None
) -> _Entry | None:
    """The cached entry if the file is unchanged (as `stat`, if known, says), else None (to
    be parsed)."""
    if entry is None or force:
        return None
    if stat is None:
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            return None  # parsing finds it gone
    return entry if entry.stamp == (stat.st_mtime_ns, stat.st_size) else None


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No garbage collection while the papers are read from the cache and checked: that
    makes ~30 objects a paper and no garbage, and each full collection on the way walked
    them all again (10,000 papers: ~0.15 s). What was made is then frozen (gc.freeze), as
    the build does with the papers anyway (Builder.load, until the build ends): enabled
    again with them young, the collector's next pass walked them all once more (~30 ms).
    Not while files are parsed: forked workers would inherit it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


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
    abstract_text = markdown_to_text(paper.abstract)
    return _Entry(
        (stat.st_mtime_ns, stat.st_size),
        paper,
        warnings,
        render_markdown(paper.abstract),
        abstract_text,
        markdown_to_text(paper.notes),
        key_base=key_base(paper),
        summary=first_sentence(abstract_text),
        text_digest=text_digest(paper),
        row_parts=row_parts(paper),
    )
