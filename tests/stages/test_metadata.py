import json
from pathlib import Path

import pytest

from builder.config import MetadataConfig
from builder.document import Document
from builder.stages import metadata
from builder.stages.metadata import _trie_alternation, find_author, find_dateline, find_published, find_title, parse_date, source_from_url
from builder.stages.normalize import normalize_text
from builder.stats import Stats

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"

TEXT = """# The weir is finished

By [Jo Bloggs](/authors/jo) | March 3, 2021

Valley News, March 03, 2021

The river board said on Tuesday that the new weir was finished.

Author: Someone Else"""


@pytest.mark.parametrize("text, iso", [
    ("Valley News, September 07, 2017", "2017-09-07"),
    ("Sep. 7, 2017", "2017-09-07"),
    ("7th of September, 2017", "2017-09-07"),
    ("07 Sep 2017", "2017-09-07"),
    ("2017-09-07T10:00:00Z", "2017-09-07"),
    ("2017/09/07", "2017-09-07"),
    ("07.09.2017", "2017-09-07"),
    ("09/07/2017", "2017-09-07"),
    ("13/02/2019", "2019-02-13"),
    ("February 30, 2019", None),
    ("no date here", None),
    ("independent news from the plains since 1921", None),
    ("Posted on July 10th 2024 by Ann Lee", "2024-07-10"),
    ("SEPT. 7 2017", "2017-09-07"),
    ("\u017fept. 7, 2017", "2017-09-07"),  # the long s matches 's' when case is ignored
])
def test_parse_date(text, iso):
    assert parse_date(text) == iso


def test_title_author_date_site_from_text():
    assert find_title(TEXT) == "The weir is finished"
    assert find_author(TEXT) == "Jo Bloggs"
    assert find_dateline(TEXT) == ("Valley News", "2021-03-03")
    assert find_published(TEXT) == "2021-03-03"


@pytest.mark.parametrize("line, name", [
    ("Articles by: [Jo Bloggs](/jo)", "Jo Bloggs"),
    ("Author: Jo Bloggs", "Jo Bloggs"),
    ("Written by Jo Bloggs", "Jo Bloggs"),
    ("Posted on September 11, 2019 by Jo Bloggs", "Jo Bloggs"),
    ("By JO BLOGGS - Valley News", "JO BLOGGS"),
])
def test_author_bylines(line, name):
    assert find_author(f"Some title\n\n{line}\n\nBody text follows here.") == name


@pytest.mark.parametrize("text, name", [
    # a 'By X' byline anywhere in the top lines wins over an earlier 'Written by Y'
    ("Written by Ann Lee\n\nBy Bob Roe\n\nBody.", "Bob Roe"),
    # the first 'Written by' line with a usable name wins
    ("Written by **\nStory by Cy Dunn\nWritten by Di Fox\n\nBody.", "Cy Dunn"),
    # 'Written by' anywhere wins over 'Author:' at the top; one in the top lines over one below
    ("Author: Ed Gray\n" + "line\n" * 25 + "Written by Fay Hunt", "Fay Hunt"),
    ("Author: Ed Gray\nPosted by Gil Ives\n" + "line\n" * 25 + "Written by Fay Hunt", "Gil Ives"),
    ("Title\n" + "line\n" * 25 + "Written by Fay Hunt\nBy Hal Jones", "Fay Hunt"),
])
def test_author_form_precedence(text, name):
    assert find_author(text) == name


def test_a_source_given_is_kept_over_the_url():
    doc = Document(id="a", text=TEXT, source_text=TEXT, path="a.md", record=1, raw_hash="h",
                   url="https://www.other.example/x", source="given.example")
    stats = Stats()
    [out] = metadata.run([doc], MetadataConfig(), stats)
    assert out.source == "given.example"
    assert stats.get("metadata.source_from_url") == 0 and stats.get("metadata.source_from_input") == 1


@pytest.mark.parametrize("text, title", [
    ("# The weir is finished #\n\nBody.", "The weir is finished"),
    ("## Notes #2 ##\n\nBody.", "Notes #2"),
    ("   # Spaced  \n\nBody.", "Spaced"),
    ("### Too deep\n\nBody. More.", None),
])
def test_title_from_headings(text, title):
    assert find_title(text, first_line=False) == title


def test_dateline_needs_a_year_at_the_end():
    assert find_dateline("Valley News, March 03, 2021.") == ("Valley News", "2021-03-03")
    assert find_dateline("Valley News, March 03, 2021 and more") == (None, None)


def test_input_fields_skip_the_finders_but_the_dateline_still_gives_the_site():
    doc = Document(id="a", text=TEXT, source_text=TEXT, path="a.md", record=1, raw_hash="h", published="2020-01-01")
    stats = Stats()
    [out] = metadata.run([doc], MetadataConfig(), stats)
    assert out.published == "2020-01-01" and out.source == "Valley News"
    assert stats.get("metadata.published_from_text") == 0 and stats.get("metadata.source_from_dateline") == 1


def test_title_from_first_line_only_when_allowed():
    text = "The weir is finished\n\nThe river board said on Tuesday that it was."
    assert find_title(text) == "The weir is finished"
    assert find_title(text, first_line=False) is None
    assert find_title("One sentence only. It ends.\n\nMore.") is None


def test_source_from_url():
    assert source_from_url("https://www.example.org/a/b?c=1") == "example.org"
    assert source_from_url("http://News.Example.COM:8080/x") == "news.example.com"
    assert source_from_url(None) is None
    # shapes the plain-URL pattern leaves to urlsplit
    assert source_from_url("example.com/x") == "example.com"
    assert source_from_url("https://user:pw@WWW.Host.org:81/") == "host.org"
    assert source_from_url(" https://Host.NET/x") == "host.net"
    assert source_from_url("mailto:someone@b.org") == "b.org"
    assert source_from_url("http://[broken") is None


