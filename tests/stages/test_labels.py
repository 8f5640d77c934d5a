import json
from pathlib import Path

import pytest

from builder.config import ConfigError, LabelsConfig
from builder.document import Document
from builder.stages import labels
from builder.stats import Stats

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
WEBSITES = SHARED / "corpora" / "fakenewscorpus_sample" / "websites.csv"

TABLE = labels.load_table(
    LabelsConfig(
        sources={
            "example.co.uk": {"type": "reliable", "bias": "center"},
            "www.Satire-Site.com": {"type": "satire"},
            "blog.host.com": {"type": "fake"},
            "think.org/blog": {"type": "political"},
            "think.org": {"type": "reliable"},
        }
    )
)


def doc(url=None, source=None) -> Document:
    return Document(id="d", text="body", path="p", record=1, raw_hash="h", url=url, source=source)


def test_registered_domain():
    assert labels.registered_domain("news.example.co.uk") == "example.co.uk"
    assert labels.registered_domain("a.b.example.com") == "example.com"
    assert labels.registered_domain("82.221.129.208") == "82.221.129.208"
    assert labels.registered_domain("localhost") == "localhost"


def test_split_source_normalises():
    assert labels.split_source("HTTPS://www.Example.com:8080/a/b/?q=1#top") == ("example.com", ["a", "b"])
    assert labels.split_source("user@www2.example.com") == ("example.com", [])
    assert labels.split_source("") == ("", [])


def test_subdomains_and_www_fold_to_the_registered_domain():
    assert labels.label_for("https://news.example.co.uk/2024/story", TABLE) == {"type": "reliable", "bias": "center"}
    assert labels.label_for("http://www.example.co.uk", TABLE)["type"] == "reliable"
    assert labels.label_for("example.co.uk", TABLE)["type"] == "reliable"
    assert labels.label_for("https://satire-site.com/x", TABLE) == {"type": "satire"}
    # A different registered domain that merely ends the same way does not match.
    assert labels.label_for("https://notexample.co.uk/", TABLE) == {}
    assert labels.label_for("https://example.com/", TABLE) == {}


def test_most_specific_entry_wins():
    # An entry for one blog on a shared host labels that blog only.
    assert labels.label_for("https://blog.host.com/post", TABLE) == {"type": "fake"}
    assert labels.label_for("https://www.blog.host.com/post", TABLE) == {"type": "fake"}
    assert labels.label_for("https://other.host.com/post", TABLE) == {}
    # An entry with a path matches only under that path.
    assert labels.label_for("https://www.think.org/blog/2020/x", TABLE) == {"type": "political"}
    assert labels.label_for("https://think.org/about", TABLE) == {"type": "reliable"}


def test_run_sets_sorted_label_rows_from_url_or_source():
    stats = Stats()
    out = list(labels.run([doc(url="https://news.example.co.uk/a"), doc(source="satire-site.com"), doc(url="https://unknown.net/")],
                          LabelsConfig(), stats, TABLE))
    assert out[0].source_labels == [{"key": "bias", "value": "center"}, {"key": "type", "value": "reliable"}]
    assert out[1].source_labels == [{"key": "type", "value": "satire"}]
    assert out[2].source_labels == []
    assert stats.get("labels.matched") == 2 and stats.get("labels.unmatched") == 1


def test_exclude_drops_with_label_reason():
    stats = Stats()
    cfg = LabelsConfig(exclude=["type=satire", "bias=left"])
    out = list(labels.run([doc(url="https://satire-site.com/x"), doc(url="https://example.co.uk/")], cfg, stats, TABLE))
    assert out[0].reject == "label:type=satire"
    assert "satire-site.com" in out[0].reject_detail
    assert out[1].reject is None
    assert stats.get("labels.excluded.type=satire") == 1


def test_bad_exclude_is_a_config_error():
    with pytest.raises(ConfigError, match="key=value"):
        list(labels.run([doc(url="https://example.co.uk/")], LabelsConfig(exclude=["satire"]), Stats(), TABLE))


def test_rejected_documents_pass_untouched():
    rejected = doc(url="https://satire-site.com/x")
    rejected.drop("language")
    out = list(labels.run([rejected], LabelsConfig(exclude=["type=satire"]), Stats(), TABLE))
    assert out[0].reject == "language" and out[0].source_labels == []


def test_csv_file_with_extra_and_unnamed_columns(tmp_path):
    (tmp_path / "sites.csv").write_text(
        ",site,type,2nd_type,notes\n0,www.Alpha.com,fake,conspiracy,\n1,beta.org/news,satire, ,x\n", encoding="utf-8"
    )
    table = labels.load_table(LabelsConfig(file="sites.csv", domain_column="site"), base_dir=tmp_path)
    assert table == {"alpha.com": {"type": "fake", "2nd_type": "conspiracy"}, "beta.org/news": {"type": "satire", "notes": "x"}}
    only_type = labels.load_table(LabelsConfig(file="sites.csv", domain_column="site", label_columns=["type"]), base_dir=tmp_path)
    assert only_type["alpha.com"] == {"type": "fake"}


def test_jsonl_file_and_config_table_wins(tmp_path):
    path = tmp_path / "labels.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in [{"domain": "alpha.com", "type": "fake", "rank": 3}, {"domain": "beta.org", "bias": "left"}]))
    cfg = LabelsConfig(file=str(path), sources={"alpha.com": {"type": "reliable"}})
    table = labels.load_table(cfg)
    assert table["alpha.com"] == {"type": "reliable", "rank": "3"}
    assert table["beta.org"] == {"bias": "left"}


def test_file_errors_name_the_file_and_columns(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        labels.load_table(LabelsConfig(file=str(tmp_path / "missing.csv")))
    (tmp_path / "sites.csv").write_text("url,type\nalpha.com,fake\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"no column 'domain'.*'url', 'type'"):
        labels.load_table(LabelsConfig(file=str(tmp_path / "sites.csv")))
    (tmp_path / "bad.jsonl").write_text('{"domain": "a.com"}\nnot json\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.jsonl:2"):
        labels.load_table(LabelsConfig(file=str(tmp_path / "bad.jsonl")))


def test_fakenewscorpus_websites_csv_loads_with_one_option():
    if not WEBSITES.is_file():
        pytest.skip(f"{WEBSITES} not found (third-party corpora live in ../shared)")
    table = labels.load_table(LabelsConfig(file=str(WEBSITES), domain_column="url"))
    assert len(table) > 950
    assert labels.label_for("https://www.globalresearch.ca/some-article/123", table)["type"] == "conspiracy"
    assert all("" not in row and "url" not in row for row in table.values())
    out = list(labels.run([doc(url="https://www.globalresearch.ca/x")], LabelsConfig(exclude=["type=conspiracy"]), Stats(), table))
    assert out[0].reject == "label:type=conspiracy"


def test_registered_domain_heuristic_without_the_suffix_list(monkeypatch):
    monkeypatch.setattr(labels, "_get_fld", None)
    labels.registered_domain.cache_clear()
    try:
        assert labels.registered_domain("news.example.co.uk") == "example.co.uk"
        assert labels.registered_domain("a.b.example.com") == "example.com"
        assert labels.registered_domain("shop.example.com.au") == "example.com.au"
        assert labels.label_for("https://news.example.co.uk/x", TABLE)["type"] == "reliable"
    finally:
        labels.registered_domain.cache_clear()
