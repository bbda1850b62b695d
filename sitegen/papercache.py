"""Parsed papers kept between builds: a file is parsed again only when it changed."""

from __future__ import annotations

import os
from collections.abc import Set
from dataclasses import dataclass
from pathlib import Path

from sitegen.content import is_paper_name, load_paper, paper_files, slug_collisions
from sitegen.errors import ContentError, Problem
from sitegen.models import Paper


@dataclass(frozen=True, slots=True)
class _Entry:
    stamp: tuple[int, int]
    """(mtime_ns, size) when parsed."""
    paper: Paper | None
    """None when the file has errors."""
    problems: list[Problem]
    """Its errors (paper is None) or warnings."""


class PaperCache:
    """Every paper of a site, re-read only where the file changed."""

    def __init__(self) -> None:
        self._entries: dict[Path, _Entry] = {}
        self._scanned = False

    def load(
        self, papers_dir: Path, changed: Set[Path] | None = None
    ) -> tuple[list[Paper], list[Problem]]:
        """(papers, warnings); raises ContentError listing every broken file.

        `changed` (site paths the watcher saw change) lets a rebuild skip listing and
        stat-ing the whole folder; without it, every file's size and mtime are checked.
        """
        paths = self._paths(papers_dir, changed)
        fresh: dict[Path, _Entry] = {}
        for path in paths:
            entry = self._entries.get(path)
            if changed is None or entry is None or path in changed:
                entry = _read(path, entry, force=changed is not None and path in changed)
            if entry is not None:
                fresh[path] = entry
        self._entries, self._scanned = fresh, True
        problems = [p for e in fresh.values() if e.paper is None for p in e.problems]
        papers = [e.paper for e in fresh.values() if e.paper is not None]
        problems.extend(slug_collisions(papers))
        if problems:
            raise ContentError(problems)
        warnings = [p for e in fresh.values() if e.paper is not None for p in e.problems]
        return papers, warnings

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


def _read(path: Path, entry: _Entry | None, force: bool) -> _Entry | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None  # deleted while we were reading: the next build sees it gone
    stamp = (stat.st_mtime_ns, stat.st_size)
    if entry is not None and entry.stamp == stamp and not force:
        return entry
    try:
        paper, warnings = load_paper(path)
    except ContentError as err:
        return _Entry(stamp, None, err.problems)
    except FileNotFoundError:
        return None
    return _Entry(stamp, paper, warnings)
