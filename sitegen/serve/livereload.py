"""Tell open browser tabs about rebuilds: a build counter streamed as server-sent events."""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class SiteState:
    """What the browser should show after the latest build."""

    version: int
    """Goes up with every build that changed the output, and every failed build."""
    kind: str
    """`reload` (pages changed), `css` (only stylesheets changed) or `failed`."""
    error: str | None
    """The failed build's messages (`path:line: message` lines), shown as an overlay."""
    paths: tuple[str, ...] = ()
    """Output files that changed; a tab reloads only when its page is among them."""

    def event(self) -> bytes:
        data = json.dumps({"kind": self.kind, "error": self.error, "paths": self.paths})
        return f"id: {self.version}\nevent: {self.kind}\ndata: {data}\n\n".encode()

    def summary(self) -> dict[str, object]:
        return {"version": self.version, "kind": self.kind, "paths": self.paths}


RECENT = 32
"""Builds a new event stream is told about: a tab whose page was served just before a build
and whose stream connected just after catches up from them (livereload.js)."""


class ReloadHub:
    """The latest SiteState, and a way for request threads to wait for the next one."""

    def __init__(self) -> None:
        self._state = SiteState(0, "reload", None)
        self._recent: deque[SiteState] = deque(maxlen=RECENT)
        self._changed = threading.Condition()
        self.closing = False

    @property
    def state(self) -> SiteState:
        return self._state

    def publish(self, kind: str, error: str | None = None, paths: tuple[str, ...] = ()) -> None:
        with self._changed:
            self._state = SiteState(self._state.version + 1, kind, error, paths)
            self._recent.append(self._state)
            self._changed.notify_all()

    def hello(self) -> tuple[SiteState, bytes]:
        """The latest state, and the event greeting a new stream: its version and error,
        and the recent builds (a page served before them shows what they changed)."""
        with self._changed:
            state, recent = self._state, [s.summary() for s in self._recent]
        data = json.dumps({"version": state.version, "error": state.error, "recent": recent})
        return state, f"retry: 500\nevent: hello\ndata: {data}\n\n".encode()

    def wait_newer(self, version: int, timeout: float) -> SiteState | None:
        """The state once it is newer than `version`; None after `timeout` or on close."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._state.version > version or self.closing, timeout=timeout
            )
            return self._state if self._state.version > version else None

    def close(self) -> None:
        with self._changed:
            self.closing = True
            self._changed.notify_all()


LIVERELOAD_JS = (Path(__file__).parent / "livereload.js").read_text(encoding="utf-8")
"""The script `serve` injects into every HTML page (never part of a build)."""
LIVERELOAD_WORKER_JS = (Path(__file__).parent / "livereload-worker.js").read_text(encoding="utf-8")
"""The SharedWorker that holds the one event stream all tabs share."""
