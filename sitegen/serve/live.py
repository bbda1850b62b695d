"""The rebuilds of `serve`, in a process of their own, so the HTTP server never waits for them.

The serve process (HTTP server, file watcher) hands each batch of changed paths to the
build process (`BuildProcess.rebuild`). There `LiveSite` (rebuilds.py) writes the edited
page first and says so at once (`Publish`), so open tabs reload while it runs the full
incremental pass in its own interpreter: the pass holds a GIL the server does not share.
Related papers and the search index catch up afterwards in a worker of the build process,
which then asks for one more rebuild (`POKE`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

from sitegen.build.result import BuildResult
from sitegen.serve.livereload import ReloadHub
from sitegen.serve.messages import POKE, STOP, STOP_WAIT, Done, Publish


def _run_builds(conn: Connection, site_root: Path) -> None:
    """The build process's code; imported there only (the pipeline is slow to import, and
    the serve process never needs it)."""
    from sitegen.serve.rebuilds import run_builds

    run_builds(conn, site_root)


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
            target=_run_builds, args=(theirs, site_root), name="sitegen-build"
        )
        self._process.start()
        theirs.close()
        self._done: queue.Queue[Done | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, name="sitegen-build-events", daemon=True)
        self._reader.start()

    def rebuild(self, changed: set[Path] | None = None) -> BuildResult | None:
        """Rebuild (everything, or after `changed`) and wait until the build is over."""
        if not self.alive:
            return None
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
