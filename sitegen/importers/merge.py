"""Merge imported papers into a site's content: read, dedupe, slug, tag, then write.

`.bib` files are read as BibTeX, `.ris` as RIS, `.json` as CSL-JSON, anything else as a Daily
Papers dump; `sitegen add` feeds the papers it looked up through `merge_papers`. Everything is
decided before anything is written. A paper already in content/ is the user's: an import only adds
Source entries and fills in fields it lacks (authors, links, ids, year, venue, an empty
abstract), never its title, tags, notes or status; re-running an import changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from sitegen.config import SiteConfig
from sitegen.content.models import Paper, Source
from sitegen.content.papers import load_papers, paper_files
from sitegen.content.topics import match_topics, normalise_tag
from sitegen.errors import ContentError, Problem
from sitegen.importers import bibtex, csl_json, ris
from sitegen.importers.daily_papers import (
    KIND,
    DailyPapersDump,
    Entry,
    decode_dump,
    parse_daily_papers,
    resolve_date,
)
from sitegen.importers.plan import FILLABLE, ImportPlan, fill_missing
from sitegen.importers.plan import normalise_title as normalise_title


class Candidate(Protocol):
    """A paper an importer found, with what messages call it (bibtex.BibEntry and
    records.Candidate are ones)."""

    @property
    def paper(self) -> Paper: ...
    @property
    def key(self) -> str: ...
    @property
    def line(self) -> int: ...


_Parser = Callable[[Path, str, dt.date], tuple[Sequence[Candidate], list[Problem]]]
_REFERENCE_PARSERS: dict[str, _Parser] = {
    ".bib": bibtex.parse_bibtex,
    ".ris": ris.parse_ris,
    ".json": csl_json.parse_csl_json,
}
"""Reference-manager files by suffix; any other file is a Daily Papers dump."""


@dataclass(frozen=True, slots=True)
class ImportedPaper:
    """A paper the import listed, new or already in content/."""

    slug: str
    """Its content file is `content/papers/<slug>.md`."""
    title: str
    """Its title."""
    files: tuple[str, ...]
    """Names of the files of this import that list it."""
    sources_added: int
    """Source entries this import added to it (0: no new source)."""
    fields_added: tuple[str, ...] = ()
    """Fields it lacked that this import filled in (e.g. `doi`), for papers already present."""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did, for the summary the CLI prints."""

    new: tuple[ImportedPaper, ...]
    """Papers written to content/ for the first time."""
    present: tuple[ImportedPaper, ...]
    """Papers that were already in content/ (they keep every edit; sources and missing
    fields may grow)."""
    skipped: tuple[Problem, ...]
    """Blocks, entries, papers and files left out, each with its reason."""
    failed_files: tuple[Problem, ...]
    """Files that could not be read at all (missing, binary, not UTF-8), and content files
    left alone because they changed while the import ran."""
    year_note: str | None
    """What year was assumed for dates without one, when --year was not given."""


@dataclass(frozen=True, slots=True)
class _Listing:
    """One entry of one dump, with its full date."""

    entry: Entry
    file: str
    path: Path
    date: dt.date


@dataclass(slots=True)
class _Tally:
    """What the import did to one paper, gathered over every file that lists it."""

    files: list[str] = field(default_factory=list)
    sources: int = 0


def run_import(
    config: SiteConfig, files: Sequence[Path], year: int | None, today: dt.date
) -> ImportReport:
    """Import Daily Papers dumps and BibTeX files into the site's content/papers/."""
    existing, _warnings = load_papers(config.papers_dir)
    taken = [path.stem for path in paper_files(config.papers_dir)]
    plan = ImportPlan(config.papers_dir, existing, taken)
    tally: dict[str, _Tally] = {}
    files, skipped = _distinct_names(files)
    texts, failed = _read_texts(files)
    dumps = [parse_daily_papers(p, t) for p, t in texts if not _is_reference(p)]
    skipped += [problem for dump in dumps for problem in dump.skipped]
    listings, assumed, date_problems = _dated_listings(dumps, year, today)
    skipped += date_problems
    groups, duplicates = _group(listings)
    skipped += duplicates
    for group in groups.values():
        _merge_listings(config, plan, tally, group, today)
    for path, text in texts:
        if _is_reference(path):
            parse = _REFERENCE_PARSERS[path.suffix.casefold()]
            entries, problems = parse(path, text.removeprefix("\ufeff"), today)
            skipped += problems + _merge_entries(config, plan, tally, path, entries)
    failed += plan.write()
    return _report(plan, tally, skipped, failed, _year_note(assumed))


