"""Merge imported papers into a site's content: read, dedupe, slug, tag, then write.

`.bib` files are read as BibTeX, `.ris` as RIS, `.json` as CSL-JSON, anything else as a Daily
Papers dump; `sitegen add` feeds the papers it looked up through `merge_papers`. Everything is
decided before anything is written. A paper already in content/ is the user's: an import only adds
Source entries and fills in fields it lacks (authors, links, ids, year, venue, an empty
abstract), never its title, tags, notes or status; re-running an import changes nothing. A
paper the user deleted is not imported again (see ledger.py) unless `restore` is asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from sitegen.config import SiteConfig
from sitegen.content.models import Paper
from sitegen.content.papers import load_papers, paper_files
from sitegen.errors import ContentError, Problem
from sitegen.fsutil import read_bounded
from sitegen.importers import bibtex, csl_json, ris
from sitegen.importers.daily_papers import decode_dump, parse_daily_papers
from sitegen.importers.ledger import (
    DeletedPapers,
    note_deletions,
    read_ledger,
    updated_ledger,
    write_ledger,
)
from sitegen.importers.listings import (
    Listing,
    dated_listings,
    group_listings,
    new_paper,
    new_sources,
    year_note,
)
from sitegen.importers.plan import FILLABLE, ImportPlan, fill_missing
from sitegen.importers.plan import normalise_title as normalise_title
from sitegen.importers.report import ImportedPaper, ImportReport
from sitegen.importers.report import format_report as format_report
from sitegen.importers.similar import near_duplicates
from sitegen.importers.tagging import TagSpellings, suggest_tags, tagged


class Candidate(Protocol):
    """A paper an importer found, with what messages call it (bibtex.BibEntry and
    records.Candidate are ones)."""

    @property
    def paper(self) -> Paper: ...
    @property
    def key(self) -> str: ...
    @property
    def line(self) -> int: ...


Parsed = tuple[Sequence[Candidate], list[Problem], list[Problem]]
"""A reference file's candidates, the entries left out, and notes on fields repaired."""
_Parser = Callable[[Path, str, dt.date], Parsed]


def _without_notes(
    parse: Callable[[Path, str, dt.date], tuple[Sequence[Candidate], list[Problem]]],
) -> _Parser:
    return lambda path, text, today: (*parse(path, text, today), [])


_REFERENCE_PARSERS: dict[str, _Parser] = {
    ".bib": bibtex.parse_bibtex,
    ".ris": _without_notes(ris.parse_ris),
    ".json": _without_notes(csl_json.parse_csl_json),
}
"""Reference-manager files by suffix; any other file is a Daily Papers dump."""


@dataclass(slots=True)
class _Tally:
    """What the import did to one paper, gathered over every file that lists it."""

    files: list[str] = field(default_factory=list)
    sources: int = 0


def run_import(
    config: SiteConfig,
    files: Sequence[Path],
    year: int | None,
    today: dt.date,
    restore: bool = False,
) -> ImportReport:
    """Import Daily Papers dumps and reference files (BibTeX, RIS, CSL-JSON) into the site's
    content/papers/."""
    run = _Import(config, today, restore)
    files, skipped = _distinct_names(files)
    texts, failed = _read_texts(files)
    dumps = [parse_daily_papers(p, t) for p, t in texts if not _is_reference(p)]
    skipped += [problem for dump in dumps for problem in dump.skipped]
    listings, assumed, date_problems = dated_listings(dumps, year, today)
    skipped += date_problems
    groups, duplicates = group_listings(listings)
    skipped += duplicates
    for group in groups.values():
        run.merge_listings(group)
    for path, text in texts:
        if _is_reference(path):
            parse = _REFERENCE_PARSERS[path.suffix.casefold()]
            entries, problems, notes = parse(path, text.removeprefix("\ufeff"), today)
            run.notes += notes
            skipped += problems + run.merge_entries(path, entries)
    return run.finish(skipped, failed, year_note(assumed))


def merge_papers(config: SiteConfig, found: Sequence[Candidate], today: dt.date) -> ImportReport:
    """Merge papers looked up elsewhere (`sitegen add`) as an import merges a file's entries:
    new ones tagged and written, known ones given missing fields and the source."""
    run = _Import(config, today, restore=False)
    skipped: list[Problem] = []
    for candidate in found:
        # One at a time: two ids of one paper (its arXiv id and its DOI) merge into one paper,
        # which records both sources.
        skipped += run.merge_entries(Path(candidate.key), [candidate])
    return run.finish(skipped, [], None)


