"""Related papers at scale (issue #7): time, peak memory and quality of `compute_related`.

    python benchmarks/bench_related.py                            # 1,000 / 10,000 / 50,000
    python benchmarks/bench_related.py --papers 10000 --runs 3
    python benchmarks/bench_related.py --commit HEAD --save before  # committed code; keep results
    python benchmarks/bench_related.py --compare before              # agreement with those

Papers are the scale benchmark's (benchmarks/corpus.py, `corpus_papers(n, topic_rules())`, as
bench_scale.py makes them), pickled under --work the first time: 50,000 take minutes to make.
The repo's own reading list (content/papers/, real papers with hand-checked tags) is measured
too, as "seeds".

Each run is a fresh subprocess, as a cold build is: it loads the papers, calls
`compute_related` on two of them (timed as "imports": the libraries it loads on first use),
resets the kernel's peak-RSS mark (/proc/self/clear_refs), then times `compute_related` on all
of them. Peak RSS is the process's high-water mark during that call (papers and interpreter
included); "+RSS" is how far it rose above the RSS before the call. Figures are medians over
the runs.

Quality, from the first run's output: "tag share" is the share of papers whose top related
paper shares a tag with it; "covered" the share of papers listed as related by some paper.
With --compare NAME, results saved earlier by --save NAME (e.g. the exact, all-pairs code of an
older commit) are the reference: "top-1 same" is the share of papers whose top related paper is
the reference's, "overlap" the mean share of the reference's related papers also listed.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEEDS = "seeds"
"""The corpus name of the repo's own reading list."""


def corpus_file(work: Path, name: str) -> Path:
    """The pickled papers of corpus `name` (a paper count, or SEEDS), made on first use."""
    path = work / f"corpus-{name}.pickle"
    if path.is_file():
        return path
    sys.path.insert(0, str(ROOT))
    from benchmarks.corpus import corpus_papers, topic_rules
    from sitegen.content.papers import load_papers

    started = time.perf_counter()
    if name == SEEDS:
        papers, _ = load_papers(ROOT / "content" / "papers")
    else:
        papers = corpus_papers(int(name), topic_rules())
    work.mkdir(parents=True, exist_ok=True)
    path.with_suffix(".tmp").write_bytes(pickle.dumps(papers))
    path.with_suffix(".tmp").replace(path)
    print(f"made {name} papers in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def child(corpus: Path, result: Path) -> None:
    """One measured run, in this fresh process; figures and related papers go to `result`."""
    papers = pickle.loads(corpus.read_bytes())
    from sitegen.site.related import compute_related

    started = time.perf_counter()
    compute_related(papers[:2])
    imports = time.perf_counter() - started
    reset = _reset_peak_rss()
    before = _status_kib("VmRSS")
    started, cpu = time.perf_counter(), time.process_time()
    related = compute_related(papers)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = _status_kib("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures = {"imports": imports, "seconds": seconds, "cpu": cpu, "before": before, "peak": peak}
    result.write_text(json.dumps({"figures": figures, "related": related}))


def _reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def run_child(corpus: Path, source: Path | None, result: Path) -> dict[str, Any]:
    code = source if source is not None else ROOT
    env = {**os.environ, "PYTHONPATH": str(code)}
    command = [sys.executable, __file__, "--child", str(corpus), str(result)]
    subprocess.run(command, check=True, env=env)
    data: dict[str, Any] = json.loads(result.read_text())
    return data


def measure(name: str, work: Path, runs: int, source: Path | None) -> tuple[dict[str, float], Any]:
    """Median figures over `runs` runs, and the first run's related papers."""
    corpus = corpus_file(work, name)
    runs_figures, related = [], None
    with tempfile.TemporaryDirectory() as folder:
        for run in range(runs):
            data = run_child(corpus, source, Path(folder) / "result.json")
            runs_figures.append(data["figures"])
            related = related if run else data["related"]
            figures = data["figures"]
            print(
                f"  {name} run {run + 1}: {figures['seconds']:.2f} s "
                f"(cpu {figures['cpu']:.2f} s), peak RSS {figures['peak'] / 1024:,.0f} MiB",
                flush=True,
            )
    medians = {key: statistics.median(f[key] for f in runs_figures) for key in runs_figures[0]}
    return medians, related


def quality(work: Path, name: str, related: dict[str, list[str]]) -> dict[str, float]:
    papers = pickle.loads(corpus_file(work, name).read_bytes())
    tags = {paper.slug: set(paper.tags) for paper in papers}
    share = sum(1 for s, items in related.items() if items and tags[s] & tags[items[0]])
    listed = {slug for items in related.values() for slug in items}
    return {"tag share": share / len(related), "covered": len(listed) / len(related)}


def agreement(related: dict[str, list[str]], reference: dict[str, list[str]]) -> dict[str, float]:
    same = sum(1 for s, items in related.items() if items[:1] == reference[s][:1])
    overlap = sum(
        len(set(items) & set(reference[s])) / len(reference[s])
        for s, items in related.items()
        if reference[s]
    )
    return {"top-1 same": same / len(related), "overlap": overlap / len(related)}


def row(name: str, figures: dict[str, float], scores: dict[str, float]) -> str:
    papers = name if name == SEEDS else f"{int(name):,}"
    cells = [
        papers,
        f"{figures['imports']:.2f} s",
        f"{figures['seconds']:.2f} s",
        f"{figures['cpu']:.2f} s",
        f"{figures['peak'] / 1024:,.0f} MiB",
        f"{(figures['peak'] - figures['before']) / 1024:,.0f} MiB",
        *(f"{scores[key]:.3f}" if key in scores else "—" for key in QUALITY),
    ]
    return "| " + " | ".join(cells) + " |"


QUALITY = ("tag share", "covered", "top-1 same", "overlap")
HEADER = (
    "| papers | imports | compute_related | CPU | peak RSS | +RSS | "
    + " | ".join(QUALITY)
    + " |\n|---|"
    + "---:|" * (5 + len(QUALITY))
)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", nargs="+", default=["1000", "10000", "50000"], metavar="N")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-seeds", action="store_true", help="skip the repo's reading list")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-related")
    parser.add_argument("--commit", metavar="REV", help="measure sitegen as committed at REV")
    parser.add_argument("--save", metavar="NAME", help="keep each corpus's results as NAME")
    parser.add_argument("--compare", metavar="NAME", help="compare with results saved as NAME")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    sys.path.insert(0, str(ROOT))
    from benchmarks.bench_scale import describe_source, machine_note, snapshot

    source = snapshot(args.commit, args.work) if args.commit else None
    print(machine_note(args.runs), flush=True)
    print(describe_source(source), flush=True)
    names = ([] if args.no_seeds else [SEEDS]) + [str(int(n)) for n in args.papers]
    rows = []
    for name in names:
        figures, related = measure(name, args.work, args.runs, source)
        scores = quality(args.work, name, related)
        if args.save:
            (args.work / f"related-{name}-{args.save}.json").write_text(json.dumps(related))
        reference = args.work / f"related-{name}-{args.compare}.json"
        if args.compare and reference.is_file():
            scores |= agreement(related, json.loads(reference.read_text()))
        rows.append(row(name, figures, scores))
    print(f"\n{HEADER}\n" + "\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
