"""The same build on a loopback Dask cluster gives the same bytes as the local executor."""

import json
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="the dask extra is not installed")

import builder  # noqa: E402
from builder.config import RunOptions, from_dict  # noqa: E402


def hashes(out: Path) -> dict[str, str]:
    manifest = json.loads((out / "manifests" / "v1.0.0.json").read_text())
    return {s["path"]: s["sha256"] for s in manifest["shards"]}


def test_dask_build_is_byte_identical_to_local(articles: Path, tmp_path: Path):
    cfg = from_dict({"input": {"max_files_per_task": 3}, "publish": {"target_shard_bytes": 6000}})
    builder.build([str(articles)], tmp_path / "local", "1.0.0", cfg, RunOptions(progress=False))
    builder.build([str(articles)], tmp_path / "dask", "1.0.0", cfg, RunOptions(executor="dask", workers=2, progress=False))
    assert len(hashes(tmp_path / "local")) > 1
    assert hashes(tmp_path / "dask") == hashes(tmp_path / "local")


def test_dask_executor_runs_tasks_on_the_cluster():
    from builder.executors.dask import DaskExecutor

    executor = DaskExecutor(workers=2)
    try:
        results = sorted(executor.map(abs, [-3, -1, -2]))
        assert results == [1, 2, 3]
        host = executor.client.scheduler.address
        assert host.startswith("tcp://127.0.0.1:")  # loopback only
    finally:
        executor.close()
