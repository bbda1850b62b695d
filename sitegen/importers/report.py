"""What an import did, and the summary `sitegen import` prints of it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sitegen.errors import Problem


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
    notes: tuple[Problem, ...] = ()
    """Fields repaired or left out of entries that were imported, and tags respelled."""
    deleted: tuple[str, ...] = ()
    """Slugs of papers the user deleted that the files list again: not imported again."""
    restored: tuple[str, ...] = ()
    """Slugs of deleted papers `--restore` brought back (also in `new`)."""
    suggested: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(slug, tags) of new papers no keyword or topic rule tagged, tagged like their nearest
    papers."""
    near_duplicates: tuple[tuple[str, str], ...] = ()
    """(slug, slug of a paper with a very similar title) for new papers."""


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
    if report.restored:
        lines.append(f"Restored (deleted earlier): {', '.join(report.restored)}")
    if report.deleted:
        lines.append(
            f"Not imported again, deleted earlier: {', '.join(report.deleted)} "
            "(`sitegen import --restore` brings them back)"
        )
    lines += _section("Skipped:", map(str, report.skipped))
    lines += _section("Imported with changes:", map(str, report.notes))
    lines += _section(
        "Suggested tags (no keyword or topic rule matched; tagged like the nearest papers):",
        (f"{slug}: {', '.join(tags)}" for slug, tags in report.suggested),
    )
    lines += _section(
        "Possible duplicates (very similar titles; delete one if they are one paper):",
        (f"{slug}: possible duplicate of {other}" for slug, other in report.near_duplicates),
    )
    lines += _section("Could not read:", map(str, report.failed_files))
    return "\n".join(lines)


def _section(heading: str, items: Iterable[str]) -> list[str]:
    lines = [f"  {item}" for item in items]
    return [heading, *lines] if lines else []
