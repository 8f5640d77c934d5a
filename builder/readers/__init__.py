"""Input discovery and readers, one module per format, picked by file extension.

A reader is `read(file: InputFile, cfg: InputConfig) -> Iterator[RawRecord | Reject]`: it yields
one RawRecord per input record and one Reject (with the file, the record number and the reason)
for every record or file it cannot read. It never raises for bad input, so one bad file never
stops a build. A file with no reader is one Reject: `binary_file` when it holds binary data
(an image in a crawl folder), else `unsupported_format`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from builder.config import InputConfig
from builder.document import RawRecord, Reject

# Compression suffixes that pyarrow's input streams understand.
COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd"}

# extension (after any compression suffix) -> format name
FORMATS = {
    ".txt": "text",
    ".md": "text",
    ".markdown": "text",
    ".jsonl": "jsonl",
    ".json": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".html": "html",
    ".htm": "html",
    ".warc": "warc",
}


class InputError(ValueError):
    """A build-level input problem (no inputs at all, a path that does not exist)."""


@dataclass(frozen=True)
class InputFile:
    path: str  # absolute path (or URL) to open
    rel: str  # path relative to the input root, recorded in provenance
    format: str  # key of FORMATS values, or "unknown"
    compression: str | None
    size: int


def detect(name: str) -> tuple[str, str | None]:
    """(format, compression) of a file name, by extension; format 'unknown' when none matches."""
    lower = name.lower()
    compression = None
    for suffix, codec in COMPRESSIONS.items():
        if lower.endswith(suffix):
            compression = codec
            lower = lower[: -len(suffix)]
            break
    for suffix, fmt in FORMATS.items():
        if lower.endswith(suffix):
            return fmt, compression
    return "unknown", compression


def discover(inputs: list[str]) -> list[InputFile]:
    """Every input file under the given files and folders, in a sorted, stable order.

    A folder is walked recursively (hidden files and folders are skipped); a file inside it is
    recorded relative to the folder. A file given directly is recorded by its name. A path that
    does not exist is an InputError (a build-level error, reported before any work).
    """
    found: list[InputFile] = []
    for given in inputs:
        root = Path(given)
        if root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if name.startswith("."):
                        continue
                    full = Path(dirpath) / name
                    rel = full.relative_to(root).as_posix()
                    fmt, compression = detect(name)
                    found.append(InputFile(str(full), rel, fmt, compression, full.stat().st_size))
        elif root.is_file():
            fmt, compression = detect(root.name)
            found.append(InputFile(str(root), root.name, fmt, compression, root.stat().st_size))
        else:
            raise InputError(f"input not found: {given}")
    return found


def read(file: InputFile, cfg: InputConfig) -> Iterator[RawRecord | Reject]:
    """Records of one input file, dispatched on its format."""
    if file.format == "unknown":
        yield _unknown_format(file)
        return
    # Imported here so that optional formats cost nothing until used.
    if file.format == "text":
        from builder.readers import text as reader
    elif file.format == "jsonl":
        from builder.readers import jsonl as reader
    elif file.format == "csv":
        from builder.readers import csv as reader
    elif file.format == "parquet":
        from builder.readers import parquet as reader
    elif file.format == "html":
        from builder.readers import html as reader
    elif file.format == "warc":
        from builder.readers import warc as reader
    else:  # pragma: no cover - FORMATS and this list are kept in step
        raise AssertionError(file.format)
    try:
        yield from reader.read(file, cfg)
    except OSError as error:
        yield Reject(file.rel, 0, "unreadable_file", f"{type(error).__name__}: {error}")


def _unknown_format(file: InputFile) -> Reject:
    """The Reject of a file no reader handles: binary data or an unknown extension."""
    try:
        with open(file.path, "rb") as handle:
            head = handle.read(8192)
    except OSError as error:
        return Reject(file.rel, 0, "unreadable_file", f"{type(error).__name__}: {error}")
    if b"\x00" in head:
        return Reject(file.rel, 0, "binary_file", "a binary file (NUL bytes), with no reader for its extension")
    return Reject(file.rel, 0, "unsupported_format", "no reader for this file extension")
