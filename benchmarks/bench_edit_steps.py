"""Issue #17: a one-paper notes edit, built by `sitegen build`: the CPU time of the whole
build, and the main process's cumulative time (cProfile) in the steps that scale with all papers.

    python benchmarks/bench_edit_steps.py --site /tmp/new-10k --code . \\
        --site /tmp/old-10k --code /tmp/old-tree --runs 3

Each `--site` is built by the sitegen tree of the `--code` given with it (caches are stamped
with the code, so each tree needs its own copy of the site, built once before). The trees take
turns run by run, each run appending one line to the notes of the same paper. CPU time is
user + system of the build's processes (workers included), from `os.wait4`; the step figures
come from a second build of the same edit under cProfile (main process only, slower).
"""

from __future__ import annotations

import argparse
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.code_tree import code_env

PAPER = "content/papers/2-olmo-2-furious.md"
STEPS = {
    "Builder.load": "build/pipeline.py:load",
    "PaperCache.load": "build/papercache.py:load",
    "PaperCache.save": "build/papercache.py:save",
    "entry_keys": "render/bibtex.py:entry_keys",
    "slug_collisions": "content/papers.py:slug_collisions",
    "build_graph": "site/graph.py:build_graph",
    "render_site": "render/renderer.py:render_site",
    "SitePages.pages": "render/pages.py:pages",
    "_page_key": "render/renderer.py:_page_key",
}


def edit(site: Path) -> None:
    with (site / PAPER).open("a", encoding="utf-8") as notes:
        notes.write(f"note {time.time_ns()}\n")


def build_cpu(site: Path, code: Path, *profile: str) -> tuple[float, float]:
    """(CPU, wall) seconds of one `sitegen build -q` in `site` (its process and all it
    waits for)."""
    env = code_env(code)
    command = [sys.executable, *profile, "-m", "sitegen", "build", "-q"]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=site, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"build failed in {site}")
    return usage.ru_utime + usage.ru_stime, wall


def step_times(site: Path, code: Path) -> dict[str, float]:
    """Cumulative seconds of each step in a profiled build of one more edit."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "edit.prof"
        edit(site)
        build_cpu(site, code, "-m", "cProfile", "-o", str(out))
        stats = pstats.Stats(str(out)).stats  # type: ignore[attr-defined]
    found = dict.fromkeys(STEPS, 0.0)
    for (file, _line, function), (_cc, _nc, _tt, cumulative, _callers) in stats.items():
        for step, where in STEPS.items():
            path, name = where.split(":")
            if file.endswith(path) and function == name:
                found[step] = max(found[step], cumulative)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, action="append", required=True)
    parser.add_argument("--code", type=Path, action="append", required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if len(args.site) != len(args.code):
        parser.error("give one --code for each --site")
    pairs = list(zip(args.site, args.code, strict=True))
    cpu: dict[Path, list[float]] = {site: [] for site, _ in pairs}
    wall: dict[Path, list[float]] = {site: [] for site, _ in pairs}
    steps: dict[Path, list[dict[str, float]]] = {site: [] for site, _ in pairs}
    for run in range(args.runs):
        print(f"run {run + 1}: load average {os.getloadavg()[0]:.2f}", flush=True)
        for site, code in pairs:
            edit(site)
            seconds, elapsed = build_cpu(site, code)
            cpu[site].append(seconds)
            wall[site].append(elapsed)
            steps[site].append(step_times(site, code))
            shown = " ".join(f"{step} {value:.2f}" for step, value in steps[site][-1].items())
            taken = f"CPU {cpu[site][-1]:.2f} s, wall {wall[site][-1]:.2f} s"
            print(f"  {site.name}: {taken}; {shown}", flush=True)
    for site, code in pairs:
        print(f"\n{site} (code {code}): median of {args.runs}")
        print(f"  edit build CPU (all processes): {statistics.median(cpu[site]):.2f} s")
        print(f"  edit build wall:                {statistics.median(wall[site]):.2f} s")
        for step in STEPS:
            value = statistics.median(found[step] for found in steps[site])
            print(f"  {step:<16} {value:.3f} s (cProfile cumulative)")


if __name__ == "__main__":
    main()
