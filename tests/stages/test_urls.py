import json
import random
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from builder.config import UrlDedupConfig
from builder.stages.urls import hostname, is_tracking_param, normalize_url, split_url, url_key

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


@pytest.mark.parametrize(
    "a, b",
    [
        ("http://example.com/news/story", "https://www.example.com/news/story/"),
        ("https://Example.COM/a?utm_source=tw&utm_medium=social", "https://example.com/a"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a?id=3&page=2", "https://example.com/a?page=2&id=3&fbclid=xyz"),
        ("http://edition.example.com/2016/x/index.html?sr=fb0919&linkId=123", "http://edition.example.com/2016/x/"),
        ("https://example.com/a/INDEX.PHP", "https://example.com/a"),  # any case, each index page's own length
        ("https://example.com/Index.htm", "https://example.com/"),
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


def _split_outcome(split, url):
    """Every part and property of a split URL, or the error it raises."""
    try:
        parts = split(url)
    except ValueError as error:
        return ("error", str(error))
    found = [tuple(parts), type(parts)]
    for name in ("hostname", "port", "username", "password"):
        try:
            found.append(getattr(parts, name))
        except ValueError as error:
            found.append(("error", str(error)))
    return found


@pytest.mark.parametrize(
    "url",
    [
        "https://www.example.com/a/b?c=1&d=2#top", "HTTP://Example.COM:8080/x", "//example.org/path", "https://h.com:",
        "https://h.com:99999/too-big-port", "https://h.com:8a/x", "https://user:pw@h.com/x", "http://[::1]:80/x", "http://[broken",
        "https://h.com/a b", " https://h.com/lead-space", "https://h.com/tab\there", "https://h.com/a#b?c", "https://h.com?x#y",
        "https://h.com/ünï", "https://hö.com/x", "ftp://files.h.com/f.txt", "mailto:someone@h.com", "h.com/no-scheme", "https:///x",
        "1http://h.com/x", "https://h.com%41/x", "https://h.com/x\x00", "https://h.com\u2100/x",
    ],
)
def test_split_url_is_urlsplit(url):
    assert _split_outcome(split_url, url) == _split_outcome(urlsplit, url)


def test_split_url_is_urlsplit_on_random_urls():
    rng = random.Random(5)
    alphabet = list("aZ09:/?#@[]%._-+ \t\n\x00é") + ["//", "://", "https:", ":80", ":99999"]
    for _ in range(5000):
        url = rng.choice(["", "http://", "HTTPS://", "//"]) + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert _split_outcome(split_url, url) == _split_outcome(urlsplit, url), url


def test_tracking_params_prefix_and_exact_names():
    assert is_tracking_param("utm_anything", ["UTM_*"]) and is_tracking_param("utm_", ["utm_*"])
    assert is_tracking_param("UTM_*", ["utm_*"])  # the pattern itself, as an exact name
    assert is_tracking_param("anything", ["*"])
    assert not is_tracking_param("srx", ["sr"]) and is_tracking_param("SR", ["sr"])
    assert not is_tracking_param("utm_source", [])


@pytest.mark.parametrize("url", [
    "http://Example.COM/a", "http://example.com:8080/", "http://ex_ample.com:/x", "http://user@Host.com/",
    "http://a:b@Host.com:80/", "http://host:[::1]/", "http://[FE80::1%Zone]:80/", "http://", "http://ex.com:x@y/",
])
def test_hostname_is_urllibs(url):
    parts = urlsplit(url)
    assert hostname(parts) == (parts.hostname or "")
