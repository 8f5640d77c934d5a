"""Files on any fsspec filesystem: a local path, `file://`, `memory://`, `s3://`, `gs://`, ...

A build's work dir is a `Storage`, so that the workers of a cluster share it: every phase reads
and writes its files through these few methods. Writes are whole-or-nothing: on a local disk a
file is written aside and renamed into place; on an object store a single PUT is already atomic.
"""

from __future__ import annotations

import json
import os
import posixpath
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq


def is_local(fs: fsspec.AbstractFileSystem) -> bool:
    return "file" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,))


def read_parquet_file(path: str | Path, columns: list[str] | None = None, filesystem=None) -> pa.Table:
    """One Parquet file (or `columns` of it), local or on an fsspec `filesystem`. Read with
    ParquetFile, not pq.read_table: that goes through pyarrow.dataset, which takes 0.3-0.5 s to
    import in each process and reads a small file about twice as slowly."""
    if filesystem is None or is_local(filesystem):
        return pq.ParquetFile(str(path)).read(columns=columns)
    with filesystem.open(str(path), "rb") as handle:
        return pq.ParquetFile(handle).read(columns=columns)


def write_local_atomic(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write a local file whole or not at all: aside, then renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        write(handle)
    os.replace(tmp, path)


class Storage:
    def __init__(self, url: str) -> None:
        self.url = str(url)
        self.fs, self.root = fsspec.core.url_to_fs(self.url)
        self.local = is_local(self.fs)

    def __reduce__(self):  # picklable for process pools and Dask workers: rebuilt from the URL
        return (Storage, (self.url,))

    def path(self, *parts: str) -> str:
        return posixpath.join(self.root, *parts)

    def local_path(self) -> Path:
        """This folder as a local path (only for local storage): a plain path stays as given."""
        return Path(self.url) if "://" not in self.url else Path(self.root)

    # ------------------------------------------------------------ writing

    def write_with(self, write: Callable[[BinaryIO], object], *parts: str) -> None:
        """Write the file `parts` whole or not at all with `write(handle)` (e.g. np.save)."""
        final = self.path(*parts)
        if self.local:
            write_local_atomic(Path(final), write)
            return
        self.fs.makedirs(posixpath.dirname(final), exist_ok=True)
        with self.fs.open(final, "wb") as handle:
            write(handle)

    def write_bytes(self, data: bytes, *parts: str) -> None:
        self.write_with(lambda handle: handle.write(data), *parts)

    def write_text(self, text: str, *parts: str) -> None:
        self.write_bytes(text.encode("utf-8"), *parts)

    def write_json(self, value: Any, *parts: str) -> None:
        self.write_text(json.dumps(value, sort_keys=True), *parts)

    def write_parquet(self, table: pa.Table, *parts: str, compression: str = "none") -> None:
        """Work files are read once and deleted: uncompressed Parquet writes and reads about 3x
        faster than zstd here. No dictionary pages: on long distinct texts a dictionary is built,
        dropped once full, and made reading the rest about 8x slower."""
        self.write_with(
            lambda handle: pq.write_table(table, handle, compression=compression, use_dictionary=False), *parts
        )

    # ------------------------------------------------------------ reading

    def read_bytes(self, *parts: str) -> bytes:
        with self.fs.open(self.path(*parts), "rb") as handle:
            return handle.read()

    def read_text(self, *parts: str) -> str:
        return self.read_bytes(*parts).decode("utf-8")

    def read_json(self, *parts: str) -> Any:
        return json.loads(self.read_text(*parts))

    def read_parquet(self, *parts: str, columns: list[str] | None = None) -> pa.Table:
        # Local: Arrow's native reader, without a Python file layer in between.
        return read_parquet_file(self.path(*parts), columns, None if self.local else self.fs)

    def parquet_num_rows(self, *parts: str) -> int:
        """Rows of a Parquet file, from its footer alone."""
        with self.fs.open(self.path(*parts), "rb") as handle:
            return pq.ParquetFile(handle).metadata.num_rows

    def exists(self, *parts: str) -> bool:
        return self.fs.exists(self.path(*parts))

    def listdir(self, *parts: str) -> list[str]:
        """Names of the files directly in a folder (empty when it does not exist)."""
        folder = self.path(*parts)
        if not self.fs.exists(folder):
            return []
        return sorted(posixpath.basename(p.rstrip("/")) for p in self.fs.ls(folder, detail=False))

    def put_tree(self, local: Path, *parts: str) -> None:
        """Upload every file under the local folder `local` to the folder `parts`, in name order."""
        for path in sorted(p for p in Path(local).rglob("*") if p.is_file()):
            final = self.path(*parts, *path.relative_to(local).parts)
            self.fs.makedirs(posixpath.dirname(final), exist_ok=True)
            self.fs.put_file(str(path), final)

    def get_tree(self, local: Path, *parts: str) -> None:
        """Download every file under the folder `parts` into the local folder `local`."""
        folder = self.path(*parts)
        for name in sorted(self.fs.find(folder)):
            target = Path(local).joinpath(*posixpath.relpath(name, folder).split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            self.fs.get_file(name, str(target))

    def remove(self, *parts: str) -> None:
        target = self.path(*parts)
        if self.fs.exists(target):
            self.fs.rm(target, recursive=True)


def as_storage(root: str | Path | Storage) -> Storage:
    """A Storage for a folder given as a path, a URL or already a Storage."""
    return root if isinstance(root, Storage) else Storage(str(root))
