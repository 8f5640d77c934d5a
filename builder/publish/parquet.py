"""Parquet shards: `train-NNNNN-of-NNNNN.parquet`, one explicit schema, zstd, bounded row groups.

Rows are taken from the work shards in order (through an optional per-table transform, e.g.
dropping duplicates), and cut into output shards of about `target_shard_bytes` (uncompressed),
never an empty one. Nothing here depends on the worker count, so the same work shards give the
same bytes. (Arrow cuts pages where a work shard ends inside a row group, so the same rows cut
into other work shards could give other bytes; the work shards are fixed by the inputs and the
hashed config.)
"""

from __future__ import annotations

import hashlib
import io
import math
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.config import PublishConfig
from builder.schema import document_schema
from builder.storage import read_parquet_file


@dataclass(frozen=True)
class ShardInfo:
    path: str  # relative to the release root, e.g. data/v1.0.0/train-00000-of-00002.parquet
    rows: int
    bytes: int  # file size
    sha256: str
    uncompressed_bytes: int  # Arrow in-memory size of the rows (the card's num_bytes)

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "rows": self.rows,
            "bytes": self.bytes,
            "sha256": self.sha256,
            "uncompressed_bytes": self.uncompressed_bytes,
        }


def shard_name(index: int, count: int, split: str = "train") -> str:
    return f"{split}-{index:05d}-of-{count:05d}.parquet"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def plan_shards(total_rows: int, total_bytes: int, target_bytes: int) -> list[int]:
    """Rows per output shard: as few shards as keep each near the target size, sizes balanced."""
    if total_rows == 0:
        return []
    count = max(1, min(total_rows, math.ceil(total_bytes / max(1, target_bytes))))
    base, extra = divmod(total_rows, count)
    return [base + (1 if i < extra else 0) for i in range(count)]


# Everything but the two long text columns, per row: ids, hashes, provenance, licence fields.
ROW_OVERHEAD_BYTES = 512


def estimated_bytes(table: pa.Table) -> int:
    """Uncompressed size of rows, computed from the data only, so that the same rows give the
    same estimate however they are split into files (footer sizes do not). A `text_bytes` column
    (UTF-8 bytes of text and boilerplate per row) stands for the two texts when they were not read."""
    if "text_bytes" in table.column_names:
        texts = pc.sum(table["text_bytes"]).as_py() or 0
    else:
        texts = (pc.sum(pc.binary_length(table["text"])).as_py() or 0) + (pc.sum(pc.binary_length(table["boilerplate"])).as_py() or 0)
    return texts + ROW_OVERHEAD_BYTES * table.num_rows


Transform = Callable[[pa.Table], pa.Table]

# Columns whose values are nearly all distinct: a dictionary page would only be built and dropped.
DISTINCT_COLUMNS = {"id", "text", "boilerplate", "title", "url", "text_hash"}

# Columns without min/max statistics: no reader selects rows by the smallest and largest article
# text, and working them out over every page cost about a tenth of a shard's write time.
NO_STATISTICS_COLUMNS = {"text", "boilerplate"}


@lru_cache(maxsize=1)
def column_paths() -> tuple[str, ...]:
    """The Parquet leaf columns of the document schema as Arrow names them ('provenance.path',
    'segments.list.element.start'): the per-column writer options apply to these, not to the
    top-level names of nested columns."""
    sink = io.BytesIO()
    pq.write_table(document_schema().empty_table(), sink)
    schema = pq.ParquetFile(pa.BufferReader(sink.getvalue())).schema
    return tuple(schema.column(i).path for i in range(len(schema)))


def read_rows(
    path: Path | str, transform: Transform | None, columns: list[str] | None = None, read: list[str] | None = None,
    filesystem=None,
) -> pa.Table:
    table = read_parquet_file(path, read, filesystem)
    table = transform(table) if transform else table
    return table.select(columns) if columns else table


def planned_rows(path: Path | str, transform: Transform | None, text_bytes: Path | str | None, filesystem=None) -> pa.Table:
    """What the shard plan needs of one input: its rows after `transform`, with their two texts
    or, when a file of each row's `id` and `text_bytes` is given, with those alone (a small file:
    the texts and the input's footer are not read)."""
    if text_bytes is None:
        return read_rows(
            path, transform, ["text", "boilerplate"], read=["id", "text", "boilerplate", "dup_count", "dup_cluster"],
            filesystem=filesystem,
        )
    table = read_parquet_file(text_bytes, ["id", "text_bytes"], filesystem)
    return (transform(table) if transform else table).select(["text_bytes"])


@dataclass(frozen=True)
class ShardPlan:
    sizes: list[int]  # rows of each output shard, in order
    row_group_rows: int
    input_rows: list[int]  # rows of each input after the transform: where each shard's rows are


