"""Helpers shared by the readers: opening (maybe compressed) streams, splitting lines, decoding
UTF-8 and HTML, and mapping a record's fields (configured in `InputConfig`) onto a `RawRecord`.

A file that cannot be read (any further) raises `InputBroken` from these helpers; the reader
catches it and yields one `Reject` naming where it broke, after the records read before it.
"""

from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pyarrow as pa

from builder.config import InputConfig
from builder.document import RawRecord, Reject, hash128
from builder.readers import InputFile

READ_CHUNK_BYTES = 1 << 20  # streams are read in chunks of this size, never whole
BINARY_SNIFF_BYTES = 8192  # a NUL byte in this many first bytes marks a binary file
UTF8_BOM = b"\xef\xbb\xbf"


class InputBroken(Exception):
    """A file that cannot be read, or not beyond some point; the reader turns it into a Reject.

    `whole_file` is True when nothing of the file could be read (record 0 in the reject).
    """

    def __init__(self, reason: str, detail: str, whole_file: bool = False) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.whole_file = whole_file

    def reject(self, path: str, record: int, where: str = "") -> Reject:
        """The Reject for this break; `record` and `where` name the record it broke in."""
        if self.whole_file:
            return Reject(path, 0, self.reason, self.detail)
        return Reject(path, record, self.reason, f"{where}: {self.detail}" if where else self.detail)


def open_error(file: InputFile, error: Exception) -> InputBroken:
    """An InputBroken for a file that cannot be opened at all."""
    if isinstance(error, FileNotFoundError):
        return InputBroken("missing_file", f"the file does not exist: {file.path}", whole_file=True)
    return InputBroken("unreadable_file", f"cannot open the file: {type(error).__name__}: {error}", whole_file=True)


def read_error(file: InputFile, error: Exception, offset: int) -> InputBroken:
    """An InputBroken for a stream that fails after `offset` (decompressed) bytes were read."""
    if file.compression:
        return InputBroken(
            "truncated_file",
            f"the {file.compression} stream is truncated or damaged after {offset:,} bytes "
            f"(decompressed): {type(error).__name__}: {error}",
        )
    return InputBroken("unreadable_file", f"reading failed after {offset:,} bytes: {type(error).__name__}: {error}")


def open_stream(file: InputFile, decompress: bool = True):
    """A binary stream of the file, decompressed by pyarrow when it is .gz/.bz2/.zst (and
    `decompress`). Raises InputBroken when the file cannot be opened."""
    try:
        return pa.input_stream(file.path, compression=file.compression if decompress else None)
    except (OSError, pa.ArrowException) as error:
        raise open_error(file, error) from None


def looks_binary(data: bytes) -> bool:
    return b"\x00" in data[:BINARY_SNIFF_BYTES]


BINARY_DETAIL = "NUL bytes in the first 8 KB: a binary file (or UTF-16, which is not supported), not text"


def read_one_document(
    file: InputFile, cfg: InputConfig, decode_fn: Callable[[bytes, str], tuple[str, str | None]], kind: str
) -> tuple[bytes, str] | Reject:
    """The bytes and decoded text of a one-document file (text, markdown, HTML), or the Reject
    that says why it cannot be one: unreadable, binary, invalid UTF-8 or empty."""
    data, error = read_bytes(file)
    if error is not None:
        return Reject(file.rel, 1, *error)
    if looks_binary(data):
        return Reject(file.rel, 1, "binary_file", BINARY_DETAIL)
    text, problem = decode_fn(data, cfg.encoding_errors)
    if problem is not None:
        return Reject(file.rel, 1, "invalid_utf8", problem)
    if not text.strip():
        return Reject(file.rel, 1, "empty_text", f"the {kind} file is empty")
    return data, text


def iter_chunks(file: InputFile, reject_binary: bool = True) -> Iterator[bytes]:
    """The (decompressed) bytes of the file, chunk by chunk. Raises InputBroken when the file
    cannot be opened, is binary (with `reject_binary`), or breaks while being read."""
    offset = 0
    with open_stream(file) as stream:
        while True:
            try:
                chunk = stream.read(READ_CHUNK_BYTES)
            except (OSError, pa.ArrowException) as error:
                raise read_error(file, error, offset) from None
            if not chunk:
                return
            if offset == 0 and reject_binary and looks_binary(chunk):
                raise InputBroken("binary_file", BINARY_DETAIL, whole_file=True)
            offset += len(chunk)
            yield chunk


