"""The import ledger, `content/.sitegen-ledger.yaml`: the papers imports created, and which of
them were deleted since, so that importing the same dump again does not bring them back.

A small YAML file meant to be committed with the site. A paper in the ledger whose content
file is gone was deleted by the user (by hand or with `sitegen remove`); `sitegen import
--restore` imports it again. The build reads only content/papers/*.md, never this file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from sitegen.content.identity import arxiv_key, doi_key, is_generic_title, normalise_title
from sitegen.content.models import Paper
from sitegen.content.papers import load_paper
from sitegen.errors import ContentError, Problem
from sitegen.fsutil import atomic_write_bytes, read_bounded

LEDGER_NAME = ".sitegen-ledger.yaml"
"""The ledger's file name, in the site's content/ folder (hidden: not content itself)."""
_HEADER = """\
# sitegen's import ledger: the papers `sitegen import` created, and when any was deleted.
# Commit it with the site. A deleted paper is not imported again from the same files;
# `sitegen import --restore FILE...` brings it back. Safe to edit or delete (then deleted
# papers may come back on the next import).
"""


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """A paper an import created (or `sitegen remove` deleted)."""

    slug: str
    """Its content file was `content/papers/<slug>.md`."""
    title: str
    """Its title when it was recorded."""
    arxiv: str | None = None
    """Its arXiv id, when known."""
    doi: str | None = None
    """Its DOI, when known."""
    sources: tuple[str, ...] = ()
    """The files that listed it, as `file` or `file#citation-key`."""
    removed: dt.date | None = None
    """The day its deletion was noticed (None: not deleted)."""

    def identities(self) -> list[tuple[str, str]]:
        """What identifies it, as ImportPlan indexes papers: sources, ids, title."""
        keys = [("source", s.replace("#", "\0", 1)) for s in self.sources if "#" in s]
        keys += [("arxiv", arxiv_key(self.arxiv) or ""), ("doi", doi_key(self.doi) or "")]
        keys.append(("title", normalise_title(self.title)))
        return [(kind, key) for kind, key in keys if key]


def entry_for(paper: Paper, removed: dt.date | None = None) -> LedgerEntry:
    """The ledger's record of a paper."""
    sources = tuple(dict.fromkeys(f"{s.file}#{s.key}" if s.key else s.file for s in paper.sources))
    return LedgerEntry(paper.slug, paper.title, paper.arxiv, paper.doi, sources, removed)


def ledger_path(content_dir: Path) -> Path:
    return content_dir / LEDGER_NAME


