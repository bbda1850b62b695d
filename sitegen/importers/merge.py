"""Merge imported papers into a site's content: dedupe, slug, tag, then write.

Everything is decided before anything is written. A paper already in content/ is the user's:
an import only appends Source entries to it, and leaves the rest of its file byte for byte.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from slugify import slugify

from sitegen.config import SiteConfig
from sitegen.content import load_papers, paper_files, paper_to_text, parse_paper, write_paper
from sitegen.errors import ContentError, Problem
from sitegen.frontmatter import split_front_matter
from sitegen.fsutil import atomic_write_bytes
from sitegen.importers.daily_papers import (
    KIND,
    DailyPapersDump,
    Entry,
    decode_dump,
    parse_daily_papers,
    resolve_date,
)
from sitegen.models import Paper, Source
from sitegen.topics import match_topics

MAX_SLUG = 80
# Names Windows refuses as file names, whatever the extension.
_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


@dataclass(frozen=True, slots=True)
class ImportedPaper:
    """A paper the import listed, new or already in content/."""

    slug: str
    """Its content file is `content/papers/<slug>.md`."""
    title: str
    """Its title."""
    files: tuple[str, ...]
    """Names of the dumps of this import that list it."""
    sources_added: int
    """Source entries this import added to it (0: the file was left as it was)."""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did, for the summary the CLI prints."""

    new: tuple[ImportedPaper, ...]
    """Papers written to content/ for the first time."""
    present: tuple[ImportedPaper, ...]
    """Papers that were already in content/ (they keep every edit; only sources grow)."""
    skipped: tuple[Problem, ...]
    """Blocks, papers and files left out, each with its reason."""
    failed_files: tuple[Problem, ...]
    """Files that could not be read at all (missing, binary, not UTF-8)."""
    year_note: str | None
    """What year was assumed for dates without one, when --year was not given."""


@dataclass(frozen=True, slots=True)
class _Listing:
    """One entry of one dump, with its full date."""

    entry: Entry
    file: str
    path: Path
    date: dt.date


def normalise_title(title: str) -> str:
    """The identity of a paper: case, punctuation, spacing and Unicode form do not matter."""
    text = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", text).split()) or text.strip()


def run_import(
    config: SiteConfig, files: Sequence[Path], year: int | None, today: dt.date
) -> ImportReport:
    """Import Daily Papers dumps into the site's content/papers/."""
    existing, _warnings = load_papers(config.papers_dir)
    dumps, skipped, failed = _read_dumps(files)
    listings, assumed, date_problems = _dated_listings(dumps, year, today)
    skipped += date_problems
    groups, duplicates = _group(listings)
    skipped += duplicates
    by_key = {normalise_title(p.title): p for p in sorted(existing, key=_path_key, reverse=True)}
    taken = {p.slug.casefold() for p in existing}
    taken |= {p.stem.casefold() for p in paper_files(config.papers_dir)}
    new: list[tuple[Path, Paper]] = []
    updates: list[tuple[Paper, tuple[Source, ...]]] = []
    report_new, report_present = [], []
    for key, group in groups.items():
        names = tuple(dict.fromkeys(item.file for item in group))
        known = by_key.get(key)
        if known is None:
            paper = _new_paper(config, group, _unique_slug(group[0].entry.title, taken), today)
            new.append((config.papers_dir / f"{paper.slug}.md", paper))
            report_new.append(ImportedPaper(paper.slug, paper.title, names, len(paper.sources)))
            continue
        added = _new_sources(known, group, today)
        if added:
            updates.append((known, added))
        report_present.append(ImportedPaper(known.slug, known.title, names, len(added)))
    for path, paper in new:
        write_paper(path, paper)
    for paper, added in updates:
        _append_sources(paper, added)
    return ImportReport(
        tuple(report_new), tuple(report_present), tuple(skipped), tuple(failed), _year_note(assumed)
    )


