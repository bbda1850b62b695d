"""The preview server: static files from the output folder, live reload injected into HTML."""

from __future__ import annotations

import errno
import http.server
import os
import signal
import stat
import sys
import threading
import time
import webbrowser
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from sitegen.config import output_folder
from sitegen.errors import UsageError
from sitegen.serve.assets import (
    CACHE_FOREVER,
    REVALIDATE,
    VERSION_PARAM,
    bytes_version,
    file_version,
    requested_version,
    with_versions,
)
from sitegen.serve.live import BuildProcess
from sitegen.serve.livereload import LIVERELOAD_JS, LIVERELOAD_WORKER_JS, ReloadHub
from sitegen.serve.watcher import ChangeWatcher

EVENTS_PATH = "/__sitegen/events"
SCRIPT_PATH = "/__sitegen/livereload.js"
WORKER_PATH = "/__sitegen/livereload-worker.js"
SCRIPT_URL = f"{SCRIPT_PATH}?{VERSION_PARAM}={bytes_version(LIVERELOAD_JS.encode())}"

PORT_TRIES = 20
LISTEN_BACKLOG = 1024
"""Connections the kernel queues until the server accepts them (the default 5 made a burst
of requests wait seconds for SYN retries)."""
IDLE_TIMEOUT = 60.0
"""Seconds a kept-alive connection may sit idle before the server closes it."""
RUN = f"{time.time_ns():x}"
"""In every ETag: a restarted server (perhaps a newer sitegen, injecting another script)
never has a tab keep a page cached by the one before."""


class PreviewHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the output folder; HTML gets the live-reload script and versioned asset URLs.
    A URL with its file's current version is cached for good (a new version is a new URL);
    anything else is revalidated on every use (a 304 when unchanged), never stale."""

    hub: ReloadHub
    # Keep-alive: a reloading tab fetches its stylesheets and scripts over the connections
    # it already has, instead of opening (and the server starting a thread for) one each.
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT

    def __init__(self, *args: Any, hub: ReloadHub, directory: str, **kwargs: Any) -> None:
        self.hub = hub
        self.root = Path(os.path.realpath(directory))
        """The output folder: only regular files inside it are served."""
        self.cache_control = REVALIDATE
        super().__init__(*args, directory=directory, **kwargs)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        self.cache_control = REVALIDATE  # per request: a kept-alive handler serves many
        if path == EVENTS_PATH:
            self._stream_events()
        elif path in (SCRIPT_PATH, WORKER_PATH):
            script = (LIVERELOAD_JS if path == SCRIPT_PATH else LIVERELOAD_WORKER_JS).encode()
            self._send_versioned(script, "text/javascript; charset=utf-8")
        else:
            super().do_GET()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", self.cache_control)
        super().end_headers()

    def send_head(self) -> Any:
        """The response's headers, and the open file for do_GET to copy (None: sent)."""
        url_path = self.path.split("?", 1)[0].split("#", 1)[0]
        try:
            target = self._regular_file(url_path)
            if target is None and not url_path.endswith("/") and self._is_folder(url_path):
                return self._redirect(url_path + "/")
            if target is None:
                target = self._regular_file("/404.html")
                return self._send_html(target.read_bytes(), 404) if target else self._refuse(404)
            return self._send_file(target)
        except OSError as err:  # e.g. a path segment longer than the file system allows
            too_long = err.errno == errno.ENAMETOOLONG
            return self._refuse(414 if too_long else 404, err.strerror or str(err))

    def _regular_file(self, url_path: str) -> Path | None:
        """The regular file inside the output folder a URL path names; None for anything
        else (a folder, a missing file, a symlink leading out of the output folder)."""
        path = self.translate_path(url_path)
        if url_path.endswith("/"):
            path = os.path.join(path, "index.html")
        real = os.path.realpath(path)
        if not Path(real).is_relative_to(self.root):
            return None
        try:
            if not stat.S_ISREG(os.stat(real).st_mode):
                return None
        except (FileNotFoundError, NotADirectoryError):
            return None
        return Path(real)

    def _is_folder(self, url_path: str) -> bool:
        return self._regular_file(url_path.rstrip("/") + "/") is not None

    def _redirect(self, location: str) -> None:
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _refuse(self, status: int, why: str = "") -> None:
        if why:  # one line in the terminal, never a traceback
            shown = self.path if len(self.path) <= 80 else self.path[:77] + "..."
            print(f"{self.command} {shown}: {status} ({why})", file=sys.stderr, flush=True)
        self.send_error(status)

    def _send_file(self, target: Path) -> BinaryIO | None:
        """A 304 when the tab's copy is current, else the file (HTML: see _send_page)."""
        if target.suffix == ".html":
            self._send_page(target)
            return None
        file = target.open("rb")
        info = os.fstat(file.fileno())
        version = file_version(info)
        if requested_version(self.path) == version:
            self.cache_control = CACHE_FOREVER
        if self._not_modified(f'"{RUN}-{version}"'):
            file.close()
            return None
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(target)))
        self.send_header("Content-Length", str(info.st_size))
        self.send_header("ETag", f'"{RUN}-{version}"')
        self.end_headers()
        return file

    def _send_page(self, target: Path) -> None:
        """The page as served (script injected, asset URLs versioned), tagged by its bytes:
        a page whose stylesheet changed is a changed page."""
        url_path = urlsplit(self.path).path
        built = self.hub.state.version  # before the page is read: a build after it is news
        html = target.read_bytes()
        html = with_versions(_injected(html, built), url_path, self._regular_file)
        self._send_versioned(html, "text/html; charset=utf-8")

    def _send_versioned(self, data: bytes, content_type: str) -> None:
        version = bytes_version(data)
        if requested_version(self.path) == version:
            self.cache_control = CACHE_FOREVER
        tag = f'"{RUN}-{version}"'
        if not self._not_modified(tag):
            self._send_bytes(data, content_type, etag=tag)

    def _not_modified(self, tag: str) -> bool:
        """Answered 304 when the tab's copy has this ETag (no Last-Modified: whole seconds
        could miss a second save within the same second)."""
        match = self.headers.get("If-None-Match", "")
        fresh = tag in (part.strip() for part in match.split(","))
        if fresh:
            self.send_response(304)
            self.send_header("ETag", tag)
            self.end_headers()
        return fresh

    def _send_html(self, html: bytes, status: int) -> None:
        built = self.hub.state.version
        self._send_bytes(_injected(html, built), "text/html; charset=utf-8", status)

    def _send_bytes(
        self, data: bytes, content_type: str, status: int = 200, etag: str | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if etag is not None:
            self.send_header("ETag", etag)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _stream_events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")  # the stream has no length: it ends with it
        self.close_connection = True
        self.end_headers()
        state, hello = self.hub.hello()
        try:
            self.wfile.write(hello)
            last_seen = self.headers.get("Last-Event-ID", "")
            if last_seen.isdigit() and int(last_seen) < state.version:
                self.wfile.write(state.event())  # a rebuild happened while reconnecting
            self.wfile.flush()
            version = state.version
            while not self.hub.closing:
                newer = self.hub.wait_newer(version, timeout=15)
                if newer is None:
                    self.wfile.write(b": keep-alive\n\n")  # notices closed tabs
                else:
                    version = newer.version
                    self.wfile.write(newer.event())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def log_message(self, format: str, *args: Any) -> None:
        pass  # a request log would bury the rebuild messages


def _injected(html: bytes, built: int) -> bytes:
    """The page with the live-reload script, told which build the page is of (so the page
    changes, and its ETag with it, whenever a build is published)."""
    tag = f'<script src="{SCRIPT_URL}" data-sitegen-build="{built}" defer></script>'.encode()
    at = html.rfind(b"</body>")
    return html[:at] + tag + html[at:] if at >= 0 else html + tag


class PreviewServer(http.server.ThreadingHTTPServer):
    daemon_threads = True  # an open event stream must not keep Ctrl-C waiting
    request_queue_size = LISTEN_BACKLOG

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client went away (closed tab, aborted load): nothing to report
        super().handle_error(request, client_address)


def bind(host: str, port: int, handler: Any) -> PreviewServer:
    """Bind to `port`, or the next free one (said so) when it is taken."""
    for candidate in range(port, port + PORT_TRIES):
        try:
            server = PreviewServer((host, candidate), handler)
        except OSError as err:
            if err.errno != errno.EADDRINUSE or port == 0:
                raise UsageError(f"cannot serve on {host}:{candidate}: {err.strerror}") from None
            continue
        if candidate != port:
            print(f"Port {port} is in use; using {candidate} instead.")
        return server
    raise UsageError(f"ports {port}-{port + PORT_TRIES - 1} on {host} are all in use: use --port")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(site_root: Path, host: str, port: int, open_browser: bool) -> int:
    """Build, serve and watch until Ctrl-C."""
    hub = ReloadHub()
    builds = BuildProcess(site_root, hub)
    try:
        return _serve(site_root, host, port, open_browser, hub, builds)
    finally:
        hub.close()
        builds.close()


def _serve(
    site_root: Path, host: str, port: int, open_browser: bool, hub: ReloadHub, builds: BuildProcess
) -> int:
    first = builds.rebuild()
    out = output_folder(site_root, None)
    out.mkdir(parents=True, exist_ok=True)
    if first is not None:
        print(f"Built {first.papers} papers, {first.tags} tags in {first.seconds:.2f} s")
    handler = partial(PreviewHandler, directory=str(out), hub=hub)
    server = bind(host, port, handler)
    url = f"http://{host}:{server.server_address[1]}/"
    watcher = ChangeWatcher(site_root, out, builds.rebuild)
    builds.poke = watcher.poke
    watcher.start()
    thread = threading.Thread(target=server.serve_forever, name="sitegen-http", daemon=True)
    # Stop the same way on Ctrl-C and on SIGTERM, even when started with SIGINT ignored
    # (as background jobs of a shell are); set before "Serving", which a caller may answer
    # with Ctrl-C at once.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    try:
        thread.start()
        print(f"Serving {out} at {url} (live reload on; Ctrl-C to stop)", flush=True)
        if open_browser:
            webbrowser.open(url)
        while thread.is_alive() and builds.alive:
            thread.join(timeout=0.5)
    except KeyboardInterrupt:
        print("\nStopping.")
    finally:
        hub.close()
        watcher.stop()
        if thread.is_alive():  # else shutdown() would wait for a loop that never ran
            server.shutdown()
        server.server_close()
    if not builds.alive:
        print("The build process stopped unexpectedly; stopping.", file=sys.stderr)
        return 1
    return 0
