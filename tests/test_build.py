"""End-to-end builds: the release layout, loading with datasets, accounting, determinism, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import builder
from builder.config import BuildConfig, RunOptions, from_dict
from builder.schema import document_schema
from helpers import write_articles

QUIET = RunOptions(progress=False)


def shard_hashes(release: Path, version: str = "1.0.0") -> dict[str, str]:
    manifest = json.loads((release / "manifests" / f"v{version}.json").read_text())
    return {s["path"]: s["sha256"] for s in manifest["shards"]}


def test_release_layout_and_accounting(articles: Path, tmp_path: Path):
    (articles / "broken.jsonl").write_text('{"text": "fine text of a record that is long enough to stay"}\n{oops\n')
    out = tmp_path / "corpus"
    result = builder.build([str(articles)], out, "1.0.0", BuildConfig(name="coast"), QUIET)
    m = result.manifest
    assert (out / "README.md").is_file() and (out / "croissant.json").is_file()
    assert (out / "manifests" / "v1.0.0.json").is_file()
    assert (out / "reports" / "v1.0.0" / "duplicates.parquet").is_file()
    assert not (out / ".shardsmith").exists()  # work and staging folders are gone
    acc = m["accounting"]
    assert acc["inputs"] == 15  # 13 markdown files + 2 JSONL lines
    assert acc["inputs"] == acc["rows"] + acc["duplicates"] + acc["rejects"]
    assert acc["balanced"] is True
    assert acc["duplicates"] >= 1  # the exact copy
    rejects = [json.loads(line) for line in (out / "reports" / "v1.0.0" / "rejects.jsonl").read_text().splitlines()]
    assert {"path": "broken.jsonl", "record": 2, "reason": "bad_json"}.items() <= rejects[0].items()
    duplicates = pq.read_table(out / "reports" / "v1.0.0" / "duplicates.parquet").to_pylist()
    kept_ids = set(pq.read_table(out / m["shards"][0]["path"], columns=["id"])["id"].to_pylist())
    assert all(d["kept_id"] in kept_ids for d in duplicates)
    for shard in m["shards"]:
        file = pq.ParquetFile(out / shard["path"])
        assert file.schema_arrow == document_schema()
        assert file.metadata.num_rows == shard["rows"] > 0
    assert "inputs 15 = rows" in result.summary()
    for phase in ("ingest", "process", "dedup_signatures", "publish"):  # what each phase cost
        timing = result.manifest["timings"][phase]
        assert timing["wall_seconds"] > 0 and timing["cpu_seconds"] > 0 and timing["peak_rss_mb"] > 50


def test_loads_with_datasets_normal_and_streaming(articles: Path, tmp_path: Path):
    datasets = pytest.importorskip("datasets")
    out = tmp_path / "corpus"
    result = builder.build([str(articles)], out, "1.0.0", BuildConfig(), QUIET)
    rows = result.manifest["rows"]
    ds = datasets.load_dataset(str(out), split="train")
    assert ds.num_rows == rows
    assert ds.features.arrow_schema.names == document_schema().names
    by_version = datasets.load_dataset(str(out), "v1.0.0", split="train")
    assert by_version.num_rows == rows
    streamed = list(datasets.load_dataset(str(out), split="train", streaming=True))
    assert [r["id"] for r in streamed] == ds["id"]
    assert streamed[0]["provenance"]["path"].endswith(".md")


def test_same_bytes_for_one_and_two_workers(articles: Path, tmp_path: Path):
    cfg = from_dict({"input": {"max_files_per_task": 3}, "publish": {"target_shard_bytes": 6000}})
    one = builder.build([str(articles)], tmp_path / "one", "1.0.0", cfg, QUIET)
    builder.build([str(articles)], tmp_path / "two", "1.0.0", cfg, RunOptions(workers=2, progress=False))
    assert len(one.manifest["shards"]) > 1
    assert shard_hashes(tmp_path / "one") == shard_hashes(tmp_path / "two")


def test_ids_and_provenance_are_stable_across_builds_and_releases(articles: Path, tmp_path: Path):
    a = builder.build([str(articles)], tmp_path / "a", "1.0.0", BuildConfig(), QUIET)
    b = builder.build([str(articles)], tmp_path / "b", "2.0.0", BuildConfig(name="other"), QUIET)
    columns = ["id", "provenance"]
    rows_a = pq.read_table(tmp_path / "a" / a.manifest["shards"][0]["path"], columns=columns).to_pylist()
    rows_b = pq.read_table(tmp_path / "b" / b.manifest["shards"][0]["path"], columns=columns).to_pylist()
    assert rows_a == rows_b  # no wall-clock time or machine detail in a row
    assert {r["provenance"]["path"] for r in rows_a} <= {p.name for p in articles.iterdir()}


def test_build_level_errors_stop_before_any_work(articles: Path, tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(builder.BuildError, match="no input files"):
        builder.build([str(empty)], tmp_path / "o1", "1.0.0", BuildConfig(), QUIET)
    with pytest.raises(builder.BuildError, match="input not found"):
        builder.build([str(tmp_path / "nope")], tmp_path / "o2", "1.0.0", BuildConfig(), QUIET)
    with pytest.raises(builder.BuildError, match="version must look like"):
        builder.build([str(articles)], tmp_path / "o3", "one", BuildConfig(), QUIET)
    assert not (tmp_path / "o1").exists() and not (tmp_path / "o3").exists()
    out = tmp_path / "corpus"
    builder.build([str(articles)], out, "1.0.0", BuildConfig(), QUIET)
    before = shard_hashes(out)
    with pytest.raises(builder.BuildError, match="already exists"):
        builder.build([str(articles)], out, "1.0.0", BuildConfig(), QUIET)
    with pytest.raises(builder.BuildError, match="must be newer"):
        builder.build([str(articles)], out, "0.9.0", BuildConfig(), QUIET)
    assert shard_hashes(out) == before


def test_on_bad_input_error_stops_the_build(articles: Path, tmp_path: Path):
    (articles / "bad.txt").write_bytes(b"caf\xe9 au lait")
    cfg = from_dict({"input": {"on_bad_input": "error"}})
    with pytest.raises(Exception, match=r"bad.txt:1: invalid_utf8"):
        builder.build([str(articles)], tmp_path / "corpus", "1.0.0", cfg, QUIET)
    assert not (tmp_path / "corpus" / "manifests").exists()


def test_append_release_adds_only_new_documents(tmp_path: Path):
    first, second = tmp_path / "first", tmp_path / "second"
    write_articles(first, 6)
    paths = write_articles(second, 4, start=20)
    (second / "again-0002.md").write_bytes((first / "article-0002.md").read_bytes())
    out = tmp_path / "corpus"
    v1 = builder.build([str(first)], out, "1.0.0", BuildConfig(), QUIET)
    old = shard_hashes(out)
    v2 = builder.build([str(second)], out, "1.1.0", BuildConfig(), QUIET)
    assert shard_hashes(out) == old  # earlier files untouched
    assert v2.manifest["parent"] == "1.0.0"
    assert v2.manifest["rows"] == len(paths)
    assert v2.manifest["total_rows"] == v1.manifest["rows"] + len(paths)
    dup = pq.read_table(out / "reports" / "v1.1.0" / "duplicates.parquet").to_pylist()
    v1_ids = set(pq.read_table(out / v1.manifest["shards"][0]["path"], columns=["id"])["id"].to_pylist())
    assert len(dup) == 1 and dup[0]["kept_id"] in v1_ids
    datasets = pytest.importorskip("datasets")
    assert datasets.load_dataset(str(out), "v1.0.0", split="train").num_rows == v1.manifest["rows"]
    assert datasets.load_dataset(str(out), "v1.1.0", split="train").num_rows == v2.manifest["total_rows"]
    assert datasets.load_dataset(str(out), split="train").num_rows == v2.manifest["total_rows"]


def test_a_first_release_with_no_surviving_document_is_an_error(tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.jsonl").write_text('{"text": ""}\n{broken\n')
    with pytest.raises(builder.BuildError, match="no document survived"):
        builder.build([str(folder)], tmp_path / "corpus", "1.0.0", BuildConfig(), QUIET)
    assert not (tmp_path / "corpus" / "manifests").exists()


def test_stage_settings_are_checked_before_any_work(articles: Path, tmp_path: Path):
    cfg = from_dict({"labels": {"file": str(tmp_path / "missing-labels.csv")}})
    with pytest.raises(builder.BuildError, match="bad config"):
        builder.build([str(articles)], tmp_path / "corpus", "1.0.0", cfg, QUIET)
    assert not (tmp_path / "corpus").exists()