def iter_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The lines of a chunked byte stream, without their b"\\n" (a b"\\r" before it is kept).
    The last line is yielded even without a final newline; an empty tail is not a line."""
    pending: list[bytes] = []  # pieces of a line that spans chunks
    for chunk in chunks:
        # BytesIO finds each line end with memchr: about 3x faster on long lines than
        # chunk.split(b"\n"), which compares byte by byte. Its lines keep their b"\n".
        lines = io.BytesIO(chunk).readlines()
        if not lines:
            continue
        if not lines[-1].endswith(b"\n"):  # the chunk ends inside a line
            rest = lines.pop()
            if not lines:
                pending.append(rest)
                continue
        else:
            rest = b""
        if pending:
            pending.append(lines[0])
            lines[0] = b"".join(pending)
        pending = [rest]
        for line in lines:
            yield line[:-1]
    tail = b"".join(pending)
    if tail:
        yield tail


def read_bytes(file: InputFile) -> tuple[bytes, tuple[str, str] | None]:
    """All (decompressed) bytes of a one-document file, or ``(b"", (reason, detail))``."""
    try:
        return b"".join(iter_chunks(file, reject_binary=False)), None
    except InputBroken as broken:
        return b"", (broken.reason, broken.detail)


def utf8_problem(data: bytes, error: UnicodeDecodeError) -> str:
    return f"invalid UTF-8 at byte {error.start}: {data[error.start:error.start + 4]!r}"


def decode(data: bytes, errors: str) -> tuple[str, str | None]:
    """UTF-8 text of `data`; with errors='reject', ('', message) on invalid bytes."""
    if data.startswith(UTF8_BOM):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        if errors == "replace":
            return data.decode("utf-8", errors="replace"), None
        return "", utf8_problem(data, error)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def known_codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(data: bytes, errors: str, content_type: str | None = None) -> tuple[str, str | None]:
    """Text of an HTML page: UTF-8 when it decodes as UTF-8 (a page that does is almost surely
    UTF-8, whatever it declares), else the charset of the HTTP Content-Type or of a <meta> tag.
    ('', message) when none fits and errors='reject'."""
    if data.startswith(UTF8_BOM):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        first_error = utf8_problem(data, error)
    declared = []
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        declared.append(known_codec(match.group(1)) if match else None)
    match = _META_CHARSET.search(data[:4096])
    declared.append(known_codec(match.group(1).decode("ascii")) if match else None)
    for codec in dict.fromkeys(c for c in declared if c and c != "utf-8"):
        try:
            return data.decode(codec), None
        except UnicodeDecodeError:
            continue
    if errors == "replace":
        return data.decode("utf-8", errors="replace"), None
    return "", first_error + " (and no declared charset decodes it)"


# --- field mapping -------------------------------------------------------------------------

Getter = Callable[[dict[str, Any]], Any]


def field_getter(name: str) -> Getter:
    """A function reading field `name` from a record. A dotted name ('metadata.url') reaches into
    nested objects; a key that itself contains the dots wins."""
    if "." not in name:
        return lambda obj: obj.get(name)
    parts = name.split(".")

    def get(obj: dict[str, Any]) -> Any:
        if name in obj:
            return obj[name]
        value: Any = obj
        for part in parts:
            if not isinstance(value, dict):
                return None
            value = value.get(part)
        return value

    return get


def as_str(value: Any) -> str | None:
    """A metadata value as a stripped string (None when absent or empty). Lists of names are
    joined with ', '; dates become ISO 8601; objects are not metadata and give None."""
    if value is None or isinstance(value, dict):
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (list, tuple)):
        return ", ".join(s for s in (as_str(v) for v in value) if s) or None
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return as_str(value.decode("utf-8", errors="replace"))
    return str(value)


def _candidates(names: list[str]) -> tuple[tuple[str, Getter | None], ...]:
    """(name, its getter, or None for a plain key that is read inline) for each field name."""
    return tuple((name, field_getter(name) if "." in name else None) for name in names)


_SURROGATE = re.compile("[\ud800-\udfff]")

# The metadata fields of a RawRecord, in its field order: records are built positionally, as
# RawRecord(path, record, raw_hash, text, html, *metadata).
META_FIELDS = tuple(
    f.name for f in dataclasses.fields(RawRecord) if f.name not in ("path", "record", "raw_hash", "text", "html")
)


class FieldMap:
    """Which fields of a record hold the text, the HTML and the metadata: the configured name
    first, then the `fallback_fields`, all possibly dotted. Built once per file."""

    def __init__(self, cfg: InputConfig, text_fields: list[str] | None = None) -> None:
        fallbacks = cfg.fallback_fields

        def names(kind: str, primary: list[str]) -> list[str]:
            return list(dict.fromkeys(primary + list(fallbacks.get(kind, []))))

        self.text_names = names("text", text_fields or [cfg.text_field])
        self.html_names = names("html", [cfg.html_field])
        self.names: dict[str, list[str]] = {
            "source_id": names("id", [cfg.id_field]),
            "url": names("url", [cfg.url_field]),
            "title": names("title", [cfg.title_field]),
            "author": names("author", [cfg.author_field]),
            "published": names("published", list(cfg.published_fields)),
            "source": names("source", [cfg.source_field]),
            "crawled": names("crawled", list(cfg.crawled_fields)),
        }
        # ((name, getter or None for a plain key), ...): plain keys are read inline, fast
        self._text = _candidates(self.text_names)
        self._html = _candidates(self.html_names)
        self._meta = [_candidates(self.names[kind]) for kind in META_FIELDS]  # in META_FIELDS order
        self.encoding_errors = cfg.encoding_errors

    def top_level_names(self) -> set[str]:
        """The top-level keys any configured field may live under (the columns to read)."""
        every = self.text_names + self.html_names + [n for ns in self.names.values() for n in ns]
        return {n for n in every} | {n.split(".", 1)[0] for n in every}

    def to_record(
        self, obj: dict[str, Any], path: str, number: int, where: str, raw_hash: str | None,
        check_surrogates: bool = False,
    ) -> RawRecord | Reject:
        """The RawRecord of one record (a dict), or the Reject saying why it has no text.

        `where` names the record in messages ('line 3', 'row 7'); `raw_hash` None means the hash
        of the text (or HTML) itself, for formats without raw record bytes (Parquet)."""
        text, text_name, text_problem = self._first_string(obj, self._text)
        html = None
        if not text or text.isspace():
            html, _, _ = self._first_string(obj, self._html)
            if html is not None and (not html or html.isspace()):
                html = None
        if html is None:
            if text_problem:
                return Reject(path, number, text_problem[0], f"{where}: {text_problem[1]}")
            if text is None:
                fields = ", ".join(list(obj)[:12]) + (", ..." if len(obj) > 12 else "")
                tried = ", ".join(repr(n) for n in self.text_names + self.html_names)
                return Reject(path, number, "no_text", f"{where} has no text field (tried {tried}; it has: {fields})")
            if not text or text.isspace():
                return Reject(path, number, "empty_text", f"{where}: the text field {text_name!r} is empty")
        else:
            text = None
        values = self._metadata(obj)
        if check_surrogates and not _all_ascii(text, html, values):
            problem = self._fix_surrogates(values, text, html)
            if isinstance(problem, str):
                return Reject(path, number, "invalid_utf8", f"{where}: {problem}")
            text, html = problem
        if raw_hash is None:
            raw_hash = hash128(text if text is not None else html)
        return RawRecord(path, number, raw_hash, text, html, *values)

    def _metadata(self, obj: dict[str, Any]) -> list[str | None]:
        """The value of each metadata field (in META_FIELDS order): the first non-empty value among
        its candidate fields, as a string (see as_str). One loop for all fields, as calling a
        function per field costs more than its look-ups."""
        values = []
        for candidates in self._meta:
            found = None
            for name, get in candidates:
                value = obj.get(name) if get is None else get(obj)
                if value is not None:
                    found = (value.strip() or None) if type(value) is str else as_str(value)
                    if found is not None:
                        break
            values.append(found)
        return values

    def _first_string(
        self, obj: dict[str, Any], candidates: tuple[tuple[str, Getter | None], ...]
    ) -> tuple[str | None, str, tuple[str, str] | None]:
        """(value, field name, (reason, detail) when the field present is not text)."""
        for name, get in candidates:
            value = obj.get(name) if get is None else get(obj)
            if value is None:
                continue
            if isinstance(value, str):
                return value, name, None
            if isinstance(value, bytes):  # a binary Parquet column
                try:
                    return value.decode("utf-8"), name, None
                except UnicodeDecodeError as error:
                    if self.encoding_errors == "replace":
                        return value.decode("utf-8", errors="replace"), name, None
                    return None, name, ("invalid_utf8", f"field {name!r}: {utf8_problem(value, error)}")
            return None, name, ("no_text", f"field {name!r} holds a {type(value).__name__}, not a string")
        return None, "", None

    def _fix_surrogates(self, values: list[str | None], text: str | None, html: str | None):
        """JSON may escape lone surrogates ('\\ud800'), which are not Unicode text: reject or
        replace them (in `values` too, which are in META_FIELDS order). Returns (text, html) or a
        problem message."""
        by_field = dict(zip(META_FIELDS, values))
        fields = {"text": text, "html": html, **{kind: by_field[kind] for kind in self.names}}
        # Encoding fails on a lone surrogate: the fast check. UTF-16 fails exactly as UTF-8 does and
        # encodes non-ASCII text about twice as fast (0.8 against 1.6 ns a character); the regex
        # only runs on a failure.
        try:
            for value in fields.values():
                if value is not None:
                    value.encode("utf-16-le")
            return text, html
        except UnicodeEncodeError:
            pass
        bad = [k for k, v in fields.items() if v is not None and _SURROGATE.search(v)]
        if self.encoding_errors != "replace":
            return f"a lone surrogate escape (not valid Unicode) in field {bad[0]!r}"
        for key in bad:
            fields[key] = _SURROGATE.sub("\ufffd", fields[key])  # type: ignore[arg-type]
            if key in by_field:
                values[META_FIELDS.index(key)] = fields[key]
        return fields["text"], fields["html"]


def _all_ascii(text: str | None, html: str | None, values: list[str | None]) -> bool:
    """Whether every value is ASCII, which str.isascii() reads from a flag without scanning: an
    ASCII string holds no lone surrogate, and most records need no encoding to tell."""
    return (
        (text is None or text.isascii())
        and (html is None or html.isascii())
        and "".join(filter(None, values)).isascii()
    )
