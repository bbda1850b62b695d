"""Watch a site's sources with watchdog; report debounced batches of changed paths."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from sitegen.config import CONFIG_NAME
from sitegen.fsutil import is_editor_temp

WATCHED_FOLDERS = ("content", "templates", "static")


def is_relevant(site_root: Path, out: Path, path: Path) -> bool:
    """A change to this path may change the site (output and editor temp files never do)."""
    try:
        rel = path.relative_to(site_root)
    except ValueError:
        return False
    if out == path or out in path.parents or not rel.parts:
        return False
    if is_editor_temp(path.name) or any(part.startswith(".") for part in rel.parts):
        return False
    return rel.parts[0] in WATCHED_FOLDERS or rel.as_posix() == CONFIG_NAME


class ChangeWatcher(FileSystemEventHandler):
    """Collects relevant changes; after `quiet` seconds without one, hands the batch on."""

    def __init__(
        self,
        site_root: Path,
        out: Path,
        on_change: Callable[[set[Path]], object],
        quiet: float = 0.04,
        max_wait: float = 0.4,
        saved_quiet: float = 0.01,
    ) -> None:
        self.site_root, self.out = site_root.resolve(), out.resolve()
        self.on_change, self.quiet, self.max_wait = on_change, quiet, max_wait
        self.saved_quiet = saved_quiet
        """The quiet moment that will do when the last event ends a save (see `_ends_save`)."""
        self._pending: set[Path] = set()
        self._events = 0
        self._saved = False
        self._poked = False
        self._lock = threading.Condition()
        self._stopping = False
        self._observer = Observer()
        self._watched: set[Path] = set()
        self._thread = threading.Thread(target=self._run, name="sitegen-rebuild", daemon=True)

    def start(self) -> None:
        # The root itself non-recursively (site.toml, new folders), each source folder fully:
        # the output folder is never watched, so writing it cannot trigger a rebuild.
        self._observer.schedule(self, str(self.site_root), recursive=False)
        self._watch_folders()
        self._observer.start()
        self._thread.start()

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        self._observer.stop()
        self._observer.join(timeout=5)
        self._thread.join(timeout=5)

    def poke(self) -> None:
        """Ask for a rebuild although no file changed (slow parts of the site are ready)."""
        with self._lock:
            self._poked = True
            self._events += 1
            self._lock.notify_all()

    def _watch_folders(self) -> None:
        for name in WATCHED_FOLDERS:
            folder = self.site_root / name
            if folder.is_dir() and folder not in self._watched:
                self._observer.schedule(self, str(folder), recursive=True)
                self._watched.add(folder)

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        if event.is_directory and event.event_type == "modified":
            return  # says only that an entry inside changed; that entry has its own event
        paths = [Path(str(event.src_path))]
        if getattr(event, "dest_path", ""):
            paths.append(Path(str(event.dest_path)))  # atomic saves rename onto the real name
        relevant = {p for p in paths if is_relevant(self.site_root, self.out, p)}
        if not relevant:
            return
        if event.is_directory and any(p.parent == self.site_root for p in relevant):
            self._watch_folders()  # a new content/, templates/ or static/ folder
        with self._lock:
            self._pending |= relevant
            self._events += 1
            self._saved = _ends_save(event, self.site_root, self.out)
            self._lock.notify_all()

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            self.on_change(batch)

    def _next_batch(self) -> set[Path] | None:
        with self._lock:
            while not self._pending and not self._poked and not self._stopping:
                self._lock.wait()
            if self._stopping:
                return None
            first = time.monotonic()
            # Editors save in bursts (temp file, rename, chmod): wait for a quiet moment.
            while True:
                count = self._events
                self._lock.wait(self.saved_quiet if self._saved else self.quiet)
                if self._stopping:
                    return None
                if self._events == count or time.monotonic() - first > self.max_wait:
                    break
            batch, self._pending, self._poked = self._pending, set(), False
            return batch


def _ends_save(event: FileSystemEvent, site_root: Path, out: Path) -> bool:
    """Whether the event is how a save ends: a file closed after writing, or a temp file
    renamed onto the real name. (A move away from the real name, a creation or a deletion
    may be the start of an editor's save, so they wait the full quiet moment.)"""
    if event.event_type == "closed":
        return True
    dest = str(getattr(event, "dest_path", "") or "")
    return event.event_type == "moved" and is_relevant(site_root, out, Path(dest))
