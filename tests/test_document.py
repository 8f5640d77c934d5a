"""The document in flight: its published row, alone (to_row) and as a table (rows_table)."""

from __future__ import annotations

import io

import pyarrow.parquet as pq

from builder.document import Document, hash128, measure_words, rows_table, text_column_and_hashes
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


def normalised(text: str) -> Document:
    """A document as normalize leaves it: with its canonical form known when normalize found one."""
    from builder.stages.normalize import normalize_with_canonical

    normal, canonical = normalize_with_canonical(text)
    doc = Document(id="n", text=normal, path="p", record=1, raw_hash="h", source_text=normal)
    if canonical is not None:
        doc.know_canonical(canonical)
    return doc


MEASURED_TEXTS = [
    "One line of words.",
    "Two paragraphs here.\n\nAnd a second one, longer than the first.",
    "caf\u00e9 and na\u00efve words",  # not ASCII: no canonical form from normalize
    "tabs\tbetween words",
    "x",
    "a b c d e f g h i j",
    "Leading words\n\n    indented code line\n\nend",
]


def test_measure_words_gives_what_each_document_measures_alone():
    from builder.stages.exact_dedup import exact_key

    batch = [normalised(t) for t in MEASURED_TEXTS]
    alone = [normalised(t) for t in MEASURED_TEXTS]
    assert any(d._canonical is not None for d in batch) and any(d._canonical is None for d in batch)
    measure_words(batch)
    for together, single in zip(batch, alone):
        assert together.word_count() == single.word_count() == len(single.text.split())
        canonical = " ".join(single.text.split())
        assert together.exact_key() == single.exact_key() == (exact_key(single.text), len(canonical))
        assert together._canonical is None  # the form is let go once measured


def test_measure_words_in_several_batches(monkeypatch):
    from builder import document

    monkeypatch.setattr(document, "MEASURE_BATCH_CHARS", 30)
    docs = [normalised(t) for t in MEASURED_TEXTS * 3]
    measure_words(docs)
    assert [d.word_count() for d in docs] == [len(t.split()) for t in MEASURED_TEXTS * 3]


def test_measure_words_counts_a_non_ascii_canonical_form_alone():
    doc = Document(id="n", text="d\u00e9j\u00e0  vu\nencore", path="p", record=1, raw_hash="h")
    doc.know_canonical("d\u00e9j\u00e0 vu encore")
    plain = normalised("plain words here")
    measure_words([doc, plain])
    assert doc.word_count() == 3 and doc.exact_key()[1] == len("d\u00e9j\u00e0 vu encore")
    assert plain.word_count() == 3


def test_measure_words_measures_again_after_the_text_changed():
    doc = normalised("three little words")
    measure_words([doc])
    doc.text = "now four words here"
    measure_words([doc])
    assert doc.word_count() == 4


def test_measure_words_finds_the_form_of_a_changed_text_again():
    from builder.stages.exact_dedup import exact_key

    simple, spaced, accented = normalised("old text here"), normalised("old text here"), normalised("old text here")
    simple.text, spaced.text, accented.text = "one two\nthree", "one  two\tthree four", "caf\u00e9 cr\u00e8me\nbr\u00fbl\u00e9e"
    measure_words([simple, spaced, accented])  # the forms normalize found are not these texts' forms
    for doc in (simple, spaced, accented):
        canonical = " ".join(doc.text.split())
        assert doc.word_count() == len(doc.text.split())
        assert doc.exact_key() == (exact_key(doc.text), len(canonical))


def test_text_column_in_chunks_with_the_hashes_of_its_texts(monkeypatch):
    from builder import document

    texts = ["", "ab", "d\u00e9j\u00e0 vu", "\U0001f600", "", "plain text " * 5, ""]
    monkeypatch.setattr(document, "TEXT_CHUNK_CHARS", 8)
    column, hashes = text_column_and_hashes(texts)
    assert column.num_chunks > 1
    assert column.to_pylist() == texts
    assert hashes == [hash128(t) for t in texts]
    docs = [Document(id=str(i), text=t, path="p", record=i, raw_hash="h") for i, t in enumerate(texts)]
    table = rows_table(docs, "v", "h")
    assert table.column("text_hash").to_pylist() == hashes


def test_text_column_of_no_texts():
    column, hashes = text_column_and_hashes([])
    assert len(column) == 0 and hashes == []
