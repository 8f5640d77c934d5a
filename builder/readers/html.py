"""HTML pages (`.html`, `.htm`, and their .gz/.bz2/.zst): one article per file.

The page goes in `RawRecord.html` (not `text`) for the HTML extraction stage (extra `html`), which
picks the main content and the metadata. The page is decoded as UTF-8 when it is valid UTF-8,
else with the charset its <meta> tag declares; otherwise it is an `invalid_utf8` reject (unless
`encoding_errors = "replace"`). The raw hash is that of the page's bytes.
"""

from __future__ import annotations

from collections.abc import Iterator

from builder.config import InputConfig
from builder.document import RawRecord, Reject, hash128
from builder.readers import InputFile
from builder.readers.common import BINARY_DETAIL, decode_html, looks_binary, read_bytes


def read(file: InputFile, cfg: InputConfig) -> Iterator[RawRecord | Reject]:
    data, error = read_bytes(file)
    if error is not None:
        yield Reject(file.rel, 1, *error)
        return
    if looks_binary(data):
        yield Reject(file.rel, 1, "binary_file", BINARY_DETAIL)
        return
    html, problem = decode_html(data, cfg.encoding_errors)
    if problem is not None:
        yield Reject(file.rel, 1, "invalid_utf8", problem)
        return
    if not html.strip():
        yield Reject(file.rel, 1, "empty_text", "the HTML file is empty")
        return
    yield RawRecord(path=file.rel, record=1, raw_hash=hash128(data), html=html)
