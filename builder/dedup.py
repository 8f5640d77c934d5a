"""Deduplication phases: fn(ctx, rank) over the work dir, planned by `plan(ctx)`.

Input: `docs/{rank}.parquet` of every shard (published-schema rows in input order; the global
order is (rank, row)) and `docs/{rank}.facts.parquet` beside it (each row's exact key and the
length of the text it hashes, written with the rows). Output:
- `dedup/removed.parquet`: one row per removed document, in input order: id, source_id, url,
  kept_id, method (exact | url | near), similarity (exact: 1.0; url and near: the containment
  measured between the removed document and the kept one, null when one of them has no shingles);
- `dedup/clusters.parquet`: one row per kept document of this release that has copies: id,
  dup_count, dup_cluster (its own id);
- `dedup/index/`: what a later release needs to deduplicate against this one (see `write_index`):
  `config.json` (shingle settings), and per shard `near/{rank}.meta.parquet` (id, text_key,
  url_key of the kept documents), `near/{rank}.sig.npy` (their MinHash signatures) and
  `near/{rank}.shingles.offsets.npy` / `.values.npy` (their shingle sets, for exact verification).

Phases (each a barrier; files only, every file written aside and renamed into place):
1. `dedup_signatures` (one task per input shard): exact and URL keys, shingle sets, MinHash
   signatures, and per band group the band keys of the shard.
2. `dedup_candidates` (one task per band group): band keys of all shards (and of earlier
   releases' indexes), one band at a time -> candidate pairs, written per band and per shard of
   the later document. A task never holds signatures: its memory is the group's band keys and
   one band's pairs.
3. `dedup_verify` (one task per input shard): its pairs of every band, merged, filtered by
   signature agreement (the signatures of the documents involved, one source at a time), then the
   exact overlap (vectorised; pairs whose documents are already linked are skipped) -> verified
   edges.
4. `dedup_components` (one task): connected components of the exact, URL and verified near edges,
   and the keeper of each component (keep policy).
5. `dedup_keeper_checks` (one task per input shard): every member of a component is measured
   against the keeper of its component (a link A~B~C does not make C a copy of A).
6. `dedup_assign` (one task): members that are exact, URL or verified near copies of their keeper
   are removed; the others are clustered again among themselves (greedy, in keep-policy order:
   each either copies a document already kept for that component or is kept), so no document is
   ever removed without a direct check against the document kept for it. Then the traceability
   rows and the index.

Every file is read and written through a `Storage` (builder/storage.py): the work dir may be any
fsspec URL shared by the workers of a cluster. Shingle sets and signatures are plain .npy files: on
a local disk they are memory-mapped, elsewhere a task fetches the byte ranges of the documents it
compares, so either way it reads only those.

Documents are numbered densely: the kept documents of earlier releases first (oldest release
first), then this build's shards in order. Earlier releases are never changed: a cluster that
holds one of their documents keeps it, and its members are checked against it.
"""

from __future__ import annotations

import io
import json
import mmap
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from builder.config import NearDedupConfig
from builder.context import BuildContext
from builder.stages import near_dedup as nd
from builder.stages.exact_dedup import same_key_edges
from builder.stages.urls import url_key
from builder.stats import Stats
from builder.storage import Storage

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
META_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("source_id", pa.string()),
        ("url", pa.string()),
        ("source", pa.string()),
        ("published", pa.string()),
        ("n_chars", pa.int64()),  # characters of the canonical body (whitespace runs count once): the keep policy's length
        ("text_key", pa.int64()),
        ("url_key", pa.int64()),
        ("n_shingles", pa.int32()),
    ]
)
INDEX_META_SCHEMA = pa.schema([("id", pa.string()), ("text_key", pa.int64()), ("url_key", pa.int64())])
EDGE_SCHEMA = pa.schema([("a", pa.int64()), ("b", pa.int64()), ("containment", pa.float64()), ("jaccard", pa.float64())])
CHECK_SCHEMA = pa.schema(
    [
        ("doc", pa.int64()),
        ("keeper", pa.int64()),
        ("measured", pa.bool_()),  # both have shingles
        ("duplicate", pa.bool_()),  # the verification rule holds
        ("containment", pa.float64()),
        ("jaccard", pa.float64()),
    ]
)
NO_SIGNATURE = np.uint32(0xFFFFFFFF)  # stored signature of a document without shingles (never banded)


# ---------------------------------------------------------------------------------------------
# files: every work file goes through a Storage (the work dir, or an earlier release's index), on
# any fsspec filesystem. On a local disk .npy files are memory-mapped, elsewhere a task fetches
# only the byte ranges of the documents it compares.


def write_table(store: Storage, table: pa.Table, path: str) -> None:
    store.write_parquet(table, path, compression="zstd")


def write_npy(store: Storage, array: np.ndarray, path: str) -> None:
    store.write_with(lambda handle: np.save(handle, array), path)


def write_npz(store: Storage, path: str, **arrays: np.ndarray) -> None:
    store.write_with(lambda handle: np.savez(handle, **arrays), path)


def load_npy(store: Storage, path: str) -> np.ndarray:
    """A .npy work file, read whole."""
    if store.local:
        return np.load(store.path(path))
    return np.load(io.BytesIO(store.read_bytes(path)))


