"""A release published to an fsspec URL (here fsspec's in-process `memory://` filesystem, which
stands for s3://, gs://, ...) is the same release as a local build of the same inputs: the same
shard bytes, a release that passes `validate` and loads with `datasets` once downloaded; earlier
versions are read back from the URL, a half-uploaded version is no version."""

from __future__ import annotations

import json
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from fsspec.implementations.memory import MemoryFileSystem

import builder
from builder.cli import main
from builder.config import RunOptions, from_dict
from builder.publish import card, manifest
from builder.publish.release import version_exists
from helpers import write_articles

QUIET = RunOptions(progress=False)
SMALL_SHARDS = from_dict({"publish": {"target_shard_bytes": 5000}})


@pytest.fixture
def remote(tmp_path: Path):
    """A fresh URL on the in-process memory filesystem (shared by the whole test process)."""
    url = f"memory://bucket-{tmp_path.name}/corpus"
    yield url
    fs = fsspec.filesystem("memory")
    if fs.exists(f"/bucket-{tmp_path.name}"):
        fs.rm(f"/bucket-{tmp_path.name}", recursive=True)


def memory_root(url: str) -> str:
    return url[len("memory://") - 1:]  # memory://b/c -> /b/c


def download(url: str, folder: Path) -> Path:
    fsspec.filesystem("memory").get(memory_root(url) + "/", str(folder) + "/", recursive=True)
    return folder


def remote_files(url: str) -> dict[str, bytes]:
    fs = fsspec.filesystem("memory")
    root = memory_root(url)
    return {path[len(root) + 1:]: fs.cat_file(path) for path in fs.find(root)}


def second_inputs(tmp_path: Path, first: Path) -> Path:
    """New articles, an exact copy of an earlier release's article and a lightly edited one."""
    folder = tmp_path / "second"
    write_articles(folder, 4, start=40)
    (folder / "again-0005.md").write_bytes((first / "article-0005.md").read_bytes())
    edited = (first / "article-0007.md").read_text().replace("Report number 7", "Report number 7, updated")
    (folder / "edited-0007.md").write_text(edited)
    return folder


def without_run_details(m: dict) -> dict:
    return {k: v for k, v in m.items() if k not in ("created", "timings")}


def test_remote_release_is_the_local_release(tmp_path: Path, articles: Path, remote: str):
    local = tmp_path / "local"
    second = second_inputs(tmp_path, articles)
    for version, inputs in (("1.0.0", articles), ("1.1.0", second)):
        a = builder.build([str(inputs)], local, version, SMALL_SHARDS, QUIET)
        b = builder.build([str(inputs)], remote, version, SMALL_SHARDS, QUIET)
        assert b.release == remote
        assert without_run_details(b.manifest) == without_run_details(a.manifest)
    assert manifest.list_versions(remote) == ["1.0.0", "1.1.0"]
    files = remote_files(remote)
    # The second version was deduplicated against the first, whose index was read back from the
    # URL: both copies point at documents of v1.0.0.
    first_ids = {i for s in manifest.load(remote, "1.0.0")["shards"] for i in pq.read_table(local / s["path"])["id"].to_pylist()}
    duplicates = pq.read_table(pa.BufferReader(files["reports/v1.1.0/duplicates.parquet"])).to_pylist()
    assert len(duplicates) == 2 and {d["kept_id"] for d in duplicates} <= first_ids
    assert not [name for name in files if name.startswith(".shardsmith") or name.endswith(".tmp")]
    assert not Path(builder.default_work_dir(remote, "1.1.0")).exists()  # the local work dir is gone
    for m in manifest.load_all(remote):
        for shard in m["shards"]:
            assert files[shard["path"]] == (local / shard["path"]).read_bytes()  # byte-identical shards
    # The card's configs: one per version, cumulative, the newest the default.
    assert card.read_card_yaml(remote)["configs"] == card.read_card_yaml(local)["configs"]

    downloaded = download(remote, tmp_path / "downloaded")
    report = builder.validate(downloaded)
    assert report.ok, report.render("text")
    datasets = pytest.importorskip("datasets")
    got = datasets.load_dataset(str(downloaded), split="train", cache_dir=str(tmp_path / "cache-a"))
    want = datasets.load_dataset(str(local), split="train", cache_dir=str(tmp_path / "cache-b"))
    assert got.num_rows == want.num_rows == b.manifest["total_rows"]
    assert got.to_list() == want.to_list()


