"""The default executor: this process for one worker; for more, this process and a process pool."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import multiprocessing.forkserver
import os
import queue
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor

# What the process that forks the workers imports once, so that every worker starts with it: the
# pipeline, and pandas, which pyarrow imports the first time it converts Python values.
WORKER_PRELOAD = ["__main__", "builder.pipeline", "pandas"]


def exit_with_parent() -> None:
    """Worker initializer: end this worker when the build process is gone. Killed (SIGKILL, the
    OOM killer), the build would otherwise leave its workers waiting for tasks forever: each
    holds both ends of its own task queue, so none ever reads an end of file."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def can_fork_safely() -> bool:
    """Whether the pool may be forked from this process: on Linux, when no other Python thread
    runs (one could hold a lock the children would inherit held). The native threads that numpy
    (OpenBLAS), pyarrow and jemalloc keep are reset in a forked child by their own fork
    handlers, which every fork-based data loader relies on."""
    return sys.platform == "linux" and threading.active_count() == 1


class LocalExecutor:
    """`workers` processes run the tasks: this one and a pool of `workers - 1`.

    The pool is forked from this process when that is safe (see `can_fork_safely`): its workers
    start at once with everything this process imported. Otherwise they come from a fork server,
    which imports the pipeline first (about a second); meanwhile this process, which takes tasks
    too, works.
    """

    def __init__(self, workers: int = 1) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self.start_method = "none"  # how the pool's processes start: fork, forkserver (or none: no pool)
        if workers > 1 and can_fork_safely():
            self.start_method = "fork"
            self._pool = self._new_pool()
            self._pool.submit(os.getpid)  # forks the workers now, before this process starts any thread
        elif workers > 1:
            self.start_method = "forkserver"
            # Started now, the fork server imports while this process plans the build.
            multiprocessing.get_context("forkserver").set_forkserver_preload(WORKER_PRELOAD)
            multiprocessing.forkserver.ensure_running()

    def _new_pool(self) -> ProcessPoolExecutor:
        # One pool for the whole build: workers start (and import numpy, pyarrow and the stages'
        # models) once, not once per phase.
        context = multiprocessing.get_context(self.start_method)
        return ProcessPoolExecutor(self.workers - 1, mp_context=context, initializer=exit_with_parent)

    def map(self, fn: Callable[[int], dict], ranks: list[int]) -> Iterator[dict]:
        if self.workers == 1 or len(ranks) <= 1:
            for rank in ranks:
                yield fn(rank)
            return
        if self._pool is None:
            self._pool = self._new_pool()
        pool = self._pool
        waiting = deque(ranks)  # the pool takes from the front, this process from the back
        results: queue.SimpleQueue = queue.SimpleQueue()  # (ok, result or error) of the pool's tasks

        def feed() -> None:
            """Keep one pool process busy: its next task as soon as it finishes one."""
            while True:
                try:
                    rank = waiting.popleft()
                except IndexError:
                    return
                try:
                    results.put((True, pool.submit(fn, rank).result()))
                except BaseException as error:  # handed to the caller, in its thread
                    results.put((False, error))
                    return

        feeders = [threading.Thread(target=feed, daemon=True) for _ in range(self.workers - 1)]
        for feeder in feeders:
            feeder.start()
        outstanding = len(ranks)
        try:
            while outstanding:
                try:
                    rank = waiting.pop()
                except IndexError:  # nothing left to start: wait for the pool's tasks
                    finished = [results.get()]
                else:
                    finished = [(True, fn(rank))]
                while not results.empty():  # and whatever else the pool has finished meanwhile
                    finished.append(results.get())
                for ok, value in finished:
                    outstanding -= 1
                    if not ok:
                        raise value
                    yield value
        finally:
            waiting.clear()  # on an error, or a caller that stops early: start nothing more
            for feeder in feeders:
                feeder.join()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
