"""Search benchmark: build time, sizes and browser timings for the seeds and synthetic papers.

    python benchmarks/bench_search.py                 # seeds and 10,000 synthetic papers
    python benchmarks/bench_search.py --papers 2000   # another synthetic size
    python benchmarks/bench_search.py --no-browser    # skip Chromium
    python benchmarks/bench_search.py --slug-refs     # also stock lunr.py JSON with slugs as refs

Reports, per data set: lunr.py index build time stock vs FastBuilder (same serialized bytes),
the whole `build_search_assets` time, raw and gzipped sizes (stock JSON, our index metadata,
term shards, store, scripts; everything at once) and, in Chromium over local HTTP, what a cold
search page for "contrastive" downloads, the time to the engine, to the query's shards and to the
first result (from the browser's resource timing and the page's DOM state), the longest
main-thread task while loading, and the time to answer queries once their shards are loaded.
`bench_search_shards.py` measures first queries at 10,000 and 50,000.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sitegen.content.models import Paper  # noqa: E402
from sitegen.search.assets import FIELDS, build_search_assets, to_document  # noqa: E402
from sitegen.search.fastlunr import build_index, fast_builder  # noqa: E402
from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.support import stock_builder  # noqa: E402
from tests.synthetic import seed_papers, synthetic_papers  # noqa: E402

QUERIES = ("contrastive", "contrastiv", "transfer learning", "title:language +model")


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 9))


def kb(n: int) -> str:
    return f"{n / 1024:,.0f} KiB" if n < 1 << 20 else f"{n / (1 << 20):,.2f} MiB"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def bench_build(papers: list[Paper], slug_refs: bool) -> dict[str, Any]:
    docs = [to_document(p).fields(i) for i, p in enumerate(papers)]
    stock_s, stock = timed(lambda: build_index(stock_builder(FIELDS), docs))
    fast_s, fast = timed(lambda: build_index(fast_builder(FIELDS), docs))
    stock_json = json.dumps(stock.serialize()).encode()
    assert json.dumps(fast.serialize()).encode() == stock_json, "fast build differs from stock"
    report = {
        "stock_s": stock_s,
        "fast_s": fast_s,
        "stock_json": len(stock_json),
        "stock_json_gz": gz(stock_json),
    }
    if slug_refs:
        by_slug = [{**doc, "ref": p.slug} for doc, p in zip(docs, papers, strict=True)]
        slug_json = json.dumps(build_index(fast_builder(FIELDS), by_slug).serialize()).encode()
        report |= {"slug_json": len(slug_json), "slug_json_gz": gz(slug_json)}
    assets_s, files = timed(lambda: build_search_assets(papers))
    with tempfile.TemporaryDirectory() as cache:
        build_search_assets(papers, cache_dir=Path(cache))
        cached_s, _ = timed(lambda: build_search_assets(papers, cache_dir=Path(cache)))
    report |= {"assets_s": assets_s, "cached_s": cached_s, "files": files}
    return report


def print_sizes(files: dict[str, bytes]) -> None:
    static = REPO / "static"
    scripts = {
        "static/search.js (every page)": (static / "search.js").read_bytes(),
        **{
            path.relative_to(REPO).as_posix(): path.read_bytes()
            for path in sorted((static / "search").glob("*.js"))
        },
        "static/vendor/lunr/lunr.min.js": (static / "vendor/lunr/lunr.min.js").read_bytes(),
        "search/index.js": files["search/index.js"],
    }
    for name, data in scripts.items():
        print(f"  {name:34} {kb(len(data)):>12} raw {kb(gz(data)):>12} gzip")
    total_gz = sum(gz(d) for d in scripts.values())
    for kind in ("terms", "store"):
        parts = [v for k, v in files.items() if k.startswith(f"search/{kind}-")]
        raw, zipped = sum(map(len, parts)), sum(map(gz, parts))
        total_gz += zipped
        largest = f", largest {kb(max(map(len, parts)))}" if parts else ""
        print(
            f"  {f'search/{kind}-*.js ({len(parts)} files)':34} {kb(raw):>12} raw "
            f"{kb(zipped):>12} gzip{largest}"
        )
    print(f"  everything at once {kb(total_gz)} gzip")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def write_site(folder: Path, files: dict[str, bytes], checkout: Path | None = None) -> None:
    """A site built by the real build (one paper: its search.html and static files, with every
    template global), its search index replaced by `files`. checkout: another revision's tree
    (e.g. a `git worktree add` of an older commit) whose own CLI builds the site, so that its
    browser code runs on this tree's index (the index format must be the same)."""
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp)
        (site / "content" / "papers").mkdir(parents=True)
        (site / "site.toml").write_text('title = "Benchmark"\ndescription = ""\n', "utf-8")
        paper = '---\ntitle: "Only paper"\ndate: 2024-01-01\n---\nAn abstract.\n'
        (site / "content" / "papers" / "only.md").write_text(paper, "utf-8")
        if checkout:
            command = [sys.executable, "-m", "sitegen", "build", "--site", str(site)]
            env = {**os.environ, "PYTHONPATH": str(checkout)}
            # cwd: `python -m` puts it before PYTHONPATH on sys.path.
            out = ["--out", str(site / "out")]
            subprocess.run([*command, *out], check=True, env=env, cwd=checkout)
        else:
            from sitegen.build import build

            build(site, site / "out")
        shutil.copytree(site / "out", folder, dirs_exist_ok=True)
    shutil.rmtree(folder / "search")
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)


