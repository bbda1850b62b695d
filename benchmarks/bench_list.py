"""The home page's list at scale (issue 14): sizes, cold load, sort and filter in Chromium.

    python benchmarks/bench_list.py                    # 10,000 corpus papers
    python benchmarks/bench_list.py --papers 2000
    python benchmarks/bench_list.py --commit ce1793e   # the same site built by an older commit

Builds a corpus site (benchmarks/corpus.py) with the real CLI, then prints the raw and gzipped
bytes of index.html and of the list data file (and per paper), and, in Chromium over local
HTTP with an empty cache (median of --runs cold loads): first contentful paint, the time the
list is interactive (its controls shown, the data file applied), and the time to apply a sort
by title and a filter by the two commonest tags, each until the next frame is drawn.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import json
import os
import statistics
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.bench_scale import snapshot  # noqa: E402
from benchmarks.corpus import write_corpus_site  # noqa: E402
from sitegen import urls  # noqa: E402
from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

# Records when the list's controls are shown: main.js does that once the data is applied.
INTERACTIVE = """
new MutationObserver((_, observer) => {
  const form = document.querySelector(".list-controls");
  if (form && !form.hidden) { window.__interactive = performance.now(); observer.disconnect(); }
}).observe(document, { subtree: true, childList: true, attributes: true });
"""

# Applies `change` (JS) and resolves with the ms until the frame after it is drawn.
TIMED = """async (change) => {
  const start = performance.now();
  (new Function(change))();
  const applied = performance.now() - start;
  await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  return [applied, performance.now() - start];
}"""

SORT = """const s = document.querySelector("select[name=sort]"); s.value = "title";
s.dispatchEvent(new Event("change", { bubbles: true }));"""
ADD_TAG = """const s = document.querySelector("select[name=tag]"); s.value = "%s";
s.dispatchEvent(new Event("change", { bubbles: true }));"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 9))


def build(count: int, work: Path, source: Path | None) -> Path:
    site = work / f"site-{count}"
    if not (site / "content").is_dir():
        write_corpus_site(count, site)
    out = work / f"out-{count}-{source.name if source else 'tree'}"
    env = {**os.environ, "PYTHONPATH": str(source or REPO)}
    command = [sys.executable, "-m", "sitegen", "build", "--site", str(site), "--out", str(out)]
    # cwd away from this repo: `python -m` puts the working folder first on sys.path.
    subprocess.run(command, check=True, env=env, capture_output=True, cwd=work)
    return out


def sizes(out: Path, count: int) -> None:
    for name in (urls.HOME, urls.LIST_DATA):
        path = out / name
        if not path.is_file():
            print(f"{name}: not written by this build")
            continue
        data = path.read_bytes()
        print(
            f"{name}: {len(data):,} B raw, {gz(data):,} B gzip "
            f"({len(data) / count:.0f} B and {gz(data) / count:.1f} B gzip a paper)"
        )


def commonest_tags(out: Path) -> list[str]:
    text = (out / urls.LIST_DATA).read_text(encoding="utf-8")
    data = json.loads(text.strip()[len("SitegenList.receive(") : -2])
    counts: dict[int, int] = {}
    for row in data["papers"]:
        for t in row[8]:
            counts[t] = counts.get(t, 0) + 1
    best = sorted(counts, key=lambda t: -counts[t])[:2]
    return [data["tags"][t][0] for t in best]


def cold_load(browser: Any, url: str, tags: list[str]) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.add_init_script(INTERACTIVE)
    page.goto(url + urls.HOME)
    page.wait_for_load_state("load")
    figures = {
        "first contentful paint": page.evaluate(
            "performance.getEntriesByName('first-contentful-paint')[0].startTime"
        ),
        "load event": page.evaluate(
            "performance.timing.loadEventEnd - performance.timing.navigationStart"
        ),
    }
    if page.query_selector(".list-controls"):
        page.wait_for_function("window.__interactive !== undefined")
        figures["interactive (data applied)"] = page.evaluate("window.__interactive")
        figures["sort by title: applied"], figures["sort by title: drawn"] = page.evaluate(
            TIMED, SORT
        )
        page.evaluate(TIMED, ADD_TAG % tags[0])
        applied, drawn = page.evaluate(TIMED, ADD_TAG % tags[1])
        figures["second tag filter: applied"], figures["second tag filter: drawn"] = applied, drawn
    context.close()
    return figures


def browser_figures(out: Path, runs: int) -> None:
    from playwright.sync_api import sync_playwright

    tags = commonest_tags(out) if (out / urls.LIST_DATA).is_file() else []
    with serve(out) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        samples = [cold_load(browser, url, tags) for _ in range(runs)]
        browser.close()
    print(f"Chromium, 1280x800, cold cache, median of {runs} (tags: {', '.join(tags) or '-'}):")
    for name in samples[0]:
        print(f"  {name}: {statistics.median(s[name] for s in samples):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-list"))
    parser.add_argument("--commit", help="build with sitegen as committed at this revision")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    source = snapshot(args.commit, args.work) if args.commit else None
    out = build(args.papers, args.work, source)
    print(f"{args.papers:,} papers, built by {source.name if source else 'the working tree'}")
    sizes(out, args.papers)
    browser_figures(out, args.runs)


if __name__ == "__main__":
    main()
