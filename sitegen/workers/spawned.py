"""Worker processes for slow, self-contained jobs (search index, related papers)."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor


def worker_pool() -> ProcessPoolExecutor:
    """One spawned worker (spawn, not fork: the caller may have threads a fork would copy)
    that exits by itself if its parent dies, so a killed `sitegen` leaves no process behind."""
    return ProcessPoolExecutor(
        1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=exit_with_parent,
        initargs=(os.getpid(),),
    )


def exit_with_parent(parent: int) -> None:
    """Worker initializer: exit when the parent process is gone."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)  # the parent is gone: nobody will ever read our results

    threading.Thread(target=watch, name="sitegen-parent-watch", daemon=True).start()