def merge_papers(config: SiteConfig, found: Sequence[Candidate], today: dt.date) -> ImportReport:
    """Merge papers looked up elsewhere (`sitegen add`) as an import merges a file's entries:
    new ones tagged and written, known ones given missing fields and the source."""
    existing, _warnings = load_papers(config.papers_dir)
    taken = [path.stem for path in paper_files(config.papers_dir)]
    plan = ImportPlan(config.papers_dir, existing, taken)
    tally: dict[str, _Tally] = {}
    skipped: list[Problem] = []
    for candidate in found:
        # One at a time: two ids of one paper (its arXiv id and its DOI) merge into one paper,
        # which records both sources.
        skipped += _merge_entries(config, plan, tally, Path(candidate.key), [candidate])
    failed = plan.write()
    return _report(plan, tally, skipped, failed, None)


def format_report(report: ImportReport) -> str:
    """The summary `sitegen import` prints."""
    updated = sum(1 for p in report.present if p.sources_added)
    filled = sum(1 for p in report.present if p.fields_added)
    notes = [f"{updated} got a new source entry"] if updated else []
    notes += [f"{filled} got missing fields filled in"] if filled else []
    detail = f" ({'; '.join(notes)})" if notes else ""
    lines = [
        f"{len(report.new)} new, {len(report.present)} already present{detail}, "
        f"{len(report.skipped)} skipped"
    ]
    if report.year_note:
        lines.append(report.year_note)
    if report.skipped:
        lines.append("Skipped:")
        lines.extend(f"  {problem}" for problem in report.skipped)
    if report.failed_files:
        lines.append("Could not read:")
        lines.extend(f"  {problem}" for problem in report.failed_files)
    return "\n".join(lines)


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
            text = decode_dump(path, path.read_bytes())
        except OSError as err:
            failed.append(Problem(path, None, f"cannot read: {err.strerror or err}"))
            continue
        except ContentError as err:
            failed.extend(err.problems)
            continue
        texts.append((path, text))
    return texts, failed


def _report(
    plan: ImportPlan,
    tally: dict[str, _Tally],
    skipped: list[Problem],
    failed: list[Problem],
    year_note: str | None,
) -> ImportReport:
    new, present = [], []
    for slug, counts in tally.items():
        paper = plan.current[slug]
        files = tuple(dict.fromkeys(counts.files))
        if slug in plan.original:
            original = plan.original[slug]
            added = tuple(f for f in FILLABLE if getattr(original, f) != getattr(paper, f))
            present.append(ImportedPaper(slug, original.title, files, counts.sources, added))
        else:
            new.append(ImportedPaper(slug, paper.title, files, len(paper.sources)))
    return ImportReport(tuple(new), tuple(present), tuple(skipped), tuple(failed), year_note)


def _merge_listings(
    config: SiteConfig,
    plan: ImportPlan,
    tally: dict[str, _Tally],
    group: Sequence[_Listing],
    today: dt.date,
) -> None:
    """One paper of the dumps (its listings in every dump): a new paper or new sources."""
    paper = _new_paper(config, group, today)
    slug = plan.find(paper)
    if slug is None:
        slug = plan.add(paper).slug
        counts = tally.setdefault(slug, _Tally())
    else:
        known = plan.current[slug]
        added = _new_sources(known, group, today)
        plan.update(replace(known, sources=known.sources + added))
        counts = tally.setdefault(slug, _Tally())
        counts.sources += len(added)
    counts.files += [item.file for item in group]


def _merge_entries(
    config: SiteConfig,
    plan: ImportPlan,
    tally: dict[str, _Tally],
    path: Path,
    entries: Sequence[Candidate],
) -> list[Problem]:
    """The entries of one reference file: new papers, or missing fields and a source added."""
    skipped: list[Problem] = []
    seen: dict[str, int] = {}  # slug -> line of the entry of this file that listed it
    for entry in entries:
        slug = plan.find(entry.paper)
        if slug in seen:
            message = f"entry `{entry.key}`: same paper as line {seen[slug]}: entry skipped"
            skipped.append(Problem(path, entry.line, message))
            continue
        if slug is None:
            slug = plan.add(_tagged(config, entry.paper)).slug
            counts = tally.setdefault(slug, _Tally())
        else:
            counts = tally.setdefault(slug, _Tally())
            counts.sources += _merge_entry(plan, slug, entry.paper)
        seen[slug] = entry.line
        counts.files.append(path.name)
    return skipped


