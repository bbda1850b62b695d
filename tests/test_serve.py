"""`sitegen serve` in a subprocess: edits, atomic saves, deletions and broken files show up."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import REPO, paper_text

from sitegen.serve.watcher import ChangeWatcher

WAIT = 15.0
START_WAIT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Served:
    def __init__(self, site: Path, port: int) -> None:
        self.site, self.port = site, port
        self.url = f"http://127.0.0.1:{port}/"
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
        self.log = site.parent / "serve.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sitegen", "serve", "--site", str(site), "--port", str(port)],
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            env=env,
        )
        # Two interpreters start (server, build process): give a loaded machine time.
        wait_until(lambda: "Serving" in self.log.read_text(), "server start", START_WAIT)

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def stop(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=10)
        return code, self.log.read_text()


def wait_until(check: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def served(make_site) -> Iterator[Served]:
    site = make_site(
        {
            "alpha": paper_text("Alpha paper", "2025-01-01", ("vision",), "Alpha abstract."),
            "beta": paper_text("Beta paper", "2025-01-02", ("vision",), "Beta abstract."),
        }
    )
    server = Served(site, free_port())
    yield server
    if server.proc.poll() is None:
        server.proc.kill()
        server.proc.wait()


def page_shows(served: Served, path: str, text: str) -> Callable[[], bool]:
    return lambda: text in served.get(path)[1]


def test_edit_atomic_save_delete_and_create_show_up(served):
    papers = served.site / "content" / "papers"
    status, html = served.get("papers/alpha.html")
    assert status == 200 and "Alpha abstract." in html
    assert "/__sitegen/livereload.js" in html  # injected by serve only
    assert "livereload" not in (served.site / "_site" / "papers" / "alpha.html").read_text()

    (papers / "alpha.md").write_text(
        paper_text("Alpha paper", "2025-01-01", ("vision",), "Edited in place.")
    )
    wait_until(page_shows(served, "papers/alpha.html", "Edited in place."), "in-place edit")

    # An editor's atomic save: write a temp file (and a swap file), then rename over.
    (papers / ".alpha.md.swp").write_text("swap")
    tmp = papers / "alpha.md.tmp~"
    tmp.write_text(paper_text("Alpha paper", "2025-01-01", ("vision",), "Saved atomically."))
    os.replace(tmp, papers / "alpha.md")
    wait_until(page_shows(served, "papers/alpha.html", "Saved atomically."), "atomic save")

    (papers / "beta.md").unlink()
    wait_until(lambda: served.get("papers/beta.html")[0] == 404, "deleted paper gone")
    assert "Beta paper" not in served.get("index.html")[1]

    (papers / "beta.md").write_text(paper_text("Beta again", "2025-01-03", ("robots",)))
    wait_until(page_shows(served, "papers/beta.html", "Beta again"), "re-created paper")
    wait_until(lambda: served.get("tags/robots.html")[0] == 200, "its new tag page")
    code, log = served.stop()
    assert code == 0
    assert "Traceback" not in log


def test_broken_file_keeps_last_good_site_and_recovers(served):
    paper = served.site / "content" / "papers" / "alpha.md"
    paper.write_text("---\ntitle: [broken\ndate: 2025-01-01\n---\n")
    wait_until(lambda: "Build failed" in served.log.read_text(), "error reported")
    assert f"{paper}:2: invalid YAML" in served.log.read_text()
    status, html = served.get("papers/alpha.html")
    assert status == 200 and "Alpha abstract." in html  # last good page still served
    paper.write_text(paper_text("Alpha fixed", "2025-01-01", ("vision",), "Fixed."))
    wait_until(page_shows(served, "papers/alpha.html", "Alpha fixed"), "recovery")
    code, log = served.stop()
    assert code == 0 and "Traceback" not in log


def test_new_folders_templates_static_and_config_are_picked_up(served):
    site = served.site
    (site / "static").mkdir()
    (site / "static" / "extra.css").write_text("p { color: teal; }")
    wait_until(lambda: served.get("static/extra.css")[0] == 200, "new static folder")
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>Lost here</h1>{% endblock %}'
    )
    wait_until(page_shows(served, "no-such-page", "Lost here"), "template override")
    toml = site / "site.toml"
    toml.write_text(toml.read_text().replace("Test reading list", "Renamed list"))
    wait_until(page_shows(served, "index.html", "Renamed list"), "config change")


def test_writes_to_the_output_folder_do_not_trigger_rebuilds(served):
    time.sleep(0.5)
    before = served.log.read_text().count("Rebuilt")
    for i in range(5):
        (served.site / "_site" / f"stray{i}.txt").write_text("x")
    time.sleep(1.0)
    assert served.log.read_text().count("Rebuilt") == before


def test_busy_port_falls_back_to_the_next_free_one(make_site):
    site = make_site({"a": paper_text("A")})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = Served(site, port)
        try:
            assert f"Port {port} is in use" in server.log.read_text()
            assert "Serving" in server.log.read_text()
        finally:
            code, log = server.stop()
    assert code == 0 and "Traceback" not in log


def test_only_regular_files_inside_the_output_are_served(served, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "passwd").write_text("root:x:0:0 SECRET")
    out = served.site / "_site"
    (out / "etclink").symlink_to(elsewhere)
    (out / "passwd.txt").symlink_to(elsewhere / "passwd")
    (out / "alpha-link.html").symlink_to(out / "papers" / "alpha.html")  # inside: served
    for path in ("etclink/passwd", "passwd.txt", "etclink/", "etclink"):
        status, body = served.get(path)
        assert status == 404 and "SECRET" not in body, path
    status, body = served.get("alpha-link.html")
    assert status == 200 and "Alpha abstract." in body
    status, body = served.get("tags")  # a folder: redirected to its index
    assert status == 200 and "/__sitegen/livereload.js" in body
    code, log = served.stop()
    assert code == 0 and "Traceback" not in log


def test_overlong_path_and_vanished_clients_log_one_line_not_a_traceback(served):
    status, _ = served.get("a" * 300 + ".html")
    assert status == 414
    status, _ = served.get("papers/" + "b" * 300)
    assert status == 414
    (served.site / "_site" / "big.bin").write_bytes(b"x" * (16 << 20))
    for _ in range(3):  # ask for a big file, then reset the connection mid-answer
        with socket.create_connection(("127.0.0.1", served.port)) as client:
            client.sendall(b"GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert client.recv(1024).startswith(b"HTTP/1.1 200")
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    assert served.get("papers/alpha.html")[0] == 200  # the server still answers
    code, log = served.stop()
    assert code == 0 and "Traceback" not in log and "Error" not in log
    refused = [line for line in log.splitlines() if ": 414 (" in line]
    assert len(refused) == 2 and refused[0].startswith("GET /aaaa") and len(refused[0]) < 120


@pytest.mark.browser
def test_open_tab_reloads_by_itself_after_a_save(served, chromium):
    page = chromium.new_page()
    page.emulate_media(color_scheme="light")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(served.url + "papers/alpha.html")
    page.wait_for_function("document.readyState === 'complete'")
    page.evaluate("window.__notReloaded = true")
    other = chromium.new_page()  # a page the edit does not change
    other.goto(served.url + "tags/index.html")
    other.wait_for_function("document.readyState === 'complete'")
    other.evaluate("window.__notReloaded = true")
    paper = served.site / "content" / "papers" / "alpha.md"
    paper.write_text(paper_text("Alpha paper", "2025-01-01", ("vision",), "Live text arrives."))
    page.wait_for_selector("text=Live text arrives.", timeout=WAIT * 1000)
    assert page.evaluate("window.__notReloaded === undefined")  # a real reload happened
    time.sleep(1.0)
    assert other.evaluate("window.__notReloaded === true")  # untouched page kept its state
    other.close()
    paper.write_text("---\ntitle: [broken\n---\n")
    overlay = page.wait_for_selector("#sitegen-error-overlay", timeout=WAIT * 1000)
    assert f"{paper}:2" in overlay.inner_text()
    # Opaque, with its own colours: the light theme's grey <pre> must not reach it (issue 14).
    colours = overlay.evaluate(
        "o => [o, o.querySelector('pre')].map(e => getComputedStyle(e))"
        ".map(c => [c.backgroundColor, c.color])"
    )
    assert colours == [
        ["rgb(26, 26, 26)", "rgb(244, 244, 244)"],  # opaque, light on dark
        ["rgba(0, 0, 0, 0)", "rgb(244, 244, 244)"],  # the panel's colours, not the page's
    ]
    paper.write_text(paper_text("Alpha paper", "2025-01-01", ("vision",), "Fixed again."))
    page.wait_for_selector("text=Fixed again.", timeout=WAIT * 1000)
    assert page.query_selector("#sitegen-error-overlay") is None
    assert errors == []
    page.close()


TABS = 10
"""More tabs than the 6 connections per host Chromium allows over HTTP/1.1."""

CONTRAST = """(element) => {
    const rgba = (css) => css.match(/[\\d.]+/g).map(Number);
    const luminance = ([r, g, b]) => {
        const lin = (c) => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    const overlay = document.getElementById("sitegen-error-overlay");
    const back = rgba(getComputedStyle(overlay).backgroundColor);
    const text = rgba(getComputedStyle(element).color);
    const [hi, lo] = [luminance(back), luminance(text)].sort((a, b) => b - a);
    return {alpha: back.length > 3 ? back[3] : 1, ratio: (hi + 0.05) / (lo + 0.05),
            own: getComputedStyle(element).backgroundColor};
}"""


@pytest.mark.browser
def test_ten_tabs_all_load_reload_after_a_save_and_show_the_error(served, chromium):
    context = chromium.new_context()  # one browser profile: one connection limit for all tabs
    pages = []
    for _ in range(TABS):
        page = context.new_page()
        page.goto(served.url + "papers/alpha.html", timeout=WAIT * 1000)
        page.evaluate("window.__notReloaded = true")
        pages.append(page)
    time.sleep(0.5)  # every tab's live-reload script has connected
    paper = served.site / "content" / "papers" / "alpha.md"
    paper.write_text(paper_text("Alpha paper", "2025-01-01", ("vision",), "All ten reload."))
    for page in pages:
        page.wait_for_selector("text=All ten reload.", timeout=WAIT * 1000)
        assert page.evaluate("window.__notReloaded === undefined")
    paper.write_text("---\ntitle: [broken\n---\n")
    for page in pages:
        overlay = page.wait_for_selector("#sitegen-error-overlay", timeout=WAIT * 1000)
        assert f"{paper}:2" in overlay.inner_text()
    page = pages[0]
    for scheme in ("light", "dark"):  # readable over the theme's light and dark pages
        page.emulate_media(color_scheme=scheme)
        for part in ("#sitegen-error-overlay h2", "#sitegen-error-overlay pre"):
            seen = page.eval_on_selector(part, CONTRAST)
            assert seen["alpha"] == 1, (scheme, part, seen)
            assert seen["ratio"] >= 7, (scheme, part, seen)  # WCAG AAA
            assert seen["own"] == "rgba(0, 0, 0, 0)", (scheme, part, seen)
    context.close()


def test_search_index_and_related_papers_catch_up_after_an_edit(served):
    paper = served.site / "content" / "papers" / "alpha.md"
    paper.write_text(paper_text("Alpha paper", "2025-01-01", ("vision",), "Quokkaword findings."))
    wait_until(page_shows(served, "papers/alpha.html", "Quokkaword"), "page first")
    wait_until(lambda: "quokkaword" in served.get("search/index.js")[1], "search index", 60)
    wait_until(lambda: "Caught up" in served.log.read_text(), "catch-up reported")


def _descendants(pid: int) -> set[int]:
    """Every process below `pid` (the build process, its workers, theirs)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
            except OSError:
                continue
    found, todo = set(), [pid]
    while todo:
        above = todo.pop()
        below = {child for child, parent in parents.items() if parent == above}
        todo += below - found
        found |= below
    return found


def _spawned(pids: set[int]) -> set[int]:
    """Those of `pids` that run sitegen's code (not multiprocessing's resource tracker)."""
    found = set()
    for pid in pids:
        try:
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.add(pid)
        except OSError:
            continue
    return found


def _gone(pids: set[int]) -> Callable[[], bool]:
    def check() -> bool:
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z":  # a zombie has exited (its parent, gone too, never reaped it)
                return False
        return True

    return check


def test_a_killed_server_leaves_no_process_behind(served):
    paper = served.site / "content" / "papers" / "alpha.md"
    paper.write_text(paper_text("Alpha paper", "2025-01-01", ("vision",), "Starts the worker."))
    # The build process, and below it the worker that catches related papers and search up.
    wait_until(lambda: len(_spawned(_descendants(served.proc.pid))) >= 2, "worker started")
    processes = _descendants(served.proc.pid)
    served.proc.kill()
    served.proc.wait()
    wait_until(_gone(processes), "build process and workers gone")


def test_a_stopped_server_leaves_no_process_behind(served):
    paper = served.site / "content" / "papers" / "alpha.md"
    paper.write_text(paper_text("Alpha paper", "2025-01-01", ("vision",), "Starts the worker."))
    wait_until(lambda: len(_spawned(_descendants(served.proc.pid))) >= 2, "worker started")
    processes = _descendants(served.proc.pid)
    wait_until(lambda: "Caught up" in served.log.read_text(), "the catch-up done")
    code, log = served.stop()
    assert code == 0 and "Traceback" not in log
    wait_until(_gone(processes), "build process and workers gone")
    # multiprocessing's resource tracker, gone too, found nothing of theirs left behind.
    assert "leaked" not in served.log.read_text()


def test_a_tab_fetches_its_page_and_stylesheet_over_one_connection(served):
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)
    answers = []
    for path in ("/papers/alpha.html", "/static/style.css", "/no-such-page", "/papers/beta.html"):
        connection.request("GET", path)
        response = connection.getresponse()
        answers.append((response.status, response.read()))
        assert connection.sock is not None  # still open: kept alive for the next request
    connection.close()
    assert [status for status, _ in answers] == [200, 200, 404, 200]
    assert b"Alpha abstract." in answers[0][1] and b"Beta abstract." in answers[3][1]
    assert answers[1][1] == (served.site / "_site" / "static" / "style.css").read_bytes()


