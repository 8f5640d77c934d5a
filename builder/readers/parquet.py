"""Parquet (`.parquet`): one article per row, read batch by batch with pyarrow.

Columns are mapped like JSONL fields (dotted names reach into struct columns, e.g.
`metadata.url`); only the columns the mapping names are read. The record number is the 1-based
row in the file; the raw hash is that of the row's text (or HTML) field, the row having no raw
bytes of its own. A file that is not Parquet, or breaks part way, is a `bad_parquet` reject
(for a damaged row group: its rows not read, then the reading goes on with the next group).
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from builder.config import InputConfig
from builder.document import RawRecord, Reject
from builder.readers import InputFile
from builder.readers.common import FieldMap, InputBroken, iter_chunks, open_error

BATCH_ROWS = 1024


def read(file: InputFile, cfg: InputConfig) -> Iterator[RawRecord | Reject]:
    fields = FieldMap(cfg)
    try:
        parquet = _open(file)
    except InputBroken as broken:
        yield broken.reject(file.rel, 0)
        return
    except (OSError, pa.ArrowException) as error:
        yield Reject(file.rel, 0, "bad_parquet", f"not a readable Parquet file: {type(error).__name__}: {error}")
        return
    wanted = fields.top_level_names()
    columns = [name for name in parquet.schema_arrow.names if name in wanted]
    if not columns:  # none of the mapped fields: read one column so that each row still gets its reject
        columns = parquet.schema_arrow.names[:1]
    row_number = 0  # rows of the file before the current row group, then rows read in it
    for group in range(parquet.num_row_groups):
        # Row group by row group: damage in one group loses no row of the others.
        group_start = row_number
        try:
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS, row_groups=[group], columns=columns):
                values = {name: batch.column(name).to_pylist() for name in columns}
                for i in range(batch.num_rows):
                    row_number += 1
                    row = {name: column[i] for name, column in values.items()}
                    yield fields.to_record(row, file.rel, row_number, f"row {row_number}", None)
        except (OSError, pa.ArrowException) as error:
            group_end = group_start + parquet.metadata.row_group(group).num_rows
            yield Reject(
                file.rel, row_number + 1, "bad_parquet",
                f"rows {row_number + 1}-{group_end} (row group {group + 1} of {parquet.num_row_groups}) are "
                f"damaged and not read: {type(error).__name__}: {error}",
            )
            row_number = group_end
    if row_number == 0:
        yield Reject(file.rel, 0, "empty_file", "the Parquet file has no rows")


def _open(file: InputFile) -> pq.ParquetFile:
    """The ParquetFile; a compressed one (.parquet.gz, unusual) is decompressed in memory first,
    since Parquet needs random access."""
    if file.compression:
        return pq.ParquetFile(pa.BufferReader(b"".join(iter_chunks(file, reject_binary=False))))
    try:
        source = pa.OSFile(file.path)
    except (OSError, pa.ArrowException) as error:
        raise open_error(file, error) from None
    return pq.ParquetFile(source)