def read_ledger(content_dir: Path) -> dict[str, LedgerEntry]:
    """The ledger's entries by slug ({} when there is none); ContentError if it is damaged."""
    path = ledger_path(content_dir)
    try:
        text = read_bounded(path).decode("utf-8")
        data = yaml.safe_load(text)
    except FileNotFoundError:
        return {}
    except (UnicodeDecodeError, yaml.YAMLError) as err:
        line = getattr(getattr(err, "problem_mark", None), "line", None)
        message = "is not a readable sitegen ledger: fix it, or delete it to start a new one"
        raise ContentError.single(path, line + 1 if line is not None else None, message) from None
    items = (data or {}).get("papers", []) if isinstance(data, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ContentError.single(path, None, "must hold `papers:`, a list of mappings")
    return {entry.slug: entry for entry in map(_entry, items) if entry.slug}


def _entry(item: dict[str, object]) -> LedgerEntry:
    def text(key: str) -> str | None:
        value = item.get(key)
        return str(value) if value is not None and str(value).strip() else None

    sources = item.get("sources")
    removed = item.get("removed")
    return LedgerEntry(
        slug=text("slug") or "",
        title=text("title") or "",
        arxiv=text("arxiv"),
        doi=text("doi"),
        sources=tuple(map(str, sources)) if isinstance(sources, list) else (),
        removed=removed if isinstance(removed, dt.date) else None,
    )


def write_ledger(content_dir: Path, entries: Iterable[LedgerEntry]) -> None:
    """Write the ledger whole (atomically), entries by slug."""
    items = []
    for entry in sorted(entries, key=lambda e: e.slug):
        item: dict[str, object] = {"slug": entry.slug, "title": entry.title}
        item |= {k: getattr(entry, k) for k in ("arxiv", "doi") if getattr(entry, k)}
        item |= {"sources": list(entry.sources)} if entry.sources else {}
        item |= {"removed": entry.removed} if entry.removed else {}
        items.append(item)
    body = yaml.safe_dump({"papers": items}, allow_unicode=True, sort_keys=False, width=100)
    atomic_write_bytes(ledger_path(content_dir), (_HEADER + body).encode("utf-8"))


def note_deletions(
    ledger: dict[str, LedgerEntry], present: Iterable[str], today: dt.date
) -> dict[str, LedgerEntry]:
    """The ledger with every paper whose content file is gone marked removed (today, unless
    already marked), and every paper whose file is back not marked."""
    here = set(present)
    return {
        slug: replace(entry, removed=None if slug in here else entry.removed or today)
        for slug, entry in ledger.items()
    }


def updated_ledger(
    ledger: dict[str, LedgerEntry], papers: Iterable[Paper], restored: dict[str, str]
) -> dict[str, LedgerEntry]:
    """The ledger after an import: every paper with an import source is in it (with every
    file that listed it), a restored paper under its new slug and no longer removed."""
    entries = {slug: e for slug, e in ledger.items() if slug not in restored.values()}
    for paper in papers:
        if not paper.sources:
            continue
        entry = entry_for(paper)
        known = entries.get(paper.slug)
        if known is not None:
            sources = tuple(dict.fromkeys(known.sources + entry.sources))
            entry = replace(known, sources=sources, removed=None)
        entries[paper.slug] = entry
    return entries


class DeletedPapers:
    """The ledger's deleted papers, found as ImportPlan finds papers (by source, ids, title;
    a generic title finds nothing)."""

    def __init__(self, entries: Iterable[LedgerEntry]) -> None:
        self._index: dict[tuple[str, str], LedgerEntry] = {}
        for entry in entries:
            if entry.removed is not None:
                for key in _keys(entry):
                    self._index.setdefault(key, entry)

    def find(self, paper: Paper) -> LedgerEntry | None:
        """The deleted paper `paper` is, if any."""
        for key in _keys(entry_for(paper)):
            if key in self._index:
                return self._index[key]
        return None


def _keys(entry: LedgerEntry) -> list[tuple[str, str]]:
    return [k for k in entry.identities() if k[0] != "title" or not is_generic_title(entry.title)]


def remove_papers(content_dir: Path, slugs: Sequence[str], today: dt.date) -> list[Paper]:
    """Delete the papers `content/papers/<slug>.md` and record them in the ledger as removed,
    so no import brings them back (`sitegen import --restore` does). Every slug is checked
    before anything is deleted: a ContentError for unknown ones, nothing deleted."""
    papers_dir = content_dir / "papers"
    missing = [slug for slug in slugs if not (papers_dir / f"{slug}.md").is_file()]
    if missing:
        problems = [
            Problem(papers_dir / f"{slug}.md", None, "no such paper: nothing was removed")
            for slug in missing
        ]
        raise ContentError(problems)
    papers = [load_paper(papers_dir / f"{slug}.md")[0] for slug in dict.fromkeys(slugs)]
    ledger = read_ledger(content_dir)
    for paper in papers:
        known = ledger.get(paper.slug)
        entry = entry_for(paper, removed=today)
        if known is not None:
            sources = tuple(dict.fromkeys(known.sources + entry.sources))
            entry = replace(entry, sources=sources)
        ledger[paper.slug] = entry
    write_ledger(content_dir, ledger.values())  # first: a failed write deletes nothing
    for paper in papers:
        assert paper.path is not None
        paper.path.unlink()
    return papers
