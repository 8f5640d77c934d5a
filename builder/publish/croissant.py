"""`croissant.json`: MLCommons Croissant 1.0 metadata (JSON-LD) of the release.

- one FileObject per shard, with its sha256 and size (a FileSet cannot carry checksums);
- one FileSet per version listing exactly the shards that version serves (as the card's config);
- one RecordSet per version whose fields are the document columns, keyed on `id`. Every leaf
  field has its own source: the column it is extracted from, and for a field inside a struct (or a
  list of structs) a `jsonPath` transform that picks the member, so `mlcroissant load` reads every
  value, nested ones included.

`mlcroissant validate --jsonld croissant.json` passes it without errors or warnings, and
`shardsmith validate` checks it against the manifests (and with mlcroissant when installed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from builder.schema import load_schema_json

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"

# The standard Croissant 1.0 @context (as in the spec's examples and mlcroissant).
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
    "equivalentProperty": "cr:equivalentProperty",
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
    "samplingRate": "cr:samplingRate",
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

PARQUET = "application/x-parquet"


def file_set_id(version: str) -> str:
    return f"v{version}-files"


def record_set_id(version: str) -> str:
    return f"v{version}"


def field_entry(column: dict[str, Any], record_set: str, file_set: str, top: str | None = None, prefix: str = "") -> dict[str, Any]:
    """A cr:Field for a column of the document schema (recursing into structs).

    `top` is the top-level column a nested field is read from; `prefix` its path inside it.
    """
    spec = column["type"]
    field_id = f"{record_set}/{prefix}{column['name']}"
    entry: dict[str, Any] = {"@type": "cr:Field", "@id": field_id, "name": field_id}
    if column.get("description"):
        entry["description"] = column["description"]
    if isinstance(spec, dict) and "list" in spec:
        entry["repeated"] = True
        spec = spec["list"]
    if isinstance(spec, dict) and "struct" in spec:
        column_name = top or column["name"]
        entry["subField"] = [
            field_entry(sub, record_set, file_set, column_name, f"{prefix}{column['name']}/") for sub in spec["struct"]
        ]
        return entry
    entry["dataType"] = DATA_TYPES[spec]
    source: dict[str, Any] = {"fileSet": {"@id": file_set}, "extract": {"column": top or column["name"]}}
    if top is not None:
        # A member of a struct column: pick it out of the struct (of each element, in a list).
        source["transform"] = {"jsonPath": f"$['{column['name']}']"}
    entry["source"] = source
    return entry


def license_text(latest: dict[str, Any]) -> str:
    """The dataset's licence: the configured one, else a pointer to the per-row licences present."""
    configured = latest["config"]["publish"].get("license")
    if configured:
        return configured
    present = {k: v["docs"] for k, v in latest["composition"].get("by_license", {}).items() if k != "(none)"}
    listed = ", ".join(f"{k} ({n:,} documents)" for k, n in sorted(present.items(), key=lambda kv: (-kv[1], kv[0])))
    return (
        "Per document: see the license, license_status and license_basis columns and the dataset card."
        + (f" Licences found: {listed}." if listed else "")
    )


def document(release_root: Path, manifests: list[dict[str, Any]]) -> dict[str, Any]:
    """The Croissant JSON-LD for a release whose versions are `manifests` (oldest first)."""
    latest = manifests[-1]
    shards = {s["path"]: s for m in manifests for s in m["shards"]}
    distribution: list[dict[str, Any]] = [
        {
            "@type": "cr:FileObject",
            "@id": path,
            "name": path,
            "contentUrl": path,
            "contentSize": f"{shards[path]['bytes']} B",
            "encodingFormat": PARQUET,
            "sha256": shards[path]["sha256"],
        }
        for path in sorted(shards)
    ]
    columns = load_schema_json("document")["columns"]
    record_sets = []
    for m in manifests:
        version = m["version"]
        set_id = file_set_id(version)
        distribution.append(
            {
                "@type": "cr:FileSet",
                "@id": set_id,
                "name": set_id,
                "description": f"The shards version {version} serves.",
                "encodingFormat": PARQUET,
                "includes": [f["path"] for f in m["files"]],
            }
        )
        name = record_set_id(version)
        record_sets.append(
            {
                "@type": "cr:RecordSet",
                "@id": name,
                "name": name,
                "description": f"Documents served by version {version} ({m['total_rows']} rows).",
                "key": {"@id": f"{name}/id"},
                "field": [field_entry(c, name, set_id) for c in columns],
            }
        )
    name = latest["name"]
    pretty = latest["config"]["publish"].get("pretty_name") or name
    pii_mode = latest["config"].get("pii", {}).get("mode", "redact")
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": name,
        "description": f"{pretty}: news and web articles built with shardsmith, version {latest['version']}.",
        "version": latest["version"],
        "datePublished": latest["created"][:10],
        "citeAs": f"@misc{{{name.replace('-', '_')}, title = {{{pretty}}}, note = {{version {latest['version']}}}}}",
        "license": license_text(latest),
        "url": "README.md",
        "rai:dataCollection": (
            "Articles read from crawled inputs (text, markdown, HTML, JSONL, CSV, Parquet or WARC); every row "
            "records its input file, record number and raw hash in the provenance column."
        ),
        "rai:dataPreprocessingProtocol": (
            "Unicode normalisation, body/boilerplate split, language identification, licence detection, "
            "quality filters, exact, URL and near-duplicate removal; counts per reason in manifests/."
        ),
        "rai:personalSensitiveInformation": f"E-mail addresses, phone numbers and IP addresses: {pii_mode} (counts in the pii column).",
        "distribution": distribution,
        "recordSet": record_sets,
    }
