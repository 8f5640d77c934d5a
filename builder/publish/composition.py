"""What a release is made of: documents, tokens and characters by source, language, licence and
label, and a histogram of body lengths. Computed once from the published rows and kept in the
manifest, so the card of every version can be rendered from the manifests alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from builder.storage import read_parquet_file

COLUMNS = ["source", "language", "license", "license_status", "license_basis", "n_tokens", "n_chars", "n_words", "source_labels"]
# Upper bounds (words) of the body-length histogram buckets; the last bucket is open.
LENGTH_BUCKETS = [50, 100, 200, 400, 800, 1600, 3200]


def length_bucket(words: int) -> str:
    low = 0
    for high in LENGTH_BUCKETS:
        if words < high:
            return f"{low}-{high - 1}"
        low = high
    return f"{low}+"


def empty() -> dict[str, Any]:
    return {"by_source": {}, "by_language": {}, "by_license_status": {}, "by_license": {}, "by_label": {},
            "by_source_license_status": {}, "length_words": {}, "totals": {"docs": 0, "tokens": 0, "chars": 0}}


def summarize(paths: list[Path] | list[str], filesystem=None) -> dict[str, Any]:
    """Counts of documents, tokens and chars per dimension over the rows of the given shards
    (local paths, or paths on the fsspec `filesystem`), one shard in memory at a time."""
    out = empty()
    for path in paths:
        rows = read_parquet_file(path, COLUMNS, filesystem)
        if rows.num_rows:
            out = merge(out, summarize_rows(rows))
    return out


def summarize_rows(rows: pa.Table) -> dict[str, Any]:
    """The counts of `summarize` for one table of rows, with Arrow group-bys: one pass of C++ per
    dimension instead of a Python loop over rows."""
    out = empty()
    source = _or(rows["source"], "(unknown)")
    keys = {
        "by_source": source,
        "by_language": rows["language"],
        "by_license_status": rows["license_status"],
        "by_license": _or(rows["license"], "(none)"),
        "by_source_license_status": pc.binary_join_element_wise(source, rows["license_status"], "\t"),
        "length_words": length_buckets(rows["n_words"]),
    }
    for table, key in keys.items():
        out[table] = _counts(key, rows["n_tokens"], rows["n_chars"])
    labels = pc.list_flatten(rows["source_labels"])
    owner = pc.list_parent_indices(rows["source_labels"])
    label_keys = pc.binary_join_element_wise(pc.struct_field(labels, "key"), pc.struct_field(labels, "value"), "=")
    out["by_label"] = _counts(label_keys, pc.take(rows["n_tokens"], owner), pc.take(rows["n_chars"], owner))
    out["totals"] = {
        "docs": rows.num_rows,
        "tokens": pc.sum(rows["n_tokens"]).as_py() or 0,
        "chars": pc.sum(rows["n_chars"]).as_py() or 0,
    }
    return out


def _or(column, default: str):
    """The column with null and empty strings replaced by `default`."""
    column = pc.fill_null(column, default)
    return pc.if_else(pc.equal(column, ""), default, column)


def length_buckets(words) -> pa.Array:
    """The `length_bucket` name of each word count."""
    names = [length_bucket(high - 1) for high in LENGTH_BUCKETS] + [length_bucket(LENGTH_BUCKETS[-1])]
    index = np.searchsorted(np.array(LENGTH_BUCKETS), words.to_numpy(zero_copy_only=False), side="right")
    return pa.array(names, pa.string()).take(pa.array(index))


def _counts(keys, tokens, chars) -> dict[str, dict[str, int]]:
    """{key: {docs, tokens, chars}}, keys sorted, for rows keyed by `keys`."""
    table = pa.table({"key": keys, "tokens": tokens, "chars": chars})
    grouped = table.group_by("key").aggregate([("key", "count"), ("tokens", "sum"), ("chars", "sum")]).to_pydict()
    counts = {
        key: {"docs": docs, "tokens": tokens or 0, "chars": chars or 0}
        for key, docs, tokens, chars in zip(grouped["key"], grouped["key_count"], grouped["tokens_sum"], grouped["chars_sum"])
    }
    return dict(sorted(counts.items()))


def merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The composition of two disjoint sets of rows (e.g. a parent version's and the rows a new
    version adds), without reading either again."""
    out = empty()
    for table in out:
        if table == "totals":
            out["totals"] = {k: a["totals"].get(k, 0) + b["totals"].get(k, 0) for k in ("docs", "tokens", "chars")}
            continue
        keys = sorted(set(a.get(table, {})) | set(b.get(table, {})))
        zero = {"docs": 0, "tokens": 0, "chars": 0}
        out[table] = {
            key: {m: a.get(table, {}).get(key, zero)[m] + b.get(table, {}).get(key, zero)[m] for m in zero}
            for key in keys
        }
    return out
