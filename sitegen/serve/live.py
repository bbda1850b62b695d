"""The rebuilds of `serve`, in a process of their own, so the HTTP server never waits for them.

The serve process (HTTP server, file watcher) hands each batch of changed paths to the
build process (`BuildProcess.rebuild`). There `LiveSite` writes the edited page first and
says so at once (`Publish`), so open tabs reload while it runs the full incremental pass in
its own interpreter: the pass holds a GIL the server does not share. Related papers and the
search index catch up afterwards in a worker of the build process, which then asks for one
more rebuild (`POKE`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from sitegen.build import build_stamp, remember_build
from sitegen.build.result import BuildResult
from sitegen.errors import SiteError
from sitegen.serve.incremental import IncrementalBuilder, SlowInputs, compute_slow_parts
from sitegen.serve.livereload import ReloadHub
from sitegen.workers.spawned import worker_pool

RELOAD_GRACE = 0.15
"""Seconds the full rebuild waits after the quick one, while tabs fetch the new page."""
SLOW_START_DELAY = 0.3
"""Seconds between a rebuild and starting its related-papers/search catch-up."""
STOP_WAIT = 5.0
"""Seconds a stopping server gives the build process to finish the build it is in."""
POKE = "poke"
"""From the build process: related papers and search are ready, please rebuild."""
STOP = "stop"
"""To the build process: exit."""


@dataclass(frozen=True, slots=True)
class Publish:
    """From the build process: tell the open tabs (see ReloadHub.publish)."""

    kind: str
    """`reload`, `css` or `failed`."""
    error: str | None
    """The failed build's messages."""
    paths: tuple[str, ...]
    """Output files that changed."""


@dataclass(frozen=True, slots=True)
class Done:
    """From the build process: a rebuild is over."""

    result: BuildResult | None
    """None if it failed (the messages were published)."""


class LiveSite:
    """Rebuilds after changes and tells the browsers which pages changed (in the build
    process). Related papers and the search index, slow on big sites, are computed in a
    worker process; when they are ready `poke` asks for a rebuild that picks them up."""

    def __init__(self, builder: IncrementalBuilder, send: Callable[[object], None]) -> None:
        self.builder, self.send = builder, send
        self._failing = False
        self._pool: ProcessPoolExecutor | None = None
        self._running: SlowInputs | None = None
        self._warned: set[str] = set()

    def rebuild(self, changed: set[Path] | None = None) -> BuildResult | None:
        """First build: everything. Later: the edited pages at once, the slow parts after."""
        if changed and not self._failing:
            started = time.perf_counter()
            quick = self.builder.quick_update(changed)
            if quick:  # the edited page first; listings and the rest follow at once
                self.send(Publish("reload", None, tuple(quick)))
                took = (time.perf_counter() - started) * 1000
                self.builder.record_quick()  # the output's manifest, after the tabs know
                print(f"Updated {', '.join(quick)} in {took:.0f} ms", flush=True)
                time.sleep(RELOAD_GRACE)  # leave the cores to the reloading tabs a moment
        result = self._build(changed, defer_slow=changed is not None)
        inputs = self.builder.slow_inputs
        if result is not None and inputs is not None and self._running is None:
            self._start_slow(inputs)
        return result

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        for child in multiprocessing.active_children():  # a catch-up still running
            child.terminate()
            child.join(timeout=STOP_WAIT)

    def _start_slow(self, inputs: SlowInputs) -> None:
        if self._pool is None:
            self._pool = worker_pool()
        self._running = inputs
        pool = self._pool
        # A moment's wait lets open tabs reload before the worker takes a core.
        timer = threading.Timer(SLOW_START_DELAY, lambda: self._submit(pool, inputs))
        timer.daemon = True
        timer.start()

    def _submit(self, pool: ProcessPoolExecutor, inputs: SlowInputs) -> None:
        try:
            future = pool.submit(compute_slow_parts, inputs)
        except RuntimeError:  # shutting down
            return
        future.add_done_callback(self._slow_done)

    def _slow_done(self, future: Future[dict[str, bytes]]) -> None:
        inputs, self._running = self._running, None
        if future.cancelled() or inputs is None:
            return
        error = future.exception()
        if error is not None:
            print(f"Related papers / search index failed: {error}", file=sys.stderr)
            return
        self.builder.offer_search(inputs.papers, future.result())
        self.send(POKE)

    def _build(self, changed: set[Path] | None, defer_slow: bool) -> BuildResult | None:
        started = time.perf_counter()
        stamp = build_stamp(self.builder.site_root, self.builder.out)
        try:
            result = self.builder.build(changed, defer_slow=defer_slow)
        except SiteError as err:
            message = str(err)
            print(f"Build failed; still serving the last good site:\n{message}", file=sys.stderr)
            self.send(Publish("failed", message, ()))
            self._failing = True
            return None
        if not self.builder.deferred:  # the output is complete: `sitegen build` may skip
            remember_build(self.builder.site_root, stamp, result)
        self._warn(result)
        was_failing, self._failing = self._failing, False
        changed_out = result.write.changed_paths
        if changed_out or was_failing:
            css_only = bool(changed_out) and all(p.endswith(".css") for p in changed_out)
            kind = "css" if css_only and not was_failing else "reload"
            self.send(Publish(kind, None, () if was_failing else changed_out))
        if changed is not None:
            _report(result, (time.perf_counter() - started) * 1000, bool(changed))
        return result

    def _warn(self, result: BuildResult) -> None:
        warnings = [str(warning) for warning in result.warnings]
        for warning in warnings:
            if warning not in self._warned:  # each rebuild would repeat them all
                print(f"warning: {warning}", file=sys.stderr)
        self._warned = set(warnings)


