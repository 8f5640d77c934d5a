"""`.txt` / `.md` (and their .gz/.bz2/.zst): one article per file."""

from __future__ import annotations

from collections.abc import Iterator

from builder.config import InputConfig
from builder.document import RawRecord, Reject, hash128
from builder.readers import InputFile
from builder.readers.common import decode, read_one_document


def read(file: InputFile, cfg: InputConfig) -> Iterator[RawRecord | Reject]:
    result = read_one_document(file, cfg, decode, "text")
    if isinstance(result, Reject):
        yield result
        return
    data, text = result
    yield RawRecord(path=file.rel, record=1, raw_hash=hash128(data), text=text)
