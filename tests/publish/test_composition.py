from pathlib import Path

import pyarrow.parquet as pq

from builder.publish.composition import empty, length_bucket, merge, summarize
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


def counted_row_by_row(table) -> dict:
    """The composition by its plain definition: one row at a time."""
    out: dict = {}

    def add(dimension: str, key: str, row: dict) -> None:
        entry = out.setdefault(dimension, {}).setdefault(key, {"docs": 0, "tokens": 0, "chars": 0})
        entry["docs"] += 1
        entry["tokens"] += row["n_tokens"]
        entry["chars"] += row["n_chars"]

    for row in table.to_pylist():
        source = row["source"] or "(unknown)"
        add("by_source", source, row)
        add("by_language", row["language"], row)
        add("by_license_status", row["license_status"], row)
        add("by_license", row["license"] or "(none)", row)
        add("by_source_license_status", f"{source}\t{row['license_status']}", row)
        add("length_words", length_bucket(row["n_words"]), row)
        for label in row["source_labels"]:
            add("by_label", f"{label['key']}={label['value']}", row)
    return {dimension: dict(sorted(keys.items())) for dimension, keys in out.items()}


def test_summarize_equals_the_row_by_row_definition(tmp_path: Path):
    all_rows = rows(40)
    for i, row in enumerate(all_rows):
        row["source"] = [None, "", "a.example", "b.example"][i % 4]
        row["license"] = [None, "", "CC-BY-4.0"][i % 3]
        row["license_status"] = ["unknown", "open"][i % 2]
        row["n_words"] = [0, 49, 50, 120, 3199, 3200, 9000][i % 7]
        row["n_tokens"], row["n_chars"] = i * 3, i * 11
        row["source_labels"] = [{"key": "type", "value": str(i % 3)}, {"key": "bias", "value": "x"}][: i % 3]
    table = table_from_rows(all_rows, document_schema())
    paths = []  # several shards: summarize counts each and merges
    for k, (start, stop) in enumerate([(0, 7), (7, 8), (8, 40)]):
        paths.append(tmp_path / f"rows-{k}.parquet")
        pq.write_table(table.slice(start, stop - start), paths[-1])
    whole = summarize(paths)
    expected = counted_row_by_row(table)
    for dimension, keys in expected.items():
        assert whole[dimension] == keys, dimension
        assert list(whole[dimension]) == list(keys)  # sorted the same way
    assert whole["totals"] == {"docs": 40, "tokens": sum(i * 3 for i in range(40)), "chars": sum(i * 11 for i in range(40))}
    assert summarize([]) == empty()