def test_editor_saves_reach_the_rebuild_whole(tmp_path):
    """An editor's save is several file operations; the rebuild sees only whole saves."""
    site = tmp_path / "site"
    papers = site / "content" / "papers"
    papers.mkdir(parents=True)
    paper = papers / "alpha.md"
    paper.write_text("first")
    batches: list[tuple[set[Path], bool]] = []
    done = threading.Event()

    def on_change(batch: set[Path]) -> None:
        batches.append((batch, paper.exists()))
        done.set()

    watcher = ChangeWatcher(site, site / "_site", on_change)
    watcher.start()
    try:
        # vim: the file moved to a backup name, a new one written and closed, then chmod-ed.
        os.replace(paper, papers / "alpha.md~")
        paper.write_text("second")
        paper.chmod(0o644)
        (papers / "alpha.md~").unlink()
        wait_until(done.is_set, "the vim-style save")
        time.sleep(0.5)  # any later batch of the same save
        done.clear()
        # An atomic save: a temp file written, then renamed onto the real name.
        (papers / ".alpha.md.tmp~").write_text("third")
        os.replace(papers / ".alpha.md.tmp~", paper)
        wait_until(done.is_set, "the atomic save")
        time.sleep(0.5)
    finally:
        watcher.stop()
    assert all(exists for _, exists in batches), batches  # never between two steps
    assert {p.name for batch, _ in batches for p in batch} == {"alpha.md"}
    assert len(batches) == 2, batches


def test_a_dead_build_process_stops_the_server_with_an_error(served):
    (build_process,) = _spawned(_descendants(served.proc.pid))
    os.kill(build_process, signal.SIGKILL)
    code = served.proc.wait(timeout=WAIT)
    log = served.log.read_text()
    assert code == 1 and "The build process stopped unexpectedly" in log
    assert "Traceback" not in log