def _report(result: BuildResult, took: float, first_pass: bool) -> None:
    rendered = sorted(result.rendered)
    shown = ", ".join(rendered[:4]) + (" …" if len(rendered) > 4 else "")
    what = "Rebuilt" if first_pass else "Caught up (related papers, search index)"
    print(
        f"{what} in {took:.0f} ms: {len(rendered)} pages rendered"
        f"{' (' + shown + ')' if rendered else ''}, "
        f"{result.write.written + result.write.removed} files changed",
        flush=True,
    )


def run_builds(conn: Connection, site_root: Path) -> None:
    """The build process: rebuild for each batch of changed paths the server sends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the server, which stops us
    lock = threading.Lock()  # the catch-up's callback sends from another thread

    def send(message: object) -> None:
        with lock:
            conn.send(message)

    live = LiveSite(IncrementalBuilder(site_root), send)
    code = 0
    try:
        while True:
            try:
                changed = conn.recv()
            except EOFError:  # the server is gone
                break
            if changed == STOP:
                break
            send(Done(live.rebuild(changed)))
    except BaseException:  # a bug: say where, and let the server stop
        traceback.print_exc()
        code = 1
    finally:
        live.close()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)  # not interpreter shutdown: it would wait for the pool's threads


class BuildProcess:
    """The serve process's side of the build process: sends it changes, relays what it says."""

    def __init__(self, site_root: Path, hub: ReloadHub) -> None:
        self.hub = hub
        self.poke: Callable[[], None] = lambda: None
        """Asks the watcher for a rebuild (set once the watcher exists)."""
        self.alive = True
        """False once the build process is gone (it exited or was killed)."""
        # Spawned, not forked: the serve process may have threads already (tests, --open).
        context = multiprocessing.get_context("spawn")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(
            target=run_builds, args=(theirs, site_root), name="sitegen-build"
        )
        self._process.start()
        theirs.close()
        self._done: queue.Queue[Done | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, name="sitegen-build-events", daemon=True)
        self._reader.start()

    def rebuild(self, changed: set[Path] | None = None) -> BuildResult | None:
        """Rebuild (everything, or after `changed`) and wait until the build is over."""
        try:
            self._conn.send(changed)
        except OSError:
            return None
        done = self._done.get()
        return None if done is None else done.result

    def close(self) -> None:
        """Stop the build process: at once if idle, after its current build otherwise."""
        with contextlib.suppress(OSError):
            self._conn.send(STOP)
        self._process.join(timeout=STOP_WAIT)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()

    def _read(self) -> None:
        while True:
            try:
                message = self._conn.recv()
            except (EOFError, OSError):
                self.alive = False
                self._done.put(None)
                return
            if isinstance(message, Publish):
                self.hub.publish(message.kind, message.error, message.paths)
            elif message == POKE:
                self.poke()
            elif isinstance(message, Done):
                self._done.put(message)
