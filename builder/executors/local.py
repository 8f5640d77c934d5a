"""The default executor: this process for one worker, a process pool for more."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed


class LocalExecutor:
    def __init__(self, workers: int = 1) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

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
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context)
        futures = [self._pool.submit(fn, rank) for rank in ranks]
        for future in as_completed(futures):
            yield future.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
