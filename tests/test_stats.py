from builder.stats import Stats


def test_merge_and_prefix(tmp_path):
    a = Stats({"reject.bad_json": 2, "input.records": 5})
    b = Stats()
    b.inc("reject.bad_json")
    b.inc("reject.no_text", 3)
    total = Stats.merged([a, b])
    assert total.with_prefix("reject.") == {"bad_json": 3, "no_text": 3}
    path = tmp_path / "s.json"
    total.save(path)
    assert Stats.load(path).to_dict() == total.to_dict()
