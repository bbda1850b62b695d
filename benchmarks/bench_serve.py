"""Save-to-reloaded-page latency of `sitegen serve`, measured in headless Chromium.

    python benchmarks/bench_serve.py                # the repo's own reading list
    python benchmarks/bench_serve.py --papers 10000 # a synthetic site
    python benchmarks/bench_serve.py --papers 10000 --code /tmp/base --code .  # A/B
    python benchmarks/bench_serve.py --site /tmp/site-10k  # a copy of a prepared site

The site is copied (or generated) into a temporary folder, `sitegen serve` runs in a
subprocess, a Chromium tab shows one paper's page, and each run appends a unique word to
that paper's notes and times from the save to the reloaded page's load event (read from
the page's own Performance API; also printed: until the harness saw the word, which adds
Playwright re-attaching its polling to the new page). Before the next
save the server is left to finish the follow-up pass and the related-papers/search
catch-up, so every save starts from an idle server.

With several `--code` trees (each a sitegen checkout, e.g. a `git worktree` of the
baseline), each serves its own copy of the site at the same time, and the saves take turns
between them: the figures are interleaved, under the same machine load.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.code_tree import code_env  # noqa: E402
from benchmarks.make_site import make_site  # noqa: E402
from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

SETTLE_TIMEOUT = 600.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(papers: int, folder: Path, prepared: Path | None) -> Path:
    if prepared is not None:  # built once before: its caches make serve start quickly
        return Path(shutil.copytree(prepared, folder / "site", symlinks=True))
    if papers:
        return make_site(papers, folder / "site")
    site = folder / "site"
    (site / "content").mkdir(parents=True)
    shutil.copytree(ROOT / "content" / "papers", site / "content" / "papers")
    shutil.copy(ROOT / "site.toml", site / "site.toml")
    return site


@dataclass(frozen=True)
class Save:
    """One save's figures, in seconds from the save."""

    loaded: float
    """The reloaded page's load event ended."""
    reloading: float
    """The tab started reloading (the server wrote the page and told it)."""
    seen: float
    """The harness saw the new word (Playwright polls, re-attached after the reload)."""


@dataclass
class Server:
    """One `sitegen serve` (of one code tree) and the paper its tab shows."""

    code: Path
    site: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    times: list[Save] = field(default_factory=list)

    @property
    def log(self) -> Path:
        return self.site.parent / f"serve-{self.port}.log"

    @property
    def paper(self) -> Path:
        papers = sorted((self.site / "content" / "papers").glob("*.md"))
        return papers[len(papers) // 2]

    def start(self) -> None:
        env = {**code_env(self.code), "PYTHONUNBUFFERED": "1"}
        command = ["serve", "--site", str(self.site), "--port", str(self.port)]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sitegen", *command],
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            cwd=self.code,
            env=env,
        )

    def wait_started(self) -> None:
        deadline = time.monotonic() + 900
        while "Serving" not in self.log.read_text():
            if self.proc is None or self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"serve did not start:\n{self.log.read_text()}")
            time.sleep(0.1)

    def caught_up(self) -> int:
        return self.log.read_text().count("Caught up")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=60)


def settle(server: Server, seen: int) -> None:
    """Wait until the server reported a catch-up after `seen` of them, and a moment more."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while server.caught_up() <= seen and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)


def measure(servers: list[Server], runs: int) -> None:
    from playwright.sync_api import sync_playwright

    for server in servers:
        server.start()
    try:
        for server in servers:
            server.wait_started()
        time.sleep(2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            pages = []
            for server in servers:
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{server.port}/papers/{server.paper.stem}.html")
                pages.append(page)
            for server in servers:
                settle(server, server.caught_up() - 1)  # the first build's catch-up, if any
            for run in range(runs):
                for server, page in zip(servers, pages, strict=True):
                    seen = server.caught_up()
                    server.times.append(_one_edit(page, server.paper, run))
                    settle(server, seen)
    finally:
        for server in servers:
            server.stop()
            print(f"--- {server.code}: end of the log", file=sys.stderr)
            print(server.log.read_text()[-1200:], file=sys.stderr)


def _one_edit(page: object, paper: Path, run: int) -> Save:
    token = f"benchmarkword{run}x{time.monotonic_ns()}"
    text = paper.read_text()
    started = time.perf_counter()
    paper.write_text(text.rstrip("\n") + f"\n\n{token}\n")
    saved = time.time()
    page.wait_for_function(  # type: ignore[attr-defined]
        f"document.body && document.body.innerText.includes('{token}')",
        timeout=120_000,
        polling=5,
    )
    seen = time.perf_counter() - started
    page.wait_for_load_state("load")  # type: ignore[attr-defined]
    # The reloaded page's own clock (epoch milliseconds): when the reload started, and when
    # its load event ended.
    started_ms, loaded_ms = page.evaluate(  # type: ignore[attr-defined]
        "[performance.timeOrigin,"
        " performance.timeOrigin + performance.getEntriesByType('navigation')[0].loadEventEnd]"
    )
    return Save(loaded_ms / 1000 - saved, started_ms / 1000 - saved, seen)


def server_side(log: str, what: str) -> str:
    """Median of the `<what> … in N ms` figures the server printed."""
    ms = [float(m) for m in re.findall(rf"^{what}\b.*? in (\d+) ms", log, re.MULTILINE)]
    return f"{statistics.median(ms):.0f} ms (n={len(ms)})" if ms else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=0, help="synthetic papers (0: repo site)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--site", type=Path, help="copy this site folder (make_site.py, built once) instead"
    )
    parser.add_argument(
        "--code", type=Path, action="append", help="sitegen tree to serve with (repeatable)"
    )
    args = parser.parse_args()
    codes = [code.resolve() for code in args.code or [ROOT]]
    print(f"load average before: {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        site = prepare(args.papers, Path(folder) / "0", args.site)
        servers = [Server(codes[0], site)]
        for index, code in enumerate(codes[1:], 1):
            shutil.copytree(site, Path(folder) / str(index) / "site")
            servers.append(Server(code, Path(folder) / str(index) / "site"))
        measure(servers, args.runs)
        logs = [server.log.read_text() for server in servers]
    print(f"load average after: {os.getloadavg()}")
    label = str(args.site) if args.site else "repo site"
    label = f"{args.papers} synthetic papers" if args.papers else label
    for server, log in zip(servers, logs, strict=True):
        ms = [t.loaded * 1000 for t in server.times]
        print(
            f"{server.code} {label}: save to the reloaded page's load event: median "
            f"{statistics.median(ms):.0f} ms, min {min(ms):.0f}, max {max(ms):.0f} over {len(ms)} "
            f"saves ({', '.join(f'{t:.0f}' for t in ms)}); of it, save to the reload's start "
            f"{_median_ms(t.reloading for t in server.times)}, the reload "
            f"{_median_ms(t.loaded - t.reloading for t in server.times)}; seen by the harness "
            f"{_median_ms(t.seen for t in server.times)}; server: page updated "
            f"{server_side(log, 'Updated')}, follow-up pass {server_side(log, 'Rebuilt')}, "
            f"catch-up {server_side(log, 'Caught up')}"
        )


def _median_ms(seconds: Iterable[float]) -> str:
    return f"{statistics.median(seconds) * 1000:.0f} ms"


if __name__ == "__main__":
    main()
