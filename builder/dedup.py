"""Deduplication phases: fn(ctx, rank) over the work dir, planned by `plan(ctx)`.

Input: `docs/{rank}.parquet` of every shard (published-schema rows in input order; the global
order is (rank, row)). Output:
- `dedup/removed.parquet`: one row per removed document: id, source_id, url, kept_id, method
  (exact | near | url), similarity;
- `dedup/clusters.parquet`: one row per kept document that has copies: id, dup_count, dup_cluster;
- `dedup/index/`: what a later release needs to deduplicate against this one.
Every output file is written aside and moved into place, so a killed task leaves nothing half-written.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from builder.context import BuildContext
from builder.stats import Stats

REMOVED_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("source_id", pa.string()),
        ("url", pa.string()),
        ("kept_id", pa.string()),
        ("method", pa.string()),
        ("similarity", pa.float64()),
    ]
)
CLUSTERS_SCHEMA = pa.schema([("id", pa.string()), ("dup_count", pa.int32()), ("dup_cluster", pa.string())])
EXACT_INDEX_SCHEMA = pa.schema([("text_hash", pa.string()), ("id", pa.string())])


def write_table(table: pa.Table, path: Path) -> None:
    """Write a Parquet file atomically (aside, then renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def cluster(ctx: BuildContext, rank: int) -> Stats:
    """One task: exact duplicates by body hash, the first in input order (or an earlier release) kept."""
    stats = Stats()
    kept_by_hash: dict[str, str] = {}
    for index_dir in ctx.previous_indexes:
        exact = Path(index_dir) / "exact.parquet"
        if exact.exists():
            table = pq.read_table(exact)
            kept_by_hash.update(zip(table["text_hash"].to_pylist(), table["id"].to_pylist()))
    n_previous = len(kept_by_hash)
    removed: list[dict] = []
    copies: dict[str, int] = {}
    new_index: list[tuple[str, str]] = []
    for shard in range(ctx.n_shards):
        table = pq.read_table(ctx.docs_path(shard), columns=["id", "source_id", "url", "text_hash"])
        for doc_id, source_id, url, text_hash in zip(*(table[c].to_pylist() for c in table.column_names)):
            kept = kept_by_hash.get(text_hash) if ctx.config.exact_dedup.enabled else None
            if kept is None:
                kept_by_hash[text_hash] = doc_id
                new_index.append((text_hash, doc_id))
                continue
            removed.append(
                {"id": doc_id, "source_id": source_id, "url": url, "kept_id": kept, "method": "exact", "similarity": 1.0}
            )
            copies[kept] = copies.get(kept, 0) + 1
            stats.inc("dedup.exact")
    stats.inc("dedup.previous_index_docs", n_previous)
    write_table(pa.Table.from_pylist(removed, schema=REMOVED_SCHEMA), ctx.path("dedup", "removed.parquet"))
    clusters = [{"id": k, "dup_count": n, "dup_cluster": k} for k, n in copies.items()]
    write_table(pa.Table.from_pylist(clusters, schema=CLUSTERS_SCHEMA), ctx.path("dedup", "clusters.parquet"))
    index = pa.Table.from_pylist([{"text_hash": h, "id": i} for h, i in new_index], schema=EXACT_INDEX_SCHEMA)
    write_table(index, ctx.path("dedup", "index", "exact.parquet"))
    return stats


def plan(ctx: BuildContext) -> list[tuple[str, Callable[[BuildContext, int], Stats], int]]:
    """The dedup phases as (name, fn(ctx, rank), number of tasks)."""
    return [("dedup", cluster, 1)]
