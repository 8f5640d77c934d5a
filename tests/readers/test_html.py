"""HTML reader: one page per file into `html`, with its charset."""

from __future__ import annotations

from builder.document import hash128

PAGE = "<!doctype html><html><head><title>Quay</title></head><body><p>The ferry is late — again.</p></body></html>"


def test_page_goes_to_html_not_text(tmp_path, reader):
    path = tmp_path / "site" / "page.html"
    path.parent.mkdir()
    path.write_bytes(PAGE.encode("utf-8"))
    [record] = reader.read(tmp_path)
    assert (record.path, record.record, record.html, record.text) == ("site/page.html", 1, PAGE, None)
    assert record.raw_hash == hash128(PAGE.encode("utf-8"))


def test_compressed_htm(tmp_path, reader):
    path = reader.write(tmp_path / "page.htm.gz", PAGE.encode("utf-8"), "gzip")
    [record] = reader.read(path)
    assert record.html == PAGE


def test_declared_charset_is_used_when_the_page_is_not_utf8(tmp_path, reader):
    page = '<html><head><meta charset="iso-8859-1"></head><body><p>Caf\xe9 du port</p></body></html>'
    path = tmp_path / "latin.html"
    path.write_bytes(page.encode("latin-1"))
    [record] = reader.read(path)
    assert "Café du port" in record.html


def test_undeclared_invalid_utf8_is_rejected_or_replaced(tmp_path, reader):
    path = tmp_path / "bad.html"
    path.write_bytes(b"<html><body><p>Caf\xe9</p></body></html>")
    [reject] = reader.read(path)
    assert (reject.path, reject.record, reject.reason) == ("bad.html", 1, "invalid_utf8")
    [record] = reader.read(path, encoding_errors="replace")
    assert "Caf\ufffd" in record.html


def test_empty_binary_and_truncated_pages(tmp_path, reader):
    (tmp_path / "empty.html").write_bytes(b"  \n")
    (tmp_path / "blob.html").write_bytes(b"GIF89a\x00\x01\x00")
    whole = reader.write(tmp_path / "whole.bin", (PAGE * 2000).encode("utf-8"), "gzip").read_bytes()
    (tmp_path / "cut.html.gz").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "whole.bin").unlink()
    out = reader.read(tmp_path)
    assert [(r.path, r.record, r.reason) for r in out] == [
        ("blob.html", 1, "binary_file"), ("cut.html.gz", 1, "truncated_file"), ("empty.html", 1, "empty_text")]
