"""Deduplication phases: fn(ctx, rank) over the work dir, planned by `plan(ctx)`.

Input: `docs/{rank}.parquet` of every shard (published-schema rows in input order; the global
order is (rank, row)). Output:
- `dedup/removed.parquet`: one row per removed document, in input order: id, source_id, url,
  kept_id, method (exact | near | url), similarity (exact: 1.0; near: containment of the
  verified pair linking it to the kept document, or of its closest verified neighbour in the
  cluster when the link is transitive; url without a near link: null);
- `dedup/clusters.parquet`: one row per kept document of this release that has copies: id,
  dup_count, dup_cluster (its own id);
- `dedup/index/`: what a later release needs to deduplicate against this one (see `write_index`):
  `config.json` (shingle settings), and per shard `near/{rank}.meta.parquet` (id, text_key,
  url_key of the kept documents), `near/{rank}.sig.npy` (their MinHash signatures) and
  `near/{rank}.shingles.npz` (their shingle sets, for exact verification).

Phases (each a barrier; files only, every file written aside and renamed into place):
1. `dedup_signatures` (one task per input shard): exact and URL keys, shingle sets, MinHash
   signatures, and per band group the band keys of the shard.
2. `dedup_candidates` (one task per band group): band buckets of all shards (and of earlier
   releases' indexes) -> candidate pairs, filtered by signature agreement, split by the shard of
   the later document.
3. `dedup_verify` (one task per input shard): exact overlap of each candidate pair, loading only
   the shingle sets of one other shard (or index part) at a time.
4. `dedup_clusters` (one task): union-find over exact, URL and verified near edges, the keep
   policy, the traceability rows and the index.

Documents are numbered densely: the kept documents of earlier releases first (oldest release
first), then this build's shards in order. Earlier releases are never changed: a cluster that
holds one of their documents keeps it, and all of this build's members point to it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from builder.config import NearDedupConfig
from builder.context import BuildContext
from builder.stages import near_dedup as nd
from builder.stages.exact_dedup import canonical_text, exact_key, same_key_edges
from builder.stages.urls import url_key
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
NO_SIGNATURE = np.uint32(0xFFFFFFFF)  # stored signature of a document without shingles (never banded)


# ---------------------------------------------------------------------------------------------
# files


def write_table(table: pa.Table, path: Path) -> None:
    """Write a Parquet file atomically (aside, then renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def write_npy(array: np.ndarray, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        np.save(handle, array)
    os.replace(tmp, path)


def write_npz(path: Path, **arrays: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        np.savez(handle, **arrays)
    os.replace(tmp, path)


def write_json(data: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, sort_keys=True, indent=1))
    os.replace(tmp, path)


def load_shingles(path: Path) -> nd.ShingleSets:
    with np.load(path) as data:
        return nd.ShingleSets(data["offsets"], data["values"])


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
    meta: Path
    sig: Path
    shingles: Path
    current_rank: int | None  # the shard rank for this build's shards, None for earlier releases
    comparable: bool  # signatures and shingles can be compared with this build's


def work_file(ctx: BuildContext, rank: int, suffix: str) -> Path:
    return ctx.path("dedup", "shards", f"{rank:05d}.{suffix}")


def sources(ctx: BuildContext) -> list[Source]:
    """Earlier releases' index parts (oldest first, parts in order), then this build's shards."""
    out = []
    settings = index_settings(ctx.config.near_dedup)
    for index_dir in ctx.previous_indexes:
        index = Path(index_dir)
        config_file = index / "config.json"
        comparable = config_file.exists() and json.loads(config_file.read_text()).get("near") == settings
        for meta in sorted((index / "near").glob("*.meta.parquet")):
            stem = meta.name[: -len(".meta.parquet")]
            out.append(Source(f"{index}:{stem}", meta, meta.with_name(stem + ".sig.npy"), meta.with_name(stem + ".shingles.npz"), None, comparable))
    for rank in range(ctx.n_shards):
        out.append(Source(f"shard {rank}", work_file(ctx, rank, "meta.parquet"), work_file(ctx, rank, "sig.npy"), work_file(ctx, rank, "shingles.npz"), rank, True))
    return out


def source_offsets(all_sources: list[Source]) -> np.ndarray:
    """First dense number of every source (and the total at the end)."""
    counts = [pq.ParquetFile(s.meta).metadata.num_rows for s in all_sources]
    return np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]).astype(np.int64)


# ---------------------------------------------------------------------------------------------
# phase 1: keys, shingles, signatures, band keys per shard


