"""The paper map (issue #18): layout time, cache, data size, quality, and drawing in Chromium.

    python benchmarks/bench_map.py                          # 424 / 10,000 / 50,000 papers
    python benchmarks/bench_map.py --papers 424 10000 --browser 10000
    python benchmarks/bench_map.py --no-quality --papers --browser 10000 --commit ad60c0a
    python benchmarks/bench_map.py --no-quality --papers --browser --new-paper 10000 --commit HEAD
    python benchmarks/bench_map.py --no-quality --papers --browser --load-stage 10000 --commit HEAD

Papers are the scale benchmark's (benchmarks/corpus.py). For each size it prints the layout
time (`compute_layout`: tf-idf, SVD, t-SNE; landmarks above TSNE_MAX), the time to read the
layout back from the cache (`LayoutCache.get` in a new instance, as the next build does), the
time to place one new paper in the cached layout (its tf-idf rows timed apart: a build computes
them once, for related papers and the map), and the size of `map/data.js` raw and gzipped.
"Quality" is measured on the repo's own reading list (content/papers/, hand-checked tags):
the share of each paper's 10 nearest points on the map that share a tag with it, against the
same share for 10 random papers. With --browser N it builds an N-paper site and
times, in headless Chromium, the first draw after load (performance mark at the first draw)
and pan/zoom frames (requestAnimationFrame intervals while the view zooms and pans each frame),
--runs loads each; with --commit it builds the same site with that revision too and
interleaves the two sites' loads (sites are kept under --work, reused by the next run).
With --new-paper N it times `sitegen build` (a new process, as on the command line) after one
new paper is added to a built N-paper site, --runs times (a new paper each run), interleaved
with --commit's build of its own copy of the site. With --load-stage N it times, in a new
process per run, what a build's load stage does after one new paper (related papers anew,
the new paper placed in a cached layout of the N-paper corpus), wall and CPU time, this tree
and --commit interleaved.
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from benchmarks.bench_scale import describe_source, snapshot  # noqa: E402
from benchmarks.corpus import corpus_papers, topic_rules, write_corpus_site  # noqa: E402
from benchmarks.make_site import paper_to_text  # noqa: E402
from sitegen.content.models import Paper  # noqa: E402
from sitegen.content.papers import load_papers  # noqa: E402
from sitegen.render.mapview import map_data, map_tags, regions  # noqa: E402
from sitegen.site.graph import build_graph  # noqa: E402
from sitegen.site.layout import LayoutCache, Positions, compute_layout  # noqa: E402
from sitegen.site.related import TextModel  # noqa: E402

NEAREST = 10


def timed_layout(papers: Sequence[Paper]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        positions = LayoutCache(Path(folder)).get(papers)
        layout = time.perf_counter() - started
        started = time.perf_counter()
        LayoutCache(Path(folder)).get(papers)
        cached = time.perf_counter() - started
        grown = [*papers, corpus_papers(len(papers) + 1, topic_rules())[-1]]
        model = TextModel()
        started = time.perf_counter()
        model.rows(grown)
        rows = time.perf_counter() - started
        started = time.perf_counter()
        LayoutCache(Path(folder), model).get(grown)
        placed = time.perf_counter() - started
    graph = build_graph(papers, positions=positions)
    data = f"window.SitegenMapData={map_data(graph)};\n".encode()
    data += f"window.SitegenMapTags={map_tags(graph, regions(graph))};\n".encode()
    print(
        f"{len(papers):>6} papers: layout {layout:7.1f} s, from cache {cached:5.2f} s, "
        f"one new paper: tf-idf {rows:4.1f} s, placed {placed:5.2f} s; "
        f"map/data.js and tags.js {len(data) / 1024:,.0f} KiB raw, "
        f"{len(gzip.compress(data, 9)) / 1024:,.0f} KiB gzip",
        flush=True,
    )


def tag_share(papers: Sequence[Paper], positions: Positions) -> tuple[float, float]:
    """(map neighbours sharing a tag, random papers sharing a tag), averaged over papers."""
    import numpy as np
    from scipy.spatial import cKDTree

    points = np.array([positions[p.slug] for p in papers])
    _, nearest = cKDTree(points).query(points, k=NEAREST + 1)
    tags = [set(p.tags) for p in papers]
    rng = random.Random(0)
    near, chance = [], []
    for i, row in enumerate(nearest):
        near.append(statistics.mean(bool(tags[i] & tags[j]) for j in row[1:]))
        others = rng.sample([j for j in range(len(papers)) if j != i], NEAREST)
        chance.append(statistics.mean(bool(tags[i] & tags[j]) for j in others))
    return statistics.mean(near), statistics.mean(chance)


def quality() -> None:
    papers, _ = load_papers(ROOT / "content" / "papers")
    tagged = [p for p in papers if p.tags]
    near, chance = tag_share(tagged, compute_layout(papers))
    print(
        f"quality on the repo's {len(papers)} papers: {near:.1%} of the {NEAREST} nearest "
        f"points share a tag, {chance:.1%} of {NEAREST} random papers do",
        flush=True,
    )


def build_site(count: int, work: Path, source: Path | None) -> Path:
    """An N-paper corpus site built by sitegen from `source` (a snapshot) or this tree."""
    site = work / f"site-{count}"
    if not (site / "content").is_dir():
        write_corpus_site(count, site)
    out = work / f"out-{count}-{source.name if source else 'tree'}"
    env = {**os.environ, "PYTHONPATH": str(source or ROOT)}
    command = [sys.executable, "-m", "sitegen", "build", "-q", "--site", str(site)]
    # cwd away from this repo: `python -m` puts the working folder first on sys.path.
    subprocess.run([*command, "--out", str(out)], check=True, env=env, cwd=work)
    return out


def new_paper_builds(count: int, work: Path, commit: str | None, runs: int) -> None:
    """`sitegen build` after one new paper, per source on its own copy of the site."""
    sources = [None, snapshot(commit, work)] if commit else [None]
    sites = {
        describe_source(s): (s, work / f"new-{count}-{s.name if s else 'tree'}") for s in sources
    }
    for source, site in sites.values():
        if not (site / "content").is_dir():
            write_corpus_site(count, site)
        _build(site, source)
    extra = corpus_papers(count + runs, topic_rules())[count:]
    times: dict[str, list[float]] = {name: [] for name in sites}
    for run in range(runs):
        for name, (source, site) in sites.items():
            paper = replace(extra[run], slug=f"new-{time.time_ns()}")
            (site / "content" / "papers" / f"{paper.slug}.md").write_text(paper_to_text(paper))
            started = time.perf_counter()
            _build(site, source)
            times[name].append(time.perf_counter() - started)
    for name, seconds in times.items():
        print(
            f"{count:>6} papers, `sitegen build` after one new paper, {name}: median "
            f"{statistics.median(seconds):.2f} s ({', '.join(f'{t:.2f}' for t in seconds)})",
            flush=True,
        )


def load_stage(count: int, work: Path, commit: str | None, runs: int) -> None:
    """Related papers and layout after one new paper, as Builder.load runs them, per source."""
    site = work / f"site-{count}"
    if not (site / "content").is_dir():
        write_corpus_site(count, site)
    sources = [None, snapshot(commit, work)] if commit else [None]
    for _ in range(runs):
        for source in sources:
            env = {**os.environ, "PYTHONPATH": str(source or ROOT)}
            command = [sys.executable, "-c", LOAD_STAGE, str(site / "content" / "papers")]
            found = subprocess.run(command, env=env, cwd=work, capture_output=True, text=True)
            print(
                f"{count:>6} papers, {describe_source(source)}: {found.stdout.strip()}", flush=True
            )


LOAD_STAGE = """
import json, random, sys, tempfile, time
from pathlib import Path
from sitegen.content.papers import load_papers
from sitegen.site import related as R
from sitegen.site.layout import LayoutCache, text_digest
papers = sorted(load_papers(Path(sys.argv[1]))[0], key=lambda p: p.slug)
extra = papers.pop(len(papers) // 2)
folder, rng = Path(tempfile.mkdtemp()), random.Random(0)
state = {"version": "layout-v1", "digests": {p.slug: text_digest(p) for p in papers},
         "positions": {p.slug: (rng.random(), rng.random()) for p in papers}, "placed": 0}
(folder / "layout.json").write_text(json.dumps(state))
R.prepare()
model = [R.TextModel()] if hasattr(R, "TextModel") else []  # before: no shared rows
related, layout = R.RelatedCache(folder, *model), LayoutCache(folder, *model)
times = [(time.perf_counter(), time.process_time())]
related.get([*papers, extra])
times.append((time.perf_counter(), time.process_time()))
layout.get([*papers, extra])
times.append((time.perf_counter(), time.process_time()))
(w0, c0), (w1, c1), (w2, c2) = times
print(f"related {w1 - w0:.2f} s ({c1 - c0:.2f} s CPU), layout {w2 - w1:.2f} s "
      f"({c2 - c1:.2f} s CPU), both {w2 - w0:.2f} s ({c2 - c0:.2f} s CPU)")
"""


def _build(site: Path, source: Path | None) -> None:
    env = {**os.environ, "PYTHONPATH": str(source or ROOT)}
    command = [sys.executable, "-m", "sitegen", "build", "-q", "--site", str(site)]
    subprocess.run(command, check=True, env=env, cwd=site.parent)


def browser(count: int, work: Path, commit: str | None, runs: int) -> None:
    """First draw and pan/zoom frames in Chromium; with `commit`, its build too, the loads
    of the two sites interleaved."""
    from chromium import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    sources = [None, snapshot(commit, work)] if commit else [None]
    outs = {describe_source(s): build_site(count, work, s) for s in sources}
    firsts: dict[str, list[float]] = {name: [] for name in outs}
    frames: dict[str, list[float]] = {name: [] for name in outs}
    with sync_playwright() as playwright:
        chrome = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = chrome.new_page(viewport={"width": 1200, "height": 900})
        for _ in range(runs):
            for name, out in outs.items():
                page.goto((out / "map.html").as_uri())
                page.wait_for_selector("#map-canvas[data-points]")
                firsts[name].append(page.evaluate(FIRST_DRAW))
                frames[name].extend(page.evaluate(PAN_ZOOM))
        chrome.close()
    for name, out in outs.items():
        # One file, or two since the tags have their own (a baseline's: one).
        data = b"".join(
            p.read_bytes()
            for p in (out / "map" / "data.js", out / "map" / "tags.js")
            if p.is_file()
        )
        print(
            f"{count:>6} papers in Chromium, {name}: first draw "
            f"{statistics.median(firsts[name]):.0f} ms after navigation start (median of "
            f"{runs}: {', '.join(f'{t:.0f}' for t in firsts[name])}); pan/zoom "
            f"{1000 / statistics.mean(frames[name]):.0f} frames/s (mean frame "
            f"{statistics.mean(frames[name]):.1f} ms, worst {max(frames[name]):.1f} ms); "
            f"map.html {(out / 'map.html').stat().st_size / 1024:,.0f} KiB, "
            "map/data.js and tags.js "
            f"{len(data) / 1024:,.0f} KiB raw, {len(gzip.compress(data, 9)) / 1024:,.0f} KiB gzip",
            flush=True,
        )


FIRST_DRAW = "performance.getEntriesByName('sitegen-map-drawn')[0].startTime"
PAN_ZOOM = """() => new Promise((done) => {
  const canvas = document.getElementById('map-canvas');
  const box = canvas.getBoundingClientRect();
  const times = [];
  let last = 0;
  const frame = (now) => {
    if (last) times.push(now - last);
    last = now;
    const n = times.length;
    const middle = {clientX: box.left + box.width / 2, clientY: box.top + box.height / 2};
    canvas.dispatchEvent(new WheelEvent('wheel',
      {deltaY: n < 60 ? -40 : 40, ...middle, bubbles: true, cancelable: true}));
    canvas.dispatchEvent(new KeyboardEvent('keydown',
      {key: 'ArrowLeft', shiftKey: true, bubbles: true}));
    if (n < 120) requestAnimationFrame(frame); else done(times);
  };
  requestAnimationFrame(frame);
})"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--papers", type=int, nargs="*", default=[424, 10_000, 50_000])
    parser.add_argument("--browser", type=int, nargs="*", default=[10_000])
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument("--runs", type=int, default=5, help="page loads per site (default 5)")
    parser.add_argument("--commit", help="also build with sitegen as committed at this revision")
    parser.add_argument("--new-paper", type=int, nargs="*", default=[], metavar="N")
    parser.add_argument("--load-stage", type=int, nargs="*", default=[], metavar="N")
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-map"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if not args.no_quality:
        quality()
    for count in args.papers:
        timed_layout(corpus_papers(count, topic_rules()))
    for count in args.load_stage:
        load_stage(count, args.work, args.commit, args.runs)
    for count in args.new_paper:
        new_paper_builds(count, args.work, args.commit, args.runs)
    for count in args.browser:
        browser(count, args.work, args.commit, args.runs)


if __name__ == "__main__":
    main()