class _Import:
    """One import as it merges file after file into its plan, then writes it."""

    def __init__(self, config: SiteConfig, today: dt.date, restore: bool) -> None:
        existing, _warnings = load_papers(config.papers_dir)
        taken = [path.stem for path in paper_files(config.papers_dir)]
        self.config, self.today, self.restore = config, today, restore
        self.plan = ImportPlan(config.papers_dir, existing, taken)
        self.spellings = TagSpellings(existing)
        self.ledger = note_deletions(read_ledger(config.content_dir), self.plan.original, today)
        self.deleted = DeletedPapers(self.ledger.values())
        self.tally: dict[str, _Tally] = {}
        self.notes: list[Problem] = []
        self.not_again: dict[str, None] = {}
        self.restored: dict[str, str] = {}  # new slug -> the slug it had when deleted

    def place(self, paper: Paper, path: Path, line: int | None) -> tuple[str, bool] | None:
        """(slug, whether new) of the paper a candidate is: found, or added; None when the
        user deleted it and it is not to be restored."""
        slug = self.plan.find(paper)
        if slug is not None:
            return slug, False
        gone = self.deleted.find(paper)
        if gone is not None and not self.restore:
            self.not_again[gone.slug] = None
            return None
        paper, notes = self.spellings.respell(paper, path, line)
        self.notes += notes
        added = self.plan.add(paper, prefer=gone.slug if gone else None)
        if gone is not None:
            self.restored[added.slug] = gone.slug
        return added.slug, True

    def merge_listings(self, group: Sequence[Listing]) -> None:
        """One paper of the dumps (its listings in every dump): a new paper or new sources."""
        first = group[0]
        placed = self.place(new_paper(self.config, group, self.today), first.path, None)
        if placed is None:
            return
        slug, is_new = placed
        counts = self.tally.setdefault(slug, _Tally())
        if not is_new:
            known = self.plan.current[slug]
            added = new_sources(known, group, self.today)
            self.plan.update(replace(known, sources=known.sources + added))
            counts.sources += len(added)
        counts.files += [item.file for item in group]

    def merge_entries(self, path: Path, entries: Sequence[Candidate]) -> list[Problem]:
        """The entries of one reference file: new papers, or missing fields and a source."""
        skipped: list[Problem] = []
        seen: dict[str, int] = {}  # slug -> line of the entry of this file that listed it
        for entry in entries:
            slug = self.plan.find(entry.paper)
            if slug in seen:
                message = f"entry `{entry.key}`: same paper as line {seen[slug]}: entry skipped"
                skipped.append(Problem(path, entry.line, message))
                continue
            placed = self.place(tagged(self.config, entry.paper), path, entry.line)
            if placed is None:
                continue
            slug, is_new = placed
            counts = self.tally.setdefault(slug, _Tally())
            if not is_new:
                counts.sources += self._merge_entry(slug, entry.paper)
            seen[slug] = entry.line
            counts.files.append(path.name)
        return skipped

    def _merge_entry(self, slug: str, found: Paper) -> int:
        """Fill in what the paper lacks and add the entry's source; the sources added."""
        known = self.plan.current[slug]
        recorded = {(source.file, source.kind) for source in known.sources}
        added = tuple(s for s in found.sources if (s.file, s.kind) not in recorded)
        self.plan.update(replace(fill_missing(known, found), sources=known.sources + added), found)
        return len(added)

    def finish(
        self, skipped: list[Problem], failed: list[Problem], assumed: str | None
    ) -> ImportReport:
        """Suggest tags, find near-duplicates, write the papers and the ledger: the report."""
        suggested = self._suggest_tags()
        near = near_duplicates(list(self.plan.current.values()), self.plan.new)
        failed += self.plan.write()
        unwritten = {problem.path for problem in failed}
        written = [
            self.plan.current[slug]
            for slug in self.plan.current
            if self.config.papers_dir / f"{slug}.md" not in unwritten
        ]
        ledger = updated_ledger(self.ledger, written, self.restored)
        if ledger != read_ledger(self.config.content_dir):
            write_ledger(self.config.content_dir, ledger.values())
        report = self._report(skipped, failed, assumed)
        return replace(report, suggested=suggested, near_duplicates=near)

    def _suggest_tags(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        untagged = [slug for slug in self.plan.new if not self.plan.current[slug].tags]
        papers = list(self.plan.current.values())
        suggestions = suggest_tags(papers, untagged)
        for slug, tags in suggestions.items():
            self.plan.update(replace(self.plan.current[slug], tags=tags))
        return tuple((slug, suggestions[slug]) for slug in untagged if slug in suggestions)

    def _report(
        self, skipped: list[Problem], failed: list[Problem], assumed: str | None
    ) -> ImportReport:
        new, present = [], []
        for slug, counts in self.tally.items():
            paper = self.plan.current[slug]
            files = tuple(dict.fromkeys(counts.files))
            if slug in self.plan.original:
                original = self.plan.original[slug]
                added = tuple(f for f in FILLABLE if getattr(original, f) != getattr(paper, f))
                present.append(ImportedPaper(slug, original.title, files, counts.sources, added))
            else:
                new.append(ImportedPaper(slug, paper.title, files, len(paper.sources)))
        return ImportReport(
            tuple(new),
            tuple(present),
            tuple(skipped),
            tuple(failed),
            assumed,
            notes=tuple(self.notes),
            deleted=tuple(self.not_again),
            restored=tuple(self.restored),
        )


def _is_reference(path: Path) -> bool:
    """A reference-manager file (BibTeX, RIS, CSL-JSON), not a Daily Papers dump."""
    return path.suffix.casefold() in _REFERENCE_PARSERS


def _distinct_names(files: Sequence[Path]) -> tuple[list[Path], list[Problem]]:
    """The files to read: sources are named by file name, so one name is read once."""
    kept: list[Path] = []
    skipped: list[Problem] = []
    names: dict[str, Path] = {}
    for path in files:
        if path.name in names:
            same = names[path.name].resolve() == path.resolve()
            reason = (
                "is given twice: read once"
                if same
                else f"has the same name as {names[path.name]}: sources are named by file "
                "name, so rename one and import it again"
            )
            skipped.append(Problem(path, None, reason))
            continue
        names[path.name] = path
        kept.append(path)
    return kept, skipped


def _read_texts(files: Sequence[Path]) -> tuple[list[tuple[Path, str]], list[Problem]]:
    texts: list[tuple[Path, str]] = []
    failed: list[Problem] = []
    for path in files:
        try:
            text = decode_dump(path, read_bounded(path))
        except OSError as err:
            failed.append(Problem(path, None, f"cannot read: {err.strerror or err}"))
            continue
        except ContentError as err:
            failed.extend(err.problems)
            continue
        texts.append((path, text))
    return texts, failed