def load_npz(store: Storage, path: str, names: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """The arrays of a .npz work file (only `names`, when given: the others are not read on a local disk)."""
    source = store.path(path) if store.local else io.BytesIO(store.read_bytes(path))
    with np.load(source) as data:
        return {k: data[k] for k in (data.files if names is None else names)}


def npy_layout(handle: BinaryIO) -> tuple[tuple[int, ...], np.dtype, int]:
    """(shape, dtype, header bytes) of an open .npy file."""
    version = np.lib.format.read_magic(handle)
    read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, _, dtype = read_header(handle)
    return shape, dtype, handle.tell()


def read_npy_ranges(store: Storage, path: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Elements starts[i]:ends[i] of a 1-D .npy file, concatenated (ranges sorted and disjoint),
    fetched as byte ranges (adjacent ranges merged into one request)."""
    target = store.path(path)
    with store.fs.open(target, "rb") as handle:
        _, dtype, header = npy_layout(handle)
    starts, ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    filled = ends > starts
    starts, ends = starts[filled], ends[filled]
    if not len(starts):
        return np.zeros(0, dtype=dtype)
    run_start = np.ones(len(starts), dtype=bool)
    run_start[1:] = starts[1:] != ends[:-1]
    first, last = np.flatnonzero(run_start), np.append(np.flatnonzero(run_start)[1:], len(starts)) - 1
    size = dtype.itemsize
    blobs = store.fs.cat_ranges([target] * len(first), (header + starts[first] * size).tolist(), (header + ends[last] * size).tolist())
    return np.frombuffer(b"".join(blobs), dtype=dtype)


def save_shingles(store: Storage, sets: nd.ShingleSets, stem: str, kind: str = "shingles") -> None:
    """`{stem}.{kind}.values.npy` and `{stem}.{kind}.offsets.npy` (values first: offsets mark completion).
    kind: `shingles` (sorted unique sets) or `sequences` (in text order, this build's shards only)."""
    write_npy(store, np.ascontiguousarray(sets.values, dtype=np.uint32), f"{stem}.{kind}.values.npy")
    write_npy(store, np.ascontiguousarray(sets.offsets, dtype=np.int64), f"{stem}.{kind}.offsets.npy")


def read_shingles(store: Storage, stem: str, kind: str = "shingles", docs: np.ndarray | None = None,
                  offsets: np.ndarray | None = None) -> nd.ShingleSets | None:
    """The shingle sets saved at `stem` (see save_shingles); None when there are none of `kind`.

    With `docs`, only those documents' sets need to be read (the others may be empty): on a local
    disk the values are memory-mapped (the kernel reads the touched pages), elsewhere the byte
    ranges of those documents are fetched. Document numbers stay those of the file. `offsets`,
    when the caller holds them already, saves reading them again. Indexes written before the .npy
    layout hold one `{stem}.shingles.npz`, read whole."""
    values = f"{stem}.{kind}.values.npy"
    if offsets is None:
        offsets = read_shingle_offsets(store, stem, kind)
        if offsets is None:
            if kind != "shingles":
                return None
            data = load_npz(store, f"{stem}.shingles.npz")
            return nd.ShingleSets(data["offsets"], data["values"])
    if store.local:
        return nd.ShingleSets(offsets, map_npy(Path(store.path(values))))
    if docs is None:
        return nd.ShingleSets(offsets, load_npy(store, values))
    docs = np.unique(np.asarray(docs, dtype=np.int64))
    sizes = np.zeros(len(offsets) - 1, dtype=np.int64)
    sizes[docs] = offsets[docs + 1] - offsets[docs]
    part = read_npy_ranges(store, values, offsets[docs], offsets[docs + 1])
    return nd.ShingleSets(np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64), part)


def read_shingle_offsets(store: Storage, stem: str, kind: str = "shingles") -> np.ndarray | None:
    """The offsets of the shingle sets saved at `stem` (None when there are none in the .npy layout)."""
    path = f"{stem}.{kind}.offsets.npy"
    return load_npy(store, path) if store.exists(path) else None


def map_npy(path: Path) -> np.ndarray:
    """A read-only memory map of a 1-D .npy array, advised for random access: tasks read scattered
    documents, and the kernel's read-ahead would otherwise map (and count in RSS) far more than they read."""
    with open(path, "rb") as handle:
        shape, dtype, header = npy_layout(handle)
        if handle.seek(0, os.SEEK_END) == header:  # empty array: nothing to map
            return np.zeros(shape, dtype=dtype)
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    if hasattr(mmap, "MADV_RANDOM"):
        mapped.madvise(mmap.MADV_RANDOM)
    return np.frombuffer(mapped, dtype=dtype, count=int(np.prod(shape)), offset=header).reshape(shape)


def load_shingles(path: Path) -> nd.ShingleSets:
    """Shingle sets by their former file name `{stem}.shingles.npz`: that file when it exists, else
    the .npy pair that replaced it (see save_shingles), memory-mapped."""
    path = Path(path)
    store = Storage(str(path.parent))
    if path.exists():
        data = load_npz(store, path.name)
        return nd.ShingleSets(data["offsets"], data["values"])
    return read_shingles(store, path.name[: -len(".shingles.npz")])


# ---------------------------------------------------------------------------------------------
# settings and sources


def lsh_shape(cfg: NearDedupConfig) -> tuple[int, int]:
    """(bands, rows): explicit in config, or derived from lsh_threshold."""
    if cfg.bands > 0 and cfg.rows > 0:
        return cfg.bands, cfg.rows
    return nd.bands_rows(cfg.lsh_threshold, cfg.num_perm)


def verify_rule(cfg: NearDedupConfig) -> nd.VerifyRule:
    return nd.VerifyRule(
        min_containment=cfg.min_containment,
        min_jaccard=cfg.min_jaccard,
        digit_ratio=cfg.digit_ratio if cfg.digit_rule else None,
        short_doc_shingles=cfg.short_doc_shingles,
        short_min_containment=cfg.short_min_containment,
        short_min_jaccard=cfg.short_min_jaccard,
        digit_min_shingles=cfg.digit_min_shingles,
        novel_run_shingles=cfg.novel_run_shingles,
        max_novel_share=cfg.max_novel_share,
    )


def band_groups(cfg: NearDedupConfig) -> list[list[int]]:
    bands, _ = lsh_shape(cfg)
    step = max(1, cfg.bands_per_task)
    return [list(range(start, min(start + step, bands))) for start in range(0, bands, step)]


def index_settings(cfg: NearDedupConfig) -> dict:
    """What must match for two releases' signatures and shingles to be comparable."""
    return {"format": 1, "ngram": cfg.ngram, "num_perm": cfg.num_perm, "seed": cfg.seed, "tokenizer": "bytes-v1"}


@dataclass(frozen=True)
class Source:
    """A numbered run of documents: an input shard of this build, or a part of an earlier release's index."""

    name: str
    store: Storage  # where its files are: the work dir, or an earlier release's index folder
    stem: str  # its files, relative to the store: `{stem}.meta.parquet`, `{stem}.sig.npy`, shingles (see save_shingles)
    current_rank: int | None  # the shard rank for this build's shards, None for earlier releases
    comparable: bool  # signatures and shingles can be compared with this build's

    @property
    def meta(self) -> str:
        return f"{self.stem}.meta.parquet"

    @property
    def sig(self) -> str:
        return f"{self.stem}.sig.npy"


def shard_stem(rank: int) -> str:
    return f"dedup/shards/{rank:05d}"


def sources(ctx: BuildContext) -> list[Source]:
    """Earlier releases' index parts (oldest first, parts in order), then this build's shards."""
    out = []
    settings = index_settings(ctx.config.near_dedup)
    for index_dir in ctx.previous_indexes:
        index = Storage(index_dir)
        comparable = index.exists("config.json") and index.read_json("config.json").get("near") == settings
        for name in index.listdir("near"):
            if name.endswith(".meta.parquet"):
                stem = name[: -len(".meta.parquet")]
                out.append(Source(f"{index_dir}:{stem}", index, f"near/{stem}", None, comparable))
    for rank in range(ctx.n_shards):
        out.append(Source(f"shard {rank}", ctx.store, shard_stem(rank), rank, True))
    return out


def source_offsets(all_sources: list[Source]) -> np.ndarray:
    """First dense number of every source (and the total at the end)."""
    counts = [source_rows(s) for s in all_sources]
    return np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]).astype(np.int64)


