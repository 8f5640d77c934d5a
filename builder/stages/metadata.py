"""Title, author, publication date and site of each document, read from the page when the input
did not give them (input fields always win over guesses). HTML inputs are extracted here first
(extra `html`): the page text becomes the document's text and trafilatura's main content the body
candidate of the boilerplate stage.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from builder.config import MetadataConfig
from builder.document import Document
from builder.stages import html as html_extract
from builder.stages.boilerplate import ASCII_NON_WORD, clean_markdown
from builder.stages.normalize import normalize_text
from builder.stages.urls import hostname, split_url
from builder.stats import Stats

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
    "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
# Month names of the other languages most met (French, German, Spanish, Italian, Portuguese, Dutch).
_MONTHS.update({name: number for number, names in enumerate([
    "janvier januar jänner enero gennaio janeiro januari",
    "février fevrier februar febrero febbraio fevereiro februari",
    "mars märz marzo março maart",
    "avril abril aprile",
    "mai mayo maggio maio mei",
    "juin juni junio giugno junho",
    "juillet juli julio luglio julho",
    "août aout agosto augustus",
    "septembre septiembre setiembre settembre setembro",
    "octobre oktober octubre ottobre outubro",
    "novembre noviembre novembro",
    "décembre decembre dezember diciembre dicembre dezembro",
], start=1) for name in names.split()})


def _trie_alternation(words: Iterable[str]) -> str:
    """A regex matching any of `words`, written as a trie (each common prefix once): the engine tries
    a branch per letter instead of every word in turn. Longer words are tried first, as in a list
    sorted by length; here the order cannot change a match anyway, since a month name is followed
    by a non-letter in every date form, so at most one name fits at a position."""
    tree: dict = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here

    def pattern(node: dict) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return pattern(tree)


# (the lookahead on the first letters lets most positions fail before the alternation is tried)
_MONTH = (r"(?=[" + "".join(sorted({name[0] for name in _MONTHS})) + r"])(?P<month>"
          + _trie_alternation(_MONTHS) + r")\.?")
_DATE_PATTERNS = [
    # 2017-09-07, 2017/09/07, 2017.09.07, with an optional time after
    re.compile(r"\b(?P<year>(?:19|20)\d\d)[-/.](?P<mon>\d{1,2})[-/.](?P<day>\d{1,2})(?!\d)"),
    # September 07, 2017 / Sep. 7 2017 / September 7th, 2017
    re.compile(_MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b", re.IGNORECASE),
    # 7 September 2017 / 07 Sep. 2017 / 7th of September, 2017
    # (and 13 mai 2024, 8. Februar 2024, 13 de mayo de 2024)
    re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th|er)?\.?\s+(?:of\s+|de\s+)?" + _MONTH + r",?\s+(?:de\s+)?(?P<year>(?:19|20)\d\d)\b",
               re.IGNORECASE),
    # 07.09.2017 (day first, the European dotted form)
    re.compile(r"\b(?P<day>\d{1,2})\.(?P<mon>\d{1,2})\.(?P<year>(?:19|20)\d\d)\b"),
    # 09/07/2017: month first unless the first number cannot be a month
    re.compile(r"\b(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<year>(?:19|20)\d\d)\b"),
]
# What each form needs (part of any match of it), looked for first: a text without it skips the
# form. The forms open with \b (or a lookahead), so the engine tries them at every position; these
# open with a literal or a class, which it skips to. (The month-first form's test is the costly
# part of the date search otherwise: the month alternation, tried at each position.)
_FORM_NEEDS = [
    re.compile(r"(?:19|20)\d\d[-/.]\d"),
    re.compile(r"\s\d{1,2}(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d\b", re.IGNORECASE),
    re.compile(r"\s(?:19|20)\d\d"),  # the year after a space (or after "de ")
    re.compile(r"\.(?:19|20)\d\d"),
    re.compile(r"/(?:19|20)\d\d"),
]
_YEAR = re.compile(r"(?:19|20)\d\d")
_ISO_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?$")

_HEADING = re.compile(r"^\s{0,3}#{1,2}\s+(.+?)\s*#*\s*$")
_HEADING_MARK = re.compile(r"\s{0,3}#{1,2}\s+")
_BYLINE = re.compile(r"^\W*by\s+(?P<name>.+)$", re.IGNORECASE)
# "Par Anaïs Bellec", "Von Jana Riedmüller", "Por ...", "Door ...": in other languages these words
# also open sentences, so the name must be capitalised words and nothing else.
_BYLINE_OTHER = re.compile(
    r"^\W*(?:par|von|por|door|di|av|af)\s+(?P<name>[^\W\d_][\w'’.-]*(?:\s+(?:[^\W\d_][\w'’.-]*))"
    r"{0,4})\s*$", re.IGNORECASE)
_ARTICLES_BY = re.compile(
    r"^\W*(?:(?:articles?|written|posted|story)\s+by\s*:?|(?:posted|published)\s+(?:on\s+)?[\w ,.]{4,30}?\d{4}\s+by\s*:?)\s*(?P<name>.+)$",
    re.IGNORECASE,
)
_AUTHOR_FIELD = re.compile(r"^\W*authors?\s*:\s*(?P<name>.+)$", re.IGNORECASE)
_NAME_END = re.compile(r"\s*(?:[|•·]|\s[-–—]\s|,\s*(?:19|20)\d\d|\bon\s+\w+\s+\d|\bupdated\b|\bpublished\b|\bposted\b).*$", re.IGNORECASE)
_DATELINE = re.compile(r"^\W*(?P<site>[A-Z][\w.&' -]{1,60}?),\s+(?P<date>.+?\d{4})\W*$")


# (cached: a site's dates, datelines and furniture lines with a year come back in many documents,
# and the forms are tried one by one, each a regex scan)
@lru_cache(maxsize=8192)
def parse_date(text: str) -> str | None:
    """The first date in `text` as ISO 8601 (YYYY-MM-DD), or None. Understands 2017-09-07,
    September 07, 2017, 7 Sep 2017, 07.09.2017 and 09/07/2017 (month first unless impossible)."""
    if not _YEAR.search(text):  # every form has a year: most lines are done after one cheap scan
        return None
    for pattern, needs in zip(_DATE_PATTERNS, _FORM_NEEDS):
        if not needs.search(text):
            continue
        for match in pattern.finditer(text):
            parts = match.groupdict()
            year = int(parts["year"])
            if parts.get("month"):
                # (casefold: IGNORECASE also matches forms lower() keeps apart, the long s of 'ſept')
                month = _MONTHS[parts["month"].casefold().rstrip(".")]
                day = int(parts["day"])
            elif parts.get("a"):
                a, b = int(parts["a"]), int(parts["b"])
                month, day = (a, b) if a <= 12 else (b, a)
            else:
                month, day = int(parts["mon"]), int(parts["day"])
            try:
                return dt.date(year, month, day).isoformat()
            except ValueError:
                continue
    return None


def normalize_date(value: str) -> str:
    """An input date as ISO 8601: kept when it already is one, else parsed, else kept as given."""
    value = value.strip()
    if _ISO_TIMESTAMP.match(value):
        return value
    return parse_date(value) or value


def source_from_url(url: str | None) -> str | None:
    """The site of a URL: its host, lower case, without `www.` and port."""
    if not url:
        return None
    try:
        host = hostname(split_url(url if "//" in url else f"//{url}"))
    except ValueError:
        return None
    if not host:
        return None
    return host.removeprefix("www.")


def _lines(text: str) -> list[str]:
    """The non-blank lines of a text (split once per document: every finder reads these)."""
    return [line for line in text.split("\n") if line and not line.isspace()]


@lru_cache(maxsize=4096)  # (a site has few authors: each byline is cleaned and checked once)
def _name(raw: str) -> str | None:
    name = _NAME_END.sub("", clean_markdown(raw)).strip(" .,:;*_")
    if not name or len(name) > 80 or len(name.split()) > 12 or parse_date(name):
        return None
    return name


def _capitalised(name: str) -> bool:
    """Every word of a name opens with a capital, bar particles (de, van, von, da, di, le, la)."""
    return all(w[:1].isupper() or w in ("de", "van", "von", "da", "di", "le", "la", "der", "den", "del") for w in name.split())


def find_title(text: str, first_line: bool = True) -> str | None:
    """The first level-1/2 heading near the top; else (when `first_line`) a short first line
    without a full stop that is followed by more text."""
    return _title_of(_lines(text), first_line)


def _heading_text(line: str) -> str | None:
    """The text of a level-1/2 heading line (`_HEADING`'s group), or None. String methods instead of
    the pattern's lazy group, which costs a step per char: the text is what is left when trailing
    spaces and '#' are cut (one char at least)."""
    mark = _HEADING_MARK.match(line)
    if mark is None or "\n" in line or mark.end() == len(line):
        heading = _HEADING.match(line)  # (the odd cases: the pattern's own backtracking decides)
        return heading.group(1) if heading else None
    rest = line[mark.end():]
    return rest[:max(1, len(rest.rstrip().rstrip("#").rstrip()))]


def _title_of(lines: list[str], first_line: bool) -> str | None:
    head = lines[:30]
    for line in head:
        # (a heading opens with '#' after at most three spaces: other lines skip the pattern)
        if "#" not in line[:4]:
            continue
        heading = _heading_text(line)
        if heading is not None:
            title = clean_markdown(heading)
            if title:
                return title
    if first_line and len(head) > 1:
        title = clean_markdown(head[0])
        if 0 < len(title) <= 200 and not title.endswith((".", ":", ";")) and not title.lower().startswith(("by ", "http")):
            return title
    return None


def find_author(text: str, top_lines: int = 20) -> str | None:
    """Author from a byline: 'By X' near the top, else 'Articles by: X' / 'Written by X'
    anywhere, else 'Author: X' near the top."""
    return _author_of(_lines(text), top_lines)


def _author_of(lines: list[str], top_lines: int = 20) -> str | None:
    # lines over 200 chars hold no byline; the top ones are lower-cased once for the word tests
    # below, the others only when no byline was found at the top
    top = [(line, line.lower()) for line in lines[:top_lines] if len(line) <= 200]
    # One pass over the top lines tries both 'by' forms on each cleaned line: a 'By X' byline
    # returns at once; the first 'Written by X' name is kept for when no top line has a 'By X'
    # (the same answer as a pass per form, without a second pass and a second cleaning).
    articles_by = None
    for line, low in top:
        if "by" not in low:  # (the word both forms need: a plain substring test per line)
            continue
        plain = clean_markdown(line)
        match = _BYLINE.match(plain)
        if match:
            name = _name(match.group("name"))
            if name:
                return name
        if articles_by is None:
            match = _ARTICLES_BY.match(plain)
            if match:
                articles_by = _name(match.group("name"))
    if articles_by:
        return articles_by
    rest = ((line, line.lower()) for line in lines[top_lines:] if len(line) <= 200)
    for pattern, where, word in ((_ARTICLES_BY, rest, "by"), (_AUTHOR_FIELD, top, "author"), (_BYLINE_OTHER, top, "")):
        for line, low in where:
            # the word each pattern needs, looked for first: a plain substring test per line
            if word not in low:
                continue
            match = pattern.match(clean_markdown(line))
            if match and (pattern is not _BYLINE_OTHER or _capitalised(match.group("name"))):
                name = _name(match.group("name"))
                if name:
                    return name
    return None


def find_dateline(text: str, top_lines: int = 20) -> tuple[str | None, str | None]:
    """(site, ISO date) from a 'Site, Month DD, YYYY' line near the top; (None, None) if none."""
    return _dateline_of(_lines(text)[:top_lines])


def _dateline_of(head: list[str]) -> tuple[str | None, str | None]:
    for line in head:
        # (every date has a year, 19xx or 20xx: a line without a 1 or a 2 has none, and cleaning
        # the markup adds no chars)
        if "," not in line or ("1" not in line and "2" not in line):
            continue
        plain = clean_markdown(line)
        # a dateline ends with a year (and non-word chars): a line that cannot skips the pattern,
        # whose lazy date part would try every position of a long line
        tail = plain.rstrip(ASCII_NON_WORD)[-1:]
        if not (tail.isdigit() or (tail and not tail.isascii())):
            continue
        match = _DATELINE.match(plain)
        if match:
            date = parse_date(match.group("date"))
            if date:
                return match.group("site").strip(), date
    return None, None


def find_published(text: str, top_lines: int = 20) -> str | None:
    """The first date on a short line near the top (a dateline, 'Published: ...'), as ISO 8601."""
    return _published_of(_lines(text)[:top_lines])


def _published_of(head: list[str]) -> str | None:
    for line in head:
        if "1" not in line and "2" not in line:  # (no year: see _dateline_of)
            continue
        plain = clean_markdown(line)
        if len(plain) <= 120:
            date = parse_date(plain)
            if date:
                return date
    return None


def _extract_html(doc: Document, cfg: MetadataConfig, stats: Stats) -> None:
    try:
        extracted = html_extract.extract(doc.html or "", doc.url, favor_precision=cfg.html_favor_precision)
    except html_extract.MissingExtra:
        stats.inc("metadata.html_missing_extra")
        doc.drop("missing_extra", f"HTML input needs trafilatura: {html_extract.INSTALL_HINT}")
        return
    doc.source_text = normalize_text(extracted.page_text)
    doc.text = doc.source_text
    doc.html_body = extracted.main_text
    stats.inc("metadata.html_extracted")
    if not doc.source_text:
        doc.drop("no_text", "the HTML page has no text")
        return
    if not extracted.main_text:
        stats.inc("metadata.html_no_main_content")
    _set(doc, "title", extracted.title, "html", stats)
    _set(doc, "author", extracted.author, "html", stats)
    _set(doc, "published", parse_date(extracted.published) if extracted.published else None, "html", stats)


def _set(doc: Document, name: str, value: str | None, how: str, stats: Stats) -> None:
    if value and not getattr(doc, name):
        setattr(doc, name, value)
        stats.inc(f"metadata.{name}_from_{how}")


def run(docs: Iterable[Document], cfg: MetadataConfig, stats: Stats) -> Iterator[Document]:
    for doc in docs:
        if doc.reject is not None:
            yield doc
            continue
        for name in ("title", "author", "published", "source"):
            if getattr(doc, name):
                stats.inc(f"metadata.{name}_from_input")
        if doc.published:
            doc.published = normalize_date(doc.published)
        if doc.html is not None and not doc.source_text:
            _extract_html(doc, cfg, stats)
            if doc.reject is not None:
                yield doc
                continue
        if cfg.enabled:
            lines = _lines(doc.source_text or doc.text)
            head = lines[:20]
            # each finder only when its field is still empty (input fields win), in the same order
            # (the URL's site only when the input gave none: an input field is never overwritten)
            url_source = None if doc.source else source_from_url(doc.url)
            need_site = not doc.source and not url_source
            site, dateline_date = _dateline_of(head) if need_site or not doc.published else (None, None)
            _set(doc, "title", None if doc.title else _title_of(lines, cfg.title_from_first_line), "text", stats)
            _set(doc, "author", None if doc.author else _author_of(lines), "text", stats)
            _set(doc, "published", None if doc.published else dateline_date or _published_of(head), "text", stats)
            _set(doc, "source", url_source, "url", stats)
            _set(doc, "source", site, "dateline", stats)
        yield doc
