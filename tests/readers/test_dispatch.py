"""Discovery and dispatch (builder/readers/__init__.py): mixed folders, files with no reader."""

from __future__ import annotations

from builder.readers import detect


def test_mixed_folder_is_read_by_extension_in_a_stable_order(tmp_path, reader):
    # sorted within each folder, a folder's files before its subfolders
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.md").write_text("# Two\n\nSecond article.")
    (tmp_path / "a.jsonl").write_text('{"text": "From JSONL."}\n')
    (tmp_path / "c.csv").write_text("id,content\n7,From CSV.\n")
    (tmp_path / ".hidden.txt").write_text("not read")
    records = reader.read(tmp_path)
    assert [(r.path, r.record, r.text) for r in records] == [
        ("a.jsonl", 1, "From JSONL."), ("c.csv", 1, "From CSV."), ("b/two.md", 1, "# Two\n\nSecond article.")]


def test_detect_compressed_formats():
    assert detect("x.JSONL.GZ") == ("jsonl", "gzip")
    assert detect("x.csv.zst") == ("csv", "zstd")
    assert detect("crawl.warc.gz") == ("warc", "gzip")
    assert detect("x.tar.gz") == ("unknown", "gzip")


def test_binary_file_in_a_walked_folder(tmp_path, reader):
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "notes.rtf").write_text("{\\rtf1 plain text with no reader}")
    (tmp_path / "ok.txt").write_text("An article.")
    out = reader.read(tmp_path)
    assert [(o.path, o.record, getattr(o, "reason", None)) for o in out] == [
        ("logo.png", 0, "binary_file"), ("notes.rtf", 0, "unsupported_format"), ("ok.txt", 1, None)]