def _merge_entry(plan: ImportPlan, slug: str, found: Paper) -> int:
    """Fill in what the paper lacks and add the entry's source; the number of sources added."""
    known = plan.current[slug]
    recorded = {(source.file, source.kind) for source in known.sources}
    added = tuple(s for s in found.sources if (s.file, s.kind) not in recorded)
    plan.update(replace(fill_missing(known, found), sources=known.sources + added), found)
    return len(added)


def _tagged(config: SiteConfig, paper: Paper) -> Paper:
    """The entry's keywords as tags, then tags from the topic rules up to `max_tags`."""
    tags = {normalise_tag(tag): tag for tag in paper.tags}
    for tag in match_topics(config.topics, paper.title, paper.abstract, config.max_tags):
        if len(tags) >= max(config.max_tags, len(paper.tags)):
            break
        tags.setdefault(normalise_tag(tag), tag)
    return replace(paper, tags=tuple(tags.values()))


def _dated_listings(
    dumps: Sequence[DailyPapersDump], year: int | None, today: dt.date
) -> tuple[list[_Listing], dict[tuple[str, str], dt.date], list[Problem]]:
    """Give every entry its full date; note each year assumed, skip days that do not exist."""
    listings: list[_Listing] = []
    assumed: dict[tuple[str, str], dt.date] = {}
    problems: dict[tuple[Path, int], Problem] = {}
    for dump in dumps:
        for entry in dump.entries:
            listed = entry.listed
            day = resolve_date(listed, year, today)
            if day is None:
                message = (
                    f"{listed.text!r} does not exist in {listed.year or year}: "
                    "papers under it are skipped; check --year"
                )
                problems[(dump.path, listed.line)] = Problem(dump.path, listed.line, message)
                continue
            if listed.year is None and year is None:
                assumed[(dump.path.name, listed.text)] = day
            listings.append(_Listing(entry, dump.path.name, dump.path, day))
    return listings, assumed, list(problems.values())


def _group(listings: Sequence[_Listing]) -> tuple[dict[str, list[_Listing]], list[Problem]]:
    """Listings by normalised title, oldest listing first; repeats within a file skipped."""
    groups: dict[str, list[_Listing]] = {}
    duplicates: list[Problem] = []
    for listing in listings:
        group = groups.setdefault(normalise_title(listing.entry.title), [])
        twin = next((item for item in group if item.file == listing.file), None)
        if twin is not None:
            duplicates.append(
                Problem(
                    listing.path,
                    listing.entry.title_line,
                    f"same paper as line {twin.entry.title_line}: listed twice in this file",
                )
            )
            continue
        group.append(listing)
    for group in groups.values():
        group.sort(key=lambda item: (item.date, item.file))
    # Slugs are given in this order, so ties between equal slugs resolve the same way each run.
    ordered = sorted(groups.items(), key=lambda kv: (kv[1][0].date, kv[0]))
    return dict(ordered), duplicates


def _new_paper(config: SiteConfig, group: Sequence[_Listing], today: dt.date) -> Paper:
    first = group[0].entry
    return Paper(
        slug="",
        title=first.title,
        date=_fresh(group[0].date),
        abstract=first.abstract,
        tags=match_topics(config.topics, first.title, first.abstract, config.max_tags),
        authors=first.authors,
        sources=tuple(Source(item.file, KIND, _fresh(item.date), _fresh(today)) for item in group),
    )


def _new_sources(paper: Paper, group: Sequence[_Listing], today: dt.date) -> tuple[Source, ...]:
    # A dump already recorded is not added again, whatever year it was read with: re-running
    # an import must change nothing.
    known = {(source.file, source.kind) for source in paper.sources}
    return tuple(
        Source(item.file, KIND, _fresh(item.date), _fresh(today))
        for item in group
        if (item.file, KIND) not in known
    )


def _fresh(day: dt.date) -> dt.date:
    """An equal date that is a distinct object: PyYAML writes an object used twice in one
    file as an anchor and alias (`&id001` ... `*id001`), which nobody wants to read."""
    return dt.date.fromordinal(day.toordinal())


def _year_note(assumed: dict[tuple[str, str], dt.date]) -> str | None:
    if not assumed:
        return None
    lines = ["No --year given: assumed the most recent year that does not put a date after today:"]
    lines += [f"  {text} ({name}) -> {day.isoformat()}" for (name, text), day in assumed.items()]
    lines.append("Pass --year YYYY if that is wrong.")
    return "\n".join(lines)
