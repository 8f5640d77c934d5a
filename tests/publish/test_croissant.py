"""croissant.json: the JSON-LD of a release, consistent with its manifests and readable by mlcroissant."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from builder.publish.croissant import CONFORMS_TO, CONTEXT, document, field_entry
from builder.publish.parquet import sha256_file
from builder.schema import document_schema, load_schema_json


def make_row(i: int) -> dict:
    """A complete row of the document schema (nested columns filled in)."""
    row = {name: None for name in document_schema().names}
    text = f"Body of story {i}, about the ferry timetable and the harbour works."
    row.update(
        id=f"{i:032x}", text=text, boilerplate="", title=f"Story {i}", url=f"https://harbour.example/{i}",
        provenance={"path": f"in/{i}.md", "record": 1, "raw_hash": "0" * 32, "crawled": None, "pipeline_version": "0.1.0", "config_hash": "abc"},
        language="en", language_score=0.99, n_chars=len(text), n_words=len(text.split()), n_tokens=len(text.split()),
        text_hash=f"{i + 7:032x}", license="CC-BY-4.0", license_status="licensed", license_basis="license",
        license_nc=False, license_nd=False, license_sa=False, copyright_holders=["Harbour Gazette"],
        license_evidence=[{"kind": "cc_link", "text": "https://creativecommons.org/licenses/by/4.0/", "where": "body"}],
        segments=[{"start": 0, "end": len(text), "label": "body", "reason": "prose", "sep": "", "input": None}],
        pii={"emails": 0, "phones": 0, "ips": 0}, source_labels=[{"key": "type", "value": "local"}], dup_count=0,
    )
    return row


def write_shard(root: Path, path: str, rows: list[dict]) -> dict:
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=document_schema()), root / path)
    size = (root / path).stat().st_size
    return {"path": path, "rows": len(rows), "bytes": size, "sha256": sha256_file(root / path), "uncompressed_bytes": size}


def manifest(version: str, shards: list[dict], parent: dict | None) -> dict:
    files = (parent["files"] if parent else []) + [{"path": s["path"], "rows": s["rows"], "uncompressed_bytes": s["uncompressed_bytes"]} for s in shards]
    return {
        "name": "harbour-news", "version": version, "created": "2024-05-01T00:00:00+00:00", "shards": shards, "files": files,
        "total_rows": sum(f["rows"] for f in files),
        "config": {"publish": {"license": "", "pretty_name": "Harbour News"}, "pii": {"mode": "redact"}},
        "composition": {"by_license": {"CC-BY-4.0": {"docs": 3}, "(none)": {"docs": 1}}},
    }


@pytest.fixture
def release(tmp_path: Path) -> tuple[Path, list[dict]]:
    v1 = manifest("1.0.0", [write_shard(tmp_path, "data/v1.0.0/train-00000-of-00001.parquet", [make_row(0), make_row(1)])], None)
    v2 = manifest("1.1.0", [write_shard(tmp_path, "data/v1.1.0/train-00000-of-00001.parquet", [make_row(2)])], v1)
    return tmp_path, [v1, v2]


def test_document_lists_shards_with_checksums_and_one_record_set_per_version(release):
    root, manifests = release
    doc = document(root, manifests)
    assert doc["conformsTo"] == CONFORMS_TO and doc["@context"] == CONTEXT
    objects = {d["@id"]: d for d in doc["distribution"] if d["@type"] == "cr:FileObject"}
    assert {k: v["sha256"] for k, v in objects.items()} == {s["path"]: s["sha256"] for m in manifests for s in m["shards"]}
    sets = {d["@id"]: d["includes"] for d in doc["distribution"] if d["@type"] == "cr:FileSet"}
    assert sets == {"v1.0.0-files": ["data/v1.0.0/train-00000-of-00001.parquet"],
                    "v1.1.0-files": ["data/v1.0.0/train-00000-of-00001.parquet", "data/v1.1.0/train-00000-of-00001.parquet"]}
    assert [r["@id"] for r in doc["recordSet"]] == ["v1.0.0", "v1.1.0"]
    assert [f["@id"] for f in doc["recordSet"][1]["field"]] == [f"v1.1.0/{c['name']}" for c in load_schema_json("document")["columns"]]
    assert "CC-BY-4.0 (3 documents)" in doc["license"]


def test_nested_members_are_read_from_their_column_with_a_json_path():
    column = {"name": "provenance", "type": {"struct": [{"name": "path", "type": "string"}, {"name": "record", "type": "int64"}]}}
    entry = field_entry(column, "v1", "v1-files")
    assert "source" not in entry
    record = entry["subField"][1]
    assert record["dataType"] == "sc:Integer"
    assert record["source"] == {"fileSet": {"@id": "v1-files"}, "extract": {"column": "provenance"}, "transform": {"jsonPath": "$['record']"}}
    listed = field_entry({"name": "copyright_holders", "type": {"list": "string"}}, "v1", "v1-files")
    assert listed["repeated"] is True and listed["dataType"] == "sc:Text"


def test_mlcroissant_validates_it_and_reads_every_value(release):
    mlc = pytest.importorskip("mlcroissant", reason="the `croissant` extra (mlcroissant) is not installed")
    root, manifests = release
    (root / "croissant.json").write_text(json.dumps(document(root, manifests)))
    dataset = mlc.Dataset(jsonld=str(root / "croissant.json"))
    assert not dataset.metadata.ctx.issues.warnings
    records = list(dataset.records(record_set="v1.1.0"))
    assert [r["v1.1.0/id"] for r in records] == [f"{i:032x}".encode() for i in range(3)]
    first = records[0]
    assert first["v1.1.0/provenance"]["v1.1.0/provenance/path"] == b"in/0.md"
    assert first["v1.1.0/license_evidence"][0]["v1.1.0/license_evidence/where"] == b"body"
    assert first["v1.1.0/copyright_holders"] == [b"Harbour Gazette"]
