"""`.txt` / `.md` (and their .gz/.bz2/.zst): one article per file."""

from __future__ import annotations

from collections.abc import Iterator

from builder.config import InputConfig
from builder.document import RawRecord, Reject, hash128
from builder.readers import InputFile
from builder.readers.common import decode, read_bytes


def read(file: InputFile, cfg: InputConfig) -> Iterator[RawRecord | Reject]:
    data, error = read_bytes(file)
    if error is not None:
        yield Reject(file.rel, 1, *error)
        return
    if b"\x00" in data[:8192]:
        yield Reject(file.rel, 1, "binary_file", "the file contains NUL bytes; not a text file")
        return
    text, problem = decode(data, cfg.encoding_errors)
    if problem is not None:
        yield Reject(file.rel, 1, "invalid_utf8", problem)
        return
    if not text.strip():
        yield Reject(file.rel, 1, "empty_text", "the file has no text")
        return
    yield RawRecord(path=file.rel, record=1, raw_hash=hash128(data), text=text)
