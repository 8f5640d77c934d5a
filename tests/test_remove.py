"""Takedowns: a new version without the given ids; only the shards that held them are rewritten."""

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import builder
from builder.cli import main
from builder.config import RunOptions, from_dict
from helpers import write_articles


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    write_articles(tmp_path / "a", 8)
    write_articles(tmp_path / "b", 4, start=40)
    out = tmp_path / "corpus"
    cfg = from_dict({"publish": {"target_shard_bytes": 5000}})
    builder.build([str(tmp_path / "a")], out, "1.0.0", cfg, RunOptions(progress=False))
    builder.build([str(tmp_path / "b")], out, "1.1.0", cfg, RunOptions(progress=False))
    return out


def ids_of(out: Path, version: str) -> list[str]:
    manifest = json.loads((out / "manifests" / f"v{version}.json").read_text())
    return [i for f in manifest["files"] for i in pq.read_table(out / f["path"], columns=["id"])["id"].to_pylist()]


def test_remove_round_trip(corpus: Path, tmp_path: Path):
    before = ids_of(corpus, "1.1.0")
    v1 = json.loads((corpus / "manifests" / "v1.0.0.json").read_text())
    assert len(v1["shards"]) > 1
    target = pq.read_table(corpus / v1["shards"][1]["path"], columns=["id"])["id"][0].as_py()
    ids_file = tmp_path / "takedown.txt"
    ids_file.write_text(f"# request 17\n{target}\n{'f' * 32}\n")
    old_files = {p: p.read_bytes() for p in (corpus / "data").rglob("*.parquet")}
    result = CliRunner().invoke(main, ["remove", str(corpus), "--ids", str(ids_file), "--version", "1.1.1", "--reason", "request 17"])
    assert result.exit_code == 0, result.output
    assert "not served" in result.output  # the unknown id is reported
    after = ids_of(corpus, "1.1.1")
    assert target not in after and sorted(after) == sorted(i for i in before if i != target)
    for path, data in old_files.items():
        assert path.read_bytes() == data  # earlier versions untouched
    m = json.loads((corpus / "manifests" / "v1.1.1.json").read_text())
    assert m["parent"] == "1.1.0" and m["removals"]["count"] == 1
    assert len(m["shards"]) == 1  # only the shard that held it was rewritten
    assert [json.loads(l)["id"] for l in (corpus / "removals" / "v1.1.1.jsonl").read_text().splitlines()] == [target]
    assert "v1.1.1" in (corpus / "README.md").read_text()
    datasets = pytest.importorskip("datasets")
    assert datasets.load_dataset(str(corpus), "v1.1.1", split="train").num_rows == len(after)
    assert datasets.load_dataset(str(corpus), "v1.1.0", split="train").num_rows == len(before)
    assert datasets.load_dataset(str(corpus), split="train").num_rows == len(after)
    report = builder.validate(corpus)
    assert report.ok, report.render("text")


def test_remove_errors(corpus: Path):
    with pytest.raises(builder.BuildError, match="must be newer"):
        builder.remove(corpus, ["x"], "1.0.5", "r")
    with pytest.raises(builder.BuildError, match="nothing to remove"):
        builder.remove(corpus, ["0" * 32], "1.2.0", "r")
    assert not (corpus / "manifests" / "v1.2.0.json").exists()
