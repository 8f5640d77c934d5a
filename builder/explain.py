"""`shardsmith explain RELEASE ID`: one published document, line by line (body or boilerplate and
why), with its provenance, licence findings and duplicate cluster. Reads a release; builds nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.publish import manifest as manifests


def find_row(release_root: Path, doc_id: str) -> dict[str, Any] | None:
    """The row with this id among every shard of every version (None when absent)."""
    for m in reversed(manifests.load_all(release_root)):
        for shard in m["shards"]:
            path = release_root / shard["path"]
            if not path.exists():
                continue
            table = pq.read_table(path, filters=pc.field("id") == doc_id)
            if table.num_rows:
                return table.to_pylist()[0]
    return None


def copies_of(release_root: Path, doc_id: str) -> list[dict[str, Any]]:
    """Removed duplicates (of any version) whose kept document is `doc_id`."""
    found = []
    for m in manifests.load_all(release_root):
        path = release_root / m["reports"]["duplicates"]
        if path.exists():
            table = pq.read_table(path, filters=pc.field("kept_id") == doc_id)
            found.extend({**row, "version": m["version"]} for row in table.to_pylist())
    return found


def similarity(removed: dict[str, Any]) -> str:
    """The measured overlap with the kept document ('-' when there was nothing to measure)."""
    return "-" if removed["similarity"] is None else f"{removed['similarity']:.3f}"


def explain(release_root: Path, doc_id: str) -> str:
    from builder.stages import boilerplate

    row = find_row(release_root, doc_id)
    if row is None:
        removed = [r for m in manifests.load_all(release_root)
                   for r in pq.read_table(release_root / m["reports"]["duplicates"], filters=pc.field("id") == doc_id).to_pylist()]
        if removed:
            r = removed[0]
            return f"{doc_id} was removed as a {r['method']} duplicate of {r['kept_id']} (similarity {similarity(r)})."
        raise KeyError(f"no document with id {doc_id} in {release_root}")
    prov = row["provenance"]
    lines = [
        f"id        {row['id']}",
        f"title     {row['title']}",
        f"source    {row['source']}   url {row['url']}",
        f"author    {row['author']}   published {row['published']}",
        f"input     {prov['path']} record {prov['record']} (raw {prov['raw_hash']}, crawled {prov['crawled']})",
        f"language  {row['language']} ({row['language_score']:.2f})",
        f"licence   {row['license'] or '-'}  status {row['license_status']}  basis {row['license_basis']}",
    ]
    for evidence in row["license_evidence"]:
        lines.append(f"          {evidence['kind']} in {evidence['where']}: {evidence['text'][:100]}")
    copies = copies_of(release_root, doc_id)
    lines.append(f"copies    {row['dup_count']} removed" + (f" (cluster {row['dup_cluster']})" if row["dup_cluster"] else ""))
    for copy in copies:
        lines.append(f"          v{copy['version']} {copy['method']} {similarity(copy)} {copy['id']} {copy['url'] or ''}")
    lines.append("")
    lines.append(boilerplate.explain(row))
    return "\n".join(lines)