# Row counts of local meta files by file version (path, inode, size, modification time): every
# task of a phase asks for the counts of all shards (quadratic in the shards: 100 tasks x 100
# footers at 1M documents), and a worker process runs many tasks.
_rows_of_meta: dict[tuple[str, int, int, int], int] = {}


def source_rows(source: Source) -> int:
    """Rows of a source's meta file, from its footer (remembered per file version on a local disk;
    a file written again is renamed into place: another inode, another version)."""
    if not source.store.local:
        return source.store.parquet_num_rows(source.meta)
    path = source.store.path(source.meta)
    status = os.stat(path)
    version = (path, status.st_ino, status.st_size, status.st_mtime_ns)
    if version not in _rows_of_meta:
        _rows_of_meta[version] = source.store.parquet_num_rows(source.meta)
    return _rows_of_meta[version]


def source_pairs(src_a: np.ndarray, src_b: np.ndarray) -> list[tuple[int, int, np.ndarray]]:
    """(i, j, positions) of the pairs whose documents are in sources i and j, for every (i, j)
    present, in order of (i, j): one sort, not one pass over all pairs per source pair."""
    if not len(src_a):
        return []
    code = src_a.astype(np.int64) * (int(max(src_a.max(), src_b.max())) + 1) + src_b
    order = nd.stable_order(code)
    starts = np.flatnonzero(np.diff(code[order], prepend=-1))
    ends = np.append(starts[1:], len(order))
    return [(int(src_a[order[a]]), int(src_b[order[a]]), order[a:b]) for a, b in zip(starts, ends)]


ESTIMATE_BLOCK_PAIRS = 8192  # pairs whose signatures are compared at once


