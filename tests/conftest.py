"""Fixture sites built in tmp_path, and helpers to read the built HTML back."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from chromium import CHROMIUM, CHROMIUM_ARGS

from sitegen.workers.spawned import join_pools

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO.parent / "shared" / "seeds"

SITE_TOML = """\
title = "Test reading list"
description = "Papers for the tests"
base_url = "https://example.org/reading/"

[[topics]]
tag = "contrastive learning"
match = ["contrastive"]

[[topics]]
tag = "vision"
match = ["image*", "vision"]
"""


def paper_text(
    title: str,
    date: str = "2025-03-01",
    tags: tuple[str, ...] = (),
    abstract: str = "An abstract.",
    notes: str = "",
    **extra: str,
) -> str:
    """A content file as a user would write it."""
    lines = ["---", f"title: {_yaml_str(title)}", f"date: {date}"]
    lines.append("tags: [" + ", ".join(_yaml_str(t) for t in tags) + "]")
    lines += [f"{key}: {_yaml_str(value)}" for key, value in extra.items()]
    lines += ["---", abstract, ""]
    if notes:
        lines += ["## Notes", "", notes, ""]
    return "\n".join(lines)


def _yaml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.fixture(autouse=True)
def _workers_joined() -> Iterator[None]:
    """Each test ends with every worker process it started joined. A spawned pool an
    in-process build left open would live until the pytest worker's interpreter exits, and
    freeing its semaphores that late prints "Exception ignored ... TypeError". (Not
    `join_workers`: its exit steps are for a process about to exit.)"""
    yield
    join_pools()


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Path]:
    """make_site(papers={"slug": text}, files={"rel/path": text}) -> site root."""

    def make(
        papers: Mapping[str, str] | None = None,
        files: Mapping[str, str] | None = None,
        config: str = SITE_TOML,
        name: str = "site",
    ) -> Path:
        root = tmp_path / name
        (root / "content" / "papers").mkdir(parents=True)
        (root / "site.toml").write_text(config, encoding="utf-8")
        for slug, text in (papers or {}).items():
            (root / "content" / "papers" / f"{slug}.md").write_text(text, encoding="utf-8")
        for rel, text in (files or {}).items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(textwrap.dedent(text), encoding="utf-8")
        return root

    return make


@dataclass
class Run:
    """A finished `sitegen` command."""

    code: int
    out: str
    err: str


def run_sitegen(
    *args: str | Path,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    launcher: Sequence[str | Path] = (),
) -> Run:
    """Run the real command line, as a user would (`env`: variables to add; `launcher`: what
    the interpreter runs it under, e.g. `-m cProfile`)."""
    env = {**os.environ, **(env or {}), "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, *map(str, launcher), "-m", "sitegen", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def read_html(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def internal_links(page: Path, soup: BeautifulSoup) -> list[tuple[str, Path]]:
    """(href, resolved file) for every link, script, stylesheet and form on a page."""
    found = []
    for tag, attr in (
        ("a", "href"),
        ("link", "href"),
        ("script", "src"),
        ("img", "src"),
        ("form", "action"),
    ):
        for element in soup.find_all(tag):
            value = element.get(attr)
            if not value or urlsplit(value).scheme or value.startswith(("#", "//")):
                continue
            target = (page.parent / unquote(urlsplit(value).path)).resolve()
            found.append((value, target))
    return found


@pytest.fixture(scope="module")
def chromium():
    """Debian's headless Chromium under Playwright; skipped locally without it, never in CI.
    One per test module: Playwright's driver keeps threads in this process while it runs,
    and the build forks its workers only when it is the process's one thread."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing: .ci/run must apt-get install chromium")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def single_threaded() -> None:
    """For a test of forked workers: the build forks only while it is its process's one
    thread, so a thread left by an earlier test (a browser's driver, a server) would hide
    the fork. Waits for such threads to end; fails naming any that do not."""
    deadline = time.monotonic() + 10
    while threading.active_count() > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() == 1, [thread.name for thread in threading.enumerate()]


def build_site(root: Path, papers: Mapping[str, str], config: str) -> Path:
    """A site of `papers` (slug -> text) built by `sitegen build` at `root`: its output."""
    (root / "content" / "papers").mkdir(parents=True)
    (root / "site.toml").write_text(config)
    for slug, text in papers.items():
        (root / "content" / "papers" / f"{slug}.md").write_text(text)
    run = run_sitegen("build", "--site", root)
    assert run.code == 0, run.err
    return root / "_site"


@contextlib.contextmanager
def checked_page(chromium: Any, **context_options: Any) -> Iterator[Any]:
    """A page in a new browser context; any console error or uncaught exception fails."""
    context = chromium.new_context(**context_options)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda err: errors.append(str(err)))
    yield page
    context.close()
    assert errors == []


def serious_violations(page: Any, base: str, paths: Iterable[str]) -> dict[str, Any]:
    """axe-core's serious and critical violations on each page, by path (none: {})."""
    from axe_playwright_python.sync_playwright import Axe

    found = {}
    for path in paths:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        results = Axe().run(page)
        serious = [
            (v["id"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if serious:
            found[path] = serious
    return found


@contextlib.contextmanager
def http_server(
    folder: Path, handler_class: type[http.server.SimpleHTTPRequestHandler] | None = None
) -> Iterator[str]:
    """Serve `folder` on a free loopback port; yields the base URL (ending in /)."""
    handler = functools.partial(handler_class or _QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass
