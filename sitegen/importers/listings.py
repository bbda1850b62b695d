"""Daily Papers dump entries as papers: each listing dated, listings of one paper grouped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sitegen.config import SiteConfig
from sitegen.content.identity import normalise_title
from sitegen.content.models import Paper, Source
from sitegen.content.topics import match_topics
from sitegen.errors import Problem
from sitegen.importers.daily_papers import KIND, DailyPapersDump, Entry, resolve_date


@dataclass(frozen=True, slots=True)
class Listing:
    """One entry of one dump, with its full date."""

    entry: Entry
    """The entry as the dump gives it."""
    file: str
    """The dump's file name."""
    path: Path
    """The dump's path, as given on the command line."""
    date: dt.date
    """The day it was listed, its year resolved."""


def dated_listings(
    dumps: Sequence[DailyPapersDump], year: int | None, today: dt.date
) -> tuple[list[Listing], dict[tuple[str, str], dt.date], list[Problem]]:
    """Give every entry its full date; note each year assumed, skip days that do not exist."""
    listings: list[Listing] = []
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
            listings.append(Listing(entry, dump.path.name, dump.path, day))
    return listings, assumed, list(problems.values())


def group_listings(listings: Sequence[Listing]) -> tuple[dict[str, list[Listing]], list[Problem]]:
    """Listings by normalised title, oldest listing first; repeats within a file skipped."""
    groups: dict[str, list[Listing]] = {}
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


def new_paper(config: SiteConfig, group: Sequence[Listing], today: dt.date) -> Paper:
    first = group[0].entry
    return Paper(
        slug="",
        title=first.title,
        date=fresh(group[0].date),
        abstract=first.abstract,
        tags=match_topics(config.topics, first.title, first.abstract, config.max_tags),
        authors=first.authors,
        sources=tuple(Source(item.file, KIND, fresh(item.date), fresh(today)) for item in group),
    )


def new_sources(paper: Paper, group: Sequence[Listing], today: dt.date) -> tuple[Source, ...]:
    # A dump already recorded is not added again, whatever year it was read with: re-running
    # an import must change nothing.
    known = {(source.file, source.kind) for source in paper.sources}
    return tuple(
        Source(item.file, KIND, fresh(item.date), fresh(today))
        for item in group
        if (item.file, KIND) not in known
    )


def fresh(day: dt.date) -> dt.date:
    """An equal date that is a distinct object: PyYAML writes an object used twice in one
    file as an anchor and alias (`&id001` ... `*id001`), which nobody wants to read."""
    return dt.date.fromordinal(day.toordinal())


def year_note(assumed: dict[tuple[str, str], dt.date]) -> str | None:
    if not assumed:
        return None
    lines = ["No --year given: assumed the most recent year that does not put a date after today:"]
    lines += [f"  {text} ({name}) -> {day.isoformat()}" for (name, text), day in assumed.items()]
    lines.append("Pass --year YYYY if that is wrong.")
    return "\n".join(lines)
