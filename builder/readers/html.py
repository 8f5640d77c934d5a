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
from builder.readers.common import decode_html, read_one_document


def read(file: InputFile, cfg: InputConfig) -> Iterator[RawRecord | Reject]:
    result = read_one_document(file, cfg, decode_html, "HTML")
    if isinstance(result, Reject):
        yield result
        return
    data, html = result
    yield RawRecord(path=file.rel, record=1, raw_hash=hash128(data), html=html)
