"""lunr.py index build: stock `lunr.py` vs sitegen's `FastBuilder` on N synthetic papers.

    python benchmarks/bench_lunr.py                      # 10,000 papers, 3 runs each
    python benchmarks/bench_lunr.py --papers 2000 --runs 5

Both builders index the same lunr documents (`search.to_document(...).fields(i)`, the search
module's FIELDS). Every run builds the index (`add` every document, then `build()`) and then
serializes it (`Index.serialize()`); every run's `json.dumps` of the serialized index must be
byte-identical between the two, or the script stops. Stock and fast runs alternate, so a busy
machine slows both alike, and each fast run starts with the memoized stemmer's cache cleared.
Reported: the median of `--runs` wall-clock seconds (and of CPU seconds, steadier when the
machine is shared) for the build and for build + serialize, and stock / fast ratios.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sitegen.search.assets import FIELDS, to_document  # noqa: E402
from sitegen.search.fastlunr import _stem, build_index, fast_builder  # noqa: E402
from tests.support import stock_builder  # noqa: E402
from tests.synthetic import synthetic_papers  # noqa: E402

Timing = dict[str, float]


def timed_build(make: Callable[[], Any], docs: Sequence[Mapping[str, str]]) -> tuple[Timing, str]:
    """Wall and CPU seconds to build, then to serialize; and the serialized JSON."""
    gc.collect()  # the previous run's garbage is not this run's cost
    wall, cpu = time.perf_counter(), time.process_time()
    index = build_index(make(), docs)
    built_wall, built_cpu = time.perf_counter(), time.process_time()
    serialized = index.serialize()
    timing = {
        "build": built_wall - wall,
        "build_cpu": built_cpu - cpu,
        "total": time.perf_counter() - wall,
        "total_cpu": time.process_time() - cpu,
    }
    return timing, json.dumps(serialized)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=10_000, help="synthetic papers (10000)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each builder (3)")
    args = parser.parse_args(argv)
    docs = [to_document(paper).fields(i) for i, paper in enumerate(synthetic_papers(args.papers))]
    runs: dict[str, list[Timing]] = {"stock": [], "fast": []}
    for run in range(args.runs):
        stock, stock_json = timed_build(lambda: stock_builder(FIELDS), docs)
        _stem.cache_clear()
        fast, fast_json = timed_build(lambda: fast_builder(FIELDS), docs)
        if fast_json != stock_json:
            sys.exit(f"run {run + 1}: FastBuilder's serialized index differs from lunr.py's")
        runs["stock"].append(stock)
        runs["fast"].append(fast)
        print(
            f"run {run + 1}: stock {stock['build']:.2f} s, fast {fast['build']:.2f} s "
            f"(build); {len(stock_json):,} bytes of identical JSON",
            flush=True,
        )
    median = {
        name: {key: statistics.median(t[key] for t in timings) for key in timings[0]}
        for name, timings in runs.items()
    }
    print(f"\n{args.papers:,} papers, median of {args.runs} runs (seconds):")
    print(f"  {'':22} {'stock':>8} {'fast':>8} {'ratio':>7}")
    for key, label in (
        ("build", "build, wall"),
        ("build_cpu", "build, CPU"),
        ("total", "build+serialize, wall"),
        ("total_cpu", "build+serialize, CPU"),
    ):
        stock_s, fast_s = median["stock"][key], median["fast"][key]
        print(f"  {label:22} {stock_s:8.2f} {fast_s:8.2f} {stock_s / fast_s:6.1f}x")


if __name__ == "__main__":
    main()
