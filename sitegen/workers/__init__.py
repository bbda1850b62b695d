"""Worker processes: a fork pool for CPU-bound chunks, a spawned worker for self-contained jobs."""

from __future__ import annotations

import sys


def join_workers() -> None:
    """Wait until every worker process this process started has exited (see
    `spawned.join_spawned`); at once when none was started (nothing is imported)."""
    if "multiprocessing" in sys.modules:
        from sitegen.workers.spawned import join_spawned

        join_spawned()
