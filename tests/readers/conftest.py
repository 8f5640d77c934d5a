"""Fixtures for the reader tests: read a file written in tmp_path through discovery + dispatch."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from builder.config import InputConfig
from builder.document import RawRecord, Reject
from builder.readers import discover, read


def read_path(path: Path, **options) -> list[RawRecord | Reject]:
    """Everything the readers yield for a file (or every file of a folder), with InputConfig(**options)."""
    cfg = InputConfig(**options)
    return [out for file in discover([str(path)]) for out in read(file, cfg)]


def split(out: list[RawRecord | Reject]) -> tuple[list[RawRecord], list[Reject]]:
    return [o for o in out if isinstance(o, RawRecord)], [o for o in out if isinstance(o, Reject)]


def write_compressed(path: Path, data: bytes, codec: str | None) -> Path:
    """Write `data` to `path`, compressed with pyarrow's codec ('gzip', 'bz2', 'zstd') or plain."""
    with pa.output_stream(str(path), compression=codec) as out:
        out.write(data)
    return path


@pytest.fixture
def reader():
    """(read_path, split, write_compressed) as one object, for brevity in tests."""

    class Reader:
        read = staticmethod(read_path)
        split = staticmethod(split)
        write = staticmethod(write_compressed)

    return Reader