def plan_output(
    inputs: list[Path] | list[str], cfg: PublishConfig, transform: Transform | None = None, filesystem=None,
    text_bytes: list[Path] | list[str] | None = None,
) -> ShardPlan:
    """How the rows of `inputs` (through `transform`) are cut into shards and row groups, from a
    first pass that holds one input at a time. `text_bytes`: per input, a file of its rows' `id`
    and `text_bytes` (see `planned_rows`)."""
    input_rows, total_bytes = [], 0
    for i, path in enumerate(inputs):
        table = planned_rows(path, transform, text_bytes[i] if text_bytes else None, filesystem)
        input_rows.append(table.num_rows)
        total_bytes += estimated_bytes(table)
    total_rows = sum(input_rows)
    sizes = plan_shards(total_rows, total_bytes, cfg.target_shard_bytes)
    average_row = max(1, total_bytes // max(1, total_rows))
    return ShardPlan(sizes, max(1, min(100_000, cfg.max_row_group_bytes // average_row)), input_rows)


# Shards written at once, each by its own thread from its own reads: Arrow's writer encodes and
# compresses one column chunk at a time with the GIL released, so a second shard keeps a second
# core busy. (Its first input is read twice, by the shard before it too.)
SHARD_WRITERS = 2


def shard_tables(inputs: list[Path] | list[str], input_rows: list[int], start: int, count: int,
                 transform: Transform | None, filesystem=None) -> Iterator[pa.Table]:
    """The rows `start:start + count` of `inputs` (through `transform`), as slices of the inputs'
    tables; inputs wholly before `start` are not read."""
    offset = 0
    for path, rows in zip(inputs, input_rows):
        if offset + rows > start and rows:
            table = read_rows(path, transform, filesystem=filesystem)
            piece = table.slice(max(0, start - offset), start + count - max(start, offset))
            if piece.num_rows:
                yield piece
        offset += rows
        if offset >= start + count:
            return


def write_shards(
    inputs: list[Path] | list[str], release_root: Path, folder: str, cfg: PublishConfig,
    transform: Transform | None = None, filesystem=None, plan: ShardPlan | None = None,
    while_compressing: Callable[[], object] | None = None,
) -> list[ShardInfo]:
    """Write the rows of `inputs` (in order, through `transform`) as shards under release_root/folder,
    cut as `plan` says (default: `plan_output` of the same inputs, measuring their texts).

    `while_compressing` runs in a thread from the moment the first row group is compressed:
    Python work (an import) that would otherwise compete for the interpreter with reading that
    row group, and hold it up, while compressing releases it."""
    plan = plan or plan_output(inputs, cfg, transform, filesystem)
    if not plan.sizes:
        return []
    out_dir = release_root / folder
    out_dir.mkdir(parents=True, exist_ok=True)
    starts = list(accumulate(plan.sizes, initial=0))

    def write(index: int) -> ShardInfo:
        tables = shard_tables(inputs, plan.input_rows, starts[index], plan.sizes[index], transform, filesystem)
        path = out_dir / shard_name(index, len(plan.sizes))
        rows, nbytes = write_shard(path, tables, plan.sizes[index], plan.row_group_rows, cfg,
                                   while_compressing if index == 0 else None)
        return ShardInfo(path=f"{folder}/{path.name}", rows=rows, bytes=path.stat().st_size,
                         sha256=sha256_file(path), uncompressed_bytes=nbytes)

    with ThreadPoolExecutor(SHARD_WRITERS) as pool:
        return list(pool.map(write, range(len(plan.sizes))))


def write_shard(path: Path, tables: Iterator[pa.Table], wanted: int, row_group_rows: int, cfg: PublishConfig,
                while_compressing: Callable[[], object] | None = None) -> tuple[int, int]:
    """Write the `wanted` rows of `tables` to one shard at `path`; its rows and uncompressed bytes."""
    schema = document_schema()
    options = {
        "compression": cfg.compression,
        "compression_level": cfg.compression_level,
        "write_page_index": True,
        "use_dictionary": [name for name in schema.names if name not in DISTINCT_COLUMNS],
        "write_statistics": [leaf for leaf in column_paths() if leaf.split(".")[0] not in NO_STATISTICS_COLUMNS],
    }
    pending: pa.Table | None = None
    rows, nbytes = 0, 0
    # Row group by row group, holding one in memory, not the shard. A row group is written as
    # the slices of work shards it is made of: joining them into one array first would copy
    # every text once more.
    with pq.ParquetWriter(path, schema, **options) as writer:
        while rows < wanted:
            group_rows = min(row_group_rows, wanted - rows)
            parts, have = [], 0
            while have < group_rows:
                if pending is None or pending.num_rows == 0:
                    pending = next(tables)
                take = min(group_rows - have, pending.num_rows)
                parts.append(pending.slice(0, take))
                pending = pending.slice(take)
                have += take
            group = pa.concat_tables(parts).cast(schema)
            if while_compressing is not None:
                threading.Thread(target=while_compressing, daemon=True).start()
                while_compressing = None
            writer.write_table(group, row_group_size=group_rows)
            rows += group_rows
            nbytes += group.nbytes
    return rows, nbytes