def test_half_uploaded_version_is_no_version_and_is_cleared(tmp_path: Path, articles: Path, remote: str):
    builder.build([str(articles)], remote, "1.0.0", run=QUIET)
    fs = fsspec.filesystem("memory")
    root = memory_root(remote)
    # An upload of 1.1.0 that stopped before its manifest.
    fs.pipe(f"{root}/data/v1.1.0/train-00000-of-00003.parquet", b"half a shard")
    fs.pipe(f"{root}/reports/v1.1.0/rejects.jsonl", b"{}\n")
    assert manifest.list_versions(remote) == ["1.0.0"]
    assert not version_exists(remote, "1.1.0")

    result = builder.build([str(second_inputs(tmp_path, articles))], remote, "1.1.0", run=QUIET)
    served = {s["path"] for s in result.manifest["shards"]}
    data = {name for name in remote_files(remote) if name.startswith("data/v1.1.0/")}
    assert data == served  # the leftover shard is gone
    assert manifest.list_versions(remote) == ["1.0.0", "1.1.0"]

    before = remote_files(remote)
    with pytest.raises(builder.BuildError, match="already exists"):
        builder.build([str(articles)], remote, "1.1.0", run=QUIET)
    with pytest.raises(builder.BuildError, match="must be newer"):
        builder.build([str(articles)], remote, "1.0.5", run=QUIET)
    assert remote_files(remote) == before  # nothing was touched


def test_remove_from_remote_release(tmp_path: Path, articles: Path, remote: str):
    local = tmp_path / "local"
    builder.build([str(articles)], local, "1.0.0", SMALL_SHARDS, QUIET)
    builder.build([str(articles)], remote, "1.0.0", SMALL_SHARDS, QUIET)
    v1 = manifest.load(remote, "1.0.0")
    assert len(v1["shards"]) > 1
    target = pq.read_table(local / v1["shards"][1]["path"], columns=["id"])["id"][0].as_py()
    earlier = remote_files(remote)

    a = builder.remove(local, [target], "1.0.1", "request 3")
    b = builder.remove(remote, [target], "v1.0.1", "request 3")
    assert without_run_details(b) == without_run_details(a)
    assert b["removals"]["count"] == 1 and len(b["shards"]) == 1
    files = remote_files(remote)
    assert all(files[name] == data for name, data in earlier.items() if name.startswith("data/"))  # untouched
    assert [json.loads(line)["id"] for line in files["removals/v1.0.1.jsonl"].decode().splitlines()] == [target]
    assert files[b["shards"][0]["path"]] == (local / a["shards"][0]["path"]).read_bytes()

    downloaded = download(remote, tmp_path / "downloaded")
    report = builder.validate(downloaded)
    assert report.ok, report.render("text")


class OwnProtocol(MemoryFileSystem):
    """The memory filesystem under another protocol name (its paths are its own)."""

    @classmethod
    def _strip_protocol(cls, path):
        return super()._strip_protocol(path.removeprefix(f"{cls.protocol}://"))


class ReadOnlyMemoryFileSystem(OwnProtocol):
    """A filesystem that lists and reads but refuses every write, as a bucket without write access."""

    protocol = "readonly-memory"

    def _open(self, path, mode="rb", **kwargs):
        if "r" not in mode:
            raise PermissionError(f"Access Denied: write to {path}\nrequest id 42")
        return super()._open(path, mode, **kwargs)


