"""Tell open browser tabs about rebuilds: a build counter streamed as server-sent events."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SiteState:
    """What the browser should show after the latest build."""

    version: int
    """Goes up with every build that changed the output, and every failed build."""
    kind: str
    """`reload` (pages changed), `css` (only stylesheets changed) or `failed`."""
    error: str | None
    """The failed build's messages (`path:line: message` lines), shown as an overlay."""

    def event(self) -> bytes:
        data = json.dumps({"kind": self.kind, "error": self.error})
        return f"id: {self.version}\nevent: {self.kind}\ndata: {data}\n\n".encode()


class ReloadHub:
    """The latest SiteState, and a way for request threads to wait for the next one."""

    def __init__(self) -> None:
        self._state = SiteState(0, "reload", None)
        self._changed = threading.Condition()
        self.closing = False

    @property
    def state(self) -> SiteState:
        return self._state

    def publish(self, kind: str, error: str | None = None) -> None:
        with self._changed:
            self._state = SiteState(self._state.version + 1, kind, error)
            self._changed.notify_all()

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


LIVERELOAD_JS = """\
// Injected by `sitegen serve` only: reloads the page after a rebuild, shows build errors.
(function () {
  "use strict";
  var overlay = null;
  function showError(text) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "sitegen-error-overlay";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
        "background:rgba(20,0,0,.92);color:#fff;font:14px/1.5 ui-monospace,monospace;padding:2rem";
      document.body.appendChild(overlay);
    }
    overlay.textContent = "";
    var title = document.createElement("h2");
    title.textContent = "sitegen: the build failed; showing the last good site";
    var pre = document.createElement("pre");
    pre.style.whiteSpace = "pre-wrap";
    pre.textContent = text;
    overlay.appendChild(title);
    overlay.appendChild(pre);
  }
  function refreshCss() {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      var url = new URL(links[i].href);
      url.searchParams.set("sitegen-reload", Date.now());
      links[i].href = url.toString();
    }
  }
  var source = new EventSource("/__sitegen/events");
  source.addEventListener("hello", function (e) {
    var state = JSON.parse(e.data);
    if (state.error) { showError(state.error); }
  });
  source.addEventListener("reload", function () { location.reload(); });
  source.addEventListener("css", function () {
    if (overlay) { location.reload(); } else { refreshCss(); }
  });
  source.addEventListener("failed", function (e) {
    showError(JSON.parse(e.data).error);
  });
})();
"""
