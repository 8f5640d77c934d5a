"""WARC reader: HTML responses become records with their crawl provenance; the rest is ignored."""

from __future__ import annotations

import builtins
import io

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from builder.document import hash128

PAGE_A = b"<html><head><title>Tide tables</title></head><body><p>High water at noon.</p></body></html>"
PAGE_B = '<html><head><meta charset="windows-1252"></head><body><p>Caf\xe9 reopens</p></body></html>'.encode("cp1252")


def response(writer: WARCWriter, url: str, payload: bytes, content_type: str = "text/html; charset=utf-8",
             status: str = "200 OK"):
    headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
    return writer.create_warc_record(url, "response", payload=io.BytesIO(payload), http_headers=headers)


def warc_bytes(gzip: bool, pages: int = 0) -> bytes:
    """warcinfo, a request, two HTML responses, an image, a 404 page, a metadata record, then
    `pages` more HTML responses."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gzip)
    writer.write_record(writer.create_warcinfo_record("crawl.warc", {"software": "handmade"}))
    request = StatusAndHeaders("GET /a HTTP/1.1", [("Host", "tides.example")], is_http_request=True)
    writer.write_record(writer.create_warc_record("http://tides.example/a", "request", http_headers=request))
    writer.write_record(response(writer, "http://tides.example/a", PAGE_A))
    writer.write_record(response(writer, "http://cafe.example/b", PAGE_B, "text/html"))  # charset in <meta>
    writer.write_record(response(writer, "http://tides.example/logo.png", b"\x89PNG\r\n", "image/png"))
    writer.write_record(response(writer, "http://tides.example/gone", b"<html>Not found</html>", status="404 Not Found"))
    writer.write_record(writer.create_warc_record("http://tides.example/a", "metadata", payload=io.BytesIO(b"via: x"),
                                                  warc_content_type="application/warc-fields"))
    for i in range(pages):
        writer.write_record(response(writer, f"http://tides.example/p{i}", b"<html><p>Page %d</p>" % i + b"x" * 2000))
    return out.getvalue()


@pytest.mark.parametrize("name,gzip", [("crawl.warc", False), ("crawl.warc.gz", True)])
def test_html_responses_become_records(tmp_path, reader, name, gzip):
    path = tmp_path / name
    path.write_bytes(warc_bytes(gzip))
    records, rejects = reader.split(reader.read(path))
    assert rejects == []
    a, b = records
    assert (a.path, a.record, a.url, a.html, a.text) == (name, 3, "http://tides.example/a", PAGE_A.decode(), None)
    assert (b.record, b.url) == (4, "http://cafe.example/b")
    assert "Café reopens" in b.html
    assert a.raw_hash == hash128(PAGE_A)
    assert a.crawled.endswith("Z") and a.crawled[:4].isdigit()  # WARC-Date
    assert a.source_id.startswith("<urn:uuid:") and a.source_id != b.source_id  # WARC-Record-ID


def test_truncated_warc_gz_keeps_the_pages_before_the_break(tmp_path, reader):
    whole = warc_bytes(True, pages=400)  # ~0.8 MB uncompressed: many of warcio's read blocks
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(whole[: len(whole) * 2 // 3])
    out = reader.read(path)
    records, [reject] = reader.split(out)
    assert out[-1] is reject and 2 < len(records) < 402
    last = records[-1].record
    assert (reject.path, reject.reason) == ("cut.warc.gz", "truncated_file")
    assert reject.record > last and f"record {reject.record}" in reject.detail


def test_plain_warc_cut_inside_a_record(tmp_path, reader):
    whole = warc_bytes(False, pages=3)
    path = tmp_path / "cut.warc"
    path.write_bytes(whole[:-100])  # inside the last page's payload
    records, [reject] = reader.split(reader.read(path))
    assert [r.record for r in records] == [3, 4, 8, 9]  # the cut page (10) is not yielded half
    assert (reject.path, reject.record, reject.reason) == ("cut.warc", 10, "truncated_file")
    assert "the file ends 96 bytes before the record does" in reject.detail  # 100 minus the 4-byte record end


def test_corrupt_warc(tmp_path, reader):
    path = tmp_path / "junk.warc"
    path.write_bytes(b"this is not a WARC file\n" * 20)
    [reject] = reader.read(path)
    assert (reject.path, reject.record, reject.reason) == ("junk.warc", 1, "bad_warc")


def test_corrupt_record_after_good_ones(tmp_path, reader):
    path = tmp_path / "mixed.warc"
    path.write_bytes(warc_bytes(False) + b"WARC/1.0\r\nnot a header line at all\r\n\r\n")
    records, [reject] = reader.split(reader.read(path))
    assert [r.record for r in records] == [3, 4]
    assert (reject.path, reject.record, reject.reason) == ("mixed.warc", 8, "bad_warc")


def test_missing_warcio_is_a_clear_reject(tmp_path, reader, monkeypatch):
    path = tmp_path / "crawl.warc"
    path.write_bytes(warc_bytes(False))
    real_import = builtins.__import__

    def without_warcio(name, *args, **kwargs):
        if name.startswith("warcio"):
            raise ImportError("No module named 'warcio'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_warcio)
    [reject] = reader.read(path)
    assert (reject.path, reject.record, reject.reason) == ("crawl.warc", 0, "missing_extra")
    assert "pip install 'shardsmith[warc]'" in reject.detail


def test_plain_warc_cut_inside_the_last_record_headers(tmp_path, reader):
    whole = warc_bytes(False, pages=1)
    last_start = whole.rindex(b"WARC/1.0\r\n")
    path = tmp_path / "cut.warc"
    path.write_bytes(whole[: last_start + 200])  # the WARC and HTTP headers of the last record are cut
    records, [reject] = reader.split(reader.read(path))
    assert [r.record for r in records] == [3, 4]
    assert (reject.path, reject.record, reject.reason) == ("cut.warc", 8, "truncated_file")
    assert "200 bytes at the end are not a whole record" in reject.detail


def test_plain_warc_cut_at_the_start_of_a_record(tmp_path, reader):
    whole = warc_bytes(False, pages=1)
    path = tmp_path / "cut.warc"
    path.write_bytes(whole[: whole.rindex(b"WARC/1.0\r\n") + 10])  # only 'WARC/1.0\r\n' of the last record
    records, [reject] = reader.split(reader.read(path))
    assert [r.record for r in records] == [3, 4]
    assert (reject.path, reject.record, reject.reason) == ("cut.warc", 8, "bad_warc")


def test_response_without_content_type_is_sniffed(tmp_path, reader):
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=False)
    for url, body in [("http://x.example/page", b"  <!DOCTYPE html><html><p>Page</p></html>"),
                      ("http://x.example/data", b'{"not": "html"}')]:
        headers = StatusAndHeaders("200 OK", [("Server", "test")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))
    path = tmp_path / "bare.warc"
    path.write_bytes(out.getvalue())
    [record] = reader.read(path)
    assert (record.record, record.url) == (1, "http://x.example/page")
