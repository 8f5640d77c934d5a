"""CSV (`.csv` and its .gz/.bz2/.zst): one article per data row, columns named by the header.

The text is in `csv_text_column` (`content` by default, as in FakeNewsCorpus), else in
`text_field`; the metadata columns are mapped like JSONL fields (with the fallbacks, e.g.
`authors`, `domain`). A header cell with no name (a pandas index) is ignored. The record number is
the 1-based data row (the header and blank lines are not counted); the raw hash is that of the
row's lines as read (a quoted field may span lines), without the final line break. A row whose
field count differs from the header's is a `bad_csv_row` reject and the reading goes on.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator

from builder.config import InputConfig
from builder.document import RawRecord, Reject, hash128
from builder.readers import InputFile
from builder.readers.common import UTF8_BOM, FieldMap, InputBroken, iter_chunks, iter_lines, utf8_problem

# Articles are long: the csv module's default limit (128 KB a field) would reject some.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class _RowLines:
    """Feeds decoded lines to csv.reader and keeps the raw bytes (and any invalid UTF-8) of the
    lines of the row being read, so that each row has its raw hash and its own UTF-8 verdict."""

    def __init__(self, file: InputFile, errors: str) -> None:
        self.lines = iter_lines(iter_chunks(file))
        self.errors = errors
        self.line_number = 0  # physical lines read so far
        self.raw: list[bytes] = []  # lines of the current row
        self.utf8_problem = ""  # first invalid UTF-8 in the current row

    def __iter__(self) -> _RowLines:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.line_number += 1
        if self.line_number == 1 and line.startswith(UTF8_BOM):
            line = line[3:]
        self.raw.append(line)
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as error:
            if not self.utf8_problem:
                self.utf8_problem = f"line {self.line_number}: {utf8_problem(line, error)}"
            text = line.decode("utf-8", errors="replace")
        return text + "\n"  # a b"\r" kept by iter_lines makes this "\r\n" again

    def take_row(self) -> tuple[bytes, str, int]:
        """(raw bytes, UTF-8 problem, first line number) of the row just read; starts the next."""
        raw = b"\n".join(self.raw)
        first_line = self.line_number - len(self.raw) + 1
        problem = self.utf8_problem
        self.raw = []
        self.utf8_problem = ""
        return raw, problem, first_line


def read(file: InputFile, cfg: InputConfig) -> Iterator[RawRecord | Reject]:
    fields = FieldMap(cfg, text_fields=[cfg.csv_text_column, cfg.text_field])
    lines = _RowLines(file, cfg.encoding_errors)
    rows = csv.reader(lines)
    row_number = 0
    try:
        header = _next_row(rows)
        lines.take_row()
        if header is None or not any(header):
            yield Reject(file.rel, 0, "empty_file", "the CSV file has no header row")
            return
        width = len(header)
        named = [(i, name) for i, name in enumerate(header) if name]  # unnamed (index) columns ignored
        while True:
            try:
                row = _next_row(rows)
            except csv.Error as error:
                row_number += 1
                _, _, first_line = lines.take_row()
                yield Reject(file.rel, row_number, "bad_csv_row", f"row {row_number} (line {first_line}): {error}")
                continue
            if row is None:
                break
            raw, problem, first_line = lines.take_row()
            if not row:  # a blank line
                continue
            row_number += 1
            where = f"row {row_number} (line {first_line})"
            if len(row) != width:
                yield Reject(
                    file.rel, row_number, "bad_csv_row", f"{where} has {len(row)} fields; the header has {width}"
                )
                continue
            if problem and cfg.encoding_errors != "replace":
                yield Reject(file.rel, row_number, "invalid_utf8", f"row {row_number}, {problem}")
                continue
            values = {name: row[i] for i, name in named}
            yield fields.to_record(values, file.rel, row_number, where, hash128(raw))
    except InputBroken as broken:
        yield broken.reject(file.rel, row_number + 1, f"row {row_number + 1} (line {lines.line_number + 1})")
        return
    if row_number == 0:
        yield Reject(file.rel, 0, "empty_file", "the CSV file has a header but no rows")


def _next_row(rows) -> list[str] | None:
    try:
        return next(rows)
    except StopIteration:
        return None
