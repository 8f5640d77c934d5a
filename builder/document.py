"""The records that flow through a build.

`RawRecord` is what a reader yields for each input record; `Reject` is what it yields for an
input that cannot become a document. `Document` is the record the straight-through stages pass
along; `to_row()` gives the published row (the columns of schemas/document.schema.json), the rest
of its fields are internal to the build.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from operator import attrgetter
from typing import Any

import numpy as np
import pyarrow as pa
import xxhash

from builder.schema import document_schema
from builder.stages.exact_dedup import canonical_measures, exact_key, key_of_canonical, simple_canonical, word_measures


def hash128(data: str | bytes) -> str:
    """xxh3-128 hex digest (32 chars) of text (UTF-8) or bytes."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return xxhash.xxh3_128_hexdigest(data)


@dataclass(slots=True)
class RawRecord:
    """One input record as read, before any processing."""

    path: str  # input file, relative to its input root
    record: int  # 1-based line / row / record number (1 for one-document files)
    raw_hash: str  # xxh3-128 of the raw input bytes of the record
    text: str | None = None  # plain text or markdown
    html: str | None = None  # raw HTML, for the HTML path (extra `html`)
    url: str | None = None
    title: str | None = None
    author: str | None = None
    published: str | None = None
    source: str | None = None
    source_id: str | None = None
    crawled: str | None = None


@dataclass(slots=True)
class Reject:
    """An input record that did not become a document, and why."""

    path: str
    record: int
    reason: str  # short machine name, e.g. invalid_utf8, bad_json, no_text, no_body, language
    detail: str = ""  # human message
    id: str | None = None  # document id, when the record got that far
    text: str | None = None  # the text, when there is one worth keeping for review (e.g. no_body)

    def message(self) -> str:
        where = self.path if self.record <= 0 else f"{self.path}:{self.record}"
        return f"{where}: {self.reason}" + (f": {self.detail}" if self.detail else "")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "record": self.record, "reason": self.reason, "detail": self.detail}
        if self.id is not None:
            out["id"] = self.id
        if self.text is not None:
            out["text"] = self.text
        return out


