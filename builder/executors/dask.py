"""Run phases on a Dask cluster (extra `dask`): the same task functions as the local executor.

Without a scheduler address, a LocalCluster is started that listens on loopback only. Tasks
are retried when a worker is lost; a retried task re-runs from scratch, which is safe because
every task writes its outputs aside and renames them into place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator


class DaskExecutor:
    def __init__(self, workers: int = 1, scheduler: str | None = None, retries: int = 2) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - the extra is installed in CI
            raise RuntimeError("the dask executor needs the extra: pip install 'shardsmith[dask]'") from None
        self.retries = retries
        self._cluster = None
        if scheduler:
            self.client = Client(scheduler)
        else:
            self._cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            self.client = Client(self._cluster)

    def map(self, fn: Callable[[int], dict], ranks: list[int]) -> Iterator[dict]:
        from distributed import as_completed

        if not ranks:
            return
        futures = self.client.map(fn, ranks, pure=False, retries=self.retries)
        for future in as_completed(futures):
            yield future.result()

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()
