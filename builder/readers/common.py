"""Helpers shared by the readers: opening (maybe compressed) streams and decoding UTF-8."""

from __future__ import annotations

import pyarrow as pa

from builder.readers import InputFile


def open_stream(file: InputFile):
    """A binary stream of the file, decompressed by pyarrow when it is .gz/.bz2/.zst."""
    return pa.input_stream(file.path, compression=file.compression)


def read_bytes(file: InputFile) -> tuple[bytes, tuple[str, str] | None]:
    """All (decompressed) bytes of the file, or a (reason, detail) error for a truncated or corrupt stream."""
    try:
        with open_stream(file) as stream:
            return stream.read(), None
    except (OSError, pa.ArrowException) as error:
        reason = "truncated_file" if file.compression else "unreadable_file"
        return b"", (reason, f"{type(error).__name__}: {error}")


def decode(data: bytes, errors: str) -> tuple[str, str | None]:
    """UTF-8 text of `data`; with errors='reject', ('', message) on invalid bytes."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        if errors == "replace":
            return data.decode("utf-8", errors="replace"), None
        return "", f"invalid UTF-8 at byte {error.start}: {data[error.start:error.start + 4]!r}"
