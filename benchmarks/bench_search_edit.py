"""Issue #17: the search part of a one-paper notes edit (`updated_search_assets`), alone.

    PYTHONPATH=. python benchmarks/bench_search_edit.py /tmp/new-10k --runs 6
    PYTHONPATH=/tmp/base python benchmarks/bench_search_edit.py /tmp/old-10k --runs 6

Loads SITE's papers (its paper cache is used if warm, not written), builds the search files
once with the cache of SITE's `.sitegen-cache/` (so the cache is this code's), then appends a
line to one paper's notes `--runs` times, each time updating the search files as a build does,
and prints each update's wall and CPU milliseconds. Run the trees in turns on copies of one
site. `--check` also compares the last update with a cold build (they must be equal).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from sitegen.build.pipeline import Builder, search_keys, shown_papers
from sitegen.config import load_config
from sitegen.search.assets import build_search_assets, updated_search_assets
from sitegen.site.graph import build_graph

EDITED = 1234
"""The paper edited (its position in the newest-first list)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    builder = Builder(args.site)
    config = load_config(args.site)
    papers, _ = builder.papers.load(config.papers_dir, None)
    graph = build_graph(papers, aliases=config.aliases)  # no related papers or map: not searched
    shown = shown_papers(graph)
    keys = search_keys(graph, shown, builder.papers.key_of)
    build_search_assets(shown, builder.cache_dir, texts=builder.texts, keys=keys)
    times = []
    for run in range(args.runs):
        paper = shown[EDITED]
        shown[EDITED] = replace(paper, notes=f"{paper.notes}\nnote {time.time_ns()} zq{run}")
        keys[EDITED] = ("edited", time.time_ns())  # as a changed file's digest would
        wall, cpu = time.perf_counter(), time.process_time()
        files = updated_search_assets(shown, builder.cache_dir, texts=builder.texts, keys=keys)
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
        if files is None:
            raise SystemExit("the index was rebuilt, not updated")
    print(" ".join(f"{w * 1000:.0f}/{c * 1000:.0f}" for w, c in times), "ms (wall/cpu)")
    if args.check:
        cold = build_search_assets(shown, texts=builder.texts, keys=keys)
        print("equal to a cold build:", cold == files)


if __name__ == "__main__":
    main()
