"""The home page's list at scale (issue 14): sizes, cold load, sort and filter in Chromium.

    python benchmarks/bench_list.py                    # 10,000 corpus papers
    python benchmarks/bench_list.py --papers 2000
    python benchmarks/bench_list.py --commit ce1793e   # the same site built by an older commit
    python benchmarks/bench_list.py --baseline ce1793e # both, cold loads interleaved

Builds a corpus site (benchmarks/corpus.py) with the real CLI, then prints the raw and gzipped
bytes of index.html and of the list data file (and per paper), of the cards' summary files
(all of them), the stats page and the biggest tag page, and, in Chromium over local HTTP with
an empty cache (median of --runs cold loads): first contentful paint, the time the list is
interactive (its controls shown, the data file applied), the time to apply a sort by title, a
filter by the two commonest tags and the removal of the second (rows drawn before), each
until the next frame is drawn, and the time from choosing the cards view until every drawn
card shows its summary (when the build writes summary files).
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
from collections import Counter
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
REMOVE_TAG = """document.querySelector('.chosen-tags .chip[data-slug="%s"]').click();"""
# Resolves with the ms from choosing the cards view until every drawn card has its summary.
CARDS = """() => new Promise((done) => {
  const start = performance.now();
  document.querySelector(".view-toggle").click();
  const check = () => {
    const rows = [...document.querySelectorAll(".paper-list .paper-item")];
    if (rows.every((row) => row.querySelector(".summary"))) done(performance.now() - start);
    else requestAnimationFrame(check);
  };
  check();
})"""


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
    summaries = sorted((out / "list").glob("summaries-*.js"))
    tags = sorted((out / "tags").glob("*.html"), key=lambda p: p.stat().st_size)
    # The list's data is one file, or two since the tags have their own (a baseline's: one).
    data = [path for path in (out / urls.LIST_DATA, out / urls.LIST_TAGS) if path.is_file()]
    files = [(name, [out / name]) for name in (urls.HOME, urls.STATS)] + [
        (" + ".join(path.relative_to(out).as_posix() for path in data) or urls.LIST_DATA, data),
        (f"list/summaries-*.js ({len(summaries)} files)", summaries),
        (f"biggest tag page ({tags[-1].name if tags else '-'})", tags[-1:]),
    ]
    for name, paths in files:
        if not paths or not all(path.is_file() for path in paths):
            print(f"{name}: not written by this build")
            continue
        raw = sum(len(path.read_bytes()) for path in paths)
        packed = sum(gz(path.read_bytes()) for path in paths)
        print(
            f"{name}: {raw:,} B raw, {packed:,} B gzip "
            f"({raw / count:.0f} B and {packed / count:.1f} B gzip a paper)"
        )


def commonest_tags(out: Path) -> list[str]:
    if (out / urls.LIST_TAGS).is_file():
        text = (out / urls.LIST_TAGS).read_text(encoding="utf-8")
        data = json.loads(text.strip()[len("SitegenList.receiveTags(") : -2])
        columns = data["paperTags"]
    else:  # a build of a baseline, whose rows held their tags
        text = (out / urls.LIST_DATA).read_text(encoding="utf-8")
        data = json.loads(text.strip()[len("SitegenList.receive(") : -2])
        columns = [row[8] for row in data["papers"]]
    counts = Counter(t for tags in columns for t in tags)
    return [data["tags"][t][0] for t, _ in counts.most_common(2)]


def cold_load(browser: Any, url: str, tags: list[str], cards: bool) -> dict[str, float]:
    """`cards`: the build writes summary files, so the cards view can show them all."""
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
        applied, drawn = page.evaluate(TIMED, REMOVE_TAG % tags[1])
        figures["second tag removed: applied"], figures["second tag removed: drawn"] = (
            applied,
            drawn,
        )
        if cards:
            figures["cards view: every drawn card's summary"] = page.evaluate(CARDS)
    context.close()
    return figures


def browser_figures(outs: list[Path], runs: int) -> None:
    """Cold loads of each build in `outs`, taking turns (a busy machine slows all alike);
    the medians side by side."""
    from playwright.sync_api import sync_playwright

    tags = commonest_tags(outs[0]) if (outs[0] / urls.LIST_DATA).is_file() else []
    samples: list[list[dict[str, float]]] = [[] for _ in outs]
    with contextlib.ExitStack() as stack, sync_playwright() as playwright:
        addresses = [stack.enter_context(serve(out)) for out in outs]
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        for _ in range(runs):
            for out, url, taken in zip(outs, addresses, samples, strict=True):
                cards = (out / "list" / "summaries-0.js").is_file()
                taken.append(cold_load(browser, url, tags, cards))
        browser.close()
    print(f"Chromium, 1280x800, cold cache, median of {runs} (tags: {', '.join(tags) or '-'}):")
    print("  " + " | ".join(out.name for out in outs))
    for name in max((s[0] for s in samples), key=len):
        medians = [
            f"{statistics.median(s[name] for s in taken):.0f} ms" if name in taken[0] else "-"
            for taken in samples
        ]
        print(f"  {name}: {' | '.join(medians)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-list"))
    parser.add_argument("--commit", help="build with sitegen as committed at this revision")
    parser.add_argument("--baseline", help="also build with this revision; loads interleaved")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    sources = [snapshot(args.commit, args.work) if args.commit else None]
    if args.baseline:
        sources.insert(0, snapshot(args.baseline, args.work))
    outs = []
    for source in sources:
        outs.append(build(args.papers, args.work, source))
        print(f"{args.papers:,} papers, built by {source.name if source else 'the working tree'}")
        sizes(outs[-1], args.papers)
    browser_figures(outs, args.runs)


if __name__ == "__main__":
    main()