@dataclass(slots=True)
class Document:
    """A document in flight. Stages fill fields; a stage that drops it sets `reject`."""

    id: str
    text: str  # the body once boilerplate is split off; the whole normalised text before
    path: str
    record: int
    raw_hash: str
    source_text: str = ""  # the normalised input text the segments index into
    html: str | None = None  # raw HTML (HTML path); text is empty until it is extracted
    html_body: str | None = None  # main content picked from the HTML by the extractor
    boilerplate: str = ""
    title: str | None = None
    url: str | None = None
    source: str | None = None
    author: str | None = None
    published: str | None = None
    source_id: str | None = None
    crawled: str | None = None
    language: str = "und"
    language_score: float = 0.0
    n_tokens: int = 0
    license: str | None = None
    license_status: str = "unknown"
    license_basis: str = "none"
    license_nc: bool | None = None
    license_nd: bool | None = None
    license_sa: bool | None = None
    copyright_notice: str | None = None
    copyright_holders: list[str] = field(default_factory=list)
    copyright_year: int | None = None
    license_evidence: list[dict[str, str]] = field(default_factory=list)
    segments: list[dict[str, Any]] = field(default_factory=list)
    pii: dict[str, int] = field(default_factory=lambda: {"emails": 0, "phones": 0, "ips": 0})
    source_labels: list[dict[str, str]] = field(default_factory=list)
    dup_count: int = 0
    dup_cluster: str | None = None
    # Set by a stage that drops the document: the reason (e.g. "language") and a human detail.
    reject: str | None = None
    reject_detail: str = ""
    # (text, its words, exact key, canonical length): measured once however many stages and the
    # row ask, measured again if the text changes.
    _measures: tuple[str, int, int, int] | None = field(default=None, repr=False, compare=False)
    # (text, its canonical form) when a stage found that form on the way (normalize does for most
    # texts): the measures then follow from it without splitting the text.
    _canonical: tuple[str, str] | None = field(default=None, repr=False, compare=False)

    def _known_canonical(self) -> str | None:
        """The canonical form recorded for the current text (see `know_canonical`), or None."""
        known = self._canonical
        return known[1] if known is not None and known[0] is self.text else None

    def _measured(self) -> tuple[str, int, int, int]:
        cached = self._measures
        if cached is None or cached[0] is not self.text:
            known = self._known_canonical()
            if known is not None:
                cached = self._measures = (self.text, *canonical_measures(known))
                self._canonical = None  # measured: the form need not stay in memory with the document
            else:
                cached = self._measures = (self.text, *word_measures(self.text))
        return cached

    def know_canonical(self, canonical: str) -> None:
        """Record the canonical form of the current text: its words joined by single spaces (see
        stages/exact_dedup.py). Only for a form that is exactly that: it is not checked."""
        self._canonical = (self.text, canonical)

    def word_count(self) -> int:
        """Whitespace-separated words of `text` (the row's n_words)."""
        return self._measured()[1]

    def exact_key(self, ignore_whitespace: bool = True) -> tuple[int, int]:
        """(exact-dedup key, length of the text it hashes) of `text` (see stages/exact_dedup.py)."""
        if not ignore_whitespace:
            return exact_key(self.text, False), len(self.text)
        _, _, key, chars = self._measured()
        return key, chars

    def drop(self, reason: str, detail: str = "") -> None:
        """Mark the document as rejected; later stages pass it through untouched."""
        self.reject = reason
        self.reject_detail = detail

    def to_reject(self, keep_text: bool = False) -> Reject:
        return Reject(
            path=self.path,
            record=self.record,
            reason=self.reject or "unknown",
            detail=self.reject_detail,
            id=self.id,
            text=(self.source_text or self.text) if keep_text else None,
        )

    def to_row(self, pipeline_version: str, config_hash: str) -> dict[str, Any]:
        """The published row: exactly the columns of schemas/document.schema.json."""
        return {
            "id": self.id,
            "text": self.text,
            "boilerplate": self.boilerplate,
            "title": self.title,
            "url": self.url,
            "source": self.source,
            "author": self.author,
            "published": self.published,
            "source_id": self.source_id,
            "provenance": {
                "path": self.path,
                "record": self.record,
                "raw_hash": self.raw_hash,
                "crawled": self.crawled,
                "pipeline_version": pipeline_version,
                "config_hash": config_hash,
            },
            "language": self.language,
            "language_score": self.language_score,
            "n_chars": len(self.text),
            "n_words": self.word_count(),
            "n_tokens": self.n_tokens,
            "text_hash": hash128(self.text),
            "license": self.license,
            "license_status": self.license_status,
            "license_basis": self.license_basis,
            "license_nc": self.license_nc,
            "license_nd": self.license_nd,
            "license_sa": self.license_sa,
            "copyright_notice": self.copyright_notice,
            "copyright_holders": list(self.copyright_holders),
            "copyright_year": self.copyright_year,
            "license_evidence": list(self.license_evidence),
            "segments": list(self.segments),
            "pii": dict(self.pii),
            "source_labels": list(self.source_labels),
            "dup_count": self.dup_count,
            "dup_cluster": self.dup_cluster,
        }


# Canonical forms measured together by `measure_words`: about 1 MB of text at a time, so that the
# batch's bytes are still in the CPU cache when each form's key is hashed from them.
MEASURE_BATCH_CHARS = 1 << 20


def measure_words(docs: Iterable[Document]) -> None:
    """Measure every document of `docs` whose text is not measured yet: afterwards `word_count()`
    and `exact_key()` return at once, with the values they would have measured one by one.

    The documents with an ASCII canonical form (found by normalize, or by `simple_canonical` when
    a stage has changed the text since) are measured a batch at a time: numpy counts the spaces of
    the whole batch (a form's words are its spaces + 1), where
    `str.count(" ")` reads a text byte by byte with a mispredicted branch at every space, about
    5 us for a 3 KB article; the batch is encoded once and each form's key hashed from its slice."""
    batch: list[Document] = []
    chars = 0
    for doc in docs:
        cached = doc._measures
        if cached is not None and cached[0] is doc.text:
            continue
        form = doc._known_canonical()
        if form is None:  # (normalize found none, or a stage changed the text since)
            form = simple_canonical(doc.text)
            if form is not None:
                doc.know_canonical(form)
        if not form or not form.isascii():
            doc._measured()  # no canonical form to count in the batch: measured on its own
            continue
        batch.append(doc)
        chars += len(form)
        if chars >= MEASURE_BATCH_CHARS:
            _measure_canonical(batch)
            batch, chars = [], 0
    if batch:
        _measure_canonical(batch)


