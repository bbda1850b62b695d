"""Save-to-reloaded-page latency of `sitegen serve`, measured in headless Chromium.

    python benchmarks/bench_serve.py                # the repo's own reading list
    python benchmarks/bench_serve.py --papers 10000 # a synthetic site

The site is copied (or generated) into a temporary folder, `sitegen serve` runs in a
subprocess, a Chromium tab shows one paper's page, and each run appends a unique word to
that paper's notes and times until the tab shows it (reload included).
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.make_site import make_site  # noqa: E402
from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(papers: int, folder: Path) -> Path:
    if papers:
        return make_site(papers, folder / "site")
    site = folder / "site"
    (site / "content").mkdir(parents=True)
    shutil.copytree(ROOT / "content" / "papers", site / "content" / "papers")
    shutil.copy(ROOT / "site.toml", site / "site.toml")
    return site


def measure(site: Path, runs: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    port = free_port()
    log = site.parent / "serve.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", "--site", str(site), "--port", str(port)],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 600
        while "Serving" not in log.read_text():
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"serve did not start:\n{log.read_text()}")
            time.sleep(0.1)
        time.sleep(2)  # let the first build's slow parts settle
        paper = sorted((site / "content" / "papers").glob("*.md"))[
            len(list((site / "content" / "papers").glob("*.md"))) // 2
        ]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/papers/{paper.stem}.html")
            return [_one_edit(page, paper, run) for run in range(runs)]
    finally:
        server.terminate()
        server.wait(timeout=30)
        print(log.read_text()[-1500:], file=sys.stderr)


def _one_edit(page: object, paper: Path, run: int) -> float:
    token = f"benchmarkword{run}x{time.monotonic_ns()}"
    text = paper.read_text()
    started = time.perf_counter()
    paper.write_text(text.rstrip("\n") + f"\n\n{token}\n")
    page.wait_for_function(
        f"document.body && document.body.innerText.includes('{token}')",  # type: ignore[attr-defined]
        timeout=120_000,
        polling=5,
    )
    took = time.perf_counter() - started
    time.sleep(1.5)  # let related papers / search catch up before the next edit
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--papers", type=int, default=0, help="synthetic papers (0: repo site)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        site = prepare(args.papers, Path(folder))
        times = measure(site, args.runs)
    label = f"{args.papers} synthetic papers" if args.papers else "repo site"
    ms = [t * 1000 for t in times]
    print(
        f"{label}: save-to-reloaded-page median {statistics.median(ms):.0f} ms, "
        f"min {min(ms):.0f} ms, max {max(ms):.0f} ms over {len(ms)} edits"
    )


if __name__ == "__main__":
    main()
