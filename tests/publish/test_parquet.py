from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from builder.config import PublishConfig
from builder.publish.parquet import plan_output, plan_shards, shard_name, write_shards
from builder.schema import document_schema


def rows(n: int, start: int = 0) -> list[dict]:
    return [
        {
            "id": f"{i:032x}", "text": f"body {i} " * 20, "boilerplate": "", "title": None, "url": None,
            "source": "example.org", "author": None, "published": None, "source_id": None,
            "provenance": {"path": "a.md", "record": i + 1, "raw_hash": "0" * 32, "crawled": None,
                           "pipeline_version": "0", "config_hash": "0"},
            "language": "en", "language_score": 0.9, "n_chars": 10, "n_words": 2, "n_tokens": 2,
            "text_hash": f"{i:032x}", "license": None, "license_status": "unknown", "license_basis": "none",
            "license_nc": None, "license_nd": None, "license_sa": None, "copyright_notice": None,
            "copyright_holders": [], "copyright_year": None, "license_evidence": [], "segments": [],
            "pii": {"emails": 0, "phones": 0, "ips": 0}, "source_labels": [], "dup_count": 0, "dup_cluster": None,
        }
        for i in range(start, start + n)
    ]


def work_shards(tmp_path: Path, sizes: list[int]) -> list[Path]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    paths, start = [], 0
    for k, n in enumerate(sizes):
        path = tmp_path / f"final-{k}.parquet"
        pq.write_table(pa.Table.from_pylist(rows(n, start), schema=document_schema()), path)
        paths.append(path)
        start += n
    return paths


@pytest.mark.parametrize(
    "total_rows, total_bytes, target, expected",
    [(0, 0, 100, []), (10, 50, 100, [10]), (10, 250, 100, [4, 3, 3]), (3, 10_000, 100, [1, 1, 1])],
)
def test_plan_shards(total_rows, total_bytes, target, expected):
    assert plan_shards(total_rows, total_bytes, target) == expected


def test_shards_keep_order_schema_and_sizes(tmp_path: Path):
    inputs = work_shards(tmp_path, [5, 0, 37, 8])
    shards = write_shards(inputs, tmp_path / "release", "data/v1.0.0", PublishConfig(target_shard_bytes=5_000, max_row_group_bytes=2_000))
    assert len(shards) > 1
    assert [s.path for s in shards] == [f"data/v1.0.0/{shard_name(i, len(shards))}" for i in range(len(shards))]
    ids = []
    for shard in shards:
        file = pq.ParquetFile(tmp_path / "release" / shard.path)
        assert file.schema_arrow == document_schema()
        assert file.metadata.num_rows == shard.rows > 0
        assert file.metadata.row_group(0).column(0).compression == "ZSTD"
        assert file.metadata.num_row_groups > 1  # bounded row groups
        ids += file.read(columns=["id"])["id"].to_pylist()
    assert ids == [f"{i:032x}" for i in range(50)]


def test_statistics_on_every_column_but_the_long_texts_and_a_page_index_on_all(tmp_path: Path):
    """Min/max statistics (and the page index's column index) for ids, counts and nested leaves
    such as provenance.record; none for text and boilerplate. Every column has an offset index."""
    shards = write_shards(work_shards(tmp_path, [30]), tmp_path / "release", "data/v1.0.0", PublishConfig())
    group = pq.ParquetFile(tmp_path / "release" / shards[0].path).metadata.row_group(0)
    columns = {group.column(i).path_in_schema: group.column(i) for i in range(group.num_columns)}
    assert len(columns) > len(document_schema())  # leaves of the nested columns
    for path, column in columns.items():
        assert column.has_offset_index
        long_text = path in ("text", "boilerplate")
        assert column.is_stats_set is not long_text, path
        assert column.has_column_index is not long_text, path
    assert columns["provenance.record"].statistics.min == 1
    assert columns["provenance.record"].statistics.max == 30