def _measure_canonical(docs: list[Document]) -> None:
    """Measure documents whose non-empty ASCII canonical form is known (see `measure_words`)."""
    forms = [doc._canonical[1] for doc in docs]
    data = "".join(forms).encode("ascii")
    lengths = np.fromiter(map(len, forms), dtype=np.int64, count=len(forms))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    # Spaces per form, summed in uint32 (a form would need 4 GB to overflow it); every form is
    # non-empty, so each start is inside the data and before the next, as reduceat needs.
    spaces = np.add.reduceat(np.frombuffer(data, dtype=np.uint8) == 32, starts, dtype=np.uint32)
    for doc, start, end, n_spaces in zip(docs, starts.tolist(), ends.tolist(), spaces.tolist()):
        doc._measures = (doc.text, n_spaces + 1, key_of_canonical(data[start:end]), end - start)
        doc._canonical = None  # measured: the form need not stay in memory with the document


def rows_table(docs: list[Document], pipeline_version: str, config_hash: str) -> pa.Table:
    """The published rows of `docs` as an Arrow table with the document schema: the table of their
    `to_row()`s, built column by column straight from the documents (about 3x as fast as a dict
    per row, and far fewer objects for the garbage collector)."""
    schema = document_schema()

    def values(name: str) -> list[Any]:
        return list(map(attrgetter(name), docs))

    def struct(name: str, columns: dict[str, list[Any]]) -> pa.StructArray:
        fields = list(schema.field(name).type)
        return pa.StructArray.from_arrays([pa.array(columns[f.name], f.type) for f in fields], fields=fields)

    texts = values("text")
    text_column, text_hashes = text_column_and_hashes(texts)
    measure_words(docs)
    provenance = {name: values(name) for name in ("path", "record", "raw_hash", "crawled")}
    provenance["pipeline_version"] = [pipeline_version] * len(docs)
    provenance["config_hash"] = [config_hash] * len(docs)
    derived = {
        "text": text_column,
        "provenance": struct("provenance", provenance),
        "n_chars": list(map(len, texts)),
        "n_words": [doc.word_count() for doc in docs],
        "text_hash": text_hashes,
        "pii": struct("pii", {kind: [doc.pii.get(kind) for doc in docs] for kind in ("emails", "phones", "ips")}),
    }
    columns = [derived[f.name] if f.name in derived else pa.array(values(f.name), f.type) for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)


# Characters per chunk of the text column, about: 1 MB. Arrow's allocator (jemalloc) gives a
# freed buffer of that size to the next one, where one buffer for a whole task's texts (tens of
# MB) takes fresh pages from the system every time: a page fault per 4 KB, ~3 us per document.
TEXT_CHUNK_CHARS = 1 << 20


def text_column_and_hashes(texts: list[str]) -> tuple[pa.ChunkedArray, list[str]]:
    """The text column of `texts` in chunks of about TEXT_CHUNK_CHARS characters, and each text's
    `hash128`, hashed from the column's UTF-8 bytes instead of encoding every text again."""
    texts_per_chunk = max(1, len(texts) * TEXT_CHUNK_CHARS // max(1, sum(map(len, texts))))
    chunks: list[pa.StringArray] = []
    hashes: list[str] = []
    for start in range(0, len(texts), texts_per_chunk):
        chunk = pa.array(texts[start : start + texts_per_chunk], pa.string())
        _, offsets, data = chunk.buffers()
        offsets = np.frombuffer(offsets, dtype=np.int32, count=len(chunk) + 1).tolist()
        data = memoryview(data or b"")
        hashes.extend(xxhash.xxh3_128_hexdigest(data[a:b]) for a, b in pairwise(offsets))
        chunks.append(chunk)
    return pa.chunked_array(chunks, pa.string()), hashes


def document_id(key: str, text: str) -> str:
    """Stable id: the same source key (url or input id) and normalised text give the same id anywhere."""
    return hash128(key + "\x00" + text)