def dedup_signatures(ctx: BuildContext, rank: int) -> Stats:
    stats = Stats()
    cfg = ctx.config
    near = cfg.near_dedup
    table = pq.read_table(ctx.docs_path(rank), columns=["id", "text", "url", "source_id", "published", "source"])
    texts = table["text"].to_pylist()
    urls = table["url"].to_pylist()
    canonical = [canonical_text(t, cfg.exact_dedup.ignore_whitespace) for t in texts]
    text_keys = np.fromiter((exact_key(t, False) for t in canonical), dtype=np.int64, count=len(texts))
    body_chars = np.fromiter((len(t) for t in canonical), dtype=np.int64, count=len(texts))
    del canonical
    url_keys = np.fromiter((url_key(u, cfg.url_dedup) for u in urls), dtype=np.int64, count=len(urls))
    if near.enabled:
        sets = nd.shingle_sets(texts, near.ngram, near.seed)
    else:
        sets = nd.ShingleSets(np.zeros(len(texts) + 1, dtype=np.int64), np.zeros(0, dtype=np.uint32))
    del texts
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
    bands, rows = lsh_shape(near)
    for group, band_ids in enumerate(band_groups(near)):
        keys = nd.band_keys(sig64[has_shingles], bands, rows, band_ids) if near.enabled else np.zeros((0, len(band_ids)), np.int64)
        write_npz(
            ctx.path("dedup", "bands", f"{group:03d}", f"{rank:05d}.npz"),
            keys=keys.reshape(-1),
            rows=np.repeat(has_shingles, len(band_ids)) if near.enabled else np.zeros(0, np.int32),
        )
    write_npz(work_file(ctx, rank, "shingles.npz"), offsets=sets.offsets, values=sets.values)
    write_npy(sig, work_file(ctx, rank, "sig.npy"))
    write_table(meta, work_file(ctx, rank, "meta.parquet"))  # last: its presence means the shard is done
    return stats


# ---------------------------------------------------------------------------------------------
# phase 2: candidate pairs per band group


def load_signatures(all_sources: list[Source], num_perm: int) -> np.ndarray:
    """Signatures of every document in dense order (rows of incomparable sources never agree)."""
    parts = []
    for source in all_sources:
        sig = np.load(source.sig)
        if not source.comparable or sig.shape[1:] != (num_perm,):
            sig = np.full((pq.ParquetFile(source.meta).metadata.num_rows, num_perm), NO_SIGNATURE, dtype=np.uint32)
        parts.append(sig)
    return np.concatenate(parts) if parts else np.zeros((0, num_perm), np.uint32)


def dedup_candidates(ctx: BuildContext, group: int) -> Stats:
    stats = Stats()
    near = ctx.config.near_dedup
    out_dir = ctx.path("dedup", "pairs", f"{group:03d}")
    all_sources = sources(ctx)
    offsets = source_offsets(all_sources)
    n_old = int(offsets[sum(1 for s in all_sources if s.current_rank is None)])
    bands, rows = lsh_shape(near)
    band_ids = band_groups(near)[group]
    keys, docs = [], []
    signatures = load_signatures(all_sources, near.num_perm) if near.enabled else None
    if near.enabled:
        for i, source in enumerate(all_sources):
            if source.current_rank is None:
                if not source.comparable:
                    continue
                sig = signatures[offsets[i]: offsets[i + 1]].astype(np.uint64)
                banded = np.flatnonzero((sig != NO_SIGNATURE).any(axis=1))
                keys.append(nd.band_keys(sig[banded], bands, rows, band_ids).reshape(-1))
                docs.append(np.repeat(banded.astype(np.int64) + offsets[i], len(band_ids)))
            else:
                with np.load(ctx.path("dedup", "bands", f"{group:03d}", f"{source.current_rank:05d}.npz")) as data:
                    keys.append(data["keys"])
                    docs.append(data["rows"].astype(np.int64) + offsets[i])
    pairs = np.zeros((0, 2), dtype=np.int64)
    if keys:
        pairs = nd.unique_pairs(nd.bucket_pairs(np.concatenate(keys), np.concatenate(docs), near.bucket_window))
    del keys, docs
    stats.inc("near_dedup.bucket_pairs", len(pairs))
    pairs = pairs[pairs[:, 1] >= n_old]  # pairs inside earlier releases were settled by them
    if len(pairs):
        agreement = nd.estimated_jaccard(signatures[pairs[:, 0]], signatures[pairs[:, 1]])
        keep = agreement >= near.min_estimated_jaccard
        stats.inc("near_dedup.prefilter_dropped", int(np.count_nonzero(~keep)))
        pairs = pairs[keep]
    # One file per shard of the later document (always a shard of this build).
    owner = np.searchsorted(offsets, pairs[:, 1], side="right") - 1
    for i, source in enumerate(all_sources):
        if source.current_rank is not None:
            write_npy(pairs[owner == i], out_dir / f"{source.current_rank:05d}.npy")
    return stats


# ---------------------------------------------------------------------------------------------
# phase 3: verification per shard

