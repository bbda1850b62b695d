"""Search benchmark: build time, sizes and browser timings for the seeds and synthetic papers.

    python benchmarks/bench_search.py                 # seeds and 10,000 synthetic papers
    python benchmarks/bench_search.py --papers 2000   # another synthetic size
    python benchmarks/bench_search.py --no-browser    # skip Chromium
    python benchmarks/bench_search.py --slug-refs     # also stock lunr.py JSON with slugs as refs

Reports, per data set: lunr.py index build time stock vs FastBuilder (same serialized bytes),
the whole `build_search_assets` time, raw and gzipped sizes (stock JSON, our index, store,
scripts; what a first query downloads and everything at once) and, in Chromium over local HTTP,
the time to decode, `lunr.Index.load`, answer a query, the first result on a cold search page
and the longest main-thread task while loading.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from benchmarks.synthetic import seed_papers, synthetic_papers  # noqa: E402
from sitegen.models import Paper  # noqa: E402
from sitegen.search import FIELDS, STORE_CHUNK, build_search_assets, to_document  # noqa: E402
from sitegen.search_lunr import build_index, fast_builder, stock_builder  # noqa: E402

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


def print_sizes(files: dict[str, bytes]) -> dict[str, int]:
    static = REPO / "static"
    scripts = {
        "static/search.js (every page)": (static / "search.js").read_bytes(),
        "static/search-ui.js": (static / "search-ui.js").read_bytes(),
        "static/vendor/lunr/lunr.min.js": (static / "vendor/lunr/lunr.min.js").read_bytes(),
        "search/index.js": files["search/index.js"],
    }
    stores = [v for k, v in files.items() if k.startswith("search/store-")]
    for name, data in scripts.items():
        print(f"  {name:34} {kb(len(data)):>12} raw {kb(gz(data)):>12} gzip")
    store_raw, store_gz = sum(map(len, stores)), sum(map(gz, stores))
    print(
        f"  {'search/store-*.js (' + str(len(stores)) + ' files)':34} {kb(store_raw):>12} raw "
        f"{kb(store_gz):>12} gzip"
    )
    engine_gz = sum(gz(d) for d in scripts.values())
    return {
        "engine_gz": engine_gz,
        "store_gz": store_gz,
        "chunk_gz": store_gz // max(1, len(stores)),
    }


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def write_site(folder: Path, files: dict[str, bytes]) -> None:
    """search.html rendered from the theme, the theme's static files and the search assets."""
    from jinja2 import Environment, FileSystemLoader

    env = Environment(loader=FileSystemLoader(REPO / "templates"), autoescape=True)
    site = {"title": "Benchmark", "language": "en", "description": ""}
    html = env.get_template("search.html").render(site=site, root="")
    (folder / "search.html").write_text(html, encoding="utf-8")
    shutil.copytree(REPO / "static", folder / "static")
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)


LONG_TASKS = """
window.__longest = 0;
new PerformanceObserver(list => list.getEntries().forEach(e => {
  window.__longest = Math.max(window.__longest, e.duration);
})).observe({type: 'longtask', buffered: true});
"""


def bench_browser(files: dict[str, bytes]) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        write_site(Path(tmp), files)
        handler = functools.partial(_Quiet, directory=tmp)
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/search.html?q=contrastive"
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                page = browser.new_context().new_page()  # new context: a cold cache
                page.add_init_script(LONG_TASKS)
                page.goto(url)
                page.wait_for_selector("#search-page[data-state=results]", timeout=120_000)
                t = page.evaluate("SitegenSearch.timings")
                longest = page.evaluate("window.__longest")
                query_ms = page.evaluate(
                    """qs => { const e = SitegenSearch.engine, out = {};
                    for (const q of qs) { const t0 = performance.now();
                      for (let i = 0; i < 5; i++) e.search(q);
                      out[q] = (performance.now() - t0) / 5; }
                    return out; }""",
                    list(QUERIES),
                )
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    return {
        "scripts_ms": t["scripts"] - t["loadStart"],
        "decode_ms": t["decoded"] - t["scripts"],
        "load_ms": t["loaded"] - t["decoded"],
        "ready_ms": t["ready"] - t["loaded"],
        "first_result_ms": t["firstResult"],
        "longest_task_ms": longest,
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
    sizes = print_sizes(b["files"])
    chunks = -(-len(papers) // STORE_CHUNK)
    first = sizes["engine_gz"] + min(20, chunks) * sizes["chunk_gz"]
    print(
        f"  a first query downloads <= {kb(first)} gzip (engine + index + at most 20 store "
        f"files); everything at once {kb(sizes['engine_gz'] + sizes['store_gz'])} gzip"
    )
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
