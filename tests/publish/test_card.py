import pytest

from builder.publish.card import config_entries, size_category


@pytest.mark.parametrize("rows, category", [(0, "n<1K"), (999, "n<1K"), (1000, "1K<n<10K"), (250_000, "100K<n<1M"), (5_000_000, "1M<n<10M")])
def test_size_category(rows, category):
    assert size_category(rows) == category


def test_configs_are_cumulative_and_newest_is_default():
    manifests = [
        {"version": "1.0.0", "files": [{"path": "data/v1.0.0/train-00000-of-00001.parquet"}]},
        {"version": "1.1.0", "files": [{"path": "data/v1.0.0/train-00000-of-00001.parquet"}, {"path": "data/v1.1.0/train-00000-of-00001.parquet"}]},
    ]
    entries = config_entries(manifests)
    assert [e["config_name"] for e in entries] == ["v1.0.0", "v1.1.0"]
    assert "default" not in entries[0] and entries[1]["default"] is True
    assert entries[1]["data_files"] == [{"split": "train", "path": [f["path"] for f in manifests[1]["files"]]}]