EDGE_SCHEMA = pa.schema([("a", pa.int64()), ("b", pa.int64()), ("containment", pa.float64()), ("jaccard", pa.float64())])


def dedup_verify(ctx: BuildContext, rank: int) -> Stats:
    stats = Stats()
    near = ctx.config.near_dedup
    n_groups = len(band_groups(near))
    parts = [np.load(ctx.path("dedup", "pairs", f"{g:03d}", f"{rank:05d}.npy")) for g in range(n_groups)]
    pairs = nd.unique_pairs(np.concatenate(parts)) if parts else np.zeros((0, 2), np.int64)
    stats.inc("near_dedup.candidates", len(pairs))
    all_sources = sources(ctx)
    offsets = source_offsets(all_sources)
    mine = next(i for i, s in enumerate(all_sources) if s.current_rank == rank)
    edges: dict[str, list] = {"a": [], "b": [], "containment": [], "jaccard": []}
    if len(pairs):
        own = load_shingles(all_sources[mine].shingles)
        own_digits = own.digit_counts()
        owner_a = np.searchsorted(offsets, pairs[:, 0], side="right") - 1
        rule = verify_rule(near)
        # Pairs already joined by verified edges need no check: union-find would join them anyway.
        linked = nd.UnionFind(len(pairs) * 2)
        node: dict[int, int] = {}
        for i in np.unique(owner_a):  # one other source in memory at a time
            other = own if i == mine else load_shingles(all_sources[i].shingles)
            other_digits = own_digits if i == mine else other.digit_counts()
            for a, b in pairs[owner_a == i].tolist():
                na, nb = node.setdefault(a, len(node)), node.setdefault(b, len(node))
                if linked.find(na) == linked.find(nb):
                    stats.inc("near_dedup.skipped_linked")
                    continue
                la, lb = a - int(offsets[i]), b - int(offsets[mine])
                o = nd.overlap(other.of(la), own.of(lb), near.digit_min_shingles, int(other_digits[la]), int(own_digits[lb]))
                if nd.is_duplicate(o, rule):
                    linked.union(na, nb)
                    edges["a"].append(a)
                    edges["b"].append(b)
                    edges["containment"].append(o.containment)
                    edges["jaccard"].append(o.jaccard)
                    stats.inc("near_dedup.verified")
                else:
                    stats.inc("near_dedup.rejected")
            del other
    write_table(pa.table(edges, schema=EDGE_SCHEMA), ctx.path("dedup", "edges", f"{rank:05d}.parquet"))
    return stats


# ---------------------------------------------------------------------------------------------
# phase 4: clusters, keep policy, traceability, index


