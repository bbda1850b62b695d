"""CPU-bound work split over the machine's cores, in forked worker processes.

Jinja and Markdown are pure Python: threads would share one GIL. Forked workers see the
parent's memory as it was at the fork (the graph, the templates, the pages to render), so
nothing big is pickled on the way in; only results come back. Fork is used only while this
process has no other thread (forking a threaded process can deadlock the child); otherwise,
or for small jobs, the work runs here.
"""

from __future__ import annotations

import functools
import gc
import itertools
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Generic, TypeVar

from sitegen.workers import ends_with_build
from sitegen.workers.spawned import exit_with_parent

T = TypeVar("T")
R = TypeVar("R")
J = TypeVar("J")

CHUNKS_PER_WORKER = 6
"""More chunks than workers, so a worker that drew cheap pages takes more."""
TAIL_SPLIT = 4
"""The last chunk a worker would draw is cut in this many (see `chunked`)."""

_job_in_worker: Any = None
"""In a worker process only: the job of the pool that forked it."""


def worker_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def in_worker() -> bool:
    """Whether this process is a ForkPool's worker: what it keeps ends with it, but for
    the results its owner is sent."""
    return _job_in_worker is not None


def can_fork() -> bool:
    return (
        worker_count() > 1
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    )


class ForkPool(Generic[J]):
    """Worker processes forked now, each holding `job` (inherited at the fork, never pickled);
    every function given to the pool is called with the job first. None of them when this
    process cannot fork: then every call runs the work here, with the same job. `most`
    caps the workers (one a core): a pool for a job or two, with the rest done here, need
    not fork a process that would idle (each fork of a big build's process cost ~20 ms)."""

    def __init__(self, job: J, min_items: int = 1, most: int | None = None) -> None:
        self.job = job
        self.min_items = min_items
        self.workers = min(worker_count(), most or worker_count())
        self._pool: ProcessPoolExecutor | None = None
        if can_fork():
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_start_worker,
                initargs=(os.getpid(), job),  # a forked worker inherits them: nothing pickled
            )
            # The fork start method launches every worker at the first submit: do it now,
            # while this process is still single-threaded. Frozen, what they inherit is
            # never scanned by their garbage collector (a full collection walked all of it:
            # seconds a worker on a big site), nor its pages copied by being written to.
            frozen = gc.get_freeze_count() > 0  # by the build (see Builder.build)
            gc.freeze()
            try:
                self._pool.submit(_nothing).result()
            finally:
                if not frozen:
                    gc.unfreeze()  # here, collected as before

    def submit(self, func: Callable[[J], R]) -> Callable[[], R]:
        """Start `func(job)` (a module-level function) in a worker; call the result to get
        its value (computed here instead if the worker died)."""
        if self._pool is None:
            return functools.partial(func, self.job)
        future: Future[R] = self._pool.submit(_with_job, func)

        def result() -> R:
            try:
                return future.result()
            except BrokenProcessPool:
                return func(self.job)

        return result

    def works_on(self, count: int) -> bool:
        """Whether `map_chunks` of `count` items runs in the workers (else here)."""
        return self._pool is not None and count >= self.min_items

    def map_chunks(
        self,
        func: Callable[[J, list[T]], list[R]],
        items: Sequence[T],
        meanwhile: Callable[[], object] | None = None,
        done: Callable[[int], object] = lambda count: None,
    ) -> list[R]:
        """`func(job, chunk)` over chunks of `items`, in the workers; results concatenated in
        order. `func` must be idempotent: if a worker dies, everything is done again here.
        `meanwhile` runs here while the workers work (only if they do); `done` is told how
        many items each finished chunk held (for a progress bar)."""
        items = list(items)
        if self._pool is None or not self.works_on(len(items)):
            here = func(self.job, items)
            done(len(items))
            return here
        chunks = chunked(items, self.workers)
        try:
            parts = self._pool.map(_with_job, itertools.repeat(func), chunks)  # submits all now
            if meanwhile is not None:
                meanwhile()
            results: list[R] = []
            for chunk, part in zip(chunks, parts, strict=True):
                results += part
                done(len(chunk))
            return results
        except BrokenProcessPool:
            return func(self.job, items)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ForkPool[J]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def chunked(items: list[T], workers: int) -> list[list[T]]:
    """`items` in CHUNKS_PER_WORKER chunks a worker, in order, the last `workers` of them
    cut in TAIL_SPLIT: the workers then finish within a small chunk of each other. (A
    worker that drew the last big chunk kept the other core idle for up to a chunk's time:
    0.28 s of a 10,000-paper build's render.)"""
    size = max(1, -(-len(items) // (workers * CHUNKS_PER_WORKER)))
    head = max(0, len(items) - size * workers)
    tail, parts = len(items) - head, workers * TAIL_SPLIT
    cuts = [head + tail * part // parts for part in range(parts + 1)]
    return [items[i : min(i + size, head)] for i in range(0, head, size)] + [
        items[start:end] for start, end in itertools.pairwise(cuts) if start < end
    ]


def _start_worker(parent: int, job: object) -> None:
    global _job_in_worker
    _job_in_worker = job
    exit_with_parent(parent)
    ends_with_build()


def _with_job(func: Callable[..., R], *args: Any) -> R:
    return func(_job_in_worker, *args)


def _nothing() -> None:
    return None
