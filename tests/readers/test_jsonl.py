"""JSONL reader: field mapping, compressed streams and every kind of bad line."""

from __future__ import annotations

import json
import random

import pytest

from builder.document import hash128
from builder.readers import common

LINES = [
    {"id": "a1", "text": "First article body.", "url": "https://one.example/a1", "title": "One", "author": "Ann Lee",
     "published": "2024-03-01", "source": "one.example"},
    {"id": 2, "text": "Second article body.", "authors": ["Bo Chan", "Cy Diaz"], "date": "2024-03-02",
     "domain": "two.example", "scraped_at": "2024-04-01T10:00:00"},
]


def jsonl(*objects) -> bytes:
    return b"".join(json.dumps(o).encode() + b"\n" for o in objects)


def test_reads_each_line_with_its_fields(tmp_path, reader):
    data = jsonl(*LINES)
    path = tmp_path / "a.jsonl"
    path.write_bytes(data)
    records, rejects = reader.split(reader.read(path))
    assert rejects == []
    first, second = records
    assert (first.path, first.record, first.text, first.html) == ("a.jsonl", 1, "First article body.", None)
    assert (first.source_id, first.url, first.title, first.author, first.published, first.source) == (
        "a1", "https://one.example/a1", "One", "Ann Lee", "2024-03-01", "one.example")
    assert first.raw_hash == hash128(data.split(b"\n")[0])
    # fallbacks: authors (a list, joined), date, domain, scraped_at; a numeric id becomes a string
    assert (second.record, second.source_id, second.author, second.published, second.source, second.crawled) == (
        2, "2", "Bo Chan, Cy Diaz", "2024-03-02", "two.example", "2024-04-01T10:00:00")


def test_field_names_come_from_config(tmp_path, reader):
    path = tmp_path / "buzz.jsonl"
    path.write_bytes(jsonl({"id": "0001", "mainText": "Body text here.", "uri": "http://site.example/x"}))
    [record] = reader.read(path, text_field="mainText", url_field="uri")
    assert (record.text, record.url, record.source_id) == ("Body text here.", "http://site.example/x", "0001")


def test_dotted_field_names_reach_nested_objects(tmp_path, reader):
    path = tmp_path / "dolma.jsonl"
    line = {"id": "d1", "text": "Body.", "source": "common-crawl",
            "metadata": {"url": "http://nested.example/", "title": "Nested", "extra": {"lang": "en"}}}
    path.write_bytes(jsonl(line))
    [record] = reader.read(path)  # metadata.url and metadata.title are default fallbacks
    assert (record.url, record.title) == ("http://nested.example/", "Nested")
    [record] = reader.read(path, source_field="metadata.extra.lang")
    assert record.source == "en"


def test_html_field_goes_to_the_html_path_when_there_is_no_text(tmp_path, reader):
    path = tmp_path / "pages.jsonl"
    path.write_bytes(jsonl({"id": "h", "html": "<html><p>Hi</p></html>"},
                           {"id": "t", "text": "Plain.", "html": "<p>ignored</p>"}))
    html_record, text_record = reader.read(path)
    assert (html_record.html, html_record.text) == ("<html><p>Hi</p></html>", None)
    assert (text_record.text, text_record.html) == ("Plain.", None)


def test_blank_lines_are_not_records_but_keep_line_numbers(tmp_path, reader):
    path = tmp_path / "gaps.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"text": "one"}\r\n\r\n   \n{"text": "two"}')  # BOM, CRLF, no final newline
    records, rejects = reader.split(reader.read(path))
    assert rejects == []
    assert [(r.record, r.text) for r in records] == [(1, "one"), (4, "two")]
    assert records[0].raw_hash == hash128(b'{"text": "one"}')


def test_lines_longer_than_a_read_chunk(tmp_path, reader, monkeypatch):
    monkeypatch.setattr(common, "READ_CHUNK_BYTES", 7)
    texts = ["x" * n for n in (1, 30, 7, 100)]
    path = tmp_path / "long.jsonl"
    path.write_bytes(jsonl(*({"text": t} for t in texts)))
    assert [r.text for r in reader.read(path)] == texts