def test_run_fills_missing_fields_and_input_wins():
    guessed = Document(id="a", text=TEXT, source_text=TEXT, path="a.md", record=1, raw_hash="h")
    given = Document(id="b", text=TEXT, source_text=TEXT, path="b.md", record=1, raw_hash="h", title="Given title",
                     author="Given Author", published="March 4, 2021", source="given.example", url="https://www.other.example/x")
    from_url = Document(id="c", text=TEXT, source_text=TEXT, path="c.md", record=1, raw_hash="h", url="https://www.valley.example/x")
    stats = Stats()
    out = list(metadata.run([guessed, given, from_url], MetadataConfig(), stats))
    assert out == [guessed, given, from_url]
    assert (guessed.title, guessed.author, guessed.published, guessed.source) == ("The weir is finished", "Jo Bloggs", "2021-03-03", "Valley News")
    assert (given.title, given.author, given.published, given.source) == ("Given title", "Given Author", "2021-03-04", "given.example")
    assert from_url.source == "valley.example"
    assert stats.get("metadata.title_from_text") == 2 and stats.get("metadata.source_from_url") == 1


def test_run_disabled_guesses_nothing():
    doc = Document(id="a", text=TEXT, source_text=TEXT, path="a.md", record=1, raw_hash="h")
    list(metadata.run([doc], MetadataConfig(enabled=False), Stats()))
    assert (doc.title, doc.author, doc.published, doc.source) == (None, None, None, None)


def test_html_document_is_extracted(monkeypatch):
    pytest.importorskip("trafilatura")
    page = """<html><head><title>The weir is finished - Valley News</title>
    <meta name="author" content="Jo Bloggs"><meta property="article:published_time" content="2021-03-03"></head>
    <body><nav><a href="/">Home</a> <a href="/news">News</a></nav><article><h1>The weir is finished</h1>
    <p>The river board said on Tuesday that the new weir would be finished before the autumn rains, and that the old one would stay open until then.</p>
    <p>Farmers along the valley have asked for the work to be done in stages, because they need the water for their fields during the whole of the summer.</p>
    </article><footer>Copyright 2021 Valley News</footer></body></html>"""
    doc = Document(id="a", text="", path="a.html", record=1, raw_hash="h", html=page, url="https://www.valley.example/weir")
    list(metadata.run([doc], MetadataConfig(), Stats()))
    assert doc.reject is None
    assert doc.text == doc.source_text and "[Home](/)" in doc.source_text and "Copyright 2021 Valley News" in doc.source_text
    assert "Farmers along the valley" in doc.html_body and "Home" not in doc.html_body
    assert doc.title == "The weir is finished" and doc.author == "Jo Bloggs" and doc.published == "2021-03-03"
    assert doc.source == "valley.example"


def test_html_without_the_extra_is_a_reject(monkeypatch):
    from builder.stages import html

    def missing(*args, **kwargs):
        raise html.MissingExtra("no trafilatura")

    monkeypatch.setattr(html, "extract", missing)
    doc = Document(id="a", text="", path="a.html", record=1, raw_hash="h", html="<p>x</p>")
    list(metadata.run([doc], MetadataConfig(), Stats()))
    assert doc.reject == "missing_extra" and "pip install 'shardsmith[html]'" in doc.reject_detail


def test_seed_metadata_golden():
    folder = SHARED / "corpora" / "seed"
    if not folder.is_dir():
        pytest.skip(f"{SHARED} (the shared corpora beside the repository) is absent")
    truth = json.loads((folder / "truth.json").read_text())
    text = normalize_text((folder / truth["file"]).read_text(encoding="utf-8"))
    doc = Document(id="s", text=text, source_text=text, path="seed.txt", record=1, raw_hash="h")
    list(metadata.run([doc], MetadataConfig(), Stats()))
    want = truth["metadata"]
    assert (doc.title, doc.author, doc.published, doc.source) == (want["title"], want["author"], want["published"], want["publisher"])


def test_dates_with_month_names_of_other_languages():
    from builder.stages.metadata import parse_date
    assert parse_date("Le Courrier du Val, 13 mai 2024") == "2024-05-13"
    assert parse_date("Nordblick, 8. Februar 2024") == "2024-02-08"
    assert parse_date("Publicado el 13 de mayo de 2024") == "2024-05-13"
    assert parse_date("1er mars 2023") == "2023-03-01"
    assert parse_date("Sunday, no date here") is None


def test_bylines_in_other_languages_need_a_capitalised_name():
    from builder.stages.metadata import find_author
    assert find_author("# Le festival\n\nPar [Anaïs Bellec](#)\n\nLe texte.") == "Anaïs Bellec"
    assert find_author("# Windpark\n\nVon Jana Riedmüller\n\nDer Text.") == "Jana Riedmüller"
    # the same words open ordinary sentences
    assert find_author("# Le festival\n\nPar ailleurs, le maire a parlé.\n\nLe texte.") is None
    assert find_author("# Windpark\n\nVon den Gästen kamen viele.\n\nDer Text.") is None


def test_trie_alternation_matches_the_words_and_nothing_else():
    import re

    pattern = re.compile(_trie_alternation(["mar", "march", "mars", "may", "août"]))
    for word in ("mar", "march", "mars", "may", "août"):
        assert pattern.fullmatch(word)
    for other in ("ma", "marc", "marchs", "mays", "aout", ""):
        assert not pattern.fullmatch(other)
