"""WARC crawl archives (`.warc`, `.warc.gz`, also .bz2/.zst), read with warcio (extra `warc`).

Each `response` record with a 2xx HTTP status and an HTML content type becomes one RawRecord
with the page in `html` (for the HTML extraction stage), `WARC-Target-URI` as url, `WARC-Date` as
crawled and `WARC-Record-ID` as source_id. The record number is the 1-based position of the
record in the file (every record counts, so numbers match other WARC tools); the raw hash is
that of the HTTP payload (after transfer and content decoding).

Records that are not articles are ignored, without a reject: warcinfo, request, metadata,
revisit and resource records, and responses that are not HTML (images, scripts, PDFs) or not
2xx (redirects, errors). They are not input documents, so they are not in the accounting.

A damaged archive yields the pages read before the damage, then one reject: `truncated_file`
when the file ends inside a record or its compressed stream breaks, `bad_warc` when it cannot be
parsed. Without warcio every WARC file is a `missing_extra` reject.
"""

from __future__ import annotations

from collections.abc import Iterator

from builder.config import InputConfig
from builder.document import RawRecord, Reject, hash128
from builder.readers import InputFile
from builder.readers.common import InputBroken, decode_html, open_stream

INSTALL_HINT = "reading WARC files needs warcio: pip install 'shardsmith[warc]'"
HTML_TYPES = ("text/html", "application/xhtml+xml")


def read(file: InputFile, cfg: InputConfig) -> Iterator[RawRecord | Reject]:
    try:
        from warcio.archiveiterator import ArchiveIterator
    except ImportError:
        yield Reject(file.rel, 0, "missing_extra", INSTALL_HINT)
        return
    try:
        # pyarrow decompresses the whole stream (gzip members included) and, unlike warcio,
        # reports a truncated one.
        stream = open_stream(file)
    except InputBroken as broken:
        yield broken.reject(file.rel, 0)
        return
    number = 0
    record = None
    with stream:
        try:
            records = ArchiveIterator(stream)
            for number, record in enumerate(records, 1):
                problem = _not_warc(record)
                if problem:  # the framing cannot be trusted beyond a broken record
                    yield Reject(file.rel, number, "bad_warc", f"record {number}: {problem}")
                    return
                page = _page(record)
                if page is not None and record.raw_stream.limit > 0:
                    break  # the file ends inside this page: reported below, not yielded half
                if page is not None:
                    yield _to_record(file, number, record, page, cfg)
            if record is not None and record.raw_stream.limit > 0:
                yield Reject(
                    file.rel, number, "truncated_file",
                    f"record {number}: the file ends {record.raw_stream.limit:,} bytes before the record does",
                )
            elif not file.compression and records.offset < file.size:
                yield Reject(
                    file.rel, number + 1, "truncated_file",
                    f"record {number + 1}: {file.size - records.offset:,} bytes at the end are not a whole record",
                )
        except OSError as error:
            reason = "truncated_file" if file.compression else "unreadable_file"
            yield Reject(
                file.rel, number + 1, reason,
                f"record {number + 1}: reading failed (records are read in blocks, so the last "
                f"ones before the damage may be lost too): {type(error).__name__}: {error}",
            )
        except Exception as error:  # noqa: BLE001 - warcio fails in many ways on corrupt input
            yield Reject(
                file.rel, number + 1, "bad_warc",
                f"record {number + 1}: not a readable WARC record: {type(error).__name__}: {error}",
            )


def _not_warc(record) -> str:
    """Why warcio's record is not a sound WARC record ('' when it is): warcio reads junk lines as
    old ARC headers, and a header block without WARC-Type or Content-Length as a record."""
    if record.format != "warc":
        return f"not a WARC record (it parses as {record.format!r}); is this a WARC file?"
    if record.rec_type is None or record.length is None:
        return "a WARC header without WARC-Type or Content-Length"
    return ""


def _page(record) -> bytes | None:
    """The HTML payload of a 2xx HTML response record, else None (the record is ignored)."""
    if record.rec_type != "response" or record.http_headers is None:
        return None
    status = record.http_headers.get_statuscode() or ""
    if not status.startswith("2"):
        return None
    content_type = (record.http_headers.get_header("Content-Type") or "").strip().lower()
    if content_type and not content_type.startswith(HTML_TYPES):
        return None  # left unread: warcio skips it
    payload = record.content_stream().read()
    if content_type:
        return payload
    head = payload[:1024].lstrip().lower()  # no Content-Type: sniff the page itself
    return payload if head.startswith((b"<!doctype html", b"<html")) else None


def _to_record(file: InputFile, number: int, record, payload: bytes, cfg: InputConfig) -> RawRecord | Reject:
    if not payload.strip():
        return Reject(file.rel, number, "empty_text", f"record {number}: the HTML response is empty")
    html, problem = decode_html(payload, cfg.encoding_errors, record.http_headers.get_header("Content-Type"))
    if problem is not None:
        return Reject(file.rel, number, "invalid_utf8", f"record {number}: {problem}")
    headers = record.rec_headers
    return RawRecord(
        path=file.rel,
        record=number,
        raw_hash=hash128(payload),
        html=html,
        url=headers.get_header("WARC-Target-URI"),
        crawled=headers.get_header("WARC-Date"),
        source_id=headers.get_header("WARC-Record-ID"),
    )
