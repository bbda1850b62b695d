"""The build pipeline (load -> graph -> render -> search -> write), its caches and its stamp.

`build()` is the door: it skips a build whose inputs and output are untouched since the last
one, and records each build it makes. It imports the pipeline only when there is work to do,
so an unchanged site "builds" before anything heavy is loaded.
"""

from __future__ import annotations

from pathlib import Path

from sitegen.build.result import BuildResult
from sitegen.build.stamp import BuildSummary, input_stamp, record_build, unchanged_build
from sitegen.config import output_folder
from sitegen.errors import Problem
from sitegen.output.writer import WriteReport


def build(site_root: Path, out: Path | None = None, relayout: bool = False) -> BuildResult:
    """Build the site at `site_root` into `out` (default `SITE/_site`), unless nothing
    changed since the last build there (then `skipped` says so). `relayout` lays the paper
    map out afresh (and never skips)."""
    out = output_folder(site_root, out)
    resolved = out.resolve()
    stamp = input_stamp(site_root, resolved)
    last = None if relayout else unchanged_build(site_root, resolved, stamp)
    if last is not None:
        return _skipped(out, last)
    from sitegen.build.pipeline import Builder  # heavy: only when there is work

    result = Builder(site_root, out, relayout=relayout).build()
    warnings = [str(warning) for warning in result.warnings]
    summary = BuildSummary(str(resolved), stamp, result.papers, result.tags, result.pages, warnings)
    record_build(site_root, summary)
    return result


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
    )