OBSERVE = """
window.__longest = 0;
new PerformanceObserver(list => list.getEntries().forEach(e => {
  window.__longest = Math.max(window.__longest, e.duration);
})).observe({type: 'longtask', buffered: true});
performance.setResourceTimingBufferSize(1e6);  // a fuzzy query loads every shard
window.__seen = {};
new MutationObserver(() => {
  const page = document.getElementById('search-page'), seen = window.__seen;
  if (page?.hasAttribute('data-ready')) seen.ready ??= performance.now();
  if (page?.getAttribute('data-state') === 'results') seen.firstResult ??= performance.now();
}).observe(document, {subtree: true, attributeFilter: ['data-ready', 'data-state']});
"""
"""Init script: the longest main-thread task, and when the search page got its engine
(data-ready) and first showed results (data-state=results), in ms since navigation."""


@contextmanager
def served(files: dict[str, bytes], checkout: Path | None = None) -> Iterator[tuple[Path, str]]:
    """A search site of `files` (write_site) served on loopback: (its folder, its base URL)."""
    with tempfile.TemporaryDirectory() as tmp:
        write_site(Path(tmp), files, checkout)
        handler = functools.partial(_Quiet, directory=tmp)
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield Path(tmp), f"http://127.0.0.1:{server.server_address[1]}/"
        finally:
            server.shutdown()
            server.server_close()


KINDS = {
    "engine": ("static/search.js", "static/search/", "static/vendor/lunr/"),
    "index.js": ("search/index.js",),
    "shards": ("search/terms-",),
    "store": ("search/store-",),
    "positions": ("search/positions-",),
    "words": ("search/words.js",),
    "term list": ("search/termlist.js",),
}
"""What a search downloads, by kind (path prefixes under the site root)."""


def page_timings(page: Any) -> dict[str, float]:
    """When a search page (served at the root) that shows results got there, in ms since
    navigation: loadStart (engine scripts requested), scripts (they and search/index.js all
    downloaded), ready (the engine built: data-ready), shards (the query's shards loaded and
    decoded, the query run: its first store chunk requested), firstResult (results shown)."""
    resources = page.evaluate(
        "performance.getEntriesByType('resource')"
        ".map(e => [new URL(e.name).pathname.slice(1), e.startTime, e.responseEnd])"
    )
    seen = page.evaluate("window.__seen")
    engine = [
        r
        for r in resources
        if r[0].startswith(KINDS["engine"]) and r[0] != "static/search.js"  # not every page's
    ]
    index = [r for r in resources if r[0].startswith(KINDS["index.js"])]
    store = [r for r in resources if r[0].startswith(KINDS["store"])]
    return {
        "loadStart": min(r[1] for r in engine),
        "scripts": max(r[2] for r in engine + index),
        "ready": seen["ready"],
        "shards": min(r[1] for r in store),
        "firstResult": seen["firstResult"],
    }


