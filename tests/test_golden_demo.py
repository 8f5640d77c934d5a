"""The golden end-to-end build: the bundled demo corpus through `shardsmith build --demo`,
checked against the corpus's ground truth (builder/demo/truth.json) and loaded with datasets."""

from __future__ import annotations

import json
import re

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from builder.cli import main
from builder.demo import load_truth
from builder.schema import document_schema


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("demo") / "corpus"
    result = CliRunner().invoke(main, ["build", "--demo", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifests" / "v1.0.0.json").read_text())
    rows = pq.read_table([out / s["path"] for s in manifest["shards"]][0]).to_pylist() if len(manifest["shards"]) == 1 else [
        r for s in manifest["shards"] for r in pq.read_table(out / s["path"]).to_pylist()
    ]
    by_key = {}
    for row in rows:
        prov = row["provenance"]
        key = prov["path"] if prov["path"].endswith(".md") else f"{prov['path']}#{prov['record']}"
        by_key[key] = row
    duplicates = pq.read_table(out / "reports" / "v1.0.0" / "duplicates.parquet").to_pylist()
    return {"out": out, "output": result.output, "manifest": manifest, "rows": by_key, "duplicates": duplicates,
            "truth": load_truth()}


def test_summary_and_accounting(demo):
    acc = demo["manifest"]["accounting"]
    assert acc["inputs"] == len(demo["truth"]["articles"]) == 50
    assert acc["inputs"] == acc["rows"] + acc["duplicates"] + acc["rejects"]
    assert "inputs 50 = rows" in demo["output"]
    assert "load_dataset(" in demo["output"]


def test_each_story_is_kept_once_and_its_copies_point_at_it(demo):
    truth = {a["key"]: a for a in demo["truth"]["articles"]}
    clusters: dict[str, list[str]] = {}
    for key, article in truth.items():
        clusters.setdefault(article["duplicate_of"] or key, []).append(key)
    removed = {d["id"]: d for d in demo["duplicates"]}
    assert len(demo["rows"]) == len(clusters)
    assert len(removed) == len(truth) - len(clusters)
    for members in clusters.values():
        kept = [k for k in members if k in demo["rows"]]
        assert len(kept) == 1, f"story {members}: kept {kept}"
        row = demo["rows"][kept[0]]
        assert row["dup_count"] == len(members) - 1
        pointing = [d for d in removed.values() if d["kept_id"] == row["id"]]
        assert len(pointing) == len(members) - 1
        if len(members) > 1:
            assert row["dup_cluster"] is not None


def test_hard_negatives_are_all_kept(demo):
    for group in demo["truth"]["hard_negatives"]:
        for key in group["articles"]:
            assert key in demo["rows"], f"{key} ({group['kind']}) was removed"


def test_language_licence_and_metadata_match_the_truth(demo):
    for article in demo["truth"]["articles"]:
        row = demo["rows"].get(article["key"])
        if row is None:
            continue
        assert row["language"] == article["language"], article["key"]
        assert row["license"] == article["license"], article["key"]
        assert row["license_status"] == article["license_status"], article["key"]
        expected_basis = {article["license_basis"]}
        if article["fair_use_claimed"] and article["repost_permission"]:
            # Both are on the page; the stage records the fair-use claim as the basis and both as evidence.
            expected_basis = {"permission", "fair_use_claimed"}
            kinds = {e["kind"] for e in row["license_evidence"]}
            assert {"permission", "fair_use"} <= kinds, article["key"]
        assert row["license_basis"] in expected_basis, article["key"]
        assert row["title"] == article["title"], article["key"]
        assert row["author"] == article["author"], article["key"]
        assert row["published"] == article["published"], article["key"]


def test_bodies_are_split_from_the_site_furniture(demo):
    for article in demo["truth"]["articles"]:
        row = demo["rows"].get(article["key"])
        if row is None:
            continue
        position = 0
        for start in article["body_starts"]:
            start = start.replace("*", "")  # the body is plain text: emphasis marks are dropped
            found = row["text"].find(start, position)
            assert found >= 0, f"{article['key']}: body paragraph '{start}' missing or out of order"
            position = found
            assert start not in row["boilerplate"], article["key"]
        assert "©" not in row["text"] and "Copyright" not in row["text"], article["key"]


def test_personal_data_is_redacted(demo):
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    for key, row in demo["rows"].items():
        assert not email.search(row["text"]) and not email.search(row["boilerplate"]), key
    assert sum(r["pii"]["emails"] for r in demo["rows"].values()) > 0


def test_shards_card_and_loading(demo):
    datasets = pytest.importorskip("datasets")
    out = demo["out"]
    for shard in demo["manifest"]["shards"]:
        assert pq.ParquetFile(out / shard["path"]).schema_arrow == document_schema()
    card = (out / "README.md").read_text()
    assert "configs:" in card and "default: true" in card and "## Licensing" in card
    ds = datasets.load_dataset(str(out), split="train")
    assert ds.num_rows == len(demo["rows"])
    assert set(ds["language"]) >= {"en", "fr", "de"}
    streamed = list(datasets.load_dataset(str(out), "v1.0.0", split="train", streaming=True))
    assert [r["id"] for r in streamed] == ds["id"]


def test_explain_shows_lines_and_cluster(demo):
    runner = CliRunner()
    with_copies = next(r for r in demo["rows"].values() if r["dup_count"] > 0)
    result = runner.invoke(main, ["explain", str(demo["out"]), with_copies["id"]])
    assert result.exit_code == 0, result.output
    assert f"copies    {with_copies['dup_count']} removed" in result.output
    assert "body" in result.output and "boilerplate" in result.output
    missing = runner.invoke(main, ["explain", str(demo["out"]), "0" * 32])
    assert missing.exit_code != 0 and "no document with id" in missing.output
