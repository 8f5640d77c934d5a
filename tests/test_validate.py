"""`shardsmith validate`: a good two-release corpus passes, and each kind of damage done to a copy
of it fails naming the right check (and the file, and the row where one applies)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from huggingface_hub import DatasetCard

import builder
from builder.cli import main
from builder.config import RunOptions, from_dict
from builder.publish.parquet import sha256_file
from builder.validate import CHECKS, Report, UsageError, validate
from helpers import article_body

QUIET = RunOptions(progress=False)

CC_BY = "This article is published under a Creative Commons Attribution 4.0 International License."


def write_inputs(folder: Path, first: int, count: int, site: str) -> None:
    """JSONL articles with a url, a date and a title; every third one under CC BY 4.0."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(first, first + count):
        text = article_body(1000 + i) + ("\n\n" + CC_BY if i % 3 == 0 else "")
        lines.append(json.dumps({
            "id": f"{site}-{i}",
            "url": f"https://{site}.example.org/news/{i}",
            "title": f"Story {i} from {site}",
            "published": f"2024-03-{1 + i % 28:02d}",
            "text": text,
        }))
    (folder / f"{site}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="session")
def good_release(tmp_path_factory) -> Path:
    """v1.0.0 and v1.1.0, several small shards each: built once per session, copied per test."""
    root = tmp_path_factory.mktemp("validate")
    write_inputs(root / "in1", 0, 14, "gazette")
    write_inputs(root / "in2", 100, 10, "tribune")
    config = from_dict({"name": "validate-test", "publish": {"target_shard_bytes": 8_000}})
    out = root / "corpus"
    builder.build([str(root / "in1")], out, "1.0.0", config, QUIET)
    builder.build([str(root / "in2")], out, "1.1.0", config, QUIET)
    return out


@pytest.fixture
def release(good_release: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "corpus"
    shutil.copytree(good_release, copy)
    return copy


def test_the_api_function_survives_repeated_calls(good_release):
    # builder.validate is both a module and the API function: calling it twice must work.
    assert builder.validate(good_release).ok and builder.validate(str(good_release)).ok


def manifest(release: Path, version: str) -> dict:
    return json.loads((release / "manifests" / f"v{version}.json").read_text())


def save_manifest(release: Path, version: str, data: dict) -> None:
    (release / "manifests" / f"v{version}.json").write_text(json.dumps(data, indent=2, sort_keys=True))


def shard_paths(release: Path, version: str) -> list[str]:
    return [s["path"] for s in manifest(release, version)["shards"]]


def rewrite_shard(release: Path, path: str, table: pa.Table, update_manifest: bool = True) -> None:
    """Write `table` over a shard; by default also update its manifest entry (sha256, bytes,
    rows), as a careless tool would, so that only the check aimed at catches it."""
    pq.write_table(table, release / path, compression="zstd", write_page_index=True)
    if not update_manifest:
        return
    version = path.split("/")[1][1:]
    data = manifest(release, version)
    for shard in data["shards"]:
        if shard["path"] == path:
            shard.update(sha256=sha256_file(release / path), bytes=(release / path).stat().st_size, rows=table.num_rows)
    save_manifest(release, version, data)


def failed(report: Report) -> set[str]:
    return set(report.failed_checks())


def findings_of(report: Report, check: str) -> list:
    return [f for f in report.errors if f.check == check]


# --------------------------------------------------------------------------- the good corpus


def test_good_release_passes_every_check(good_release: Path):
    report = validate(good_release)
    assert report.ok, report.render("text")
    assert report.versions == ["1.0.0", "1.1.0"]
    assert report.checks_run == list(CHECKS)
    assert len(shard_paths(good_release, "1.1.0")) >= 2  # the damage below needs several shards


def test_one_version_is_checked_with_what_came_before(good_release: Path):
    report = validate(good_release, version="v1.0.0")
    assert report.ok, report.render("text")
    assert report.versions == ["1.0.0"]
    with pytest.raises(UsageError, match="2.0.0"):
        validate(good_release, version="2.0.0")


# --------------------------------------------------------------------------- damage


def test_flipped_byte_in_a_shard(release: Path):
    path = shard_paths(release, "1.1.0")[0]
    data = bytearray((release / path).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (release / path).write_bytes(bytes(data))
    report = validate(release)
    assert "checksum" in failed(report)
    assert [f.file for f in findings_of(report, "checksum")] == [path]


def test_deleted_shard(release: Path):
    path = shard_paths(release, "1.1.0")[-1]
    (release / path).unlink()
    report = validate(release)
    assert {"files", "numbering"} <= failed(report)
    assert any(f.file == path and "missing" in f.message for f in findings_of(report, "files"))


def test_extra_shard(release: Path):
    paths = shard_paths(release, "1.1.0")
    extra = paths[0].rsplit("/", 1)[0] + f"/train-{len(paths):05d}-of-{len(paths):05d}.parquet"
    shutil.copy(release / paths[0], release / extra)
    report = validate(release)
    assert "files" in failed(report)
    assert any(f.file == extra and "no manifest" in f.message for f in findings_of(report, "files"))


def test_added_column(release: Path):
    path = shard_paths(release, "1.1.0")[0]
    table = pq.read_table(release / path)
    rewrite_shard(release, path, table.append_column("score", pa.array([0.5] * table.num_rows)))
    report = validate(release)
    assert "schema" in failed(report)
    assert any("score" in f.message and f.file == path for f in findings_of(report, "schema"))
    assert "checksum" not in failed(report)  # the manifest was updated: the schema check alone catches it


def test_changed_column_type(release: Path):
    path = shard_paths(release, "1.1.0")[0]
    table = pq.read_table(release / path)
    index = table.schema.get_field_index("n_words")
    rewrite_shard(release, path, table.set_column(index, pa.field("n_words", pa.int32(), nullable=False), table["n_words"].cast(pa.int32())))
    report = validate(release)
    assert any("n_words" in f.message and "int32" in f.message for f in findings_of(report, "schema"))


def test_duplicated_row(release: Path):
    path = shard_paths(release, "1.1.0")[0]
    table = pq.read_table(release / path)
    rewrite_shard(release, path, pa.concat_tables([table, table.slice(0, 1)]))
    report = validate(release)
    assert {"ids", "exact_dup"} <= failed(report)
    assert [(f.file, f.row) for f in findings_of(report, "ids")] == [(path, table.num_rows)]


def test_duplicate_of_an_earlier_release_document(release: Path):
    old = pq.read_table(release / shard_paths(release, "1.0.0")[0]).slice(0, 1)
    copy = old.set_column(0, old.schema.field("id"), pa.array(["f" * 32]))  # a new id, the same body
    path = shard_paths(release, "1.1.0")[-1]
    table = pq.read_table(release / path)
    rewrite_shard(release, path, pa.concat_tables([table, copy]))
    report = validate(release)
    dups = findings_of(report, "exact_dup")
    assert [(f.file, f.row) for f in dups] == [(path, table.num_rows)]
    assert "v1.0.0" in dups[0].message
    assert "ids" not in failed(report)


def test_near_duplicate_of_an_earlier_release_document(release: Path):
    old = pq.read_table(release / shard_paths(release, "1.0.0")[0]).slice(0, 1)
    text = old["text"][0].as_py()
    edited = text.replace(".", ";", 1) + " An editor added this closing line."
    copy = old.set_column(0, old.schema.field("id"), pa.array(["e" * 32]))
    copy = copy.set_column(copy.schema.get_field_index("text"), copy.schema.field("text"), pa.array([edited]))
    copy = copy.set_column(copy.schema.get_field_index("text_hash"), copy.schema.field("text_hash"), pa.array(["d" * 32]))
    path = shard_paths(release, "1.1.0")[0]
    rewrite_shard(release, path, pa.concat_tables([copy, pq.read_table(release / path)]))  # row 0 is always sampled
    report = validate(release)
    found = findings_of(report, "near_dup")
    assert [(f.file, f.row) for f in found] == [(path, 0)]
    assert old["id"][0].as_py() in found[0].message and "v1.0.0" in found[0].message
    assert "exact_dup" not in failed(report)


def test_changed_old_shard(release: Path):
    path = shard_paths(release, "1.0.0")[0]
    table = pq.read_table(release / path)
    titles = pa.array(["A new title"] + table["title"].to_pylist()[1:], pa.string())
    rewrite_shard(release, path, table.set_column(table.schema.get_field_index("title"), table.schema.field("title"), titles),
                  update_manifest=False)
    report = validate(release)
    assert {f.file for f in findings_of(report, "immutable")} == {path}
    assert "checksum" not in failed(report)  # the newest version's own shards are intact


def test_stale_card_counts(release: Path):
    card = DatasetCard.load(release / "README.md")
    card.data.dataset_info[-1]["splits"][0]["num_examples"] += 1
    card.save(release / "README.md")
    report = validate(release)
    assert "card_info" in failed(report)
    assert any("num_examples" in f.message and "v1.1.0" in f.message for f in findings_of(report, "card_info"))


def test_card_config_that_misses_a_folder(release: Path):
    card = DatasetCard.load(release / "README.md")
    config = next(c for c in card.data.configs if c["config_name"] == "v1.1.0")
    config["data_files"][0]["path"] = [p for p in config["data_files"][0]["path"] if p.startswith("data/v1.1.0/")]
    card.save(release / "README.md")
    report = validate(release)
    assert [f.message for f in findings_of(report, "card_configs")] == [
        f"config v1.1.0 misses the folder data/v1.0.0/ ({len(shard_paths(release, '1.0.0'))} files v1.1.0 serves)"
    ]


def test_unknown_licence_status(release: Path):
    path = shard_paths(release, "1.1.0")[0]
    table = pq.read_table(release / path)
    statuses = table["license_status"].to_pylist()
    statuses[1] = "probably_fine"
    index = table.schema.get_field_index("license_status")
    rewrite_shard(release, path, table.set_column(index, table.schema.field("license_status"), pa.array(statuses, pa.string())))
    report = validate(release)
    found = findings_of(report, "license")
    assert [(f.file, f.row) for f in found] == [(path, 1)]
    assert "probably_fine" in found[0].message


def test_zero_row_shard(release: Path):
    path = shard_paths(release, "1.1.0")[0]
    table = pq.read_table(release / path)
    rewrite_shard(release, path, table.slice(0, 0))
    report = validate(release)
    assert {"empty_shard", "smoke_load"} <= failed(report)
    assert [f.file for f in findings_of(report, "empty_shard")] == [path]


def test_licence_policy_of_the_manifest(release: Path):
    data = manifest(release, "1.1.0")
    data["config"]["licensing"]["deny_unknown"] = True
    save_manifest(release, "1.1.0", data)
    statuses = [s for p in shard_paths(release, "1.1.0") for s in pq.read_table(release / p, columns=["license_status"])["license_status"].to_pylist()]
    report = validate(release, version="1.1.0")
    assert ("license_policy" in failed(report)) == ("unknown" in statuses)


def test_provenance_dates_urls_and_languages(release: Path):
    path = shard_paths(release, "1.1.0")[0]
    table = pq.read_table(release / path)
    n = table.num_rows
    changes = {
        "published": ["2999-01-01"] + table["published"].to_pylist()[1:],
        "url": table["url"].to_pylist()[:1] + ["not a url"] + table["url"].to_pylist()[2:],
        "language": table["language"].to_pylist()[:2] + ["english"] + table["language"].to_pylist()[3:],
    }
    assert n >= 3
    for name, values in changes.items():
        index = table.schema.get_field_index(name)
        table = table.set_column(index, table.schema.field(name), pa.array(values, pa.string()))
    rewrite_shard(release, path, table)
    report = validate(release)
    rows = {(f.row, f.message.split()[0]) for f in findings_of(report, "provenance")}
    assert rows == {(0, "published"), (1, "url"), (2, "language")}


def test_accounting_that_does_not_balance(release: Path):
    data = manifest(release, "1.1.0")
    data["accounting"]["inputs"] += 1
    save_manifest(release, "1.1.0", data)
    report = validate(release)
    assert "accounting" in failed(report)


def test_croissant_that_lost_a_shard(release: Path):
    doc = json.loads((release / "croissant.json").read_text())
    gone = shard_paths(release, "1.1.0")[0]
    doc["distribution"] = [d for d in doc["distribution"] if d["@id"] != gone]
    (release / "croissant.json").write_text(json.dumps(doc))
    report = validate(release)
    assert any(gone in f.message for f in findings_of(report, "croissant"))


# --------------------------------------------------------------------------- the command


def test_cli_exit_codes_and_formats(good_release: Path, release: Path):
    runner = CliRunner()
    ok = runner.invoke(main, ["validate", str(good_release)])
    assert ok.exit_code == 0, ok.output
    assert "OK" in ok.output.splitlines()[0]

    (release / shard_paths(release, "1.1.0")[-1]).unlink()
    as_json = runner.invoke(main, ["validate", str(release), "--format", "json"])
    assert as_json.exit_code == 1
    parsed = json.loads(as_json.output)
    assert parsed["ok"] is False and parsed["checks"]["files"] == "fail"
    assert {"check", "level", "file", "row", "message"} <= set(parsed["findings"][0])

    github = runner.invoke(main, ["validate", str(release), "--format", "github"])
    assert github.exit_code == 1
    annotations = [line for line in github.output.splitlines() if line.startswith("::error ")]
    assert annotations and all("title=shardsmith validate%3A " in line for line in annotations)
    assert any(f"file={release}/data/v1.1.0/" in line for line in annotations)

    assert runner.invoke(main, ["validate", str(release), "--format", "yaml"]).exit_code == 2
    assert runner.invoke(main, ["validate", str(release / "nowhere")]).exit_code == 2


def test_github_annotations_escape_their_separators():
    from builder.validate import Finding

    report = Report(Path("corpus"), ["1.0.0"], findings=[Finding("card", "50% off, a: b\nnext", "README.md")], checks_run=["card"])
    line = report.render("github").splitlines()[0]
    assert line == "::error file=corpus/README.md,title=shardsmith validate%3A card::50%25 off, a: b%0Anext"
