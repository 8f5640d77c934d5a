"""The document in flight: its published row, alone (to_row) and as a table (rows_table)."""

from __future__ import annotations

import io

import pyarrow.parquet as pq

from builder.document import Document, rows_table
from builder.schema import document_schema, table_from_rows


def documents() -> list[Document]:
    plain = Document(id="a1", text="Two words", path="in/a.jsonl", record=3, raw_hash="r1")
    full = Document(
        id="b2", text="Body  text\n\nwith é and 😀", path="in/b.jsonl", record=9, raw_hash="r2", boilerplate="Footer",
        title="T", url="https://x.example/b", source="x.example", author="A, B", published="2020-01-02",
        source_id="b", crawled="2021-05-06", language="en", language_score=0.75, n_tokens=7,
        license="CC-BY-4.0", license_status="licensed", license_basis="license", license_nc=False, license_nd=True,
        license_sa=None, copyright_notice="© 2017 X", copyright_holders=["X", "Y"], copyright_year=2017,
        license_evidence=[{"kind": "cc_link", "text": "by/4.0", "where": "html"}],
        segments=[{"start": 0, "end": 4, "label": "body", "reason": "prose", "sep": "\n\n", "input": None},
                  {"start": 0, "end": 6, "label": "boilerplate", "reason": "rule:footer", "sep": "", "input": "Footer"}],
        pii={"emails": 1, "phones": 2, "ips": 3}, source_labels=[{"key": "type", "value": "news"}],
        dup_count=2, dup_cluster="b2",
    )
    empty_text = Document(id="c3", text="", path="in/c.txt", record=1, raw_hash="r3")
    return [plain, full, empty_text]


def test_rows_table_is_the_table_of_the_rows():
    docs = documents()
    expected = table_from_rows([d.to_row("1.2.3", "cfg") for d in docs], document_schema())
    table = rows_table(docs, "1.2.3", "cfg")
    assert table.schema == document_schema()
    assert table.equals(expected)
    assert table.column("n_words").to_pylist() == [2, 6, 0]
    assert table.column("provenance").to_pylist()[1] == {
        "path": "in/b.jsonl", "record": 9, "raw_hash": "r2", "crawled": "2021-05-06", "pipeline_version": "1.2.3", "config_hash": "cfg"}


def test_rows_table_writes_the_same_parquet_bytes():
    def parquet(table) -> bytes:
        out = io.BytesIO()
        pq.write_table(table, out, compression="none", use_dictionary=False)
        return out.getvalue()

    docs = documents()
    assert parquet(rows_table(docs, "v", "h")) == parquet(table_from_rows([d.to_row("v", "h") for d in docs], document_schema()))


def test_rows_table_of_no_documents():
    assert rows_table([], "v", "h").equals(document_schema().empty_table())
