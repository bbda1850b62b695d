"""`sitegen mark`: move papers through the reading statuses without opening an editor.

Only the `status:` line (and `read:` when a paper becomes read) is rewritten; the rest of
each file stays byte for byte (see rewrite.py).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sitegen.config import SiteConfig
from sitegen.content.models import Paper
from sitegen.content.papers import load_paper, paper_files
from sitegen.errors import ContentError, Problem, SiteError
from sitegen.fsutil import leaves_site
from sitegen.importers.rewrite import rewrite_paper


@dataclass(frozen=True, slots=True)
class Marked:
    """One paper `sitegen mark` was asked about."""

    paper: Paper
    """The paper as it is now (after the change, if any)."""
    changed: bool
    """False when it already had that status (and read date): its file was left alone."""


def mark_papers(
    config: SiteConfig,
    slugs: Sequence[str],
    status: str,
    today: dt.date,
    read_on: dt.date | None = None,
) -> list[Marked]:
    """Give the papers `content/papers/<slug>.md` the status `status`; a paper becoming read
    gets `read: <read_on or today>` unless it has a read date already (`read_on`, given,
    replaces it). Every slug is checked and every file read before any is written: a
    ContentError, nothing written, for unknown slugs or broken files."""
    papers, problems = [], []
    for path in _paper_paths(config, slugs):
        try:
            papers.append(load_paper(path)[0])
        except ContentError as err:
            problems += err.problems
    if problems:
        raise ContentError(problems)
    marked = []
    for paper in papers:
        read = paper.read
        if status == "read":
            read = read_on or read or today
        updated = replace(paper, status=status, read=read)
        if updated == paper:
            marked.append(Marked(paper, changed=False))
            continue
        if not rewrite_paper(paper, updated):
            raise SiteError(f"{paper.path}: changed while being marked: run the command again")
        marked.append(Marked(updated, changed=True))
    return marked


def _paper_paths(config: SiteConfig, slugs: Sequence[str]) -> list[Path]:
    """The content files of `slugs` (each once), or a ContentError naming every unknown one."""
    papers_dir = config.papers_dir
    known = [path.stem for path in paper_files(papers_dir)]
    paths, problems = [], []
    for slug in dict.fromkeys(slug.removesuffix(".md") for slug in slugs):
        path = papers_dir / f"{slug}.md"
        if Path(slug).name != slug or slug.startswith(".") or slug not in known:
            close = difflib.get_close_matches(slug, known, n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            problems.append(Problem(path, None, f"no such paper{hint}"))
        elif (outside := leaves_site(path, config.root)) is not None:
            problems.append(Problem(path, None, f"symlink to {outside} leaves the site"))
        else:
            paths.append(path)
    if problems:
        raise ContentError(problems)
    return paths