def format_report(report: ImportReport) -> str:
    """The summary `sitegen import` prints."""
    updated = sum(1 for p in report.present if p.sources_added)
    lines = [
        f"{len(report.new)} new, {len(report.present)} already present"
        f"{f' ({updated} got a new source entry)' if updated else ''}, "
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


def _path_key(paper: Paper) -> str:
    return str(paper.path or "")


def _read_dumps(
    files: Sequence[Path],
) -> tuple[list[DailyPapersDump], list[Problem], list[Problem]]:
    dumps: list[DailyPapersDump] = []
    skipped: list[Problem] = []
    failed: list[Problem] = []
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
        try:
            text = decode_dump(path, path.read_bytes())
        except OSError as err:
            failed.append(Problem(path, None, f"cannot read: {err.strerror or err}"))
            continue
        except ContentError as err:
            failed.extend(err.problems)
            continue
        dump = parse_daily_papers(path, text)
        dumps.append(dump)
        skipped.extend(dump.skipped)
    return dumps, skipped, failed


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


def _unique_slug(title: str, taken: set[str]) -> str:
    """A readable ASCII file name of at most MAX_SLUG characters not used by another paper."""
    # Apostrophes are dropped, not made separators: "practitioners-guide", not "practitioner-s".
    base = (
        slugify(
            title,
            max_length=MAX_SLUG,
            word_boundary=True,
            save_order=True,
            replacements=[["'", ""], ["\u2019", ""]],
        )
        or "paper"
    )
    if base in _RESERVED:
        base += "-paper"
    slug, number = base, 1
    while slug.casefold() in taken:
        number += 1
        suffix = f"-{number}"
        slug = base[: MAX_SLUG - len(suffix)].rstrip("-") + suffix
    taken.add(slug.casefold())
    return slug


def _new_paper(config: SiteConfig, group: Sequence[_Listing], slug: str, today: dt.date) -> Paper:
    first = group[0].entry
    return Paper(
        slug=slug,
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


def _append_sources(paper: Paper, added: tuple[Source, ...]) -> None:
    """Rewrite only the `sources` lines of an existing paper's file, or, if its front matter
    is too unusual to edit in place, the whole file with the same data."""
    assert paper.path is not None  # papers read from content/ always have one
    path = paper.path
    updated = replace(paper, sources=paper.sources + added)
    text = path.read_bytes().decode("utf-8")
    spliced = _splice_sources(path, text, paper_to_text(updated))
    if spliced is not None:
        check, _warnings = parse_paper(path, spliced)
        if _data(check) == _data(updated):
            atomic_write_bytes(path, spliced.encode("utf-8"))
            return
    write_paper(path, updated)


def _data(paper: Paper) -> tuple[object, ...]:
    """What a content file says about a paper (not where it was read from)."""
    return (
        paper.title,
        paper.date,
        paper.abstract,
        paper.notes,
        paper.tags,
        paper.authors,
        paper.url,
        paper.arxiv,
        paper.status,
        paper.sources,
        paper.extra,
    )


def _splice_sources(path: Path, text: str, fresh: str) -> str | None:
    """`text` with its `sources` lines replaced by those of `fresh` (the paper re-rendered)."""
    lines = _LINE.findall(text)
    head = split_front_matter(path, text)
    fresh_lines = fresh.split("\n")
    fresh_head = split_front_matter(path, fresh)
    if "sources" not in fresh_head.key_lines:
        return None
    start, end = _key_span(fresh_head.key_lines, "sources", fresh_head.body_line, fresh_lines)
    newline = "\r\n" if "\r\n" in text else "\r" if "\r" in text else "\n"
    block = [line + newline for line in fresh_lines[start:end]]
    if "sources" in head.key_lines:
        old_start, old_end = _key_span(head.key_lines, "sources", head.body_line, lines)
        lines[old_start:old_end] = block
    else:
        fence = head.body_line - 2
        lines[fence:fence] = block
    return "".join(lines)


def _key_span(
    key_lines: dict[str, int], key: str, body_line: int, lines: Sequence[str]
) -> tuple[int, int]:
    """0-based [start, end) of a top-level key's lines, not counting trailing blank lines or
    comments (they may belong to the next key)."""
    start = key_lines[key] - 1
    end = min([line - 1 for line in key_lines.values() if line - 1 > start] + [body_line - 2])
    while end - 1 > start and (lines[end - 1].strip() or "#").startswith("#"):
        end -= 1
    return start, end


def _year_note(assumed: dict[tuple[str, str], dt.date]) -> str | None:
    if not assumed:
        return None
    lines = ["No --year given: assumed the most recent year that does not put a date after today:"]
    lines += [f"  {text} ({name}) -> {day.isoformat()}" for (name, text), day in assumed.items()]
    lines.append("Pass --year YYYY if that is wrong.")
    return "\n".join(lines)
