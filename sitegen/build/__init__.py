"""The build pipeline (load -> graph -> render -> search -> write), its caches and its stamp.

`build()` is the door: it skips a build whose inputs and output are untouched since the last
one, and records each build it makes. It imports the pipeline only when there is work to do,
so an unchanged site "builds" before anything heavy is loaded.
"""

from __future__ import annotations

import os
from pathlib import Path

from sitegen.build.result import BuildResult
from sitegen.build.stamp import BuildSummary, input_stamp, record_build, unchanged_build
from sitegen.config import output_folder
from sitegen.errors import ContentError, Problem
from sitegen.output.writer import WriteReport
from sitegen.progress import NO_PROGRESS, Progress


def build(
    site_root: Path,
    out: Path | None = None,
    strict: bool = False,
    progress: Progress = NO_PROGRESS,
    relayout: bool = False,
) -> BuildResult:
    """Build the site at `site_root` into `out` (default `SITE/_site`), unless nothing
    changed since the last build there (then `skipped` says so). With `strict`, any
    warning is an error and nothing is written; `relayout` lays the paper map out afresh
    (and never skips)."""
    out = output_folder(site_root, out)
    stats: dict[str, os.stat_result] = {}
    stamp = build_stamp(site_root, out, stats)
    last = None if relayout else unchanged_build(site_root, out.resolve(), stamp)
    if last is not None:
        result = _skipped(out, last)
        if strict and result.warnings:
            raise ContentError(result.warnings)
        return result
    from sitegen.build.pipeline import Builder  # heavy: only when there is work

    # The papers are checked against the stats the stamp took (not stat-ed twice): a file
    # changed since has another stamp, so the next build reads it again.
    builder = Builder(site_root, out, strict=strict, progress=progress, relayout=relayout)
    builder.papers.take_stats(stats)
    result = builder.build()
    remember_build(site_root, stamp, result)
    return result


def build_stamp(site_root: Path, out: Path, stats: dict[str, os.stat_result] | None = None) -> str:
    """The fingerprint of a build's inputs, taken before it reads them (see stamp.py); each
    input file's stat goes into `stats`, if given."""
    return input_stamp(site_root, out.resolve(), stats)


def remember_build(site_root: Path, stamp: str, result: BuildResult) -> None:
    """Record a finished build of the inputs `stamp`, so that the next `build` of unchanged
    inputs says so instead of building again (`serve` records its complete builds too)."""
    summary = BuildSummary(
        str(result.out.resolve()),
        stamp,
        result.papers,
        result.tags,
        result.pages,
        [str(warning) for warning in result.warnings],
        notes=list(result.notes),
    )
    record_build(site_root, summary)


def _skipped(out: Path, last: BuildSummary) -> BuildResult:
    return BuildResult(
        out=out,
        papers=last.papers,
        tags=last.tags,
        pages=last.pages,
        rendered=(),
        write=WriteReport(0, 0, 0),
        warnings=[Problem(None, None, warning) for warning in last.warnings],
        seconds=0.0,
        skipped=True,
        notes=tuple(last.notes),
    )
