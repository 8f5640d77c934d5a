"""The readers on real third-party inputs under ../shared/corpora (skipped when absent)."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


def corpus(*parts: str) -> Path:
    path = SHARED.joinpath("corpora", *parts)
    if not path.exists():
        pytest.skip(f"needs {path} (the shared test corpora beside the project), which is absent")
    return path


def test_fakenewscorpus_news_sample_csv(reader):
    path = corpus("fakenewscorpus_sample", "news_sample.csv")
    records, rejects = reader.split(reader.read(path))
    with open(path, newline="", encoding="utf-8") as handle:  # an independent read of the same file
        rows = list(csv.DictReader(handle))
    assert len(rows) == 250 and rejects == [] and len(records) == 250
    assert [r.record for r in records] == list(range(1, 251))
    assert [r.source_id for r in records] == [row["id"] for row in rows]
    assert [r.url for r in records] == [row["url"] or None for row in rows]
    assert [r.source for r in records] == [row["domain"] for row in rows]
    assert [r.crawled for r in records] == [row["scraped_at"] or None for row in rows]
    assert [r.text for r in records] == [row["content"] for row in rows]
    assert sum(1 for r in records if r.author) > 100  # the authors column, via the fallback


def test_dolma_jsonl_samples(reader):
    folder = corpus("dolma_cc_samples")
    records, expected = [], []
    for path in sorted(folder.glob("*.jsonl.gz")):
        out = reader.read(path)
        assert all(r.path == path.name for r in out)
        records += out
        expected += [json.loads(line) for line in gzip.open(path, "rt", encoding="utf-8")]
    assert len(records) == len(expected) == 30
    assert [r.source_id for r in records] == [d["id"] for d in expected]
    assert [r.url for r in records] == [d["metadata"]["url"] for d in expected]  # the nested metadata.url
    assert all(r.url.startswith("http") for r in records)
    assert [r.text for r in records] == [d["text"] for d in expected]


def test_buzzfeed_jsonl_with_mapped_fields(reader):
    path = corpus("buzzfeed_webis_2016", "articles.jsonl.gz")
    out = reader.read(path, text_field="mainText", url_field="uri")
    expected = [json.loads(line) for line in gzip.open(path, "rt", encoding="utf-8")]
    assert len(out) == len(expected) == 1627  # every line is a record or a reject
    records, rejects = reader.split(out)
    assert [r.record for r in rejects] == [i + 1 for i, d in enumerate(expected) if not d["mainText"].strip()]
    assert {r.reason for r in rejects} == {"empty_text"}
    assert [(r.source_id, r.url) for r in records] == [(d["id"], d["uri"]) for d in expected if d["mainText"].strip()]