class ShingleStore:
    """The shingle sets of every source, read as needed; incomparable sources (an earlier release
    with other shingle settings) have none."""

    def __init__(self, all_sources: list[Source], offsets: np.ndarray, near_enabled: bool = True) -> None:
        self.sources, self.offsets, self.near_enabled = all_sources, offsets, near_enabled
        self._offsets: dict[tuple[int, str], np.ndarray | None] = {}  # small (8 bytes per document): kept

    def source_of(self, docs: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.offsets, docs, side="right") - 1

    def _set_offsets(self, i: int, kind: str) -> np.ndarray | None:
        if (i, kind) not in self._offsets:
            source = self.sources[i]
            self._offsets[(i, kind)] = read_shingle_offsets(source.store, source.stem, kind)
        return self._offsets[(i, kind)]

    # The values are not kept: each comparison maps (local disk) or fetches (elsewhere) what it
    # needs and drops it, so what a task has touched never adds up over all shards.
    def sets(self, i: int, docs: np.ndarray | None = None) -> nd.ShingleSets:
        """Shingle sets of source i (numbered within it); with `docs`, only those need be read."""
        source = self.sources[i]
        if source.comparable and self.near_enabled:
            return read_shingles(source.store, source.stem, "shingles", docs, self._set_offsets(i, "shingles"))
        n = int(self.offsets[i + 1] - self.offsets[i])
        return nd.ShingleSets(np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.uint32))

    def sequences(self, i: int, docs: np.ndarray | None = None) -> nd.ShingleSets | None:
        """Shingles in text order of a shard of this build (None for earlier releases' documents)."""
        source = self.sources[i]
        if source.current_rank is None or not self.near_enabled:
            return None
        offsets = self._set_offsets(i, "sequences")
        return None if offsets is None else read_shingles(source.store, source.stem, "sequences", docs, offsets)

    def novel_shares(self, docs: np.ndarray, others: np.ndarray, min_run: int) -> np.ndarray:
        """`nd.novel_run_shares` of the pairs (docs[i] in text order, others[i]'s set); NaN where
        the text order of docs[i] is not kept (an earlier release)."""
        shares = np.full(len(docs), np.nan)
        for i, j, part in source_pairs(self.source_of(docs), self.source_of(others)):
            local_d, local_o = docs[part] - self.offsets[i], others[part] - self.offsets[j]
            sequences = self.sequences(i, local_d)
            if sequences is None:
                continue
            shares[part] = nd.novel_run_shares(sequences, local_d, self.sets(j, local_o), local_o, min_run)
        return shares

    def verify(self, docs_a: np.ndarray, docs_b: np.ndarray, rule: nd.VerifyRule) -> tuple[nd.Overlaps, np.ndarray, np.ndarray]:
        """(overlaps, duplicate, novel share) of the pairs: the set rule (`nd.duplicate_mask`), then,
        for the pairs that pass it, the new text of the smaller document must stay within
        rule.max_novel_share (skipped when its text order is not kept)."""
        docs_a, docs_b = np.asarray(docs_a, dtype=np.int64), np.asarray(docs_b, dtype=np.int64)
        o = self.overlaps(docs_a, docs_b)
        duplicate = nd.duplicate_mask(o, rule)
        shares = np.full(len(docs_a), np.nan)
        if rule.max_novel_share < 1.0 and duplicate.any():
            passed = np.flatnonzero(duplicate)
            a_smaller = o.size_a[passed] <= o.size_b[passed]
            smaller = np.where(a_smaller, docs_a[passed], docs_b[passed])
            larger = np.where(a_smaller, docs_b[passed], docs_a[passed])
            shares[passed] = self.novel_shares(smaller, larger, rule.novel_run_shingles)
            duplicate[passed] &= ~(shares[passed] > rule.max_novel_share)
        return o, duplicate, shares

    def overlaps(self, docs_a: np.ndarray, docs_b: np.ndarray) -> nd.Overlaps:
        """Exact overlap of the pairs (docs_a[i], docs_b[i]) of dense numbers, any sources."""
        docs_a, docs_b = np.asarray(docs_a, dtype=np.int64), np.asarray(docs_b, dtype=np.int64)
        fields = [np.zeros(len(docs_a), dtype=np.int64) for _ in range(6)]
        for i, j, part in source_pairs(self.source_of(docs_a), self.source_of(docs_b)):
            local_a, local_b = docs_a[part] - self.offsets[i], docs_b[part] - self.offsets[j]
            if i == j:
                sets_a = sets_b = self.sets(i, np.concatenate([local_a, local_b]))
            else:
                sets_a, sets_b = self.sets(i, local_a), self.sets(j, local_b)
            o = nd.pair_overlaps(sets_a, local_a, sets_b, local_b)
            for field, values in zip(fields, (o.intersection, o.size_a, o.size_b, o.digit_common, o.digits_a, o.digits_b)):
                field[part] = values
        return nd.Overlaps(*fields)

    def estimated_jaccard(self, docs_a: np.ndarray, docs_b: np.ndarray) -> np.ndarray:
        """Share of agreeing MinHash bins of the pairs, from the signatures of the sources involved
        (one source's signatures at a time); 0 where a source is not comparable (comparable
        sources have this build's `num_perm`: see `index_settings`)."""
        out = np.zeros(len(docs_a))
        loaded: dict[int, np.ndarray] = {}
        for i, j, part in source_pairs(self.source_of(docs_a), self.source_of(docs_b)):
            if not (self.sources[i].comparable and self.sources[j].comparable):
                continue
            for k in (i, j):
                if k not in loaded:
                    if len(loaded) >= 2:  # bounded: the later source of these pairs and one other
                        loaded.pop(next(key for key in loaded if key != j))
                    loaded[k] = load_npy(self.sources[k].store, self.sources[k].sig)  # 256 bytes per document: read whole
            # Small blocks: the gathered rows of a block (256 bytes per pair and side) stay in cache.
            for start in range(0, len(part), ESTIMATE_BLOCK_PAIRS):
                block = part[start: start + ESTIMATE_BLOCK_PAIRS]
                # (np.take of whole rows: faster than fancy indexing, the same rows)
                sig_a = np.take(loaded[i], docs_a[block] - self.offsets[i], axis=0)
                sig_b = np.take(loaded[j], docs_b[block] - self.offsets[j], axis=0)
                out[block] = nd.estimated_jaccard(sig_a, sig_b)
        return out


# ---------------------------------------------------------------------------------------------
# phase 1: keys, shingles, signatures, band keys per shard


def utf8_chunks(texts: pa.ChunkedArray | pa.Array, chunk_bytes: int = nd.CHUNK_BYTES) -> Iterator[tuple[bytes, np.ndarray]]:
    """A string column ~chunk_bytes at a time as `nd.shingles_of_chunks` takes it (each text's UTF-8
    bytes followed by one newline, and their lengths), made by Arrow from the bytes it holds: no
    Python string per text, decoded and encoded again. Joined a chunk at a time: the allocator
    reuses a chunk's memory, where one join of a whole shard faults in fresh pages each time."""
    if texts.null_count:
        raise ValueError("a document without text")
    lengths = pc.binary_length(texts).to_numpy(zero_copy_only=False).astype(np.int64) + 1
    ends = np.cumsum(lengths)
    empty, newline = pa.scalar("", texts.type), pa.scalar("\n", texts.type)
    start = 0
    while start < len(lengths):
        first_byte = int(ends[start - 1]) if start else 0
        stop = min(len(lengths), max(start + 1, int(np.searchsorted(ends, first_byte + chunk_bytes, side="left")) + 1))
        joined = pc.binary_join_element_wise(texts.slice(start, stop - start), empty, newline)
        if isinstance(joined, pa.ChunkedArray):
            joined = joined.combine_chunks()
        offset_type = np.int64 if pa.types.is_large_string(joined.type) else np.int32
        offsets = np.frombuffer(joined.buffers()[1], dtype=offset_type)[joined.offset: joined.offset + len(joined) + 1]
        yield bytes(memoryview(joined.buffers()[2])[int(offsets[0]): int(offsets[-1])]), lengths[start:stop]
        start = stop


