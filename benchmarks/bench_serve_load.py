"""`sitegen serve` under load: many clients at once while papers are being saved.

    python benchmarks/bench_serve_load.py                       # 200 clients, 20 s, 30 papers
    python benchmarks/bench_serve_load.py --pace 0.5            # each client: a request per 0.5 s
    python benchmarks/bench_serve_load.py --clients 50 --seconds 10 --papers 1000
    python benchmarks/bench_serve_load.py --code /tmp/base      # another sitegen tree

A synthetic site is served by a real `sitegen serve` subprocess. `--clients` concurrent
clients each fetch pages (the home page, paper pages) and a stylesheet in a loop (back to
back, or one request per `--pace` seconds), one connection per request as a browser's first
visit does, for `--seconds` seconds, while one paper is saved every second (each save
rebuilds). Prints p50/p99/max latency per kind of request, requests answered, and errors
(failed connections, non-200 answers, timeouts).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.make_site import make_site  # noqa: E402

REQUEST_TIMEOUT = 60.0


@dataclass
class Tally:
    """Latencies (seconds) by kind of request, and the errors seen."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def fetch(port: int, path: str) -> int:
    """GET `path` on a new connection; the HTTP status once the whole answer is read."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        writer.write(request.encode())
        await writer.drain()
        answer = await reader.read()  # asked with Connection: close: it ends with it
    finally:
        writer.close()
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0


async def client(
    port: int, paths: list[tuple[str, str]], until: float, pace: float, tally: Tally
) -> None:
    """Requests in a loop: back to back (`pace` 0), or one every `pace` seconds."""
    await asyncio.sleep(pace * random.random())  # paced clients start spread out
    turn = 0
    while time.monotonic() < until:
        kind, path = paths[turn % len(paths)]
        turn += 1
        started = time.monotonic()
        try:
            status = await asyncio.wait_for(fetch(port, path), REQUEST_TIMEOUT)
        except (TimeoutError, OSError) as err:
            tally.error(type(err).__name__)
            continue
        if status != 200:
            tally.error(f"HTTP {status}")
        else:
            tally.latencies.setdefault(kind, []).append(time.monotonic() - started)
        await asyncio.sleep(max(0.0, started + pace - time.monotonic()))


async def saver(paper: Path, until: float) -> int:
    """Save `paper` with new notes every second; how many saves."""
    original = paper.read_text(encoding="utf-8")
    saves = 0
    while time.monotonic() < until:
        saves += 1
        paper.write_text(f"{original.rstrip()}\n\n## Notes\n\nSave {saves}.\n", encoding="utf-8")
        await asyncio.sleep(1.0)
    return saves


async def load(port: int, site: Path, args: argparse.Namespace) -> tuple[Tally, int]:
    papers = sorted((site / "content" / "papers").glob("*.md"))
    paths = [("page", "/index.html")]
    paths += [("page", f"/papers/{p.stem}.html") for p in papers[:5]]
    paths += [("static", "/static/style.css")]
    tally = Tally()
    until = time.monotonic() + args.seconds
    rotated = [paths[i % len(paths) :] + paths[: i % len(paths)] for i in range(args.clients)]
    tasks = [client(port, rotated[i], until, args.pace, tally) for i in range(args.clients)]
    *_, saves = await asyncio.gather(*tasks, saver(papers[len(papers) // 2], until))
    return tally, saves


def serve(site: Path, port: int, code: Path) -> subprocess.Popen[bytes]:
    log = site.parent / "serve.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", "--site", str(site), "--port", str(port)],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        cwd=code,
        env={**os.environ, "PYTHONPATH": str(code)},
    )
    deadline = time.monotonic() + 300
    while "Serving" not in log.read_text():
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"serve did not start:\n{log.read_text()}")
        time.sleep(0.1)
    time.sleep(2)  # let the first build's related papers and search index settle
    return server


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(tally: Tally, saves: int, args: argparse.Namespace) -> None:
    answered = sum(len(v) for v in tally.latencies.values())
    print(
        f"{args.clients} clients for {args.seconds:.0f} s"
        f"{f', one request each per {args.pace:g} s' if args.pace else ', back to back'}, "
        f"{args.papers} papers, {saves} saves: "
        f"{answered} requests answered ({answered / args.seconds:.0f}/s), "
        f"errors: {sum(tally.errors.values())} {tally.errors or ''}".rstrip()
    )
    for kind, values in sorted(tally.latencies.items()):
        ms = [v * 1000 for v in values]
        print(
            f"  {kind:6} n={len(ms):6}  p50 {statistics.median(ms):7.1f} ms  "
            f"p99 {percentile(ms, 0.99):7.1f} ms  max {max(ms):7.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--papers", type=int, default=30)
    parser.add_argument(
        "--pace", type=float, default=0.0, help="seconds between one client's requests (0: none)"
    )
    parser.add_argument(
        "--code", type=Path, default=ROOT, help="the sitegen tree to serve with (a baseline)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        site = make_site(args.papers, Path(folder) / "site")
        port = free_port()
        server = serve(site, port, args.code.resolve())
        try:
            tally, saves = asyncio.run(load(port, site, args))
        finally:
            server.terminate()
            server.wait(timeout=30)
        log = (site.parent / "serve.log").read_text()
        if "Traceback" in log:
            print(f"serve printed a traceback:\n{log[-3000:]}", file=sys.stderr)
    report(tally, saves, args)


if __name__ == "__main__":
    main()
