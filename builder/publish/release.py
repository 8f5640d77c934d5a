"""Publishing a release: shards, reports, index and manifest are written aside (a staging folder
inside the release folder) and moved into place at the end; the manifest goes last and is what
makes a version exist. The card and croissant.json are then rewritten (atomically) for all
versions. An earlier version's files are never touched."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.config import BuildConfig, to_dict
from builder.publish import card, composition, croissant, manifest
from builder.publish.parquet import write_shards
from builder.schema import schema_version
from builder.storage import Storage

STATE_DIR = ".shardsmith"  # work and staging folders inside a release folder, removed after a build


class NothingToPublish(RuntimeError):
    """A first release in which no document survived: there would be no shard to load."""


def staging_dir(release_root: Path, version: str) -> Path:
    return release_root / STATE_DIR / f"staging-v{version}"


def version_exists(release_root: Path, version: str) -> bool:
    return manifest.manifest_path(release_root, version).exists()


def clear_leftovers(release_root: Path, version: str) -> None:
    """Remove what an interrupted publish of `version` moved into place before its manifest."""
    for folder in (f"data/v{version}", f"reports/v{version}", f"index/v{version}"):
        path = release_root / folder
        if path.exists():
            shutil.rmtree(path)
    if staging_dir(release_root, version).exists():
        shutil.rmtree(staging_dir(release_root, version))


def served_files(previous: dict[str, Any] | None, shards: list[dict[str, Any]], drop: set[str] = frozenset()) -> list[dict]:
    """The files a version serves: the parent's (minus `drop`), then its own shards."""
    files = [f for f in (previous["files"] if previous else []) if f["path"] not in drop]
    files += [{"path": s["path"], "rows": s["rows"], "uncompressed_bytes": s["uncompressed_bytes"]} for s in shards]
    return files


def changelog(version_manifest: dict[str, Any]) -> str:
    """One paragraph: what this version added, removed and rejected."""
    m = version_manifest
    if m.get("removals"):
        r = m["removals"]
        return f"Removed {r['count']:,} documents on request ({r['reason']}); list in `{r['path']}`."
    acc = m["accounting"]
    stats = m["stats"]
    parts = [f"Added {acc['rows']:,} documents from {acc['inputs']:,} input records."]
    dups = {k.split(".", 1)[1]: v for k, v in stats.items() if k.split(".", 1)[1:] and k.startswith("dedup.") and k.split(".", 1)[1] in ("exact", "near", "url")}
    if acc["duplicates"]:
        detail = ", ".join(f"{n:,} {kind}" for kind, n in sorted(dups.items()))
        earlier = stats.get("dedup.of_previous_release", 0)
        parts.append(
            f"Removed {acc['duplicates']:,} duplicates ({detail})"
            + (f", {earlier:,} of them copies of documents of earlier releases." if earlier else ".")
        )
    rejects = {k[len("reject."):]: v for k, v in stats.items() if k.startswith("reject.")}
    if rejects:
        parts.append(f"Rejected {acc['rejects']:,} (" + ", ".join(f"{k}: {v:,}" for k, v in sorted(rejects.items())) + ").")
    added = m.get("added_composition", {})
    if added.get("by_source"):
        top = sorted(added["by_source"].items(), key=lambda kv: (-kv[1]["docs"], kv[0]))
        parts.append("By source: " + ", ".join(f"{k} {v['docs']:,}" for k, v in top[:12]) + ("; ..." if len(top) > 12 else "") + ".")
    if added.get("by_license_status"):
        parts.append("By licence status: " + ", ".join(f"{k} {v['docs']:,}" for k, v in added["by_license_status"].items()) + ".")
    return " ".join(parts)


def dedup_transform(removed: pa.Table, clusters: pa.Table):
    """A table -> table function that drops the removed duplicates and stamps dup_count and
    dup_cluster on the rows that keep them (vectorised: no Python loop over rows)."""
    removed_ids = removed["id"].combine_chunks()
    cluster_ids = clusters["id"].combine_chunks()
    counts = clusters["dup_count"].combine_chunks().cast(pa.int32())
    cluster_names = clusters["dup_cluster"].combine_chunks().cast(pa.string())

    def apply(table: pa.Table) -> pa.Table:
        table = table.filter(pc.invert(pc.is_in(table["id"], value_set=removed_ids)))
        where = pc.index_in(table["id"], value_set=cluster_ids)
        dup_count = pc.fill_null(pc.take(counts, where), 0)
        dup_cluster = pc.take(cluster_names, where)
        schema = table.schema
        table = table.set_column(schema.get_field_index("dup_count"), schema.field("dup_count"), dup_count)
        return table.set_column(schema.get_field_index("dup_cluster"), schema.field("dup_cluster"), dup_cluster)

    return apply


def concat_rejects(work: Storage, out: Path, n_shards: int) -> int:
    """rejects.jsonl: ingest rejects, then process rejects, each in shard order."""
    count = 0
    with open(out, "w", encoding="utf-8") as handle:
        for phase in ("ingest", "process"):
            for rank in range(n_shards):
                for line in work.read_text("rejects", f"{phase}-{rank:05d}.jsonl").splitlines():
                    handle.write(line + "\n")
                    count += 1
    return count


