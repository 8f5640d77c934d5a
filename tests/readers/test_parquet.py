"""Parquet reader: column mapping (struct columns too), row numbers, bad files."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq

from builder.document import hash128


def test_reads_rows_with_mapped_columns(tmp_path, reader):
    table = pa.table({
        "id": [10, 11, 12],
        "text": ["First body.", None, "Third body."],
        "html": [None, "<p>Second page</p>", None],
        "published": [dt.date(2024, 1, 2), None, dt.date(2024, 1, 4)],
        "metadata": [{"url": "http://a.example/1", "title": "A"}, {"url": "http://a.example/2", "title": None},
                     {"url": None, "title": "C"}],
        "unused": ["x", "y", "z"],
    })
    path = tmp_path / "part.parquet"
    pq.write_table(table, path, row_group_size=2)
    records, rejects = reader.split(reader.read(path))
    assert rejects == []
    assert [(r.path, r.record, r.source_id, r.text, r.html) for r in records] == [
        ("part.parquet", 1, "10", "First body.", None),
        ("part.parquet", 2, "11", None, "<p>Second page</p>"),
        ("part.parquet", 3, "12", "Third body.", None),
    ]
    assert [(r.url, r.title, r.published) for r in records] == [
        ("http://a.example/1", "A", "2024-01-02"), ("http://a.example/2", None, None), (None, "C", "2024-01-04")]
    assert records[0].raw_hash == hash128("First body.")
    assert records[1].raw_hash == hash128("<p>Second page</p>")


def test_text_column_from_config(tmp_path, reader):
    path = tmp_path / "other.parquet"
    pq.write_table(pa.table({"body": ["Mapped body."], "link": ["http://b.example/"]}), path)
    [record] = reader.read(path, text_field="body", url_field="link")
    assert (record.text, record.url) == ("Mapped body.", "http://b.example/")


def test_rows_without_text_and_with_empty_text(tmp_path, reader):
    path = tmp_path / "gaps.parquet"
    pq.write_table(pa.table({"text": ["ok", None, "", "  "]}), path)
    _, rejects = reader.split(reader.read(path))
    assert [(r.path, r.record, r.reason) for r in rejects] == [
        ("gaps.parquet", 2, "no_text"), ("gaps.parquet", 3, "empty_text"), ("gaps.parquet", 4, "empty_text")]
    path = tmp_path / "nocolumn.parquet"
    pq.write_table(pa.table({"summary": ["a", "b"]}), path)
    _, rejects = reader.split(reader.read(path))
    assert [(r.record, r.reason) for r in rejects] == [(1, "no_text"), (2, "no_text")]


def test_file_that_is_not_parquet(tmp_path, reader):
    path = tmp_path / "fake.parquet"
    path.write_bytes(b'{"text": "I am JSON, not Parquet"}\n')
    [reject] = reader.read(path)
    assert (reject.path, reject.record, reject.reason) == ("fake.parquet", 0, "bad_parquet")


def test_damaged_row_group_is_rejected_and_the_others_are_read(tmp_path, reader):
    table = pa.table({"id": list(range(300)), "text": [f"body number {i} " * 5 for i in range(300)]})
    path = tmp_path / "damaged.parquet"
    pq.write_table(table, path, row_group_size=100, compression="none")
    column = pq.ParquetFile(path).metadata.row_group(1).column(1)
    start = column.dictionary_page_offset or column.data_page_offset
    data = bytearray(path.read_bytes())
    data[start:start + 64] = b"\xff" * 64  # break the page header of row group 2's text column
    path.write_bytes(bytes(data))
    out = reader.read(path)
    records, [reject] = reader.split(out)
    assert [r.record for r in records] == list(range(1, 101)) + list(range(201, 301))
    assert [r.source_id for r in records[100:102]] == ["200", "201"]
    assert (reject.path, reject.record, reject.reason) == ("damaged.parquet", 101, "bad_parquet")
    assert "rows 101-200 (row group 2 of 3)" in reject.detail


def test_empty_parquet(tmp_path, reader):
    path = tmp_path / "empty.parquet"
    pq.write_table(pa.table({"text": pa.array([], pa.string())}), path)
    [reject] = reader.read(path)
    assert (reject.record, reject.reason) == (0, "empty_file")


def test_binary_text_column_is_decoded_as_utf8(tmp_path, reader):
    path = tmp_path / "bytes.parquet"
    pq.write_table(pa.table({"text": pa.array(["Caf\u00e9".encode(), b"Caf\xe9"], pa.binary())}), path)
    records, [reject] = reader.split(reader.read(path))
    assert [r.text for r in records] == ["Caf\u00e9"]
    assert (reject.path, reject.record, reject.reason) == ("bytes.parquet", 2, "invalid_utf8")
    assert [r.text for r in reader.read(path, encoding_errors="replace")] == ["Caf\u00e9", "Caf\ufffd"]
