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


def test_dataset_info_is_what_datasets_writes_for_the_schema():
    """The card's dataset_info is written without importing `datasets`; it must be exactly what
    `datasets` itself writes for the document schema and the same counts."""
    from datasets.info import DatasetInfo
    from datasets.splits import SplitDict, SplitInfo

    from builder.publish.card import dataset_info_entries
    from builder.schema import features

    manifest = {
        "version": "1.2.0", "total_rows": 7,
        "shards": [{"path": "data/v1.2.0/a.parquet", "bytes": 300}],
        "files": [{"path": "data/v1.2.0/a.parquet", "uncompressed_bytes": 900}, {"path": "data/v1.1.0/b.parquet", "uncompressed_bytes": 100}],
    }
    splits = SplitDict()
    splits.add(SplitInfo(name="train", num_bytes=1000, num_examples=7))
    info = DatasetInfo(features=features(), splits=splits, download_size=300, dataset_size=1000)
    assert dataset_info_entries([manifest]) == [{"config_name": "v1.2.0", **info._to_yaml_dict()}]
