import pickle
from pathlib import Path

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
    assert store.parquet_num_rows("docs", "00000.parquet") == 2
    store.write_with(lambda handle: handle.write(b"\x93NUMPY"), "arrays", "a.npy")
    assert store.read_bytes("arrays", "a.npy") == b"\x93NUMPY"
    assert store.listdir("arrays") == ["a.npy"]
    assert store.listdir("docs") == ["00000.parquet"]  # no temporary file left behind
    assert store.listdir("nothing-here") == []
    again = pickle.loads(pickle.dumps(store))  # workers rebuild it from the URL
    assert again.read_json("plan.json") == {"a": [2], "b": 1}
    store.remove()
    assert not store.exists("plan.json")


def test_trees_go_up_and_come_down(tmp_path):
    local = tmp_path / "stage"
    (local / "v1" / "deep").mkdir(parents=True)
    (local / "v1" / "a.txt").write_text("a")
    (local / "v1" / "deep" / "b.bin").write_bytes(b"\x00b")
    store = Storage(f"memory://trees-{tmp_path.name}/release")
    store.put_tree(local, "data")
    assert store.read_text("data", "v1", "a.txt") == "a"
    assert store.read_bytes("data", "v1", "deep", "b.bin") == b"\x00b"
    back = tmp_path / "back"
    store.get_tree(back, "data", "v1")
    assert sorted(p.relative_to(back).as_posix() for p in back.rglob("*") if p.is_file()) == ["a.txt", "deep/b.bin"]
    assert (back / "deep" / "b.bin").read_bytes() == b"\x00b"
    store.remove()


def test_local_path_keeps_a_plain_path_as_given(tmp_path):
    assert Storage("relative/out").local_path() == Path("relative/out")
    assert Storage(f"file://{tmp_path}/out").local_path() == tmp_path / "out"
    assert Storage(f"file://{tmp_path}/out").local and not Storage("memory://x/y").local
