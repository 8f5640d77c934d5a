"""Takedowns: a new version that no longer serves the given ids.

Only the shards that held a removed document are rewritten, into the new version's folder; the
new version's config serves the untouched earlier shards plus the rewritten ones. Earlier
versions keep their files (a user who loads an old version by name still gets it; the card says
which ids were removed and why, in `removals/vX.Y.Z.jsonl`). Ids are stable across releases, so a
takedown list keeps working for every later release.

The release folder is a local path or an fsspec URL; a remote one is staged in a local temporary
folder and uploaded (see builder.publish.release).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.config import from_dict
from builder.publish import composition, manifest, release
from builder.publish.parquet import write_shards
from builder.storage import as_storage


def read_ids(path: Path) -> list[str]:
    """Ids from a file: one per line, or JSON lines with an `id` field; blank lines and # comments skipped."""
    ids = []
    for line in path.read_text("utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        ids.append(json.loads(line)["id"] if line.startswith("{") else line)
    return ids


def remove(release_root: Path | str, ids: list[str], version: str, reason: str) -> dict[str, Any]:
    """Publish `version`: the latest version minus the documents `ids`. Returns its manifest.
    `release_root`: a local path or an fsspec URL."""
    from builder import BuildError

    versions = manifest.list_versions(release_root)
    if not versions:
        raise BuildError(f"no release in {release_root}")
    if release.version_exists(release_root, version):
        raise BuildError(f"version {version} already exists in {release_root}; releases are never overwritten")
    if manifest.version_key(version) <= manifest.version_key(versions[-1]):
        raise BuildError(f"version {version} must be newer than the latest release v{versions[-1]}")
    if not reason.strip():
        raise BuildError("a removal needs a reason")
    if release.is_local(release_root):
        return publish_removal(release_root, ids, version, reason, versions[-1])
    scratch = Path(tempfile.mkdtemp(prefix="shardsmith-remove-"))
    try:
        return publish_removal(release_root, ids, version, reason, versions[-1], scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def publish_removal(
    release_root: Path | str, ids: list[str], version: str, reason: str, latest: str, scratch: Path | None = None
) -> dict[str, Any]:
    from builder import BuildError, __version__

    store = as_storage(release_root)
    parent = manifest.load(store, latest)
    wanted = set(ids)
    release.clear_leftovers(store, version, scratch)
    stage = release.staging_dir(store, version, scratch)
    filtered_dir = stage / "filtered"
    filtered_dir.mkdir(parents=True)

    touched, filtered, removed_rows = [], [], []
    for f in parent["files"]:
        table = pq.read_table(store.path(f["path"]), filesystem=store.fs)
        hit = pc.is_in(table["id"], value_set=pa.array(sorted(wanted), pa.string()))
        if not pc.any(hit).as_py():
            continue
        touched.append(f["path"])
        removed_rows += table.filter(hit).select(["id", "url", "source", "provenance"]).to_pylist()
        kept = table.filter(pc.invert(hit))
        path = filtered_dir / f"{len(filtered):05d}.parquet"
        pq.write_table(kept, path)
        filtered.append(path)
    if not touched:
        shutil.rmtree(stage)
        raise BuildError(f"none of the {len(wanted)} ids is served by v{parent['version']}; nothing to remove")

    config = from_dict({k: v for k, v in parent["config"].items()})
    shards = [s.to_json() for s in write_shards(filtered, stage, f"data/v{version}", config.publish)]
    shutil.rmtree(filtered_dir)
    found = {r["id"] for r in removed_rows}
    today = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    removals_dir = stage / "removals"
    removals_dir.mkdir()
    with open(removals_dir / f"v{version}.jsonl", "w", encoding="utf-8") as handle:
        for row in sorted(removed_rows, key=lambda r: r["id"]):
            entry = {"id": row["id"], "url": row["url"], "source": row["source"], "reason": reason, "date": today,
                     "input": row["provenance"]["path"]}
            handle.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
    reports = stage / "reports" / f"v{version}"
    reports.mkdir(parents=True)
    from builder.dedup import REMOVED_SCHEMA

    pq.write_table(pa.Table.from_pylist([], schema=REMOVED_SCHEMA), reports / "duplicates.parquet", compression="zstd")
    with open(reports / "rejects.jsonl", "w", encoding="utf-8") as handle:
        for row in sorted(removed_rows, key=lambda r: r["id"]):
            entry = {"path": row["provenance"]["path"], "record": row["provenance"]["record"], "reason": "removed",
                     "detail": reason, "id": row["id"]}
            handle.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")

    files = release.served_files(parent, shards, drop=set(touched))
    rows_in = sum(f["rows"] for f in parent["files"] if f["path"] in touched)
    rows_out = sum(s["rows"] for s in shards)
    # The untouched shards are read where they are; the rewritten ones in the staging folder.
    served = composition.merge(
        composition.summarize([store.path(f["path"]) for f in files if not f["path"].startswith(f"data/v{version}/")], store.fs),
        composition.summarize([stage / s["path"] for s in shards]),
    )
    version_manifest = {
        **{k: parent[k] for k in ("name", "config", "config_hash", "tokenizer", "document_schema_version")},
        "manifest_version": manifest.MANIFEST_VERSION,
        "version": version,
        "parent": parent["version"],
        "created": today,
        "pipeline_version": __version__,
        "shards": shards,
        "files": files,
        "rows": rows_out,
        "total_rows": sum(f["rows"] for f in files),
        # The rewritten shards' rows are this version's inputs; the removed ones its rejects.
        "accounting": {"inputs": rows_in, "rows": rows_out, "duplicates": 0, "rejects": len(removed_rows),
                       "balanced": rows_in == rows_out + len(removed_rows)},
        "stats": {"removal.requested": len(wanted), "removal.removed": len(removed_rows),
                  "removal.not_found": len(wanted - found), "removal.shards_rewritten": len(touched)},
        "composition": served,
        "added_composition": composition.empty(),
        "reports": {"duplicates": f"reports/v{version}/duplicates.parquet", "rejects": f"reports/v{version}/rejects.jsonl",
                    "index": None},
        "removals": {"path": f"removals/v{version}.jsonl", "count": len(removed_rows), "reason": reason,
                     "not_found": sorted(wanted - found)},
        "timings": {},
    }
    version_manifest["changelog"] = release.changelog(version_manifest)
    release.commit(store, stage, version, version_manifest)
    return version_manifest