def dedup_signatures(ctx: BuildContext, rank: int) -> Stats:
    stats = Stats()
    cfg = ctx.config
    near = cfg.near_dedup
    store = ctx.store
    # The texts are read only for shingles: their exact keys were computed when they were written.
    columns = ["id", "url", "source_id", "published", "source"] + (["text"] if near.enabled else [])
    table = store.read_parquet(f"docs/{rank:05d}.parquet", columns=columns)
    facts = store.read_parquet(f"docs/{rank:05d}.facts.parquet", columns=["text_key", "n_chars"])
    urls = table["url"].to_pylist()
    text_keys = facts["text_key"].to_numpy()
    body_chars = facts["n_chars"].to_numpy()
    if cfg.url_dedup.enabled:
        url_keys = np.fromiter((url_key(u, cfg.url_dedup) for u in urls), dtype=np.int64, count=len(urls))
    else:
        url_keys = np.full(len(urls), -1, dtype=np.int64)  # -1: no URL (as url_key says)
    if near.enabled:
        sets, sequences = nd.shingles_of_chunks(utf8_chunks(table["text"]), table.num_rows, near.ngram, near.seed)
    else:
        sets = sequences = nd.ShingleSets(np.zeros(table.num_rows + 1, dtype=np.int64), np.zeros(0, dtype=np.uint32))
    sizes = sets.sizes
    stats.inc("dedup.docs", len(sizes))
    stats.inc("near_dedup.too_short", int(np.count_nonzero(sizes == 0)) if near.enabled else 0)
    meta = pa.table(
        {
            "id": table["id"],
            "source_id": table["source_id"],
            "url": table["url"],
            "source": table["source"],
            "published": table["published"],
            "n_chars": pa.array(body_chars, pa.int64()),
            "text_key": pa.array(text_keys, pa.int64()),
            "url_key": pa.array(url_keys, pa.int64()),
            "n_shingles": pa.array(sizes.astype(np.int32), pa.int32()),
        },
        schema=META_SCHEMA,
    )
    sig64 = nd.signatures(sets, near.num_perm) if near.enabled else np.full((len(sizes), near.num_perm), nd.EMPTY, dtype=np.uint64)
    sig = np.where(sig64 == nd.EMPTY, np.uint64(NO_SIGNATURE), sig64).astype(np.uint32)
    has_shingles = np.flatnonzero(sizes > 0).astype(np.int32)
    banded = np.take(sig64, has_shingles, axis=0)  # once for all band groups
    bands, rows = lsh_shape(near)
    for group, band_ids in enumerate(band_groups(near)):
        keys = nd.band_keys(banded, bands, rows, band_ids) if near.enabled else np.zeros((0, len(band_ids)), np.int64)
        write_npz(
            store,
            band_file(group, rank),
            keys=keys.reshape(-1),
            rows=np.repeat(has_shingles, len(band_ids)) if near.enabled else np.zeros(0, np.int32),
        )
    stem = shard_stem(rank)
    save_shingles(store, sets, stem)
    save_shingles(store, sequences, stem, "sequences")
    write_npy(store, sig, f"{stem}.sig.npy")
    write_table(store, meta, f"{stem}.meta.parquet")  # last: its presence means the shard is done
    return stats


# ---------------------------------------------------------------------------------------------
# phase 2: candidate pairs per band group


def band_file(group: int, rank: int) -> str:
    """Band keys of a shard's documents for one band group (written by phase 1)."""
    return f"dedup/bands/{group:03d}/{rank:05d}.npz"


def pair_file(band: int, rank: int) -> str:
    """Candidate pairs of one band whose later document is in shard `rank` (written by phase 2)."""
    return f"dedup/pairs/{band:03d}/{rank:05d}.npy"


def group_keys(ctx: BuildContext, all_sources: list[Source], offsets: np.ndarray, group: int) -> tuple[np.ndarray, np.ndarray]:
    """(keys (n, len(band_ids)) int64, dense document numbers (n,)) of every banded document for
    these bands: this build's shards from their band files; earlier releases' index parts from
    their signatures, one part at a time."""
    near = ctx.config.near_dedup
    bands, rows = lsh_shape(near)
    band_ids = band_groups(near)[group]
    keys, docs = [], []
    for i, source in enumerate(all_sources):
        if source.current_rank is None:
            if not source.comparable:
                continue
            sig = load_npy(source.store, source.sig).astype(np.uint64)
            banded = np.flatnonzero((sig != NO_SIGNATURE).any(axis=1))
            keys.append(nd.band_keys(sig[banded], bands, rows, band_ids))
            docs.append(banded.astype(np.int64) + offsets[i])
            del sig
        else:
            data = load_npz(source.store, band_file(group, source.current_rank))
            shard_keys = data["keys"].reshape(-1, len(band_ids))
            keys.append(shard_keys)
            docs.append(data["rows"].reshape(-1, len(band_ids))[:, 0].astype(np.int64) + offsets[i])
    if not keys:
        return np.zeros((0, len(band_ids)), np.int64), np.zeros(0, np.int64)
    return np.concatenate(keys), np.concatenate(docs)


def dedup_candidates(ctx: BuildContext, group: int) -> Stats:
    """Candidate pairs of a band group, one band at a time: what a task holds is the group's band
    keys (8 bytes per band per document, plus a document number) and one band's pairs, never
    signatures. Each band's pairs are written per shard of the later document; the verify task of
    that shard merges them and filters them by signature agreement."""
    stats = Stats()
    near = ctx.config.near_dedup
    all_sources = sources(ctx)
    offsets = source_offsets(all_sources)
    n_old = int(offsets[sum(1 for s in all_sources if s.current_rank is None)])
    band_ids = band_groups(near)[group]
    current = [(i, s.current_rank) for i, s in enumerate(all_sources) if s.current_rank is not None]
    keys, docs = group_keys(ctx, all_sources, offsets, group) if near.enabled else (np.zeros((0, len(band_ids)), np.int64), np.zeros(0, np.int64))
    for column, band in enumerate(band_ids):
        pairs = nd.bucket_pairs(keys[:, column], docs, near.bucket_window)
        later_new = pairs[:, 1] >= n_old  # pairs inside earlier releases were settled by them
        if not later_new.all():
            pairs = np.take(pairs, np.flatnonzero(later_new), axis=0)
        stats.inc("near_dedup.bucket_pairs", len(pairs))
        # One file per shard of the later document (always a shard of this build), by owner.
        pairs = np.take(pairs, nd.stable_order(pairs[:, 1]), axis=0)  # (np.take of rows: ~10x faster than pairs[order])
        bounds = np.searchsorted(pairs[:, 1], offsets)
        for i, rank in current:
            write_npy(ctx.store, pairs[bounds[i]: bounds[i + 1]], pair_file(band, rank))
        del pairs
    return stats


# ---------------------------------------------------------------------------------------------
# phase 3: verification of the candidate pairs per shard

ONE_PAIR_PER_DOC_ROUNDS = 3  # rounds that check one pair per document before all remaining ones
VERIFY_BATCH_PAIRS = 50_000  # pairs measured at once after those rounds