def cold_query(browser: Any, folder: Path, base: str, query: str) -> dict[str, Any]:
    """A cold search page (new context: empty cache) opened at ?q=query: timings (ms since
    navigation), the files it loaded by kind as [count, raw bytes, gzip bytes], results shown."""
    page = browser.new_context().new_page()
    page.add_init_script(OBSERVE)
    paths: list[str] = []
    page.on("requestfinished", lambda r: paths.append(urlsplit(r.url).path[1:]))
    # Not waiting for "load": scripts the page adds while loading (every shard, for a fuzzy
    # query) would hold it back.
    page.goto(base + "search.html?q=" + quote(query), wait_until="commit")
    page.wait_for_function(
        "q => document.getElementById('search-page')?.getAttribute('data-query') === q",
        arg=query,
        timeout=600_000,
    )
    titles = page.locator(".search-result-title").all_inner_texts()
    timings = page_timings(page)
    loaded = {kind: [0, 0, 0] for kind in KINDS}
    for path in set(paths):
        kind = next((k for k, starts in KINDS.items() if path.startswith(starts)), None)
        if kind:
            data = (folder / path).read_bytes()
            for i, value in enumerate((1, len(data), gz(data))):
                loaded[kind][i] += value
    report = {
        "timings": timings,
        "longest_task": page.evaluate("window.__longest"),
        "loaded": loaded,
        "status": page.inner_text("#search-status"),
        "first": titles[0] if titles else None,
    }
    page.context.close()
    return report


def bench_browser(files: dict[str, bytes]) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with served(files) as (folder, base), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        cold = cold_query(browser, folder, base, "contrastive")
        page = browser.new_context().new_page()
        page.goto(base + "search.html")
        page.wait_for_selector("#search-page[data-ready]")
        query_ms = page.evaluate(
            """async qs => { const e = await SitegenSearch.load(), out = {};
            for (const q of qs) { await e.search(q); const t0 = performance.now();
              for (let i = 0; i < 5; i++) await e.search(q);
              out[q] = (performance.now() - t0) / 5; }
            return out; }""",
            list(QUERIES),
        )
        browser.close()
    t, loaded = cold["timings"], cold["loaded"]
    return {
        "first query downloads (KiB gzip)": sum(v[2] for v in loaded.values()) / 1024,
        "first query shards loaded": loaded["shards"][0],
        "scripts_ms": t["scripts"] - t["loadStart"],
        "ready_ms": t["ready"] - t["scripts"],
        "shards_ms": t["shards"] - t["ready"],
        "first_result_ms": t["firstResult"],
        "longest_task_ms": cold["longest_task"],
        **{f"query {q!r} ms": v for q, v in query_ms.items()},
    }


def run(name: str, papers: list[Paper], browser: bool, slug_refs: bool) -> None:
    print(f"\n== {name}: {len(papers):,} papers")
    b = bench_build(papers, slug_refs)
    print(
        f"  lunr.py index build: stock {b['stock_s']:.2f} s "
        f"({b['stock_s'] / len(papers) * 1000:.2f} ms/paper), fast {b['fast_s']:.2f} s "
        f"({b['fast_s'] / len(papers) * 1000:.2f} ms/paper): x{b['stock_s'] / b['fast_s']:.1f}, "
        "identical JSON"
    )
    print(
        f"  build_search_assets: {b['assets_s']:.2f} s; unchanged rerun with cache "
        f"{b['cached_s']:.2f} s"
    )
    print(
        f"  stock lunr.py JSON (numeric refs)  {kb(b['stock_json']):>12} raw "
        f"{kb(b['stock_json_gz']):>12} gzip"
    )
    if slug_refs:
        print(
            f"  stock lunr.py JSON (slug refs)     {kb(b['slug_json']):>12} raw "
            f"{kb(b['slug_json_gz']):>12} gzip"
        )
    print_sizes(b["files"])
    if browser:
        for key, value in bench_browser(b["files"]).items():
            print(f"  chromium {key:36} {value:10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--slug-refs", action="store_true")
    args = parser.parse_args()
    browser = not args.no_browser and CHROMIUM.exists()
    run("seeds", seed_papers(), browser, args.slug_refs)
    run("synthetic", synthetic_papers(args.papers), browser, args.slug_refs)


if __name__ == "__main__":
    main()
