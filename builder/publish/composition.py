"""What a release is made of: documents, tokens and characters by source, language, licence and
label, and a histogram of body lengths. Computed once from the published rows and kept in the
manifest, so the card of every version can be rendered from the manifests alone."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

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
    (local paths, or paths on the fsspec `filesystem`)."""
    tables: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    totals = [0, 0, 0]
    for path in paths:
        data = pq.read_table(path, columns=COLUMNS, filesystem=filesystem).to_pydict()
        for i in range(len(data["source"])):
            weight = (1, data["n_tokens"][i], data["n_chars"][i])
            keys = {
                "by_source": data["source"][i] or "(unknown)",
                "by_language": data["language"][i],
                "by_license_status": data["license_status"][i],
                "by_license": data["license"][i] or "(none)",
                "by_source_license_status": f"{data['source'][i] or '(unknown)'}\t{data['license_status'][i]}",
                "length_words": length_bucket(data["n_words"][i]),
            }
            for label in data["source_labels"][i]:
                add(tables["by_label"][f"{label['key']}={label['value']}"], weight)
            for table, key in keys.items():
                add(tables[table][key], weight)
            add(totals, weight)
    out = empty()
    for table, rows in tables.items():
        out[table] = {key: {"docs": v[0], "tokens": v[1], "chars": v[2]} for key, v in sorted(rows.items())}
    out["totals"] = {"docs": totals[0], "tokens": totals[1], "chars": totals[2]}
    return out


def add(acc: list[int], weight: tuple[int, int, int]) -> None:
    for j, w in enumerate(weight):
        acc[j] += w


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
