"""Issue #17: a one-paper edit at 10,000 papers rebuilt by `sitegen build`: a retag to an
existing tag, a retag to a new tag, a notes edit and a status edit (`--kinds`: all but the
last by default), each kind run by every tree in turn.

    python benchmarks/bench_tag_edit.py --site /tmp/new-10k --code . \\
        --site /tmp/old-10k --code /tmp/old-tree --runs 5

Each `--site` is built by the sitegen tree of the `--code` given with it (caches are stamped
with the code, so each tree needs its own copy of the site, built once before). Each run of a
tag edit swaps the paper's second tag one way (a run later, back): both directions are timed.
Printed per run: CPU (user + system of the build and its workers, from `os.wait4`; also the
system part alone and the minor page faults: a forked worker makes the build fault on each page
it writes afterwards), wall, the build's own timer, files written (from its summary line) and
the 1-minute load average; per
tree, the medians (and the least wall time), and how many runs each later tree won against
the first, run by run (this machine's speed drifts by the hour: pairs share it). Each run
starts with the next tree: the first build of a run won more often, whichever tree it was.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import astuple, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.code_tree import code_env

PAPER = "content/papers/2-olmo-2-furious.md"
TAG_LINE = "tags: [pre-trained language models, contrastive learning]"
OTHER_TAG = {"existing": "multi-task learning", "new": "zebra studies"}
STATUS_LINE = "\nstatus: to-read\n"
SUMMARY = re.compile(r" in ([\d.]+) s: .*?([\d,]+) written")


def edit(site: Path, kind: str, run: int) -> None:
    """Change the paper for the `run`th time: its tag swapped or its status from to-read to
    read (back on odd runs), or a line added to its notes."""
    path = site / PAPER
    text = path.read_text(encoding="utf-8")
    if kind == "notes":
        path.write_text(text + f"note {time.time_ns()}\n", encoding="utf-8")
        return
    if kind == "status":
        before, after = STATUS_LINE, STATUS_LINE.replace("to-read", "read")
    else:
        before, after = TAG_LINE, TAG_LINE.replace("contrastive learning", OTHER_TAG[kind])
    old, new = (before, after) if run % 2 == 0 else (after, before)
    if old not in text:
        sys.exit(f"{path}: no line {old!r} to edit")
    path.write_text(text.replace(old, new), encoding="utf-8")


@dataclass(frozen=True)
class Run:
    """One `sitegen build`, its CPU time and faults counting its workers."""

    cpu: float
    system: float
    faults: int
    wall: float
    timer: float
    written: int


def build(site: Path, code: Path) -> Run:
    """One `sitegen build` in `site`."""
    command = [sys.executable, "-m", "sitegen", "build"]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=site, env=code_env(code), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert process.stdout is not None
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    found = SUMMARY.search(output)
    if os.waitstatus_to_exitcode(status) != 0 or found is None:
        sys.exit(f"build failed in {site}:\n{output}")
    written = int(found.group(2).replace(",", ""))
    cpu = usage.ru_utime + usage.ru_stime
    return Run(cpu, usage.ru_stime, usage.ru_minflt, wall, float(found.group(1)), written)


def described(run: Run) -> str:
    return (
        f"cpu {run.cpu:.2f} s (system {run.system:.2f} s, {run.faults:,.0f} faults), "
        f"wall {run.wall:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, action="append", required=True)
    parser.add_argument("--code", type=Path, action="append", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--kinds", default="existing,new,notes")
    args = parser.parse_args()
    if len(args.site) != len(args.code):
        sys.exit("give one --code per --site")
    trees = list(zip(args.site, args.code, strict=True))
    for kind in args.kinds.split(","):
        figures: dict[int, list[Run]] = {}
        for run in range(args.runs):
            shift = run % len(trees)
            order = [*range(shift, len(trees)), *range(shift)]
            for number in order:
                site, code = trees[number]
                edit(site, kind, run)
                done = build(site, code)
                figures.setdefault(number, []).append(done)
                load = os.getloadavg()[0]
                print(
                    f"{kind:8} run {run} {code}: {described(done)}, timer {done.timer:.2f} s, "
                    f"{done.written} written, load {load:.2f}",
                    flush=True,
                )
        for number, (_, code) in enumerate(trees):
            runs = figures[number]
            columns = zip(*map(astuple, runs), strict=True)
            median = Run(*(statistics.median(column) for column in columns))
            least = min(run.wall for run in runs)
            print(
                f"{kind:8} median {code}: {described(median)} (min {least:.2f}), "
                f"timer {median.timer:.2f} s, {median.written:.0f} written"
            )
        for number, (_, code) in enumerate(trees[1:], 1):
            # Runs of one round share the machine's mood: compare them pair by pair.
            pairs = zip(figures[number], figures[0], strict=True)
            won = sum(ours.wall < theirs.wall for ours, theirs in pairs)
            first = trees[0][1]
            print(f"{kind:8} {code} took less wall time than {first} in {won} of {args.runs} runs")


if __name__ == "__main__":
    main()
