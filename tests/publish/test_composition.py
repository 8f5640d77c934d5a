from pathlib import Path

import pyarrow.parquet as pq

from builder.publish.composition import length_bucket, merge, summarize
from builder.schema import table_from_rows, document_schema
from publish.test_parquet import rows


def test_length_buckets():
    assert [length_bucket(n) for n in (0, 49, 50, 399, 3200, 10_000)] == ["0-49", "0-49", "50-99", "200-399", "3200+", "3200+"]


def test_summarize_and_merge_agree(tmp_path: Path):
    all_rows = rows(10)
    for i, row in enumerate(all_rows):
        row["source"] = "a.example" if i % 3 else "b.example"
        row["language"] = "en" if i % 2 else "fr"
        row["source_labels"] = [{"key": "type", "value": "reliable"}] if i < 4 else []
    paths = []
    for k, part in enumerate((all_rows[:6], all_rows[6:])):
        paths.append(tmp_path / f"{k}.parquet")
        pq.write_table(table_from_rows(part, document_schema()), paths[-1])
    whole = summarize(paths)
    assert whole["totals"]["docs"] == 10
    assert whole["by_source"]["b.example"]["docs"] == 4
    assert whole["by_label"]["type=reliable"]["docs"] == 4
    assert merge(summarize(paths[:1]), summarize(paths[1:])) == whole
