"""Shared reader helpers: line splitting, field access, value conversion, HTML decoding."""

from __future__ import annotations

import datetime as dt
import random

from builder.config import InputConfig
from builder.readers.common import FieldMap, as_str, decode_html, field_getter, iter_lines


def test_iter_lines_across_chunk_boundaries():
    chunks = [b"ab", b"c\nde", b"", b"f\n\ng", b"h\r\n", b"tail"]
    assert list(iter_lines(chunks)) == [b"abc", b"def", b"", b"gh\r", b"tail"]
    assert list(iter_lines([b"one\n"])) == [b"one"]
    assert list(iter_lines([])) == []


def test_iter_lines_matches_a_plain_split_for_any_chunking():
    rng = random.Random(7)
    for _ in range(300):
        data = bytes(rng.choice(b"ab\n\r") for _ in range(rng.randrange(40)))
        cuts = sorted(rng.randrange(len(data) + 1) for _ in range(rng.randrange(6)))
        chunks = [data[i:j] for i, j in zip([0, *cuts], [*cuts, len(data)])]
        expected = data.split(b"\n")
        if expected[-1] == b"":  # an empty tail is not a line
            expected.pop()
        assert list(iter_lines(chunks)) == expected, chunks


def test_field_getter_dotted_names():
    record = {"metadata": {"url": "u", "deep": {"x": 1}}, "a.b": "literal", "a": {"b": "nested"}, "list": [1]}
    assert field_getter("metadata.url")(record) == "u"
    assert field_getter("metadata.deep.x")(record) == 1
    assert field_getter("a.b")(record) == "literal"  # a key with the dots in it wins
    assert field_getter("list.x")(record) is None
    assert field_getter("missing.x")(record) is None


def test_as_str():
    assert as_str("  Ann  ") == "Ann"
    assert as_str("   ") is None
    assert as_str(["Ann", "", None, "Bo"]) == "Ann, Bo"
    assert as_str(2024) == "2024"
    assert as_str(dt.datetime(2024, 5, 1, 12, 30)) == "2024-05-01T12:30:00"
    assert as_str({"nested": 1}) is None


def test_fallback_fields_are_configurable():
    fields = FieldMap(InputConfig(fallback_fields={"text": ["body"], "url": ["link", "meta.href"]}))
    record = fields.to_record({"body": "Text.", "meta": {"href": "http://x.example/"}}, "f", 1, "line 1", None)
    assert (record.text, record.url) == ("Text.", "http://x.example/")


def test_decode_html_prefers_utf8_then_declared_charsets():
    assert decode_html("é".encode(), "reject") == ("é", None)
    # a page that declares latin-1 but is valid UTF-8 is UTF-8 (a common mislabel)
    mislabelled = '<meta charset="iso-8859-1"><p>é</p>'.encode()
    assert decode_html(mislabelled, "reject")[0].endswith("<p>é</p>")
    # the HTTP header's charset is used when the bytes are not UTF-8
    assert decode_html("<p>é</p>".encode("cp1252"), "reject", "text/html; charset=windows-1252") == ("<p>é</p>", None)
    text, problem = decode_html(b"<p>\xe9</p>", "reject", "text/html; charset=nonsense-codec")
    assert text == "" and "invalid UTF-8 at byte 3" in problem
