"""What the command line shows on a terminal: coloured errors and warnings (not with
NO_COLOR, nor when the output is a file or a pipe) and a progress bar per build stage."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rich is imported when first used: `build -q` may not need it at all
    from rich.console import Console
    from rich.progress import TaskID

REFRESH_EVERY = 0.1
"""Seconds between redraws of the progress bars (a redraw per file would cost more)."""


def stderr_console() -> Console:
    """The console errors, warnings and progress go to (rich honours NO_COLOR, FORCE_COLOR
    and TERM=dumb, and colours only a terminal)."""
    from rich.console import Console

    return Console(file=sys.stderr, highlight=False, soft_wrap=True)


def error(message: str) -> None:
    """`sitegen: error: message`, the prefix in red on a terminal."""
    stderr_console().print("[bold red]sitegen: error:[/] ", end="")
    stderr_console().print(message, markup=False)


def warning(message: str) -> None:
    """`warning: message`, the prefix in yellow on a terminal."""
    stderr_console().print("[yellow]warning:[/] ", end="")
    stderr_console().print(message, markup=False)


def problem(message: str) -> None:
    """One `path:line: message` line of a failed build, in red on a terminal."""
    stderr_console().print(message, style="red", markup=False)


class StageBars:
    """A progress bar per build stage, with its count and elapsed time, drawn on stderr.

    Redrawn only when told of progress: rich's own refresh thread would stop the build
    from forking its workers (see workers/forked.py)."""

    def __init__(self, console: Console) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._bars = Progress(
            TextColumn("{task.description:<7}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            auto_refresh=False,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._task: TaskID | None = None
        self._drawn = 0.0

    def stage(self, name: str, total: int | None = None) -> None:
        self._finish_task()
        self._task = self._bars.add_task(name, total=total)
        self._draw(force=True)

    def advance(self, count: int = 1) -> None:
        if self._task is not None:
            self._bars.advance(self._task, count)
            self._draw()

    def __enter__(self) -> StageBars:
        self._bars.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self._finish_task()
        self._bars.refresh()
        self._bars.stop()

    def _finish_task(self) -> None:
        if self._task is not None:
            task = self._bars.tasks[self._task]
            self._bars.update(self._task, total=task.completed or 1, completed=task.completed or 1)
            self._bars.stop_task(self._task)

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._drawn >= REFRESH_EVERY:
            self._bars.refresh()
            self._drawn = now
