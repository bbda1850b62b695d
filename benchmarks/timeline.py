"""Where one `sitegen` command spends its time, step by step: each step's start and end (from
the command's start), CPU time and minor page faults, in the build's process and in every
process it forks (the search process, page and parse workers), sorted by start.

    cd /tmp && PYTHONPATH=/path/to/tree python /path/to/tree/benchmarks/timeline.py \\
        build --site /tmp/site-10k
    ... timeline.py --step sitegen.site.related:corpus_key build --site /tmp/site-10k

It runs the real command line (`sitegen.cli.run`) in this process, with a timer around each
step below and each `--step module:Qualified.name`. Run it outside the repo's folder with
the tree to time on PYTHONPATH (from the repo root, Python imports the working tree first).
Faults are a step's own: right after a fork, the first write to each page copies it, so a
step that walks every paper then costs several times its CPU alone (issue #17's notes).
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

STEPS = (
    "sitegen.build:build_stamp",
    "sitegen.build.papercache:PaperCache.load",
    "sitegen.build.pipeline:Builder.graph_of",
    "sitegen.build.pipeline:Builder._start_search",
    "sitegen.build.pipeline:Builder.related_of",
    "sitegen.build.pipeline:Builder.layout_of",
    "sitegen.render.renderer:Renderer.render_site",
    "sitegen.render.renderer:Renderer._edited_pages",
    "sitegen.render.renderer:Renderer._run",
    "sitegen.build.pipeline:SearchJob.make",
    "sitegen.build.pipeline:_companions_forked",
    "sitegen.build.pipeline:SearchJob.files",
    "sitegen.output.writer:OutputWriter.finish",
    "sitegen.render.renderer:Renderer.save_cache",
    "sitegen.build.papercache:PaperCache.save",
    "sitegen.site.graphcache:GraphCache.save",
)
"""The steps of a build timed by default (a step the code no longer has is reported, not
timed)."""

STARTED = time.perf_counter()


def _usage() -> tuple[float, int]:
    """This process's CPU seconds and minor page faults so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, usage.ru_minflt


class Timeline:
    """Lines of timed steps, appended to one file by every process (O_APPEND: whole lines)."""

    def __init__(self, file: Path) -> None:
        self.file = file

    def note(self, line: str) -> None:
        with open(self.file, "a", encoding="utf-8") as out:
            out.write(f"{line}\n")

    def timed(self, name: str, step: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(step)
        def run(*args: Any, **kwargs: Any) -> Any:
            start, (cpu, faults) = time.perf_counter(), _usage()
            try:
                return step(*args, **kwargs)
            finally:
                end, (cpu_end, faults_end) = time.perf_counter(), _usage()
                self.note(
                    f"{start - STARTED:8.3f} {end - STARTED:8.3f} {os.getpid():>7} "
                    f"{cpu_end - cpu:7.3f} {faults_end - faults:>8,} {name}"
                )

        return run

    def wrap(self, spec: str) -> None:
        """Time the function `module:Qualified.name` from now on."""
        module_name, _, qualified = spec.partition(":")
        owner: Any = importlib.import_module(module_name)
        *path, attribute = qualified.split(".")
        for part in path:
            owner = getattr(owner, part)
        if not hasattr(owner, attribute):
            print(f"timeline: no {spec}: not timed", file=sys.stderr)
            return
        setattr(owner, attribute, self.timed(qualified, getattr(owner, attribute)))

    def print_sorted(self) -> None:
        lines = self.file.read_text(encoding="utf-8").splitlines()
        print(f"{'start':>8} {'end':>8} {'pid':>7} {'cpu':>7} {'faults':>8} step", file=sys.stderr)
        for line in sorted(lines, key=lambda line: float(line.split()[0])):
            print(line, file=sys.stderr)


def _ending(timeline: Timeline, top: int) -> Callable[[int], None]:
    """os._exit, noting each process's totals first; the command's own process (`top`)
    then prints every process's lines (its workers were joined before)."""
    exit_now = os._exit

    def end(code: int) -> None:
        cpu, faults = _usage()
        timeline.note(
            f"{time.perf_counter() - STARTED:8.3f} {time.perf_counter() - STARTED:8.3f} "
            f"{os.getpid():>7} {cpu:7.3f} {faults:>8,} (exit: the process's totals)"
        )
        if os.getpid() == top:
            timeline.print_sorted()
            timeline.file.unlink()
        exit_now(code)

    return end


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], add_help=False)
    parser.add_argument("--step", action="append", default=[], help="module:Qualified.name")
    ours, command = parser.parse_known_args()
    fd, name = tempfile.mkstemp(prefix="sitegen-timeline-", suffix=".txt")
    os.close(fd)
    timeline = Timeline(Path(name))
    for spec in (*STEPS, *ours.step):
        timeline.wrap(spec)
    os._exit = _ending(timeline, os.getpid())  # type: ignore[assignment]
    from sitegen import cli

    sys.argv = ["sitegen", *command]
    cli.run()


if __name__ == "__main__":
    main()