def test_while_compressing_runs_once_in_another_thread_and_only_with_rows(tmp_path: Path):
    import threading

    calls = []
    done = threading.Event()

    def record() -> None:
        calls.append(threading.get_ident())
        done.set()

    cfg = PublishConfig(target_shard_bytes=5_000, max_row_group_bytes=2_000)
    shards = write_shards(work_shards(tmp_path / "a", [20, 30]), tmp_path / "ra", "data/v1.0.0", cfg, while_compressing=record)
    assert len(shards) > 1  # several shards and row groups, one call
    assert done.wait(10)
    assert len(calls) == 1 and calls[0] != threading.get_ident()
    calls.clear()
    assert write_shards(work_shards(tmp_path / "b", [0]), tmp_path / "rb", "data/v1.0.0", cfg, while_compressing=record) == []
    assert calls == []


def test_same_work_shards_same_bytes_and_any_work_sharding_the_same_rows(tmp_path: Path):
    cfg = PublishConfig(target_shard_bytes=8_000)
    inputs = work_shards(tmp_path / "b", [7, 13, 0, 30])
    a = write_shards(inputs, tmp_path / "ra", "data/v1.0.0", cfg)
    again = write_shards(inputs, tmp_path / "ra2", "data/v1.0.0", cfg)
    assert len(a) > 1
    assert [s.to_json() for s in again] == [s.to_json() for s in a]
    whole = write_shards(work_shards(tmp_path / "a", [50]), tmp_path / "rb", "data/v1.0.0", cfg)
    assert [s.rows for s in whole] == [s.rows for s in a]
    for x, y in zip(whole, a):
        assert pq.read_table(tmp_path / "rb" / x.path).equals(pq.read_table(tmp_path / "ra" / y.path))


def test_no_rows_no_shards(tmp_path: Path):
    assert write_shards(work_shards(tmp_path, [0]), tmp_path / "r", "data/v1.0.0", PublishConfig()) == []


def test_a_plan_from_text_byte_files_gives_the_same_shards(tmp_path: Path):
    """Publish plans from each row's id and byte size, written beside the work shards, without
    reading the texts: the same plan, so the same shards, as measuring the texts, also when the
    transform drops rows (as dedup's does)."""
    inputs = work_shards(tmp_path / "in", [5, 0, 37, 8])

    def size_files(scale: int) -> list[Path]:
        files = []
        for path in inputs:
            table = pq.read_table(path)
            text_bytes = pc.add(pc.binary_length(table["text"]), pc.binary_length(table["boilerplate"])).cast(pa.int64())
            files.append(path.with_suffix(f".sizes{scale}.parquet"))
            pq.write_table(pa.table({"id": table["id"], "text_bytes": pc.multiply(text_bytes, scale)}), files[-1])
        return files

    dropped = pa.array([f"{i:032x}" for i in range(0, 50, 3)])

    def drop_some(table: pa.Table) -> pa.Table:
        return table.filter(pc.invert(pc.is_in(table["id"], value_set=dropped)))

    cfg = PublishConfig(target_shard_bytes=5_000, max_row_group_bytes=2_000)
    for transform in (None, drop_some):
        measured = write_shards(inputs, tmp_path / "ra", "data/v1.0.0", cfg, transform)
        plan = plan_output(inputs, cfg, transform, text_bytes=size_files(1))
        planned = write_shards(inputs, tmp_path / "rb", "data/v1.0.0", cfg, transform, plan=plan)
        assert len(measured) > 1
        assert [s.sha256 for s in planned] == [s.sha256 for s in measured]
    assert sum(s.rows for s in planned) == 50 - len(dropped)
    # The sizes are what the plan is made of: larger ones cut more shards.
    assert len(plan_output(inputs, cfg, text_bytes=size_files(3)).sizes) > len(measured)


def test_shard_tables_are_the_rows_asked_for_and_skip_inputs_before_them(tmp_path: Path):
    from builder.publish.parquet import shard_tables

    inputs = work_shards(tmp_path, [5, 0, 7, 8])
    rows = [5, 0, 7, 8]
    for start, count in [(0, 20), (0, 5), (3, 4), (5, 7), (12, 8), (19, 1)]:
        tables = list(shard_tables(inputs, rows, start, count, None))
        ids = [i for table in tables for i in table["id"].to_pylist()]
        assert ids == [f"{i:032x}" for i in range(start, start + count)], (start, count)
        assert all(table.num_rows for table in tables)
    # inputs wholly before the start are not opened: a missing one is never noticed
    inputs[0].unlink()
    assert sum(t.num_rows for t in shard_tables(inputs, rows, 5, 15, None)) == 15
