"""Executors run a phase's tasks: `map(fn, ranks)` yields each task's result as it finishes.

A task function is `fn(rank) -> dict` (its completion record); it must be picklable (a module-level function bound with
functools.partial), since the same function runs in this process, a process pool or on Dask.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol



class Executor(Protocol):
    def map(self, fn: Callable[[int], dict], ranks: list[int]) -> Iterator[dict]: ...

    def close(self) -> None: ...


def make_executor(kind: str, workers: int = 1, scheduler: str | None = None) -> Executor:
    if kind == "local":
        from builder.executors.local import LocalExecutor

        return LocalExecutor(workers)
    if kind == "dask":
        from builder.executors.dask import DaskExecutor

        return DaskExecutor(workers=workers, scheduler=scheduler)
    raise ValueError(f"unknown executor {kind!r} (local or dask)")
