"""Issue #7: the search index in term shards at scale: build, sizes and what a first query loads.

    python benchmarks/bench_search_shards.py                          # 10,000 and 50,000 papers
    python benchmarks/bench_search_shards.py --papers 2000 --no-browser
    python benchmarks/bench_search_shards.py --papers 50000 --shard-bytes 32768 131072
    python benchmarks/bench_search_shards.py --corpus-cache /tmp/corpus   # reuse generated papers
    git worktree add /tmp/base <rev>    # then time keystrokes against that revision's browser code:
    python benchmarks/bench_search_shards.py --papers 10000 --keystrokes-only --against /tmp/base
    python benchmarks/bench_search_shards.py --papers 10000 --compare ce1793e --runs 3 --no-browser
    python benchmarks/bench_search_shards.py --papers 10000 --edit-build --runs 3

`--compare REV`: the cold `build_search_assets` CPU time of this tree and of REV (a git worktree
made under /tmp), on the same papers, each in its own process, interleaved, medians (issue #15:
within 10% of ce1793e). `--edit-build`: a site of N papers built cold with `sitegen build`, then
per run one paper's notes rewritten and a tag added to another paper, each followed by
`sitegen build`: its wall time and the part spent on the search files (issue #17: an edit under
a second at 10,000 papers).

Per size: the scale benchmark's papers (benchmarks/corpus.py, as bench_scale.py uses), the cold
`build_search_assets` time (no cache), the size of search/index.js, the number and sizes of the
term shards, and the index's total raw and gzipped (gzip -9 per file, as a server sends them).
Then, in Chromium over local HTTP, per query, a cold search page `search.html?q=QUERY` (new browser
context, empty cache; the query runs as typed, its last word as a prefix): the search files it
loaded by kind (engine scripts, index.js, term shards, store chunks), raw and gzipped, the time
from navigation to the first results shown, the longest main-thread task, and the first result
(a check that search works at that size). A fuzzy query (`transformr~1`) loads every shard: the
worst case. Last, per query once its files are loaded, the time from a keystroke to its results
painted (with --against, in turns with another checkout's browser code on the same index).
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
import re
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.bench_search import KINDS, cold_query, gz, kb, served  # noqa: E402
from benchmarks.corpus import corpus_papers, topic_rules  # noqa: E402
from sitegen.content.models import Paper  # noqa: E402
from sitegen.search.assets import SHARD_BYTES, build_search_assets  # noqa: E402
from sitegen.urls import SEARCH_INDEX as INDEX_PATH  # noqa: E402
from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

QUERIES = (
    "transformer",
    "contrastive learning",
    "diff",
    "title:diffusion +model",
    "transformr~1",
    "constrastive learning",
    '"masked autoencoder"',
)
"""The last two: a typo (loads search/words.js) and a phrase (loads term positions)."""


def load_papers(count: int, cache: Path | None) -> list[Paper]:
    """The corpus papers, from `cache` (a pickle per count, written on first use) if given."""
    path = cache / f"corpus-{count}.pickle" if cache else None
    if path and path.is_file():
        papers: list[Paper] = pickle.loads(path.read_bytes())
        return papers
    papers = corpus_papers(count, topic_rules())
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(papers))
    return papers


def build(papers: list[Paper], shard_bytes: int) -> tuple[float, float, dict[str, bytes]]:
    """(wall seconds, CPU seconds, files) of a cold `build_search_assets`."""
    start, cpu = time.perf_counter(), time.process_time()
    files = build_search_assets(papers, shard_bytes=shard_bytes)
    return time.perf_counter() - start, time.process_time() - cpu, files


CHILD_BUILD = """
import pickle, sys, time
sys.path.insert(0, sys.argv[1])
from sitegen.search.assets import build_search_assets
papers = pickle.loads(open(sys.argv[2], "rb").read())
cpu = time.process_time()
build_search_assets(papers)
print(time.process_time() - cpu)
"""
"""A cold index build in a fresh process, with sitegen from the tree in argv[1]."""


def compare(papers: list[Paper], rev: str, runs: int) -> None:
    """Cold index build CPU seconds, this tree against `rev`, interleaved; medians."""
    base = Path(tempfile.gettempdir()) / f"bench-search-{rev}"
    if not base.exists():
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(base), rev])
    with tempfile.NamedTemporaryFile(suffix=".pickle") as data:
        data.write(pickle.dumps(papers))
        data.flush()
        times: dict[str, list[float]] = {rev: [], "this tree": []}
        for run in range(runs):
            for name, tree in ((rev, base), ("this tree", REPO)):
                argv = [sys.executable, "-c", CHILD_BUILD, str(tree), data.name]
                out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
                times[name].append(float(out))
                print(f"  run {run + 1} {name}: {times[name][-1]:.2f} s CPU", flush=True)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(
        f"  median CPU: {rev} {medians[rev]:.2f} s, this tree {medians['this tree']:.2f} s, "
        f"ratio {medians['this tree'] / medians[rev]:.2f} (load {os.getloadavg()[0]:.1f})"
    )


CHILD_CLI = """
import sys, time
from sitegen.build import pipeline
spent = [0.0, 0.0]
def timed(function):
    def call(*args, **kwargs):
        start, cpu = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start
            spent[1] += time.process_time() - cpu
    return call
