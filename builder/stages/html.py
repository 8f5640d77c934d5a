"""HTML extraction (extra `html`): the whole page as text, and the main content with trafilatura.

`page_text` turns a page into markdown-like text (one line per block, links as `[text](url)`,
headings as `#`), with no choice of main content: it is what the page says, the lossless base of
the split. `extract` adds trafilatura's main content and metadata. lxml and trafilatura are
imported only when HTML is met, so text-only builds never need them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from builder.stages.normalize import normalize_text

INSTALL_HINT = "pip install 'shardsmith[html]'"

# Elements whose text is never shown as page text.
# (rt/rp: ruby annotations, the readings printed above East Asian characters)
_SKIP = {"script", "style", "noscript", "template", "svg", "head", "iframe", "object", "canvas", "select", "button", "form-data",
         "rt", "rp"}
# Scripts whose text is markup: shown by the page (Blogger puts whole posts in them) unless they
# hold placeholders for a script to fill in (or are code or data after all).
_TEMPLATE_SCRIPTS = {"text/template", "text/x-template"}
_PLACEHOLDERS = ("{{", "<%", "${", "{%")
_BLOCK = {
    "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "header", "hr", "html", "li", "main", "menu", "nav", "ol",
    "p", "pre", "section", "summary", "table", "tbody", "tfoot", "thead", "tr", "ul", "h1", "h2", "h3",
    "h4", "h5", "h6", "caption", "label", "legend", "option",
}


_WHITESPACE = re.compile(r"\s+")


def _before(a, b) -> bool:
    return a.getparent().index(a) < b.getparent().index(b)


class MissingExtra(ImportError):
    """The `html` extra (trafilatura, lxml) is not installed."""


def available() -> bool:
    try:
        import lxml.html  # noqa: F401
        import trafilatura  # noqa: F401
    except ImportError:
        return False
    return True


def _parse(html: str):
    try:
        import lxml.html
        from lxml import etree
    except ImportError as error:  # pragma: no cover - exercised only without the extra
        raise MissingExtra(f"HTML input needs lxml and trafilatura: {INSTALL_HINT}") from error
    try:
        return lxml.html.document_fromstring(html)
    except ValueError:
        # lxml refuses a str that opens with an XML encoding declaration (XHTML pages): parse the
        # UTF-8 bytes instead
        try:
            return lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=lxml.html.HTMLParser(encoding="utf-8"))
        except (etree.ParserError, ValueError):
            return None
    except etree.ParserError:
        return None


def _parse_fragment(markup: str):
    import lxml.html
    from lxml import etree

    try:
        return lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return None


def _hidden(element) -> bool:
    # elements hidden by a style are kept: galleries and tabs hide parts of the article that
    # scripts show later, and main-content extractors keep them
    return element.get("hidden") is not None or element.get("aria-hidden") == "true"


def _link_target(href: str) -> str:
    # spaces and both parentheses escaped: a markdown link target must hold no unbalanced ones
    return href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def page_text(html: str, links: bool = True) -> str:
    """All visible text of a page, one line per block element; links as markdown `[text](url)`
    when `links`, headings marked `#`, list items `- `. Normalised (see normalize_text)."""
    root = _parse(html)
    if root is None:
        return ""
    out: list[str] = []

    def shown_pieces(element) -> list[str]:
        # the text pieces of an element, without the elements that are never shown
        pieces = [element.text or ""]
        for child in element:
            tag = child.tag.lower() if isinstance(child.tag, str) else ""
            if tag and tag not in _SKIP and not _hidden(child):
                pieces.extend(shown_pieces(child))
            pieces.append(child.tail or "")
        return pieces

    def walk(element, pre: bool = False) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        tag = tag.lower()
        if tag == "script" and (element.get("type") or "").lower() in _TEMPLATE_SCRIPTS:
            markup = element.text or ""
            if markup.lstrip().startswith("<") and not any(p in markup for p in _PLACEHOLDERS):
                fragment = _parse_fragment(markup)
                if fragment is not None:
                    walk(fragment, pre)
            return
        if not tag or tag in _SKIP or _hidden(element):
            return
        if tag == "a" and links:
            href = (element.get("href") or "").strip()
            # the link's shown text with the tails of its inner elements ("<span>JAMA</span>
            # Psychiatry </span>"): spaces at its ends still separate it from the words around it
            pieces = shown_pieces(element)
            whole = "".join(pieces)
            # (the pieces joined by a space: a link may wrap blocks, a heading and a teaser)
            label = " ".join(" ".join(pieces).split())
            if label:
                target = href if href and not href.lower().startswith("javascript:") else "#"
                before = " " if whole[:1].isspace() else ""
                after = " " if whole[-1:].isspace() else ""
                out.append(f"{before}[{label.replace('[', '(').replace(']', ')')}]({_link_target(target)}){after}")
            elif whole:
                # a link holding only a space ("located<a> </a>near") still separates two words
                out.append(" ")
            return
        block = tag in _BLOCK
        if block or tag == "br":
            out.append("\n")
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            out.append("#" * int(tag[1]) + " ")
        elif tag == "li":
            parent = element.getparent()
            if parent is not None and parent.tag == "ol":
                out.append(f"{sum(1 for c in parent if c.tag == 'li' and c is not element and _before(c, element)) + 1}. ")
            else:
                out.append("- ")
        elif tag in ("td", "th"):
            out.append(" | ")
        pre = pre or tag == "pre"
        # whitespace in the HTML source is not a line break, except inside <pre>
        if element.text:
            out.append(element.text if pre else _WHITESPACE.sub(" ", element.text))
        for child in element:
            walk(child, pre)
            if child.tail:
                out.append(child.tail if pre else _WHITESPACE.sub(" ", child.tail))
        if block:
            out.append("\n")

    walk(root)
    lines = (line.strip() for line in "".join(out).split("\n"))
    return normalize_text("\n\n".join(line for line in lines if line and line not in ("-", "|")))


@dataclass
class Extracted:
    page_text: str  # the whole page as text (normalised)
    main_text: str  # trafilatura's main content, plain text (normalised)
    title: str | None = None
    author: str | None = None
    published: str | None = None
    sitename: str | None = None
    hostname: str | None = None


def extract(html: str, url: str | None = None, favor_precision: bool = False, include_tables: bool = True,
            favor_recall: bool = False) -> Extracted:
    """Page text, main content and metadata of an HTML page (trafilatura's favor_precision,
    default or favor_recall mode). Raises MissingExtra without trafilatura."""
    try:
        import trafilatura
    except ImportError as error:
        raise MissingExtra(f"HTML input needs trafilatura: {INSTALL_HINT}") from error
    page = page_text(html)
    result = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, favor_precision=favor_precision,
        favor_recall=favor_recall and not favor_precision,
        include_tables=include_tables,
    )
    if result is None:
        return Extracted(page, "")
    main = normalize_text(result.text or "")
    return Extracted(
        page_text=page,
        main_text=main,
        title=result.title or None,
        author=result.author or None,
        published=result.date or None,
        sitename=result.sitename or None,
        hostname=result.hostname or None,
    )
