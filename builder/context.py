"""What every phase of a build knows: the work dir, the resolved config and the release plan.

A BuildContext is small, frozen and picklable, so the same phase function runs in this process,
in a process pool or on a Dask worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from builder.config import BuildConfig
from builder.storage import Storage


@dataclass(frozen=True)
class BuildContext:
    work: str  # the build's work dir, a path or fsspec URL (phases pass files here, never Python objects)
    config: BuildConfig
    config_hash: str
    version: str  # the release being built, e.g. "1.0.0"
    pipeline_version: str
    n_shards: int  # tasks of the per-shard phases (fixed by the inputs, never by the worker count)
    previous_indexes: list[str] = field(default_factory=list)  # near-dup indexes of earlier releases, oldest first

    @cached_property
    def store(self) -> Storage:
        """The work dir's files, on whatever filesystem it is."""
        return Storage(self.work)

    def path(self, *parts: str) -> Path:
        """A work file as a local path (only for a work dir on the local disk)."""
        return Path(self.work).joinpath(*parts)

    def docs_path(self, rank: int) -> Path:
        """Rows after the straight-through stages, in input order (published schema)."""
        return self.path("docs", f"{rank:05d}.parquet")
