"""Worker processes for slow, self-contained jobs (search index, related papers)."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import resource_tracker, util

JOIN_GRACE_SECONDS = 2.0
"""How long a worker may take to exit by itself before it is terminated (at exit only)."""

_pools: list[ProcessPoolExecutor] = []
"""Every pool `worker_pool` made, until `join_spawned` joins it."""

_managers: list[threading.Thread] = []
"""The manager thread of every pool shut down, until `join_spawned` joins it."""


class _WorkerPool(ProcessPoolExecutor):
    """A pool whose manager thread is kept when it shuts down. `shutdown(wait=False)` (the
    search pool's) forgets the thread, which then frees the pool's semaphores as it ends:
    one ending while `join_spawned` stops the resource tracker launched a new tracker that
    outlived sitegen (seen in CI; reproduced by slowing `SemLock._cleanup`). Kept here, the
    thread is joined and its semaphores freed by this process's main thread, in order."""

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        manager = getattr(self, "_executor_manager_thread", None)  # no public API
        if isinstance(manager, threading.Thread):
            _managers.append(manager)
        super().shutdown(wait, cancel_futures=cancel_futures)


def worker_pool() -> ProcessPoolExecutor:
    """One spawned worker (spawn, not fork: the caller may have threads a fork would copy)
    that exits by itself if its parent dies, so a killed `sitegen` leaves no process behind."""
    pool = _WorkerPool(
        1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=exit_with_parent,
        initargs=(os.getpid(),),
    )
    _pools.append(pool)
    return pool


def exit_with_parent(parent: int) -> None:
    """Worker initializer: exit when the parent process is gone."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)  # the parent is gone: nobody will ever read our results

    threading.Thread(target=watch, name="sitegen-parent-watch", daemon=True).start()


def join_spawned() -> None:
    """Before this process exits: every worker process it started has exited and been
    waited for, so a script or CI job that runs `sitegen` in its own process group finds
    nothing of it left once it returns. A worker still busy (serve stopped mid-job) is
    terminated: nobody will read its result."""
    join_pools()
    # multiprocessing's own exit steps, now rather than at exit: they unlink the semaphores
    # still alive, which at exit would launch the resource tracker again after it is stopped.
    util._exit_function()  # type: ignore[attr-defined]
    _stop_resource_tracker()


def join_pools() -> None:
    """Every worker process started has exited and been waited for, and the pools are freed
    (their semaphores with them). Unlike `join_spawned`, the process may go on using
    multiprocessing (the tests call this after each test)."""
    for pool in _pools:
        pool.shutdown(wait=False, cancel_futures=True)
    children = multiprocessing.active_children()
    deadline = time.monotonic() + JOIN_GRACE_SECONDS
    for child in children:
        child.join(max(0.0, deadline - time.monotonic()))
    for child in children:
        if child.is_alive():
            child.terminate()
        child.join()
    for pool in _pools:
        pool.shutdown(wait=True)  # its queues
    _pools.clear()
    for manager in _managers:
        manager.join()
    _managers.clear()  # the last references to the pools' queues and semaphores


def _stop_resource_tracker() -> None:
    """Stop (and wait for) multiprocessing's resource tracker, a process the spawn start
    method launches and that would otherwise exit only after this one."""
    # The spawn pools' semaphores unregister when freed, which a shut-down pool is, by
    # reference counting: one still alive would launch the tracker again at exit (the
    # spawned-search case of tests/test_cli.py sees that). No gc.collect(): at 100,000
    # papers a full collection takes seconds.
    tracker = resource_tracker._resource_tracker
    stop = getattr(tracker, "_stop", None)  # no public API; Python 3.8 to 3.13 have this
    if stop is not None and getattr(tracker, "_pid", None) is not None:
        stop()
