"""The default executor: this process for one worker, a process pool for more."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import multiprocessing.forkserver
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed


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


class LocalExecutor:
    def __init__(self, workers: int = 1) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        if workers > 1:
            # Started now, the fork server imports while this process plans the build.
            multiprocessing.get_context("forkserver").set_forkserver_preload(WORKER_PRELOAD)
            multiprocessing.forkserver.ensure_running()

    def map(self, fn: Callable[[int], dict], ranks: list[int]) -> Iterator[dict]:
        if self.workers == 1 or len(ranks) <= 1:
            for rank in ranks:
                yield fn(rank)
            return
        if self._pool is None:
            # One pool for the whole build: starting workers (and importing numpy, pyarrow and
            # the stages' models) once, not once per phase. forkserver: no state copied from a
            # parent that may hold threads (tqdm, pyarrow).
            context = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=exit_with_parent)
        futures = [self._pool.submit(fn, rank) for rank in ranks]
        for future in as_completed(futures):
            yield future.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
