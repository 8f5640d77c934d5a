"""The phase machinery: task planning, completion markers, resuming a killed build."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest

import builder
from builder import pipeline
from builder.config import BoilerplateConfig, BuildConfig, InputConfig, RunOptions
from builder.context import BuildContext
from builder.document import Document
from builder.pipeline import FAULT_AFTER_MARKER, FAULT_BEFORE_MARKER, phases, plan_tasks
from builder.readers import InputFile
from builder.stages import boilerplate
from helpers import write_articles


def files(sizes: list[int]) -> list[InputFile]:
    return [InputFile(f"/x/{i}", f"{i}", "text", None, size) for i, size in enumerate(sizes)]


def test_tasks_follow_input_order_and_limits():
    cfg = InputConfig(max_file_bytes_per_task=100, max_files_per_task=3)
    tasks = plan_tasks(files([10, 20, 30, 40, 90, 5, 5, 5, 5]), cfg)
    assert [[f.rel for f in t] for t in tasks] == [["0", "1", "2"], ["3"], ["4", "5", "6"], ["7", "8"]]
    assert plan_tasks([], cfg) == []


def build_command(inputs: Path, out: Path, *extra: str) -> list[str]:
    config = out.parent / "small-tasks.toml"
    config.write_text("[input]\nmax_files_per_task = 2\n")
    return [sys.executable, "-m", "builder", "build", str(inputs), "--out", str(out), "--config", str(config), "--quiet", *extra]


def shard_hashes(out: Path) -> dict[str, str]:
    manifest = json.loads((out / "manifests" / "v1.0.0.json").read_text())
    return {s["path"]: s["sha256"] for s in manifest["shards"]}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """Inputs and the shard hashes of an uninterrupted build of them."""
    root = tmp_path_factory.mktemp("resume")
    write_articles(root / "in", 7)
    out = root / "reference"
    subprocess.run(build_command(root / "in", out), check=True)
    return root / "in", shard_hashes(out)


def phase_names() -> list[str]:
    """Every phase of a build, asked from the pipeline itself (so a new phase is tested too)."""
    ctx = BuildContext(work="/nonexistent", config=BuildConfig(), config_hash="", version="1.0.0",
                       pipeline_version="", n_shards=1)
    return [name for name, _, _ in phases(ctx)]


# Kill each phase once, alternating between "outputs written, no marker yet" and "marker written".
KILLS = [(f"{name}:0", FAULT_BEFORE_MARKER if i % 2 == 0 else FAULT_AFTER_MARKER) for i, name in enumerate(phase_names())]


@pytest.mark.parametrize("phase, fault", KILLS)
def test_killed_build_resumes_to_the_same_bytes(corpus, tmp_path: Path, phase: str, fault: str):
    inputs, reference = corpus
    out = tmp_path / "corpus"
    killed = subprocess.run(build_command(inputs, out), env={**os.environ, fault: phase}, capture_output=True)
    assert killed.returncode == -9  # SIGKILL, as from outside
    assert not (out / "manifests").exists()  # nothing published
    markers = list((out / ".shardsmith").rglob("completions/*/*.json"))
    resumed = subprocess.run(build_command(inputs, out), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert shard_hashes(out) == reference
    manifest = json.loads((out / "manifests" / "v1.0.0.json").read_text())
    resumed_tasks = sum(t.get("resumed_tasks", 0) for t in manifest["timings"].values())
    assert resumed_tasks == len(markers)  # the finished tasks were not run again


def test_without_templates_ingest_and_process_are_one_phase():
    def names(config: BuildConfig) -> list[str]:
        ctx = BuildContext(work="/nonexistent", config=config, config_hash="", version="1.0.0", pipeline_version="", n_shards=1)
        return [name for name, _, _ in phases(ctx)]

    assert names(BuildConfig())[:3] == ["ingest", "templates", "process"]
    no_split = BuildConfig(boilerplate=BoilerplateConfig(enabled=False))
    assert names(no_split)[0] == "ingest_process" and "templates" not in names(no_split)


def test_the_single_phase_gives_the_same_release_as_the_two(tmp_path: Path, monkeypatch):
    write_articles(tmp_path / "in", 7)
    (tmp_path / "in" / "empty.txt").write_text("  \n")  # a reject from ingest
    (tmp_path / "in" / "zz-copy.md").write_bytes((tmp_path / "in" / "article-0000.md").read_bytes())  # a duplicate
    config = BuildConfig(boilerplate=BoilerplateConfig(enabled=False), input=InputConfig(max_files_per_task=3, on_bad_input="skip"))
    fused = builder.build([str(tmp_path / "in")], tmp_path / "fused", "1.0.0", config, RunOptions(progress=False))
    assert "ingest_process" in fused.manifest["timings"]
    monkeypatch.setattr(pipeline, "needs_templates", lambda cfg: True)
    split = builder.build([str(tmp_path / "in")], tmp_path / "split", "1.0.0", config, RunOptions(progress=False))
    assert "templates" in split.manifest["timings"]
    assert shard_hashes(tmp_path / "fused") == shard_hashes(tmp_path / "split")
    for report in ("rejects.jsonl", "duplicates.parquet"):
        assert (tmp_path / "fused" / "reports" / "v1.0.0" / report).read_bytes() == (tmp_path / "split" / "reports" / "v1.0.0" / report).read_bytes()
    assert fused.manifest["accounting"] == split.manifest["accounting"]
    assert fused.manifest["accounting"]["duplicates"] == 1 and fused.manifest["accounting"]["rejects"] == 1


def test_a_document_is_as_ingested_only_when_the_work_file_would_give_it_back_unchanged():
    doc = Document(id="i", text="Some text", path="a.jsonl", record=2, raw_hash="r", title="T", published="2020-01-01")
    doc.source_text = doc.text
    assert pipeline.is_as_ingested(doc) and pipeline.as_ingested(doc) == doc
    for name, value in [("language", "en"), ("n_tokens", 3), ("segments", [{"start": 0}]), ("boilerplate", "x"),
                        ("source_text", "Some  text"), ("pii", {"emails": 1, "phones": 0, "ips": 0})]:
        changed = pipeline.as_ingested(doc)
        setattr(changed, name, value)
        assert not pipeline.is_as_ingested(changed), name
        assert pipeline.as_ingested(changed) == doc  # the round trip drops what the work file does not keep


def test_the_ingest_work_file_holds_the_ingest_records():
    docs = [Document(id="i", text="Some text", path="a.jsonl", record=2, raw_hash="r", title="T", html=None),
            Document(id="j", text="", path="b.html", record=1, raw_hash="s", html="<p>x</p>", html_body="x", crawled="2021")]
    table = pipeline.ingest_table(docs)
    assert table.schema == pipeline.INGEST_SCHEMA
    assert table.to_pylist() == [pipeline.ingest_record(doc) for doc in docs]
    # read back: each record as a document, its text the source text too
    assert list(pipeline.documents_from_columns(table.to_pydict())) == [Document(**r, source_text=r["text"]) for r in table.to_pylist()]


def test_the_process_phase_reads_documents_straight_from_the_work_file_columns():
    docs = [Document(id="i", text="Some text", path="a.jsonl", record=2, raw_hash="r", title="T", url="u", source="s",
                     author="A", published="2020-01-01", source_id="7", crawled="2021"),
            Document(id="j", text="Page", path="b.html", record=1, raw_hash="s", html="<p>x</p>", html_body="x")]
    columns = pipeline.ingest_table(docs).to_pydict()
    read_back = list(pipeline.documents_from_columns(columns))
    assert read_back == [pipeline.as_ingested(doc) for doc in docs]
    assert read_back[0].source_text == "Some text" and read_back[1].html_body == "x" and read_back[1].boilerplate == ""
    assert list(pipeline.documents_from_columns(pipeline.INGEST_SCHEMA.empty_table().to_pydict())) == []


@pytest.mark.parametrize("fault", [FAULT_BEFORE_MARKER, FAULT_AFTER_MARKER])
def test_the_single_phase_resumes_to_the_same_bytes(tmp_path: Path, fault: str):
    write_articles(tmp_path / "in", 7)
    config = tmp_path / "no-split.toml"
    config.write_text("[input]\nmax_files_per_task = 2\n[boilerplate]\nenabled = false\n")

    def command(out: Path) -> list[str]:
        return [sys.executable, "-m", "builder", "build", str(tmp_path / "in"), "--out", str(out), "--config", str(config), "--quiet"]

    subprocess.run(command(tmp_path / "reference"), check=True)
    killed = subprocess.run(command(tmp_path / "corpus"), env={**os.environ, fault: "ingest_process:1"}, capture_output=True)
    assert killed.returncode == -9
    resumed = subprocess.run(command(tmp_path / "corpus"), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert shard_hashes(tmp_path / "corpus") == shard_hashes(tmp_path / "reference")


def write_line_counts(ctx: BuildContext, shards: list[dict[tuple[str, int], int]], docs: list[dict[str, int]]) -> None:
    for rank, (lines, sources) in enumerate(zip(shards, docs)):
        rows = sorted((s, k, n) for (s, k), n in lines.items())
        ctx.store.write_parquet(
            pa.table([[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]], schema=pipeline.LINES_SCHEMA),
            "lines", f"{rank:05d}.parquet",
        )
        ctx.store.write_parquet(pa.table([list(sources), list(sources.values())], schema=pipeline.SOURCES_SCHEMA),
                                "lines", f"{rank:05d}.sources.parquet")


@pytest.mark.parametrize("counter_bits", [24, 3])  # 3 bits: 8 counters, every one shared by many lines
def test_templates_are_exact_with_bounded_counters(tmp_path: Path, monkeypatch, counter_bits: int):
    rng = random.Random(counter_bits)
    sources = {"big.example": 400, "small.example": 12, "": 5}
    shards, docs = [], []
    for rank in range(4):  # each source's documents spread over four shards
        lines: Counter[tuple[str, int]] = Counter()
        for source, total in sources.items():
            for _ in range(total // 4 + (rank < total % 4)):
                for key in rng.sample(range(60), 12) + [rng.getrandbits(62) for _ in range(5)]:
                    lines[(source, key)] += 1  # lines 0-59 recur, the random ones almost never
        shards.append(lines)
        docs.append({s: n // 4 + (rank < n % 4) for s, n in sources.items()})
    ctx = BuildContext(work=str(tmp_path / "work"), config=BuildConfig(), config_hash="", version="1.0.0",
                       pipeline_version="", n_shards=len(shards))
    write_line_counts(ctx, shards, docs)
    monkeypatch.setattr(pipeline, "TEMPLATE_COUNTER_BITS", counter_bits)
    pipeline.templates(ctx, 0)

    total: Counter[tuple[str, int]] = sum(shards, Counter())  # the plain definition: all counts merged
    expected = {
        source: boilerplate.select_templates(n, {k: c for (s, k), c in total.items() if s == source}, ctx.config.boilerplate)
        for source, n in sources.items()
    }
    assert pipeline.load_templates(ctx) == {s: (sources[s], expected[s]) for s in sources}
    assert expected["big.example"] and expected["small.example"]  # both thresholds (share, min docs) exercised


def test_line_counts_are_one_row_per_source_and_key_in_order():
    # each source's keys listed once per document they are in, in document order
    source_keys = {"b.org": [7, -3, 7], "a.org": [5, 5, 5, 5], "c.org": []}
    table = pipeline.line_counts_table(source_keys)
    assert table.schema == pipeline.LINES_SCHEMA
    assert table.to_pylist() == [
        {"source": "a.org", "key": 5, "df": 4},
        {"source": "b.org", "key": -3, "df": 1},
        {"source": "b.org", "key": 7, "df": 2},
    ]
    assert pipeline.line_counts_table({}).num_rows == 0
