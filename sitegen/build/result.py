"""What a build made (light to import: a skipped build reports it without the pipeline)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sitegen.errors import Problem
from sitegen.output.writer import WriteReport


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build made, for the CLI's summary line."""

    out: Path
    papers: int
    tags: int
    pages: int
    rendered: tuple[str, ...]
    """Pages rendered by this build (the others were unchanged and reused)."""
    write: WriteReport
    warnings: list[Problem]
    seconds: float
    skipped: bool = False
    """Nothing changed since the last build into `out`, so nothing was done."""
    notes: tuple[str, ...] = ()
    """Short remarks for the summary line (e.g. no base_url yet)."""
