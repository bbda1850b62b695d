"""What the serve process and its build process (live.py, rebuilds.py) tell each other."""

from __future__ import annotations

from dataclasses import dataclass

from sitegen.build.result import BuildResult

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
