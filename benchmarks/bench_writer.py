"""Issue #17: the output writer alone, on a big built site, for a build that changes a few files.

    python benchmarks/bench_writer.py --out /tmp/site-10k/_site --code . --code /tmp/old-tree \\
        --changed 3 --runs 5

Each `--code` tree gets its own hard-linked copy of the output folder `--out` (neither writer
changes a file in place, so the copies share the files' bytes safely). Run by run, the trees
take turns driving their `OutputWriter` as `sitegen build` does: every page of the manifest is
kept (`has`, then `keep`) except `--changed` paper pages, which get new bytes (`put`), then
`finish`. Each run is a fresh process; it prints the CPU time (user + system) and wall time of
each step: `init` (recovery, reading the manifest, looking at the output), `keep`, `put`,
`finish`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STEPS = ("init", "keep", "put", "finish")


def child(out: Path, changed: int, run: int) -> None:
    """Drive one build's writer over `out` and print each step's CPU and wall seconds."""
    from sitegen.output.writer import MANIFEST, OutputWriter

    manifest: dict[str, str] = json.loads((out / MANIFEST).read_text())
    edited = set(sorted(p for p in manifest if p.startswith("papers/"))[:changed])
    figures: dict[str, tuple[float, float]] = {}
    clock = _Clock()
    writer = OutputWriter(out)
    figures["init"] = clock.lap()
    for path, digest in manifest.items():
        if path not in edited:
            assert writer.has(path, digest), path
            writer.keep(path, digest)
    figures["keep"] = clock.lap()
    for path in sorted(edited):
        writer.put(path, f"<p>{path}, edit {run}</p>".encode())
    figures["put"] = clock.lap()
    report = writer.finish()
    figures["finish"] = clock.lap()
    assert report.written == changed, report
    print(json.dumps(figures))


class _Clock:
    def __init__(self) -> None:
        self.cpu, self.wall = _cpu(), time.perf_counter()

    def lap(self) -> tuple[float, float]:
        cpu, wall = _cpu(), time.perf_counter()
        lap = (cpu - self.cpu, wall - self.wall)
        self.cpu, self.wall = cpu, wall
        return lap


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_child(code: Path, out: Path, changed: int, run: int) -> dict[str, tuple[float, float]]:
    env = {**os.environ, "PYTHONPATH": str(code.resolve())}
    command = [sys.executable, __file__, "--child", str(out), str(changed), str(run)]
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return {step: (cpu, wall) for step, (cpu, wall) in json.loads(done.stdout).items()}


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="a built site's output folder")
    parser.add_argument("--code", type=Path, action="append", required=True)
    parser.add_argument("--changed", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    figures: dict[Path, list[dict[str, tuple[float, float]]]] = {c: [] for c in args.code}
    with tempfile.TemporaryDirectory() as work:  # on /tmp, like the site, for hard links
        outs = {code: Path(work) / str(n) / "_site" for n, code in enumerate(args.code)}
        for out in outs.values():
            out.parent.mkdir()
            subprocess.run(["cp", "-al", str(args.out), str(out)], check=True)
        for run in range(args.runs):
            print(f"run {run + 1}: load average {os.getloadavg()[0]:.2f}", flush=True)
            for code, out in outs.items():
                figures[code].append(run_child(code, out, args.changed, run))
                last = figures[code][-1]
                shown = " ".join(f"{s} {cpu:.3f}/{wall:.3f}" for s, (cpu, wall) in last.items())
                print(f"  {code}: CPU/wall s: {shown}", flush=True)
    for code, runs in figures.items():
        print(f"\n{code}: median of {args.runs} (CPU / wall seconds)")
        for step in (*STEPS, "total"):
            cpu = statistics.median(_total(r, step, 0) for r in runs)
            wall = statistics.median(_total(r, step, 1) for r in runs)
            print(f"  {step:<7} {cpu:.3f} / {wall:.3f}")


def _total(run: dict[str, tuple[float, float]], step: str, index: int) -> float:
    return sum(v[index] for s, v in run.items() if step in (s, "total"))


if __name__ == "__main__":
    main()