def publish(
    *,
    release_root: Path,
    work: Storage,
    config: BuildConfig,
    config_hash: str,
    version: str,
    parent: dict[str, Any] | None,
    n_shards: int,
    stats: dict[str, float],
    timings: dict[str, Any],
    pipeline_version: str,
    tokenizer: dict[str, Any],
) -> dict[str, Any]:
    """Write the release of `version` from the processed work shards; return its manifest."""
    stage = staging_dir(release_root, version)
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    docs = [work.path("docs", f"{rank:05d}.parquet") for rank in range(n_shards)]
    removed = work.read_parquet("dedup", "removed.parquet")
    transform = dedup_transform(removed, work.read_parquet("dedup", "clusters.parquet"))
    shards = [
        s.to_json() for s in write_shards(docs, stage, f"data/v{version}", config.publish, transform, filesystem=work.fs)
    ]

    reports = stage / "reports" / f"v{version}"
    reports.mkdir(parents=True)
    removed = removed.sort_by([("id", "ascending")])
    pq.write_table(removed, reports / "duplicates.parquet", compression="zstd")
    n_rejects = concat_rejects(work, reports / "rejects.jsonl", n_shards)
    has_index = work.exists("dedup", "index")
    if has_index:
        work.fs.get(work.path("dedup", "index") + "/", str(stage / "index" / f"v{version}") + "/", recursive=True)

    rows = sum(s["rows"] for s in shards)
    accounting = {
        "inputs": int(stats.get("input.records", 0)),
        "rows": rows,
        "duplicates": removed.num_rows,
        "rejects": n_rejects,
    }
    accounting["balanced"] = accounting["inputs"] == rows + removed.num_rows + n_rejects
    files = served_files(parent, shards)
    added = composition.summarize([stage / s["path"] for s in shards])
    # What the parent served plus what this version adds: earlier shards are not read again.
    served = composition.merge(parent["composition"], added) if parent else added
    version_manifest = {
        "manifest_version": manifest.MANIFEST_VERSION,
        "name": config.name,
        "version": version,
        "parent": parent["version"] if parent else None,
        "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "pipeline_version": pipeline_version,
        "document_schema_version": schema_version(),
        "config": to_dict(config),
        "config_hash": config_hash,
        "tokenizer": tokenizer,
        "shards": shards,
        "files": files,
        "rows": rows,
        "total_rows": sum(f["rows"] for f in files),
        "accounting": accounting,
        "stats": stats,
        "composition": served,
        "added_composition": added,
        "reports": {
            "duplicates": f"reports/v{version}/duplicates.parquet",
            "rejects": f"reports/v{version}/rejects.jsonl",
            "index": f"index/v{version}" if has_index else None,
        },
        "removals": None,
        "timings": timings,
    }
    version_manifest["changelog"] = changelog(version_manifest)
    if rows == 0 and parent is None:
        reasons = ", ".join(f"{k[len('reject.'):]} {v:,}" for k, v in sorted(stats.items()) if k.startswith("reject."))
        shutil.rmtree(stage)
        raise NothingToPublish(
            f"no document survived ({accounting['inputs']:,} inputs: {removed.num_rows:,} duplicates, "
            f"{n_rejects:,} rejects: {reasons or 'none'}); nothing was published. "
            f"The rejects are listed in {work.path('rejects')}"
        )
    if not accounting["balanced"]:
        raise RuntimeError(
            f"accounting does not balance: {accounting['inputs']} inputs != {rows} rows + "
            f"{removed.num_rows} duplicates + {n_rejects} rejects; nothing was published"
        )
    commit(release_root, stage, version, version_manifest)
    return version_manifest


def commit(release_root: Path, stage: Path, version: str, version_manifest: dict[str, Any]) -> None:
    """Move the staged folders into place, the manifest last, then rewrite card and croissant."""
    for folder in ("data", "reports", "index", "removals"):
        src = stage / folder
        if not src.exists():
            continue
        for item in sorted(src.iterdir()):
            target = release_root / folder / item.name
            target.parent.mkdir(parents=True, exist_ok=True)
            item.rename(target)
    path = manifest.manifest_path(release_root, version)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(manifest.dump(version_manifest), encoding="utf-8")
    tmp.replace(path)
    shutil.rmtree(stage)
    write_metadata(release_root)


def write_metadata(release_root: Path) -> None:
    """README.md (the card) and croissant.json for every version in the release folder."""
    manifests = manifest.load_all(release_root)
    charts = []
    try:
        from builder.publish import charts as chart_module

        charts = chart_module.write(release_root, manifests[-1])
    except ImportError:
        pass
    card.write(release_root, card.render(release_root, manifests, charts))
    text = json.dumps(croissant.document(release_root, manifests), indent=2, ensure_ascii=False) + "\n"
    tmp = release_root / "croissant.json.tmp"
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(release_root / "croissant.json")

