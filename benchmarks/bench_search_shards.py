"""Issue #7: the search index in term shards at scale: build, sizes and what a first query loads.

    python benchmarks/bench_search_shards.py                          # 10,000 and 50,000 papers
    python benchmarks/bench_search_shards.py --papers 2000 --no-browser
    python benchmarks/bench_search_shards.py --papers 50000 --shard-bytes 32768 131072
    python benchmarks/bench_search_shards.py --corpus-cache /tmp/corpus   # reuse generated papers
    git worktree add /tmp/base <rev>    # then time keystrokes against that revision's browser code:
    python benchmarks/bench_search_shards.py --papers 10000 --keystrokes-only --against /tmp/base

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
import os
import pickle
import statistics
import sys
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
    args = parser.parse_args()
    browser = not args.no_browser and CHROMIUM.exists()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("kinds: " + "; ".join(f"{k} = {', '.join(v)}" for k, v in KINDS.items()))
    for count in args.papers:
        start = time.perf_counter()
        papers = load_papers(count, args.corpus_cache)
        print(f"\n== {count:,} papers (read or generated in {time.perf_counter() - start:.0f} s)")
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
