"""The parse workers' work at scale (issue #17): CPU time to read and parse every paper of a
site, render its abstract, and take the plain text of its abstract and notes.

    python benchmarks/bench_parse.py /tmp/bench-edit-10000
    python benchmarks/bench_parse.py /tmp/bench-edit-10000 --baseline e835053 --runs 3

This is what a cold build's workers do per file (build/papercache.py), here in one process,
each step timed on its own. Each run is a fresh subprocess; with --baseline REV, sitegen as
committed at REV (a `git archive` snapshot, as bench_scale.py makes) takes turns with this
working tree, run by run, so both see the same machine load (printed per run).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_scale import snapshot  # noqa: E402

RUN = """
import json, sys, time
from pathlib import Path
from sitegen.content.markdown import markdown_to_text, render_markdown
from sitegen.content.papers import load_paper, paper_files

files = paper_files(Path(sys.argv[1]) / "content" / "papers")
started = time.process_time()
papers = [load_paper(path)[0] for path in files]
parsed = time.process_time()
for paper in papers:
    render_markdown(paper.abstract)
rendered = time.process_time()
for paper in papers:
    markdown_to_text(paper.abstract)
    markdown_to_text(paper.notes)
done = time.process_time()
print(json.dumps({"papers": len(papers), "load_paper": parsed - started,
                  "abstract html": rendered - parsed, "plain text": done - rendered,
                  "total": done - started}))
"""


def run(site: Path, source: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(source)}
    # cwd: `python -c` puts the working folder first on sys.path, before PYTHONPATH.
    command = [sys.executable, "-c", RUN, str(site.resolve())]
    out = subprocess.run(
        command, env=env, cwd=source, check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, float] = json.loads(out)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site", type=Path, help="a site folder (content/papers/*.md)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--baseline", metavar="REV", help="also time sitegen as committed at REV")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        trees = [("this tree", ROOT)]
        if args.baseline:
            trees.insert(0, (args.baseline, snapshot(args.baseline, Path(work))))
        for number in range(1, args.runs + 1):
            for name, source in trees:
                load = os.getloadavg()[0]
                result = run(args.site, source)
                steps = "  ".join(
                    f"{step} {seconds:5.2f}" for step, seconds in result.items() if step != "papers"
                )
                print(f"run {number} {name:>10} (load {load:4.1f}): {steps}  (s CPU)", flush=True)


if __name__ == "__main__":
    main()
