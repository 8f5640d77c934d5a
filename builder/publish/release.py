"""Publishing a release: shards, reports, index and manifest are written aside (a staging folder)
and put into place at the end; the manifest goes last and is what makes a version exist. The card,
croissant.json and charts are rewritten (each file whole) for all versions just before it. An
earlier version's files are never touched.

The release folder is a local path or an fsspec URL (`s3://`, `gs://`, `memory://`, ...). A local
release is staged inside itself (`.shardsmith/`), so putting it into place is a rename; a remote
one is staged in a local scratch folder and uploaded, data and reports first. A version's files
without its manifest (an interrupted publish) are leftovers: no version, removed by the next
publish of that version.
"""

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
from builder.publish.parquet import plan_output, write_shards
from builder.schema import schema_version
from builder.storage import Storage, as_storage

STATE_DIR = ".shardsmith"  # work and staging folders inside a local release folder, removed after a build

Root = Path | str | Storage  # a release folder: a local path or an fsspec URL


class NothingToPublish(RuntimeError):
    """A first release in which no document survived: there would be no shard to load."""


class OutputError(ValueError):
    """A release folder that cannot be used: an unknown protocol, a filesystem package not installed."""


def open_output(out: str | Path) -> Path | str:
    """The release folder `out` as the publish functions take it: a local Path for the local disk
    (a `file://` URL included), else the fsspec URL. Raises OutputError for an unusable URL."""
    try:
        store = Storage(str(out))
    except (ValueError, ImportError) as error:
        raise OutputError(f"cannot use {out} as a release folder: {error}") from None
    return store.local_path() if store.local else store.url


def is_local(release_root: Root) -> bool:
    return as_storage(release_root).local


def staging_dir(release_root: Root, version: str, scratch: Path | None = None) -> Path:
    """Where `version` is written before it is put into place: inside a local release folder (so
    that putting it there is a rename), else in the local folder `scratch` (then uploaded)."""
    store = as_storage(release_root)
    if store.local:
        return store.local_path() / STATE_DIR / f"staging-v{version}"
    if scratch is None:
        raise ValueError(f"a release in {store.url} is staged in a local scratch folder: give one")
    return Path(scratch) / f"staging-v{version}"


def version_exists(release_root: Root, version: str) -> bool:
    return as_storage(release_root).exists(*manifest.manifest_parts(version))


def clear_leftovers(release_root: Root, version: str, scratch: Path | None = None) -> None:
    """Remove what an interrupted publish of `version` put into place before its manifest."""
    store = as_storage(release_root)
    for parts in (("data", f"v{version}"), ("reports", f"v{version}"), ("index", f"v{version}"), ("removals", f"v{version}.jsonl")):
        store.remove(*parts)
    if store.local or scratch is not None:
        stage = staging_dir(store, version, scratch)
        if stage.exists():
            shutil.rmtree(stage)


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
    dup_cluster on the rows that keep them (vectorised: no Python loop over rows). A table
    without those columns is only filtered."""
    removed_ids = removed["id"].combine_chunks()
    cluster_ids = clusters["id"].combine_chunks()
    counts = clusters["dup_count"].combine_chunks().cast(pa.int32())
    cluster_names = clusters["dup_cluster"].combine_chunks().cast(pa.string())

    def apply(table: pa.Table) -> pa.Table:
        table = table.filter(pc.invert(pc.is_in(table["id"], value_set=removed_ids)))
        if "dup_count" not in table.column_names:  # e.g. the rows' facts: only which rows stay matters
            return table
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
    release_root: Root,
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
    scratch: Path | None = None,
) -> dict[str, Any]:
    """Write the release of `version` from the processed work shards; return its manifest.
    `scratch`: a local folder to stage in when the release folder is not on the local disk."""
    stage = staging_dir(release_root, version, scratch)
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    docs = [work.path("docs", f"{rank:05d}.parquet") for rank in range(n_shards)]
    removed = work.read_parquet("dedup", "removed.parquet")
    transform = dedup_transform(removed, work.read_parquet("dedup", "clusters.parquet"))
    facts = [work.path("docs", f"{rank:05d}.facts.parquet") for rank in range(n_shards)]
    plan = plan_output(docs, config.publish, transform, work.fs, facts)
    # The card's libraries take 0.3-0.5 s to import: imported while the shards are compressed
    # (started earlier, the import held up the plan and the reading of the first row group).
    shards = [
        s.to_json()
        for s in write_shards(
            docs, stage, f"data/v{version}", config.publish, transform, work.fs, plan=plan,
            while_compressing=card.import_libraries,
        )
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


def commit(release_root: Root, stage: Path, version: str, version_manifest: dict[str, Any]) -> None:
    """Put the staged folders into place (renamed on the local disk, uploaded elsewhere), rewrite
    card, croissant and charts for all versions, and write the manifest last."""
    store = as_storage(release_root)
    if version_exists(store, version):  # another build published it meanwhile
        raise FileExistsError(f"version {version} appeared in {store.url} during this build; releases are never overwritten")
    earlier = manifest.load_all(store)
    for folder in ("data", "reports", "index", "removals"):
        src = stage / folder
        if not src.exists():
            continue
        if not store.local:
            store.put_tree(src, folder)
            continue
        for item in sorted(src.iterdir()):
            target = store.local_path() / folder / item.name
            target.parent.mkdir(parents=True, exist_ok=True)
            item.rename(target)
    write_metadata(store, earlier + [version_manifest])
    store.write_text(manifest.dump(version_manifest), *manifest.manifest_parts(version))
    shutil.rmtree(stage)


def write_metadata(release_root: Root, manifests: list[dict[str, Any]] | None = None) -> None:
    """README.md (the card), croissant.json and the charts for every version (`manifests`, oldest
    first; default: those in the release folder)."""
    store = as_storage(release_root)
    manifests = manifest.load_all(store) if manifests is None else manifests
    charts = []
    try:
        from builder.publish import charts as chart_module

        charts = chart_module.write(store, manifests[-1])
    except ImportError:
        pass
    card.write(store, card.render(release_root, manifests, charts))
    text = json.dumps(croissant.document(release_root, manifests), indent=2, ensure_ascii=False) + "\n"
    store.write_text(text, "croissant.json")
