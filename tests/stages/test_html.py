import pytest

pytest.importorskip("trafilatura")

from builder.stages import html  # noqa: E402
from builder.stages.boilerplate import clean_markdown  # noqa: E402

PAGE = """<html><head><title>T</title><style>p {color: red}</style><script>var x = 1;</script></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<h1>The weir   is finished</h1>
<p>The river board said on
Tuesday that the new <a href="/weir"><span>weir</span></a> was finished.<br>A second line.</p>
<ol><li>first</li><li>second</li></ol>
<table><tr><td>Pos.</td><td>Name</td></tr><tr><td>1</td><td>Jo</td></tr></table>
<div hidden>hidden text</div><div style="display: none">text a script shows later</div>
<p>A <a href="/fund"> fund </a>page.</p>
<footer>Copyright 2021 Valley News</footer></body></html>"""


def test_page_text_blocks_links_lists_tables():
    text = html.page_text(PAGE)
    lines = text.split("\n\n")
    assert "- [Home](/)" in lines and "- [News](/news)" in lines
    assert "# The weir is finished" in lines
    assert "The river board said on Tuesday that the new [weir](/weir) was finished." in lines
    assert "A second line." in lines
    assert "1. first" in lines and "2. second" in lines
    assert "| Pos. | Name" in lines and "| 1 | Jo" in lines
    assert "Copyright 2021 Valley News" in lines
    assert "hidden text" not in text and "color" not in text and "var x" not in text
    # style-hidden blocks (galleries, tabs) are page text: extractors keep them as main content
    assert "text a script shows later" in lines
    # spaces inside a link's text still separate it from its neighbours
    assert "A [fund](/fund) page." in lines


def test_page_text_of_xhtml_with_encoding_declaration():
    page = '<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Grüße aus dem Tal.</p></body></html>'
    assert html.page_text(page) == "Grüße aus dem Tal."


def test_page_text_without_links():
    assert "The river board said on Tuesday that the new weir was finished." in html.page_text(PAGE, links=False)


def test_extract_main_content_and_metadata():
    extracted = html.extract(PAGE.replace("<h1>", "<article><h1>").replace("</table>", "</table></article>"), "https://www.valley.example/a")
    assert "river board" in extracted.main_text
    assert "Home" not in extracted.main_text
    assert extracted.page_text.startswith("- [Home](/)")


def test_page_text_drops_ruby_readings():
    page = "<html><body><p><ruby>漢<rt>かん</rt>字<rt>じ</rt></ruby>を読む。</p></body></html>"
    assert html.page_text(page) == "漢字を読む。"
    linked = "<html><body><p>子どもへの<a href='#'><ruby>虐待<rt>ぎゃくたい</rt></ruby></a>をなくす。</p></body></html>"
    assert html.page_text(linked) == "子どもへの[虐待](#)をなくす。"


def test_page_text_reads_markup_templates_but_not_placeholders_or_code():
    page = ("<html><body><script type='text/template'><p>The post body sits in a template.</p></script>"
            "<script type='text/template'><p>{{ title }}</p></script>"
            "<script type='text/template'>var x = '<p>code</p>';</script><p>After.</p></body></html>")
    assert html.page_text(page).split("\n\n") == ["The post body sits in a template.", "After."]


def test_page_text_keeps_the_spaces_links_hold():
    page = ('<html><body><p>The base is <a href="/a">strategically located</a><a href="/b"> </a>near the border, '
            'says the journal <a href="/j"><span><span>Field</span> Notes </span></a>in May.</p></body></html>')
    assert html.page_text(page) == "The base is [strategically located](/a) near the border, says the journal [Field Notes](/j) in May."


def test_page_text_link_targets_hold_no_unbalanced_parentheses():
    page = '<html><body><p>It is <a href="https://example.org/news.nsf/(byYear_en)/ED07">estimated</a> at 40,000.</p></body></html>'
    text = html.page_text(page)
    assert text == "It is [estimated](https://example.org/news.nsf/%28byYear_en%29/ED07) at 40,000."
    assert clean_markdown(text) == "It is estimated at 40,000."
