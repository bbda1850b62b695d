"""The build process of `serve` (see live.py): rebuilds, the edited page first."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path

from sitegen.build import build_stamp, remember_build
from sitegen.build.result import BuildResult
from sitegen.content.papers import is_paper_name
from sitegen.errors import SiteError
from sitegen.serve.incremental import IncrementalBuilder, SlowInputs, compute_slow_parts
from sitegen.serve.messages import POKE, STOP, STOP_WAIT, Done, Publish
from sitegen.workers.spawned import join_spawned, worker_pool

RELOAD_GRACE = 0.15
"""Seconds the full rebuild waits after the quick one, while tabs fetch the new page."""
SLOW_START_DELAY = 0.3
"""Seconds between a rebuild and starting its related-papers/search catch-up."""


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
        if result is not None and self._running is None:
            inputs = self.builder.slow_inputs()
            if inputs is not None:
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
        # A paper edit leaves related papers and search owed: the catch-up pass records
        # the build. Its stamp (a stat of every input) would only delay the pages here.
        stamp = (
            None
            if _edits_papers(changed)
            else build_stamp(self.builder.site_root, self.builder.out)
        )
        try:
            result = self.builder.build(changed, defer_slow=defer_slow)
        except SiteError as err:
            message = str(err)
            print(f"Build failed; still serving the last good site:\n{message}", file=sys.stderr)
            self.send(Publish("failed", message, ()))
            self._failing = True
            return None
        if stamp is not None and not self.builder.deferred:  # complete: `build` may skip
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


def _edits_papers(changed: set[Path] | None) -> bool:
    """Whether the changes include a paper (a Markdown file): the pass then owes related
    papers and search (if it does not after all, `sitegen build` just builds once more)."""
    return changed is not None and any(is_paper_name(path.name) for path in changed)


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
        # The catch-up pool's semaphores, unlinked here: os._exit frees nothing, and the
        # resource tracker warned of them as leaked when the server stopped.
        join_spawned()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)  # not interpreter shutdown: it would wait for the pool's threads