def dedup_clusters(ctx: BuildContext, rank: int) -> Stats:
    stats = Stats()
    cfg = ctx.config
    near = cfg.near_dedup
    all_sources = sources(ctx)
    offsets = source_offsets(all_sources)
    n_old = int(offsets[sum(1 for s in all_sources if s.current_rank is None)])
    n_total = int(offsets[-1])
    stats.inc("dedup.previous_index_docs", n_old)

    old = [pq.read_table(s.meta, columns=["id", "text_key", "url_key"]) for s in all_sources if s.current_rank is None]
    new = [pq.read_table(s.meta) for s in all_sources if s.current_rank is not None]
    new_meta = pa.concat_tables(new) if new else META_SCHEMA.empty_table()
    ids = pa.concat_arrays([t["id"].combine_chunks() for t in old] + [new_meta["id"].combine_chunks()])
    text_keys = np.concatenate([t["text_key"].to_numpy() for t in old] + [new_meta["text_key"].to_numpy()])
    url_keys = np.concatenate([t["url_key"].to_numpy() for t in old] + [new_meta["url_key"].to_numpy()])

    union = nd.UnionFind(n_total)
    if cfg.exact_dedup.enabled:
        for a, b in same_key_edges(text_keys).tolist():
            union.union(a, b)
    if cfg.url_dedup.enabled:
        for a, b in same_key_edges(url_keys).tolist():
            union.union(a, b)
    edges = pa.concat_tables([pq.read_table(ctx.path("dedup", "edges", f"{r:05d}.parquet")) for r in range(ctx.n_shards)]) if near.enabled else EDGE_SCHEMA.empty_table()
    edge_a, edge_b = edges["a"].to_numpy(), edges["b"].to_numpy()
    containment = edges["containment"].to_numpy()
    for a, b in zip(edge_a.tolist(), edge_b.tolist()):
        union.union(a, b)
    roots = union.roots()

    # Keeper of every cluster: an earlier release's document if there is one, else the keep policy.
    rank_new = nd.keep_order(
        near.keep,
        new_meta["n_chars"].to_numpy(),
        new_meta["published"].to_pylist(),
        new_meta["source"].to_pylist(),
        near.source_priority,
    )
    priority = np.concatenate([np.arange(n_old, dtype=np.int64) - n_old, rank_new])  # old docs first, in order
    order = np.lexsort((priority, roots))
    first_of_root = np.ones(n_total, dtype=bool)
    first_of_root[1:] = roots[order][1:] != roots[order][:-1]
    keeper_of_root = np.empty(n_total, dtype=np.int64)
    keeper_of_root[roots[order][first_of_root]] = order[first_of_root]
    keeper = keeper_of_root[roots]

    removed = np.flatnonzero(keeper != np.arange(n_total))
    removed = removed[removed >= n_old]  # earlier releases are never changed
    kept_of_removed = keeper[removed]

    # Similarity: the direct verified pair with the keeper, else the closest verified neighbour.
    direct = {(int(a), int(b)): float(c) for a, b, c in zip(edge_a, edge_b, containment)}
    best = np.full(n_total, np.nan)
    if len(edge_a):
        np.fmax.at(best, edge_a, containment)
        np.fmax.at(best, edge_b, containment)
    methods, similarity = [], []
    for doc, kept in zip(removed.tolist(), kept_of_removed.tolist()):
        if text_keys[doc] == text_keys[kept] and cfg.exact_dedup.enabled:
            methods.append("exact")
            similarity.append(1.0)
            continue
        methods.append("url" if url_keys[doc] >= 0 and url_keys[doc] == url_keys[kept] and cfg.url_dedup.enabled else "near")
        value = direct.get((min(doc, kept), max(doc, kept)), best[doc])
        similarity.append(None if np.isnan(value) else round(float(value), 6))
    for method in methods:
        stats.inc(f"dedup.{method}")

    local = removed - n_old
    rows = pa.table(
        {
            "id": ids.take(pa.array(removed)),
            "source_id": new_meta["source_id"].take(pa.array(local)),
            "url": new_meta["url"].take(pa.array(local)),
            "kept_id": ids.take(pa.array(kept_of_removed)),
            "method": pa.array(methods, pa.string()),
            "similarity": pa.array(similarity, pa.float64()),
        },
        schema=REMOVED_SCHEMA,
    )
    write_table(rows, ctx.path("dedup", "removed.parquet"))

    kept_new, counts = np.unique(kept_of_removed[kept_of_removed >= n_old], return_counts=True)
    cluster_ids = ids.take(pa.array(kept_new))
    clusters = pa.table({"id": cluster_ids, "dup_count": pa.array(counts.astype(np.int32), pa.int32()), "dup_cluster": cluster_ids}, schema=CLUSTERS_SCHEMA)
    write_table(clusters, ctx.path("dedup", "clusters.parquet"))
    stats.inc("dedup.clusters", len(kept_new))
    stats.inc("dedup.removed", len(removed))

    is_removed = np.zeros(n_total, dtype=bool)
    is_removed[removed] = True
    write_index(ctx, all_sources, offsets, is_removed)
    return stats


def write_index(ctx: BuildContext, all_sources: list[Source], offsets: np.ndarray, is_removed: np.ndarray) -> None:
    """`dedup/index/`: keys, signatures and shingle sets of this build's kept documents, one part per shard."""
    index = ctx.path("dedup", "index")
    for i, source in enumerate(all_sources):
        if source.current_rank is None:
            continue
        kept = np.flatnonzero(~is_removed[offsets[i]: offsets[i + 1]])
        stem = f"{source.current_rank:05d}"
        meta = pq.read_table(source.meta, columns=["id", "text_key", "url_key"]).take(pa.array(kept))
        sets = load_shingles(source.shingles)
        keep_doc = ~is_removed[offsets[i]: offsets[i + 1]]
        sizes = sets.sizes[kept]
        values = sets.values[np.repeat(keep_doc, sets.sizes)]
        write_npz(index / "near" / f"{stem}.shingles.npz", offsets=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64), values=values)
        write_npy(np.load(source.sig)[kept], index / "near" / f"{stem}.sig.npy")
        write_table(meta.cast(INDEX_META_SCHEMA), index / "near" / f"{stem}.meta.parquet")
    write_json({"near": index_settings(ctx.config.near_dedup)}, index / "config.json")


def plan(ctx: BuildContext) -> list[tuple[str, Callable[[BuildContext, int], Stats], int]]:
    """The dedup phases as (name, fn(ctx, rank), number of tasks)."""
    return [
        ("dedup_signatures", dedup_signatures, ctx.n_shards),
        ("dedup_candidates", dedup_candidates, len(band_groups(ctx.config.near_dedup))),
        ("dedup_verify", dedup_verify, ctx.n_shards),
        ("dedup_clusters", dedup_clusters, 1),
    ]
