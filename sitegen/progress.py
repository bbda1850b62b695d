"""How a long build tells how far it is: a small interface the stages are handed, a no-op
by default (the CLI passes a progress bar on a terminal)."""

from __future__ import annotations

from typing import Protocol

STAGES = ("load", "render", "search", "write")
"""The stages a build reports, in order."""


class Progress(Protocol):
    """Told by the build what it is doing; called in the build's own process only."""

    def stage(self, name: str, total: int | None = None) -> None:
        """A stage (one of STAGES) starts with `total` items to do (None: not counted);
        the stage before it is done."""

    def advance(self, count: int = 1) -> None:
        """`count` more items of the current stage are done."""


class NoProgress:
    """Tells nobody: tests, `serve`, `--quiet` and output that is not a terminal."""

    def stage(self, name: str, total: int | None = None) -> None:
        return None

    def advance(self, count: int = 1) -> None:
        return None


NO_PROGRESS: Progress = NoProgress()
