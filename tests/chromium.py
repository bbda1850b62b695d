"""Where Debian's Chromium is and how tests and benchmarks start it headless here."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # running as root in a container
    "--disable-gpu",
    # No network but loopback here: keep Chromium from trying its own services.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
