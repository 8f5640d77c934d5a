import json
from pathlib import Path

import pytest

from builder.config import UrlDedupConfig
from builder.stages.urls import is_tracking_param, normalize_url, url_key

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


@pytest.mark.parametrize(
    "a, b",
    [
        ("http://example.com/news/story", "https://www.example.com/news/story/"),
        ("https://Example.COM/a?utm_source=tw&utm_medium=social", "https://example.com/a"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a?id=3&page=2", "https://example.com/a?page=2&id=3&fbclid=xyz"),
        ("http://edition.example.com/2016/x/index.html?sr=fb0919&linkId=123", "http://edition.example.com/2016/x/"),
        ("https://example.com:443/a", "example.com/a"),
    ],
)
def test_same_page_same_key(a, b):
    assert normalize_url(a) == normalize_url(b)
    assert url_key(a) == url_key(b) >= 0


@pytest.mark.parametrize(
    "a, b",
    [
        ("https://example.com/a?id=3", "https://example.com/a?id=4"),
        ("https://example.com/a", "https://news.example.com/a"),
        ("https://example.com/a", "https://example.com/b"),
        ("https://example.com:8080/a", "https://example.com/a"),
    ],
)
def test_other_page_other_key(a, b):
    assert url_key(a) != url_key(b)


def test_missing_or_broken_urls_have_no_key():
    for url in (None, "", "   ", "http://[broken"):
        assert normalize_url(url) is None
        assert url_key(url) == -1


def test_config_controls_tracking_and_query():
    assert is_tracking_param("UTM_Campaign", ["utm_*"])
    assert not is_tracking_param("id", ["utm_*", "sr"])
    assert normalize_url("https://e.com/a?ref=x", UrlDedupConfig(tracking_params=[])) == "e.com/a?ref=x"
    assert normalize_url("https://e.com/a?p=1", UrlDedupConfig(drop_query=True)) == "e.com/a"
    assert normalize_url("https://e.com/a/index.html", UrlDedupConfig(strip_index_pages=False)) == "e.com/a/index.html"


def test_pages_crawled_twice_under_tracking_parameters():
    """buzzfeed_webis_2016: CNN pages fetched twice under different ?sr= / linkId parameters."""
    corpus = SHARED / "corpora" / "buzzfeed_webis_2016"
    if not (corpus / "derived_duplicate_groups.json").exists():
        pytest.skip("../shared/corpora/buzzfeed_webis_2016 is not available")
    import gzip

    groups = json.loads((corpus / "derived_duplicate_groups.json").read_text())["same_url_ignoring_query"]
    with gzip.open(corpus / "articles.jsonl.gz", "rt") as handle:
        uri = {a["id"]: a["uri"] for a in map(json.loads, handle)}
    for group in groups:
        assert len({url_key(uri[i]) for i in group}) == 1, [uri[i] for i in group]
    all_keys = {url_key(u) for u in uri.values()}
    merged = sum(len(g) - 1 for g in groups)
    assert len(all_keys) == len(uri) - merged  # nothing else is merged