@pytest.mark.parametrize("codec,suffix", [("gzip", ".gz"), ("zstd", ".zst"), ("bz2", ".bz2")])
def test_compressed_jsonl(tmp_path, reader, codec, suffix):
    path = reader.write(tmp_path / f"a.jsonl{suffix}", jsonl(*LINES), codec)
    records, rejects = reader.split(reader.read(path))
    assert rejects == []
    assert [(r.path, r.record, r.text) for r in records] == [
        (f"a.jsonl{suffix}", 1, "First article body."), (f"a.jsonl{suffix}", 2, "Second article body.")]


# --- bad input -----------------------------------------------------------------------------


def test_malformed_json_line_names_the_line(tmp_path, reader):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"text": "ok"}\n{"text": "broken\n{"text": "fine"}\n')
    out = reader.read(path)
    assert [type(o).__name__ for o in out] == ["RawRecord", "Reject", "RawRecord"]
    bad = out[1]
    assert (bad.path, bad.record, bad.reason) == ("bad.jsonl", 2, "bad_json")
    assert "line 2" in bad.detail
    assert out[2].record == 3


def test_metadata_nested_deeper_than_python_can_walk_is_a_reject(tmp_path, reader):
    """json.loads reads lists nested some hundreds deep; turning such an author into a string
    would exhaust the stack: the line is rejected and the next one read."""
    depth = 700
    deep = b'{"text": "body", "author": ' + b"[" * depth + b'"Ann"' + b"]" * depth + b"}"
    path = tmp_path / "deep.jsonl"
    path.write_bytes(deep + b'\n{"text": "fine"}\n')
    records, [reject] = reader.split(reader.read(path))
    assert (reject.path, reject.record, reject.reason) == ("deep.jsonl", 1, "bad_json")
    assert "line 1" in reject.detail and "too deeply" in reject.detail
    assert [r.record for r in records] == [2]


@pytest.mark.parametrize("line,kind", [(b"[1, 2]", "array"), (b'"just a string"', "string"), (b"42", "number"),
                                       (b"null", "null")])
def test_non_object_line(tmp_path, reader, line, kind):
    path = tmp_path / "arr.jsonl"
    path.write_bytes(b'{"text": "ok"}\n' + line + b"\n")
    _, [reject] = reader.split(reader.read(path))
    assert (reject.path, reject.record, reject.reason) == ("arr.jsonl", 2, "bad_json")
    assert f"line 2 is a JSON {kind}, not an object" in reject.detail


def test_invalid_utf8_is_rejected_or_replaced(tmp_path, reader):
    path = tmp_path / "latin.jsonl"
    path.write_bytes(b'{"text": "fine"}\n{"text": "caf\xe9 au lait"}\n')
    records, [reject] = reader.split(reader.read(path))
    assert [r.record for r in records] == [1]
    assert (reject.path, reject.record, reject.reason) == ("latin.jsonl", 2, "invalid_utf8")
    assert "line 2" in reject.detail and "byte 13" in reject.detail  # offset within the line
    records, rejects = reader.split(reader.read(path, encoding_errors="replace"))
    assert rejects == [] and records[1].text == "caf\ufffd au lait"


def test_lone_surrogate_escape_is_invalid_unicode(tmp_path, reader):
    path = tmp_path / "sur.jsonl"
    path.write_bytes(b'{"text": "smile \\ud83d\\ude00"}\n{"text": "broken \\udc80 here"}\n{"text": "upper \\uDC80 case"}\n')
    records, rejects = reader.split(reader.read(path))
    assert records[0].text == "smile \U0001F600"  # a proper pair is fine
    assert [(r.record, r.reason) for r in rejects] == [(2, "invalid_utf8"), (3, "invalid_utf8")]
    [_, *replaced] = reader.read(path, encoding_errors="replace")
    assert [r.text for r in replaced] == ["broken \ufffd here", "upper \ufffd case"]
    replaced[0].text.encode("utf-8")


def test_lone_surrogate_in_non_ascii_text_or_metadata(tmp_path, reader):
    path = tmp_path / "sur2.jsonl"
    path.write_bytes(
        '{"text": "café \\ud800 crème", "title": "Été"}\n'
        '{"text": "中文 ok", "title": "bad \\udfff", "metadata": {"url": "http://x.example/\\udbff"}}\n'
        '{"text": "naïve but fine", "authors": ["Zoë", "Ann"]}\n'.encode()
    )
    records, rejects = reader.split(reader.read(path))
    assert [(r.record, r.reason) for r in rejects] == [(1, "invalid_utf8"), (2, "invalid_utf8")]
    assert "field 'text'" in rejects[0].detail and "field 'url'" in rejects[1].detail  # the first bad field
    assert [(r.text, r.author) for r in records] == [("naïve but fine", "Zoë, Ann")]
    first, second, third = reader.read(path, encoding_errors="replace")
    assert (first.text, first.title) == ("café \ufffd crème", "Été")
    assert (second.title, second.url) == ("bad \ufffd", "http://x.example/\ufffd")
    assert third.author == "Zoë, Ann"


def test_record_without_text(tmp_path, reader):
    path = tmp_path / "notext.jsonl"
    path.write_bytes(jsonl({"id": "x", "body": "wrong field"}, {"id": "y", "text": ["a", "list"]}))
    _, rejects = reader.split(reader.read(path))
    assert [(r.path, r.record, r.reason) for r in rejects] == [("notext.jsonl", 1, "no_text"), ("notext.jsonl", 2, "no_text")]
    assert "'text'" in rejects[0].detail and "body" in rejects[0].detail  # says what it tried and what there is
    assert "list" in rejects[1].detail


def test_empty_text(tmp_path, reader):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(jsonl({"text": "ok"}, {"text": ""}, {"text": " \n\t "}))
    _, rejects = reader.split(reader.read(path))
    assert [(r.path, r.record, r.reason) for r in rejects] == [("empty.jsonl", 2, "empty_text"), ("empty.jsonl", 3, "empty_text")]


def article_lines(count: int) -> bytes:
    rng = random.Random(3)
    words = ["harbour", "council", "bridge", "budget", "river", "ferry", "school", "market", "orchard", "tram"]
    return jsonl(*({"id": i, "text": " ".join(rng.choice(words) for _ in range(500))} for i in range(count)))


@pytest.mark.parametrize("codec,suffix", [("gzip", ".gz"), ("zstd", ".zst"), ("bz2", ".bz2")])
def test_truncated_stream_keeps_the_records_before_the_break(tmp_path, reader, codec, suffix, monkeypatch):
    monkeypatch.setattr(common, "READ_CHUNK_BYTES", 16 * 1024)
    data = article_lines(800)  # ~2.8 MB: more than one bz2 block
    whole = reader.write(tmp_path / f"whole.jsonl{suffix}", data, codec).read_bytes()
    path = tmp_path / f"cut.jsonl{suffix}"
    path.write_bytes(whole[: len(whole) * 2 // 3])
    out = reader.read(path)
    records, [reject] = reader.split(out)
    assert out[-1] is reject
    assert 0 < len(records) < 800
    assert [r.record for r in records] == list(range(1, len(records) + 1))
    assert [r.source_id for r in records] == [str(i) for i in range(len(records))]
    assert (reject.path, reject.record, reject.reason) == (f"cut.jsonl{suffix}", len(records) + 1, "truncated_file")
    assert f"line {len(records) + 1}" in reject.detail and codec in reject.detail


def test_binary_file(tmp_path, reader):
    path = tmp_path / "image.jsonl"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    [reject] = reader.read(path)
    assert (reject.path, reject.record, reject.reason) == ("image.jsonl", 0, "binary_file")


def test_missing_file(tmp_path, reader):
    from builder.config import InputConfig
    from builder.readers import InputFile, read

    gone = InputFile(str(tmp_path / "gone.jsonl"), "gone.jsonl", "jsonl", None, 0)
    [reject] = read(gone, InputConfig())
    assert (reject.path, reject.record, reject.reason) == ("gone.jsonl", 0, "missing_file")


def test_unreadable_file(tmp_path):
    from builder.config import InputConfig
    from builder.readers import InputFile, read

    folder = tmp_path / "folder.jsonl"
    folder.mkdir()  # a folder cannot be read as a file (permissions do not stop root)
    [reject] = read(InputFile(str(folder), "folder.jsonl", "jsonl", None, 0), InputConfig())
    assert (reject.path, reject.record, reject.reason) == ("folder.jsonl", 0, "unreadable_file")


def test_empty_file(tmp_path, reader):
    path = tmp_path / "nothing.jsonl"
    path.write_bytes(b"\n\n")
    [reject] = reader.read(path)
    assert (reject.path, reject.record, reject.reason) == ("nothing.jsonl", 0, "empty_file")
