"""Issue #17: the peak memory and CPU time of the spawned search process of a cold build.

    PYTHONPATH=. python benchmarks/bench_search_memory.py handoff SITE /tmp/new-input.pickle
    PYTHONPATH=/tmp/base python benchmarks/bench_search_memory.py handoff SITE /tmp/old-input.pickle
    python benchmarks/bench_search_memory.py run --code . /tmp/new-input.pickle \\
        --code /tmp/base /tmp/old-input.pickle --runs 3

`handoff` loads SITE's papers (its paper cache is used if warm, not written) and writes what a build
hands its spawned search process (`pipeline.hand_over`). `run` gives a copy of that file to
`pipeline.search_in_worker` in a new process per `--code` tree, trees taking turns run by run,
each with an empty cache folder (a cold build) and the input its tree's `hand_over` wrote
(run `handoff` with each tree), and prints each run's peak RSS (`ru_maxrss`),
CPU seconds and a digest of the files made (equal digests: the same output).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import hashlib, pickle, sys
from pathlib import Path
from sitegen.build.pipeline import search_in_worker
files = search_in_worker(Path(sys.argv[1]), Path(sys.argv[2]))
digest = hashlib.sha256()
for path in sorted(files):
    digest.update(path.encode() + b"\\0" + files[path] + b"\\0")
print(len(files), digest.hexdigest()[:16])
"""


def write_handoff(site: Path, target: Path) -> None:
    from sitegen.build.pipeline import Builder, hand_over, search_keys, shown_papers
    from sitegen.config import load_config
    from sitegen.site.graph import build_graph

    builder = Builder(site)
    config = load_config(site)
    papers, _ = builder.papers.load(config.papers_dir, None)
    graph = build_graph(papers, aliases=config.aliases)  # no related papers or map: not searched
    shown = shown_papers(graph)
    keys = search_keys(graph, shown, builder.papers.key_of)
    made = hand_over(shown, builder.texts, keys, target.parent)
    made.replace(target)
    print(f"{len(shown)} papers -> {target}")


def run_once(handoff: Path, code: Path) -> tuple[float, float, str]:
    """Peak RSS (MiB), CPU seconds and output digest of one search process."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "input.pickle"
        shutil.copyfile(handoff, copy)
        env = {**os.environ, "PYTHONPATH": str(code.resolve())}
        command = [sys.executable, "-c", CHILD, str(copy), str(Path(folder) / "cache")]
        process = subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        output = process.stdout.read().strip()
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"search failed with {code}")
    return usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    handoff = sub.add_parser("handoff")
    handoff.add_argument("site", type=Path)
    handoff.add_argument("target", type=Path)
    run = sub.add_parser("run")
    run.add_argument("--code", type=Path, nargs=2, action="append", required=True)
    run.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    if args.command == "handoff":
        write_handoff(args.site, args.target)
        return
    for n in range(args.runs):
        for code, handoff in args.code:
            peak, cpu, output = run_once(handoff, code)
            load = os.getloadavg()[0]
            print(
                f"run {n} {code}: peak {peak:.0f} MiB, cpu {cpu:.1f} s, load {load:.1f}: {output}"
            )


if __name__ == "__main__":
    main()