pipeline.SearchJob.__init__ = timed(pipeline.SearchJob.__init__)
pipeline.SearchJob.files = timed(pipeline.SearchJob.files)
from sitegen.cli import main
code = main(["build", "--site", sys.argv[1], "-q"])
print(f"search {spent[0]:.3f} {spent[1]:.3f}", file=sys.stderr)
sys.exit(code)
"""
"""`sitegen build`, reporting the time spent making the search files in this process (an
update, or waiting for the worker that builds them)."""


Timing = tuple[float, float, float, float]
"""Wall and CPU seconds of a build (its processes), then of its search part (this process)."""


def timed_cli(site: Path) -> Timing:
    """The `Timing` of `sitegen build` of `site`."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", CHILD_CLI, str(site)], env=env, stderr=err
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(stderr[-3000:])
    found = re.search(r"search ([0-9.]+) ([0-9.]+)", stderr)
    search = (float(found.group(1)), float(found.group(2))) if found else (math.nan, math.nan)
    return wall, usage.ru_utime + usage.ru_stime, *search


def show(timing: Timing) -> str:
    wall, cpu, search_wall, search_cpu = timing
    return f"{wall:.2f} s ({cpu:.2f} s CPU), search {search_wall:.2f} s ({search_cpu:.2f} s CPU)"


