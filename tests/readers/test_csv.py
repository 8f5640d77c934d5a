"""CSV reader: header mapping, multi-line quoted fields, raw row hashes and bad rows."""

from __future__ import annotations

import csv
import io

from builder.document import hash128

HEADER = ["", "id", "domain", "url", "content", "scraped_at", "title", "authors"]


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


ROWS = [
    ["0", "141", "one.example", "http://one.example/a", "First body,\nwith a second line.", "2018-01-25 16:17:44",
     "First", "Ann Lee"],
    ["1", "256", "two.example", "http://two.example/b", 'Second "quoted" body.', "2018-01-26 10:00:00", "Second",
     "Bo Chan, Cy Diaz"],
]


def test_reads_rows_with_mapped_columns(tmp_path, reader):
    data = csv_bytes(ROWS)
    path = tmp_path / "news.csv"
    path.write_bytes(data)
    records, rejects = reader.split(reader.read(path))
    assert rejects == []
    first, second = records
    assert (first.path, first.record, first.text) == ("news.csv", 1, "First body,\nwith a second line.")
    assert (first.source_id, first.source, first.url, first.crawled, first.title, first.author) == (
        "141", "one.example", "http://one.example/a", "2018-01-25 16:17:44", "First", "Ann Lee")
    assert (second.record, second.text, second.author) == (2, 'Second "quoted" body.', "Bo Chan, Cy Diaz")
    # the raw hash is that of the row's lines as written (a quoted field spans two lines here)
    lines = data.split(b"\n")
    assert first.raw_hash == hash128(b"\n".join(lines[1:3]))
    assert second.raw_hash == hash128(lines[3])


def test_text_column_is_configurable_and_text_is_the_fallback(tmp_path, reader):
    path = tmp_path / "plain.csv"
    path.write_bytes(csv_bytes([["x1", "Body in text."]], header=["id", "text"]))
    [record] = reader.read(path)
    assert record.text == "Body in text."
    path.write_bytes(csv_bytes([["x1", "Body in article."]], header=["id", "article"]))
    [record] = reader.read(path, csv_text_column="article")
    assert record.text == "Body in article."


def test_long_fields_pass_the_csv_field_limit(tmp_path, reader):
    body = "word " * 60_000  # 300 KB, above the csv module's default 128 KB limit
    path = tmp_path / "long.csv"
    path.write_bytes(csv_bytes([["1", body]], header=["id", "content"]))
    [record] = reader.read(path)
    assert record.text == body


def test_crlf_and_blank_lines(tmp_path, reader):
    path = tmp_path / "win.csv"
    path.write_bytes(b'id,content\r\n1,"one\r\ntwo"\r\n\r\n2,three\r\n')
    records, rejects = reader.split(reader.read(path))
    assert rejects == []
    assert [(r.record, r.source_id, r.text) for r in records] == [(1, "1", "one\r\ntwo"), (2, "2", "three")]
    assert records[1].raw_hash == hash128(b"2,three\r")


def test_compressed_csv(tmp_path, reader):
    path = reader.write(tmp_path / "news.csv.zst", csv_bytes(ROWS), "zstd")
    assert [r.source_id for r in reader.read(path)] == ["141", "256"]


# --- bad input -----------------------------------------------------------------------------


def test_row_with_wrong_number_of_fields_names_the_row(tmp_path, reader):
    path = tmp_path / "ragged.csv"
    path.write_bytes(b"id,content,title\n1,Body one,T1\n2,Body two\n3,Body three,T3,extra\n4,Body four,T4\n")
    out = reader.read(path)
    records, rejects = reader.split(out)
    assert [r.record for r in records] == [1, 4]
    assert [(r.path, r.record, r.reason) for r in rejects] == [("ragged.csv", 2, "bad_csv_row"), ("ragged.csv", 3, "bad_csv_row")]
    assert rejects[0].detail == "row 2 (line 3) has 2 fields; the header has 3"


def test_invalid_utf8_row(tmp_path, reader):
    path = tmp_path / "latin.csv"
    path.write_bytes(b'id,content\n1,fine\n2,"caf\xe9\nau lait"\n3,also fine\n')
    records, [reject] = reader.split(reader.read(path))
    assert [r.record for r in records] == [1, 3]
    assert (reject.path, reject.record, reject.reason) == ("latin.csv", 2, "invalid_utf8")
    assert "line 3" in reject.detail
    records, rejects = reader.split(reader.read(path, encoding_errors="replace"))
    assert rejects == [] and records[1].text == "caf\ufffd\nau lait"


def test_no_text_column_and_empty_text(tmp_path, reader):
    path = tmp_path / "notext.csv"
    path.write_bytes(b"id,summary\n1,short\n")
    [reject] = reader.read(path)
    assert (reject.path, reject.record, reject.reason) == ("notext.csv", 1, "no_text")
    assert "'content'" in reject.detail and "summary" in reject.detail
    path = tmp_path / "empty.csv"
    path.write_bytes(b"id,content\n1,Body\n2,\n3,   \n")
    _, rejects = reader.split(reader.read(path))
    assert [(r.record, r.reason) for r in rejects] == [(2, "empty_text"), (3, "empty_text")]


def test_html_column_without_text(tmp_path, reader):
    path = tmp_path / "pages.csv"
    path.write_bytes(b'id,content,html\n1,,"<p>Page</p>"\n')
    [record] = reader.read(path)
    assert (record.text, record.html) == (None, "<p>Page</p>")


def test_header_only_and_empty_csv(tmp_path, reader):
    path = tmp_path / "header.csv"
    path.write_bytes(b"id,content\n")
    [reject] = reader.read(path)
    assert (reject.record, reject.reason) == (0, "empty_file")
    path.write_bytes(b"")
    [reject] = reader.read(path)
    assert (reject.record, reject.reason) == (0, "empty_file")


def test_truncated_gzip_csv(tmp_path, reader):
    rows = [[str(i), f"Article {i} " + "text " * 400] for i in range(3000)]  # ~6 MB: several read chunks
    whole = reader.write(tmp_path / "whole.csv.gz", csv_bytes(rows, header=["id", "content"]), "gzip").read_bytes()
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(whole[: len(whole) // 2])
    out = reader.read(path)
    records, [reject] = reader.split(out)
    assert out[-1] is reject and 0 < len(records) < 3000
    assert [r.source_id for r in records] == [str(i) for i in range(len(records))]
    assert (reject.path, reject.record, reject.reason) == ("cut.csv.gz", len(records) + 1, "truncated_file")
    assert f"row {len(records) + 1}" in reject.detail


def test_binary_csv(tmp_path, reader):
    path = tmp_path / "blob.csv"
    path.write_bytes(b"id,content\n\x00\x01\x02")
    [reject] = reader.read(path)
    assert (reject.path, reject.record, reject.reason) == ("blob.csv", 0, "binary_file")


def test_csv_module_error_is_a_bad_row_and_reading_goes_on(tmp_path, reader):
    path = tmp_path / "odd.csv"
    path.write_bytes(b"id,content\n0,first\n1,stray\rcarriage return\n2,third\n")
    out = reader.read(path)
    records, [reject] = reader.split(out)
    assert [(r.record, r.text) for r in records] == [(1, "first"), (3, "third")]
    assert (reject.path, reject.record, reject.reason) == ("odd.csv", 2, "bad_csv_row")
    assert reject.detail.startswith("row 2 (line 3): new-line character seen in unquoted field")
