import pickle

import pyarrow as pa
import pytest

from builder.storage import Storage


@pytest.mark.parametrize("kind", ["local", "file-url", "memory"])
def test_round_trips_on_any_filesystem(tmp_path, kind):
    url = {"local": str(tmp_path / "w"), "file-url": f"file://{tmp_path}/w", "memory": f"memory://test-{tmp_path.name}/w"}[kind]
    store = Storage(url)
    store.write_json({"b": 1, "a": [2]}, "plan.json")
    store.write_text("x\ny\n", "rejects", "ingest-00000.jsonl")
    table = pa.table({"id": ["a", "b"], "n": [1, 2]})
    store.write_parquet(table, "docs", "00000.parquet")
    assert store.read_json("plan.json") == {"a": [2], "b": 1}
    assert store.read_text("rejects", "ingest-00000.jsonl") == "x\ny\n"
    assert store.read_parquet("docs", "00000.parquet", columns=["id"])["id"].to_pylist() == ["a", "b"]
    assert store.listdir("docs") == ["00000.parquet"]  # no temporary file left behind
    assert store.listdir("nothing-here") == []
    again = pickle.loads(pickle.dumps(store))  # workers rebuild it from the URL
    assert again.read_json("plan.json") == {"a": [2], "b": 1}
    store.remove()
    assert not store.exists("plan.json")