def edit_build(papers: list[Paper], runs: int) -> None:
    """A cold `sitegen build`, then per run a notes edit and a tag edit, each built."""
    from benchmarks.make_site import make_site

    site = make_site(len(papers), Path(tempfile.gettempdir()) / f"bench-edit-{len(papers)}", papers)
    print(f"  cold build {show(timed_cli(site))}", flush=True)
    print(f"  no-op build {show(timed_cli(site))}", flush=True)
    figures: dict[str, list[Timing]] = {"notes": [], "tag": []}
    files = sorted((site / "content" / "papers").glob("*.md"))
    tags = sorted({tag for paper in papers for tag in paper.tags})
    for run in range(runs):
        notes = files[len(files) // 3]
        text = notes.read_text(encoding="utf-8").split("\n## Notes\n", 1)[0]
        notes.write_text(f"{text}\n## Notes\n\nBenchmark edit {run}, zymurgy.\n", "utf-8")
        figures["notes"].append(timed_cli(site))
        tagged = files[len(files) // 2 + run]
        text = tagged.read_text(encoding="utf-8")
        tag = next(t for t in tags if t not in text)
        tagged.write_text(text.replace("tags: [", f"tags: [{tag}, ", 1), "utf-8")
        figures["tag"].append(timed_cli(site))
        print(f"  run {run + 1}: notes {show(figures['notes'][-1])}", flush=True)
        print(f"  run {run + 1}: tag {show(figures['tag'][-1])}", flush=True)
    for kind, values in figures.items():
        medians = tuple(statistics.median(v[i] for v in values) for i in range(4))
        print(f"  {kind} edit, medians: {show(medians)}")  # type: ignore[arg-type]
    print(f"  (load {os.getloadavg()[0]:.1f})")


def print_sizes(files: dict[str, bytes]) -> None:
    index = files[INDEX_PATH]
    shards = [data for name, data in files.items() if name.startswith("search/terms-")]
    stores = [data for name, data in files.items() if name.startswith("search/store-")]
    positions = [data for name, data in files.items() if name.startswith("search/positions-")]
    words = files["search/words.js"]
    print(f"  {'search/words.js':28} {kb(len(words)):>10} raw {kb(gz(words)):>10} gzip")
    pos_raw, pos_gz = sum(map(len, positions)), sum(map(gz, positions))
    name = f"search/positions-*.js ({len(positions)})"
    print(f"  {name:28} {kb(pos_raw):>10} raw {kb(pos_gz):>10} gzip")
    print(f"  {'search/index.js':28} {kb(len(index)):>10} raw {kb(gz(index)):>10} gzip")
    if shards:
        raw = sorted(map(len, shards))
        zipped = sorted(map(gz, shards))
        print(
            f"  {f'search/terms-*.js ({len(shards)})':28} {kb(sum(raw)):>10} raw "
            f"{kb(sum(zipped)):>10} gzip; per shard median {kb(int(statistics.median(raw)))} "
            f"({kb(int(statistics.median(zipped)))} gzip), largest {kb(raw[-1])} "
            f"({kb(zipped[-1])} gzip)"
        )
    store_raw, store_gz = sum(map(len, stores)), sum(map(gz, stores))
    name = f"search/store-*.js ({len(stores)})"
    print(f"  {name:28} {kb(store_raw):>10} raw {kb(store_gz):>10} gzip")
    index_raw = len(index) + sum(map(len, shards))
    index_gz = gz(index) + sum(map(gz, shards))
    print(f"  {'index (index.js + shards)':28} {kb(index_raw):>10} raw {kb(index_gz):>10} gzip")


def print_query(query: str, report: dict[str, Any]) -> None:
    loaded, t = report["loaded"], report["timings"]
    total = [sum(v[i] for v in loaded.values()) for i in (0, 1, 2)]
    parts = ", ".join(
        f"{kind} {v[0]} file{'s' if v[0] != 1 else ''} {kb(v[1])}/{kb(v[2])}"
        for kind, v in loaded.items()
    )
    print(
        f"  {query!r}: {total[0]} files, {kb(total[1])} raw, {kb(total[2])} gzip ({parts} raw/gzip)"
    )
    print(
        f"    first results {t['firstResult']:,.0f} ms after navigation (engine and index.js "
        f"downloaded at {t['scripts']:,.0f} ms, engine ready at {t['ready']:,.0f}, query's shards "
        f"added and the query run at {t['shards']:,.0f}), longest task "
        f"{report['longest_task']:,.0f} ms; {report['status']!r}"
    )
    print(f"    first result: {report['first']!r}")


KEYSTROKE = """async ([q, rounds]) => {
  const input = document.getElementById('search-q'), page = document.getElementById('search-page');
  // From the input event to the frame that shows its results painted: data-query names the
  // query once its results are in the page; the frame after it, plus a task, has painted them.
  const type = (text) => new Promise((done) => {
    const start = performance.now();
    const seen = new MutationObserver(() => {
      if (page.getAttribute('data-query') !== text) return;
      seen.disconnect();
      requestAnimationFrame(() => setTimeout(() => done(performance.now() - start)));
    });
    seen.observe(page, {attributeFilter: ['data-query']});
    input.value = text;
    input.dispatchEvent(new Event('input'));
  });
  await type(q); await type(q.slice(0, -1)); await type(q);  // their shards and files loaded
  const times = [];
  for (let i = 0; i < rounds; i++) times.push(await type(q.slice(0, -1)), await type(q));
  return times;
}"""
"""JS: times from a keystroke (an input event: the query less its last letter, then whole) to its
results painted, once the query's shards are loaded; it includes any pause the page waits for
the next keystroke."""


def print_keystrokes(browser: Any, sites: dict[str, str], queries: list[str]) -> None:
    """Per query, keystroke-to-results medians on each site (name -> base URL), measured in
    turns (a few keystrokes on one site, then the next) so that load on the machine falls on
    all alike."""
    pages = {}
    for name, base in sites.items():
        pages[name] = browser.new_context().new_page()
        pages[name].goto(base + "search.html")
        pages[name].wait_for_selector("#search-page[data-ready]")
    for query in queries:
        times: dict[str, list[float]] = {name: [] for name in sites}
        for _ in range(5):
            for name, page in pages.items():
                times[name] += page.evaluate(KEYSTROKE, [query, 2])
        figures = ", ".join(
            f"{name} {statistics.median(t):,.0f} ms (quartiles {quartiles(t)})"
            for name, t in times.items()
        )
        print(f"  keystroke to results painted, shards loaded, {query!r}: {figures}; 20 each")
    for page in pages.values():
        page.context.close()


def quartiles(times: list[float]) -> str:
    q = statistics.quantiles(times, n=4)
    return f"{q[0]:,.0f}-{q[2]:,.0f}"


def bench_browser(files: dict[str, bytes], queries: list[str], args: argparse.Namespace) -> None:
    from playwright.sync_api import sync_playwright

    with ExitStack() as stack:
        folder, base = stack.enter_context(served(files))
        sites = {"this tree": base}
        if args.against:
            sites[args.against.name] = stack.enter_context(served(files, args.against))[1]
        pw = stack.enter_context(sync_playwright())
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for query in [] if args.keystrokes_only else queries:
            print_query(query, cold_query(browser, folder, base, query))
        print(f"  load average {os.getloadavg()[0]:.1f}")
        print_keystrokes(browser, sites, queries)
        print(f"  load average {os.getloadavg()[0]:.1f}")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--shard-bytes", type=int, nargs="+", default=[SHARD_BYTES])
    parser.add_argument("--query", action="append", help="instead of the default queries")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--corpus-cache", type=Path, help="folder keeping generated papers")
    parser.add_argument(
        "--against",
        type=Path,
        metavar="CHECKOUT",
        help="also time keystrokes with the browser code of this checkout (e.g. a `git worktree "
        "add` of the base commit), in turns with this tree's",
    )
    parser.add_argument(
        "--keystrokes-only", action="store_true", help="skip the cold first queries' downloads"
    )
    parser.add_argument("--compare", metavar="REV", help="cold index build CPU against REV")
    parser.add_argument("--edit-build", action="store_true", help="time one-paper edits")
    parser.add_argument("--runs", type=int, default=3, help="for --compare and --edit-build")
    args = parser.parse_args()
    browser = not args.no_browser and CHROMIUM.exists()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("kinds: " + "; ".join(f"{k} = {', '.join(v)}" for k, v in KINDS.items()))
    for count in args.papers:
        start = time.perf_counter()
        papers = load_papers(count, args.corpus_cache)
        print(f"\n== {count:,} papers (read or generated in {time.perf_counter() - start:.0f} s)")
        if args.compare:
            compare(papers, args.compare, args.runs)
        if args.edit_build:
            edit_build(papers, args.runs)
        if args.compare or args.edit_build:
            continue
        for shard_bytes in args.shard_bytes:
            wall, cpu, files = build(papers, shard_bytes)
            print(
                f"-- shard target {kb(shard_bytes)}: build_search_assets {wall:.1f} s "
                f"({cpu:.1f} s CPU), cold"
            )
            print_sizes(files)
            if browser:
                bench_browser(files, args.query or list(QUERIES), args)


if __name__ == "__main__":
    main()