def test_unusable_output_is_a_one_line_build_error(tmp_path: Path, articles: Path):
    with pytest.raises(builder.BuildError, match="Protocol not known: nosuch") as error:
        builder.build([str(articles)], "nosuch://bucket/corpus", "1.0.0", run=QUIET)
    assert "\n" not in str(error.value)
    fsspec.register_implementation("readonly-memory", ReadOnlyMemoryFileSystem, clobber=True)
    with pytest.raises(builder.BuildError, match="cannot write to readonly-memory://") as error:
        builder.build([str(articles)], "readonly-memory://bucket/corpus", "1.0.0", run=QUIET)
    assert "\n" not in str(error.value) and "Access Denied" in str(error.value)
    with pytest.raises(builder.BuildError, match="Protocol not known"):
        builder.remove("nosuch://bucket/corpus", ["x"], "1.0.1", "r")


def test_cli_and_file_urls(tmp_path: Path, articles: Path, remote: str):
    result = CliRunner().invoke(main, ["build", str(articles), "--out", remote, "--version", "1.0.0", "--quiet"])
    assert result.exit_code == 0, result.output
    assert f"-> {remote}" in result.output and f"copy {remote} to a folder" in result.output
    m = manifest.load(remote, "1.0.0")
    assert m["name"] == "corpus" and m["accounting"]["balanced"]  # named after the URL's last part
    ids_file = tmp_path / "takedown.txt"
    with fsspec.open(f"{remote}/{m['shards'][0]['path']}", "rb") as handle:
        served = pq.read_table(handle, columns=["id"])["id"][0].as_py()
    ids_file.write_text(f"{served}\n")
    result = CliRunner().invoke(main, ["remove", remote, "--ids", str(ids_file), "--version", "1.0.1", "--reason", "r"])
    assert result.exit_code == 0, result.output
    assert manifest.load(remote, "1.0.1")["parent"] == "1.0.0"
    result = CliRunner().invoke(main, ["remove", str(tmp_path / "nothing-here"), "--ids", str(ids_file), "--version", "1.0.1", "--reason", "r"])
    assert result.exit_code != 0 and "nothing-here" in result.output

    # A file:// URL is the local disk: the release is the folder, as with a plain path.
    out = tmp_path / "by-url"
    built = builder.build([str(articles)], f"file://{out}", "1.0.0", run=QUIET)
    assert built.release == out
    assert (out / "manifests" / "v1.0.0.json").is_file() and not (out / ".shardsmith").exists()
    assert [s["sha256"] for s in built.manifest["shards"]] == [s["sha256"] for s in m["shards"]]


class RecordingMemoryFileSystem(OwnProtocol):
    """The memory filesystem, recording the order in which files are written."""

    protocol = "recording-memory"
    written: list[str] = []

    def _open(self, path, mode="rb", **kwargs):
        if "r" not in mode:
            RecordingMemoryFileSystem.written.append(path)
        return super()._open(path, mode, **kwargs)

    def put_file(self, lpath, rpath, *args, **kwargs):
        RecordingMemoryFileSystem.written.append(self._strip_protocol(rpath))
        return super().put_file(lpath, rpath, *args, **kwargs)


def test_upload_order_data_first_manifest_last(articles: Path, tmp_path: Path):
    fsspec.register_implementation("recording-memory", RecordingMemoryFileSystem, clobber=True)
    RecordingMemoryFileSystem.written = []
    url = f"recording-memory://order-{tmp_path.name}/corpus"
    builder.build([str(articles)], url, "1.0.0", run=QUIET)
    root = f"/order-{tmp_path.name}/corpus/"
    order = [p[len(root):] for p in RecordingMemoryFileSystem.written if p.startswith(root) and "shardsmith-write-test" not in p]
    assert order[-1] == "manifests/v1.0.0.json"
    last_data = max(i for i, p in enumerate(order) if p.split("/")[0] in ("data", "reports", "index"))
    first_metadata = min(i for i, p in enumerate(order) if p in ("README.md", "croissant.json") or p.startswith("charts/"))
    assert last_data < first_metadata
    assert {"data", "reports", "index", "charts", "README.md", "croissant.json"} <= {p.split("/")[0] for p in order}
    fsspec.filesystem("recording-memory").rm(f"/order-{tmp_path.name}", recursive=True)
