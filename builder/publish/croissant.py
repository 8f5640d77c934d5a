"""`croissant.json`: MLCommons Croissant 1.0 metadata (JSON-LD) of the release.

One FileObject per shard (with its sha256: a FileSet cannot carry checksums), a FileSet per version
grouping the shards it serves, and one RecordSet per version whose fields are the document columns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from builder.schema import load_schema_json

CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

DATA_TYPES = {
    "string": "sc:Text",
    "int32": "sc:Integer",
    "int64": "sc:Integer",
    "float32": "sc:Float",
    "float64": "sc:Float",
    "bool": "sc:Boolean",
}


def field_entry(column: dict[str, Any], record_set: str, prefix: str, file_ids: list[str]) -> dict[str, Any]:
    spec = column["type"]
    field_id = f"{record_set}/{prefix}{column['name']}"
    entry: dict[str, Any] = {"@type": "cr:Field", "@id": field_id, "name": field_id, "description": column.get("description", "")}
    repeated = False
    if isinstance(spec, dict) and "list" in spec:
        repeated = True
        spec = spec["list"]
    if isinstance(spec, dict) and "struct" in spec:
        entry["subField"] = [field_entry(sub, record_set, f"{prefix}{column['name']}/", file_ids) for sub in spec["struct"]]
    else:
        entry["dataType"] = DATA_TYPES[spec]
    if repeated:
        entry["repeated"] = True
    if not prefix:
        entry["source"] = {"fileObject" if len(file_ids) == 1 else "fileSet": {"@id": file_ids[0]}, "extract": {"column": column["name"]}}
    return entry


def document(release_root: Path, manifests: list[dict[str, Any]]) -> dict[str, Any]:
    """The Croissant JSON-LD for a release whose versions are `manifests` (oldest first)."""
    latest = manifests[-1]
    sha = {s["path"]: s["sha256"] for m in manifests for s in m["shards"]}
    distribution = [
        {
            "@type": "cr:FileObject",
            "@id": path,
            "name": path,
            "contentUrl": path,
            "encodingFormat": "application/x-parquet",
            "sha256": sha[path],
        }
        for path in sorted(sha)
    ]
    columns = load_schema_json("document")["columns"]
    record_sets = []
    for m in manifests:
        name = f"v{m['version']}"
        files = [f["path"] for f in m["files"]]
        if len(files) > 1:
            set_id = f"{name}-files"
            distribution.append(
                {"@type": "cr:FileSet", "@id": set_id, "name": set_id, "encodingFormat": "application/x-parquet",
                 "includes": files}
            )
            ids = [set_id, "set"]
        else:
            ids = files
        record_sets.append(
            {
                "@type": "cr:RecordSet",
                "@id": name,
                "name": name,
                "description": f"Documents served by version {m['version']} ({m['total_rows']} rows).",
                "field": [field_entry(c, name, "", ids) for c in columns],
            }
        )
    license_value = latest["config"]["publish"].get("license") or None
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": latest["name"],
        "description": f"{latest['name']}: news articles built with shardsmith, version {latest['version']}.",
        "version": latest["version"],
        "datePublished": latest["created"][:10],
        "license": license_value or "See the license columns of each row and the dataset card.",
        "url": "README.md",
        "distribution": distribution,
        "recordSet": record_sets,
    }