def is_star_forest(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether the edges a[i]-b[i] link every leaf b to a smaller centre a, no leaf twice and no
    centre as a leaf: then each leaf's component is its centre and its smallest member."""
    return bool(np.all(a < b)) and len(np.unique(b)) == len(b) and not np.isin(a, b).any()


def component_labels(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Smallest member of the connected component of every node 0..n-1 (edges a[i]-b[i])."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    if is_star_forest(a, b):  # e.g. exact dedup alone: each copy linked to the first of its key
        labels = np.arange(n, dtype=np.int64)
        labels[b] = a
        return labels
    # Imported here: only this phase needs scipy, and every worker process imports this module.
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    smallest = np.full(labels.max() + 1, n, dtype=np.int64)
    np.minimum.at(smallest, labels, np.arange(n, dtype=np.int64))
    return smallest[labels]


def dedup_verify(ctx: BuildContext, rank: int) -> Stats:
    """Verified edges among the candidate pairs of this shard. The pairs are checked in rounds,
    vectorised: first one pair per document (its earliest candidate), so that copies link up
    quickly, and pairs whose documents are linked already are skipped (they cannot change the
    components; the keeper checks of phase 5 measure what the traceability rows need)."""
    stats = Stats()
    near = ctx.config.near_dedup
    bands, _ = lsh_shape(near)
    parts = [load_npy(ctx.store, pair_file(band, rank)) for band in range(bands)] if near.enabled else []
    pairs = nd.unique_pairs(np.concatenate(parts)) if parts else np.zeros((0, 2), np.int64)
    del parts
    all_sources = sources(ctx)
    store = ShingleStore(all_sources, source_offsets(all_sources), near.enabled)
    if len(pairs):  # the signature estimate first: a pair that agrees in too few bins is not read
        keep = store.estimated_jaccard(pairs[:, 0], pairs[:, 1]) >= near.min_estimated_jaccard
        stats.inc("near_dedup.prefilter_dropped", int(np.count_nonzero(~keep)))
        pairs = np.take(pairs, np.flatnonzero(keep), axis=0)
    stats.inc("near_dedup.candidates", len(pairs))
    rule = verify_rule(near)
    nodes, local = np.unique(pairs.reshape(-1), return_inverse=True)
    local = local.reshape(-1, 2)
    todo = nd.stable_order(pairs[:, 0], pairs[:, 1])  # by later document, then earlier
    accepted: list[np.ndarray] = []
    edges: dict[str, list[np.ndarray]] = {"a": [], "b": [], "containment": [], "jaccard": []}
    round_no = 0
    while len(todo):
        if accepted:  # skip pairs linked by the edges accepted so far
            joined = np.concatenate(accepted)
            labels = component_labels(len(nodes), joined[:, 0], joined[:, 1])
            linked = labels[local[todo, 0]] == labels[local[todo, 1]]
            stats.inc("near_dedup.skipped_linked", int(np.count_nonzero(linked)))
            todo = todo[~linked]
            if not len(todo):
                break
        if round_no < ONE_PAIR_PER_DOC_ROUNDS:
            _, first = np.unique(pairs[todo, 1], return_index=True)
            batch, todo = todo[first], np.delete(todo, first)
        else:  # bounded batches: dense candidate sets must not need memory in proportion to them
            batch, todo = todo[:VERIFY_BATCH_PAIRS], todo[VERIFY_BATCH_PAIRS:]
        o = store.overlaps(pairs[batch, 0], pairs[batch, 1])
        ok = nd.duplicate_mask(o, rule)
        stats.inc("near_dedup.verified", int(np.count_nonzero(ok)))
        stats.inc("near_dedup.rejected", int(np.count_nonzero(~ok)))
        accepted.append(local[batch[ok]])
        edges["a"].append(pairs[batch[ok], 0])
        edges["b"].append(pairs[batch[ok], 1])
        edges["containment"].append(o.containment[ok])
        edges["jaccard"].append(o.jaccard[ok])
        round_no += 1
    table = pa.table({k: np.concatenate(v) if v else np.zeros(0) for k, v in edges.items()}, schema=EDGE_SCHEMA)
    table = table.take(pa.array(np.lexsort((table["b"].to_numpy(), table["a"].to_numpy()))))
    write_table(ctx.store, table, f"dedup/edges/{rank:05d}.parquet")
    return stats


# ---------------------------------------------------------------------------------------------
# phase 4: components and their keepers


def dedup_components(ctx: BuildContext, rank: int) -> Stats:
    """`dedup/components.npz`: per document (dense numbers) its component (smallest member), the
    keeper of that component, its keep-policy priority and its exact and URL keys."""
    stats = Stats()
    cfg = ctx.config
    near = cfg.near_dedup
    all_sources = sources(ctx)
    offsets = source_offsets(all_sources)
    n_old = int(offsets[sum(1 for s in all_sources if s.current_rank is None)])
    n_total = int(offsets[-1])
    stats.inc("dedup.previous_index_docs", n_old)

    # The keep policy's columns only: dates and sources as Python strings cost ~100 bytes per document.
    policy_columns = {"earliest": ["published"], "source_priority": ["source"]}.get(near.keep, [])
    old = [s.store.read_parquet(s.meta, columns=["text_key", "url_key"]) for s in all_sources if s.current_rank is None]
    new = [s.store.read_parquet(s.meta, columns=["n_chars", *policy_columns, "text_key", "url_key"]) for s in all_sources if s.current_rank is not None]
    new_meta = pa.concat_tables(new) if new else META_SCHEMA.empty_table()
    text_keys = np.concatenate([t["text_key"].to_numpy() for t in old] + [new_meta["text_key"].to_numpy()]).astype(np.int64)
    url_keys = np.concatenate([t["url_key"].to_numpy() for t in old] + [new_meta["url_key"].to_numpy()]).astype(np.int64)

    links = [np.zeros((0, 2), dtype=np.int64)]
    if cfg.exact_dedup.enabled:
        links.append(same_key_edges(text_keys))
    if cfg.url_dedup.enabled:
        links.append(same_key_edges(url_keys))
    if near.enabled:
        edges = pa.concat_tables([ctx.store.read_parquet(f"dedup/edges/{r:05d}.parquet", columns=["a", "b"]) for r in range(ctx.n_shards)])
        links.append(np.stack([edges["a"].to_numpy(), edges["b"].to_numpy()], axis=1).astype(np.int64))
    links = np.concatenate(links)
    roots = component_labels(n_total, links[:, 0], links[:, 1])

    # Keeper of every component: an earlier release's document if there is one, else the keep policy.
    rank_new = nd.keep_order(
        near.keep,
        new_meta["n_chars"].to_numpy(),
        new_meta["published"].to_pylist() if "published" in policy_columns else [None] * new_meta.num_rows,
        new_meta["source"].to_pylist() if "source" in policy_columns else [None] * new_meta.num_rows,
        near.source_priority,
    )
    priority = np.concatenate([np.arange(n_old, dtype=np.int64) - n_old, rank_new])  # old docs first, in order
    order = nd.stable_order(priority + n_old, roots)  # (shifted to be non-negative: the same order)
    ordered_roots = roots[order]
    first_of_root = np.ones(n_total, dtype=bool)
    first_of_root[1:] = ordered_roots[1:] != ordered_roots[:-1]
    keeper_of_root = np.empty(n_total, dtype=np.int64)
    keeper_of_root[ordered_roots[first_of_root]] = order[first_of_root]
    keeper = keeper_of_root[roots]
    stats.inc("dedup.components", int(np.count_nonzero(first_of_root & (np.bincount(roots, minlength=n_total)[ordered_roots] > 1))))
    write_npz(ctx.store, "dedup/components.npz", roots=roots, keeper=keeper, priority=priority, text_keys=text_keys, url_keys=url_keys, n_old=np.int64(n_old))
    return stats


def load_components(ctx: BuildContext, names: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """The arrays of `dedup/components.npz` (only `names`, when given: each is 8 bytes per document,
    and every keeper-check task reads them)."""
    return load_npz(ctx.store, "dedup/components.npz", names)


# ---------------------------------------------------------------------------------------------
# phase 5: every member against the keeper of its component


def dedup_keeper_checks(ctx: BuildContext, rank: int) -> Stats:
    stats = Stats()
    cfg = ctx.config
    comp = load_components(ctx, ["keeper", "text_keys"])
    all_sources = sources(ctx)
    offsets = source_offsets(all_sources)
    mine = next(i for i, s in enumerate(all_sources) if s.current_rank == rank)
    docs = np.arange(offsets[mine], offsets[mine + 1], dtype=np.int64)
    keeper = comp["keeper"][docs]
    member = keeper != docs
    if cfg.exact_dedup.enabled:  # an identical body needs no measurement
        member &= comp["text_keys"][docs] != comp["text_keys"][keeper]
    docs, keeper = docs[member], keeper[member]
    store = ShingleStore(all_sources, offsets, cfg.near_dedup.enabled)
    rule = verify_rule(cfg.near_dedup)
    o, duplicate, novel = store.verify(docs, keeper, rule)
    measured = (o.size_a > 0) & (o.size_b > 0)
    stats.inc("near_dedup.keeper_checks", len(docs))
    stats.inc("near_dedup.keeper_checks_failed", int(np.count_nonzero(~duplicate)))
    stats.inc("near_dedup.keeper_checks_new_text", int(np.count_nonzero(novel > rule.max_novel_share)))
    table = pa.table(
        {"doc": docs, "keeper": keeper, "measured": measured, "duplicate": duplicate, "containment": o.containment, "jaccard": o.jaccard},
        schema=CHECK_SCHEMA,
    )
    write_table(ctx.store, table, f"dedup/checks/{rank:05d}.parquet")
    return stats


# ---------------------------------------------------------------------------------------------
# phase 6: removals, re-clustering of the members that failed their keeper, traceability, index


@dataclass(frozen=True)
class Link:
    method: str  # exact | url | near
    similarity: float | None


def direct_link(a: int, b: int, comp: dict[str, np.ndarray], store: ShingleStore, cfg, rule: nd.VerifyRule) -> Link | None:
    """How document a copies document b, checked directly (None: it does not)."""
    if cfg.exact_dedup.enabled and comp["text_keys"][a] == comp["text_keys"][b]:
        return Link("exact", 1.0)
    o, duplicate, _ = store.verify(np.array([a]), np.array([b]), rule)
    measured = o.size_a[0] > 0 and o.size_b[0] > 0
    similarity = round(float(o.containment[0]), 6) if measured else None
    if cfg.url_dedup.enabled and comp["url_keys"][a] >= 0 and comp["url_keys"][a] == comp["url_keys"][b]:
        return Link("url", similarity)
    if cfg.near_dedup.enabled and duplicate[0]:
        return Link("near", similarity)
    return None


def dedup_assign(ctx: BuildContext, rank: int) -> Stats:
    stats = Stats()
    cfg = ctx.config
    comp = load_components(ctx)
    n_old = int(comp["n_old"])
    roots, keeper, priority = comp["roots"], comp["keeper"], comp["priority"]
    text_keys, url_keys = comp["text_keys"], comp["url_keys"]
    n_total = len(roots)
    all_sources = sources(ctx)
    offsets = source_offsets(all_sources)
    store = ShingleStore(all_sources, offsets, cfg.near_dedup.enabled)
    rule = verify_rule(cfg.near_dedup)

    # Members that copy their keeper directly.
    kept_for = np.arange(n_total, dtype=np.int64)  # the document kept for each document
    method = np.full(n_total, "", dtype=object)
    similarity = np.full(n_total, np.nan)
    members = np.flatnonzero(keeper != np.arange(n_total))
    members = members[members >= n_old]  # earlier releases are never changed
    if cfg.exact_dedup.enabled:
        exact = members[text_keys[members] == text_keys[keeper[members]]]
        kept_for[exact], method[exact], similarity[exact] = keeper[exact], "exact", 1.0
    checks = pa.concat_tables([ctx.store.read_parquet(f"dedup/checks/{r:05d}.parquet") for r in range(ctx.n_shards)])
    doc = checks["doc"].to_numpy()
    measured = checks["measured"].to_numpy(zero_copy_only=False)
    containment = checks["containment"].to_numpy()
    same_url = (url_keys[doc] >= 0) & (url_keys[doc] == url_keys[keeper[doc]]) if cfg.url_dedup.enabled else np.zeros(len(doc), dtype=bool)
    near = checks["duplicate"].to_numpy(zero_copy_only=False) & ~same_url
    for mask, name in ((same_url, "url"), (near, "near")):
        picked = doc[mask]
        kept_for[picked], method[picked] = keeper[picked], name
        similarity[picked] = np.where(measured[mask], np.round(containment[mask], 6), np.nan)

    # Members that failed their keeper: clustered again among themselves (and the other earlier-
    # release documents of their component), greedily in keep-policy order.
    leftover = doc[~(same_url | near)]
    stats.inc("dedup.failed_keeper_check", len(leftover))
    if len(leftover):
        touched = np.unique(roots[leftover])
        in_touched = np.isin(roots, touched)
        is_leftover = np.zeros(n_total, dtype=bool)
        is_leftover[leftover] = True
        old_docs = np.flatnonzero(in_touched[:n_old] & (keeper[:n_old] != np.arange(n_old)))
        candidates = np.concatenate([old_docs, leftover])
        candidates = candidates[np.lexsort((priority[candidates], roots[candidates]))]
        kept_here: dict[int, list[int]] = {}
        for d in candidates.tolist():
            keepers = kept_here.setdefault(int(roots[d]), [])
            link = None
            if d >= n_old:
                for k in keepers:
                    link = direct_link(d, k, comp, store, cfg, rule)
                    if link is not None:
                        kept_for[d], method[d] = k, link.method
                        similarity[d] = np.nan if link.similarity is None else link.similarity
                        stats.inc("dedup.reattached")
                        break
            if link is None:
                keepers.append(d)
                stats.inc("dedup.kept_after_failed_check" if d >= n_old else "dedup.previous_release_kept")

    removed = np.flatnonzero(kept_for != np.arange(n_total))
    kept_of_removed = kept_for[removed]
    methods = method[removed].tolist()
    for name in methods:
        stats.inc(f"dedup.{name}")

    old = [s.store.read_parquet(s.meta, columns=["id"]) for s in all_sources if s.current_rank is None]
    new_meta = pa.concat_tables([s.store.read_parquet(s.meta, columns=["id", "source_id", "url"]) for s in all_sources if s.current_rank is not None])
    ids = pa.concat_arrays([t["id"].combine_chunks() for t in old] + [new_meta["id"].combine_chunks()])
    local = removed - n_old
    sims = similarity[removed]
    rows = pa.table(
        {
            "id": ids.take(pa.array(removed)),
            "source_id": new_meta["source_id"].take(pa.array(local)),
            "url": new_meta["url"].take(pa.array(local)),
            "kept_id": ids.take(pa.array(kept_of_removed)),
            "method": pa.array(methods, pa.string()),
            "similarity": pa.array(sims, pa.float64(), mask=np.isnan(sims)),
        },
        schema=REMOVED_SCHEMA,
    )
    write_table(ctx.store, rows, "dedup/removed.parquet")

    kept_new, counts = np.unique(kept_of_removed[kept_of_removed >= n_old], return_counts=True)
    cluster_ids = ids.take(pa.array(kept_new))
    clusters = pa.table({"id": cluster_ids, "dup_count": pa.array(counts.astype(np.int32), pa.int32()), "dup_cluster": cluster_ids}, schema=CLUSTERS_SCHEMA)
    write_table(ctx.store, clusters, "dedup/clusters.parquet")
    stats.inc("dedup.clusters", len(kept_new))
    stats.inc("dedup.removed", len(removed))

    is_removed = np.zeros(n_total, dtype=bool)
    is_removed[removed] = True
    write_index(ctx, all_sources, offsets, is_removed)
    return stats


def write_index(ctx: BuildContext, all_sources: list[Source], offsets: np.ndarray, is_removed: np.ndarray) -> None:
    """`dedup/index/`: keys, signatures and shingle sets of this build's kept documents, one part per shard."""
    store = ctx.store
    for i, source in enumerate(all_sources):
        if source.current_rank is None:
            continue
        keep_doc = ~is_removed[offsets[i]: offsets[i + 1]]
        kept = np.flatnonzero(keep_doc)
        stem = f"dedup/index/near/{source.current_rank:05d}"
        meta = source.store.read_parquet(source.meta, columns=["id", "text_key", "url_key"]).take(pa.array(kept))
        # Read whole, one shard at a time (mapped pages would add up over the shards).
        offsets_i = read_shingle_offsets(source.store, source.stem)
        sets = nd.ShingleSets(offsets_i, load_npy(source.store, f"{source.stem}.shingles.values.npy"))
        sizes = sets.sizes[kept]
        values = sets.values[np.repeat(keep_doc, sets.sizes)]
        save_shingles(store, nd.ShingleSets(np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64), values), stem)
        write_npy(store, np.take(load_npy(source.store, source.sig), kept, axis=0), f"{stem}.sig.npy")
        write_table(store, meta.cast(INDEX_META_SCHEMA), f"{stem}.meta.parquet")
    store.write_text(json.dumps({"near": index_settings(ctx.config.near_dedup)}, sort_keys=True, indent=1), "dedup/index/config.json")


def plan(ctx: BuildContext) -> list[tuple[str, Callable[[BuildContext, int], Stats], int]]:
    """The dedup phases as (name, fn(ctx, rank), number of tasks). Without near dedup there are
    no candidate pairs to find or verify, so those two phases are left out."""
    near = [
        ("dedup_candidates", dedup_candidates, len(band_groups(ctx.config.near_dedup))),
        ("dedup_verify", dedup_verify, ctx.n_shards),
    ]
    return [
        ("dedup_signatures", dedup_signatures, ctx.n_shards),
        *(near if ctx.config.near_dedup.enabled else []),
        ("dedup_components", dedup_components, 1),
        ("dedup_keeper_checks", dedup_keeper_checks, ctx.n_shards),
        ("dedup_assign", dedup_assign, 1),
    ]
