import pyarrow as pa

from builder import schema


def test_schema_comes_from_the_json_file():
    spec = schema.load_schema_json("document")
    arrow = schema.document_schema()
    assert arrow.names == [c["name"] for c in spec["columns"]]
    assert arrow.metadata[b"shardsmith.schema_version"].decode() == spec["version"]


def test_required_columns_and_types():
    arrow = schema.document_schema()
    for name in ["id", "text", "boilerplate", "title", "url", "source", "author", "published", "source_id",
                 "language", "language_score", "license", "license_status", "license_basis", "copyright_notice",
                 "dup_count", "dup_cluster"]:
        assert name in arrow.names
    provenance = arrow.field("provenance").type
    assert [provenance.field(i).name for i in range(provenance.num_fields)][:4] == ["path", "record", "raw_hash", "crawled"]
    assert arrow.field("id").nullable is False
    assert arrow.field("license").nullable is True
    # No column may be of null type: datasets cannot cast an all-null first shard.
    assert all(field.type != pa.null() for field in arrow)


def test_arrow_type_parser():
    assert schema.arrow_type({"list": {"struct": [{"name": "a", "type": "int32"}]}}) == pa.list_(
        pa.struct([pa.field("a", pa.int32())])
    )


def test_features_match_arrow_schema():
    features = schema.features()
    assert list(features) == schema.column_names()
    assert features.arrow_schema.field("copyright_holders").type == pa.list_(pa.string())
