"""Text / markdown reader: one article per file, and its bad inputs."""

from __future__ import annotations

from builder.config import InputConfig
from builder.document import hash128
from builder.readers import InputFile, read


def test_one_article_per_file(tmp_path, reader):
    data = "\ufeff# Title\n\nBody with é.\n".encode("utf-8")
    (tmp_path / "a.md").write_bytes(data)
    reader.write(tmp_path / "b.txt.bz2", b"Compressed body.", "bz2")
    first, second = reader.read(tmp_path)
    assert (first.path, first.record, first.text, first.raw_hash) == ("a.md", 1, "# Title\n\nBody with é.\n", hash128(data))
    assert (second.path, second.text) == ("b.txt.bz2", "Compressed body.")


def test_bad_text_files(tmp_path, reader):
    (tmp_path / "binary.txt").write_bytes(b"MZ\x90\x00\x03\x00")
    (tmp_path / "empty.md").write_bytes(b"\n \n")
    (tmp_path / "latin.txt").write_bytes(b"caf\xe9")
    whole = reader.write(tmp_path / "whole.bin", b"Some long text. " * 50_000, "gzip").read_bytes()
    (tmp_path / "whole.bin").unlink()
    (tmp_path / "cut.txt.gz").write_bytes(whole[: len(whole) // 2])
    out = reader.read(tmp_path)
    assert [(r.path, r.record, r.reason) for r in out] == [
        ("binary.txt", 1, "binary_file"), ("cut.txt.gz", 1, "truncated_file"), ("empty.md", 1, "empty_text"),
        ("latin.txt", 1, "invalid_utf8")]
    assert "byte 3" in out[3].detail
    [record] = reader.read(tmp_path / "latin.txt", encoding_errors="replace")
    assert record.text == "caf\ufffd"


def test_missing_text_file(tmp_path):
    [reject] = read(InputFile(str(tmp_path / "gone.txt"), "gone.txt", "text", None, 0), InputConfig())
    assert (reject.path, reject.reason) == ("gone.txt", "missing_file")
