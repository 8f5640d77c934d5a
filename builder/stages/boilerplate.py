"""Body vs boilerplate: split every article into its body and the site furniture around it.

The text is cut into units (non-empty lines; a paragraph broken mid-sentence by the page
conversion is one unit), and each unit is labelled body or boilerplate with a reason:

1. per-source template lines: a line seen in many documents of the same source (counted over the
   whole input before splitting: `line_keys` + `select_templates`, CCNet-style normalisation);
2. hard rules: separators, copyright, disclaimers and fair-use notices, "original source of this
   article", promos, bylines and datelines;
3. soft signals (subscribe, share, click here, related stories, ...) make a unit "short" so that
   its neighbours decide, and trim the edges of the body;
4. jusText's classes (length, link density, stop-word density for the document's language) and
   its context pass, then the main contiguous body (maximum-sum span). Short paragraphs of whole
   sentences full of stop words count as prose (news paragraphs are shorter than jusText's 200
   chars), and lengths in Chinese, Japanese or Korean script count three times.

Speed (the text path runs on every document): per-unit work avoids regexes where a string
method does, words and line keys go through `bytes.translate`, all rule triggers are found in one
Aho-Corasick pass over the document (only units holding a trigger test a rule pattern), link
text is counted while the markdown is cleaned, what is read of a line (plain text, lower case,
key, key hash) is worked out once and cached for lines with markup (a site's menus and footers
come back in each of its documents), stop words are counted on UTF-8 bytes when the text allows
it, patterns that would be tried at every position run only after a cheap test for what they
need, and the language guess reads a bounded sample.

The split is exact: the segments, read in order, give back the normalised input (see
`reassemble`). `split_boilerplate` is the pure core; `run` wires it into a build and `explain`
prints a published row line by line.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any

import xxhash

from builder.config import BoilerplateConfig
from builder.document import Document
from builder.stats import Stats

# --------------------------------------------------------------------------------------------
# Markdown reduction and line keys

_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^()\n]*(?:\([^()\n]*\)[^()\n]*)*\)")
_LINK = re.compile(r"\[([^\]\n]*)\]\([^()\n]*(?:\([^()\n]*\)[^()\n]*)*\)|\[([^\]\n]+)\]\[[^\]\n]*\]")
_AUTOLINK = re.compile(r"<((?:https?://|mailto:|www\.)[^>\s]+)>")
_BARE_URL = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
# Speed (the same matches as the plain forms, far faster on long lines): a link target is read as
# runs of plain chars around balanced groups, not char by char; emphasis runs are greedy (they
# cannot pass the closing mark anyway); the stray-emphasis pattern opens with its marks, so that
# the engine skips to them instead of testing assertions at every position.
_EM_STAR = re.compile(r"\*(?=\S)([^*\n]+)(?<=\S)\*")
_EM_UNDERSCORE = re.compile(r"(?<!\w)_(?=\S)([^_\n]+)(?<=\S)_(?!\w)")
# a run of 1-3 marks after a non-word char (or the start) and before a space or the end, or after
# a space (or the start) and before a word: the lookbehinds, placed after the first mark, look
# one char further back
_STRAY_EMPHASIS = re.compile(r"[*_](?:(?<![\w\\].)[*_]{0,2}(?=\s|$)|(?<!\S.)[*_]{0,2}(?=\w))")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!$<>|~\"'])")
_CODE = re.compile(r"`([^`\n]+)`")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_HEADING_MARK = re.compile(r"\s{0,3}#{1,6}\s+")
_LIST_ITEM = re.compile(r"^\s*(?:[*+-]|\d{1,3}[.)])\s+")
_BULLET = re.compile(r"^\s*[*+-]\s+")
_QUOTE = re.compile(r"^\s*(?:>\s?)+")
_SEPARATOR = re.compile(r"^\s*(?:(?:[-*_=~#•·]\s*){3,}|\\?\*(?:\s*\\?\*){2,})\s*$")
_WORD = re.compile(r"\w+")
# What any form of _DATE_IN_LINE needs (four digits, or a digit, a slash and a digit): a unit without
# it skips that pattern, which opens with \b and so is tried at every position.
_DATE_NEEDS = re.compile(r"\d(?:\d\d\d|/\d)")


def is_heading(line: str) -> bool:
    """True for an ATX heading line ('## Title')."""
    return _HEADING_MARK.match(line) is not None and ("\n" not in line or _HEADING.match(line) is not None)


def heading_text(line: str) -> str | None:
    """The text of an ATX heading line without its marks (`_HEADING`'s group 2), or None. String
    methods instead of the pattern's lazy group, which costs a step per char of the heading: the
    text is what is left when trailing spaces, a closing run of '#' after a space, and the spaces
    before it are cut."""
    mark = _HEADING_MARK.match(line)
    if mark is None or "\n" in line:
        heading = _HEADING.match(line)
        return heading.group(2) if heading else None
    text = line[mark.end():].rstrip()
    closed = text.rstrip("#")
    if len(closed) < len(text) and closed[-1:].isspace():
        return closed.rstrip()
    return text


def _has_markup(line: str) -> bool:
    # plain substring tests: far cheaper than a regex on the prose lines that make most of a text
    return ("[" in line or "*" in line or "_" in line or "<" in line or "#" in line or "`" in line or "\\" in line
            or ((">" in line or "+" in line) and line.lstrip()[:1] in (">", "+")))


def clean_markdown(line: str) -> str:
    """A markdown line as plain text: links reduced to their text, images and emphasis dropped,
    heading, list and quote marks removed, escapes resolved."""
    if not _has_markup(line):
        return line.strip()  # (a plain line, most prose: cheaper than a look-up in the line cache)
    return line_facts(line)[0]


def clean_with_links(line: str) -> tuple[str, int]:
    """`clean_markdown(line)` and the number of characters of link text in the line (markdown
    links, autolinks and bare URLs or e-mail addresses), in one pass over the markup."""
    clean, links, _, _, _ = line_facts(line)
    return clean, links


def line_facts(line: str) -> tuple[str, int, str, bytes, int]:
    """What the stages read of a line, worked out once: (plain text, link chars, plain text
    lower-cased, line key, hash of the key). Lines with markup are cached: a site's menus, share
    bars and footers come back in each of its documents, and the stages read the same lines one
    after the other (the line counting keeps a cache of its own, see `_markup_line_key`). Plain
    lines, mostly prose seen once, are not (a look-up would cost more than it saves, and push the
    furniture out)."""
    if _has_markup(line):
        return _markup_line_facts(line)
    return _facts(*_plain_with_links(line))


@lru_cache(maxsize=8192)
def _markup_line_facts(line: str) -> tuple[str, int, str, bytes, int]:
    return _facts(*_clean_with_links(line))


def _facts(clean: str, links: int) -> tuple[str, int, str, bytes, int]:
    low = clean.lower()
    key = _key_bytes(low)
    return clean, links, low, key, _hash(key)


def _plain_key(line: str) -> bytes:
    """The line key of a line without markup (`_key_bytes` of it stripped and lower-cased); an
    ASCII line's by the table alone: upper case to lower, digits to 0, the rest dropped."""
    if line.isascii():
        return line.encode("ascii").translate(_KEY_LOWER_DIGITS, _KEY_DELETE)
    return _key_bytes(line.strip().lower())


def _plain_with_links(line: str) -> tuple[str, int]:
    """`clean_with_links` of a line without markup."""
    text = line.strip()
    return text, (_bare_url_chars(text) if "http" in text or "www." in text or "@" in text else 0)


def _reduce_links(text: str) -> tuple[str, int]:
    """A line with '[' with its images dropped and its markdown links reduced to their labels, and
    the number of characters of those labels."""
    if "![" in text:
        text = _IMAGE.sub("", text)
    parts = _LINK.split(text)
    if len(parts) == 1:
        return text, 0
    # [text, label, None, text, None, label, text, ...]: each link keeps one of its two groups, its
    # label; the join drops the other (None) in C
    links = sum(map(len, filter(None, parts[1::3]))) + sum(map(len, filter(None, parts[2::3])))
    return "".join(filter(None, parts)), links


def _clean_with_links(line: str) -> tuple[str, int]:
    """`clean_with_links` of a line with markup."""
    text = line
    links = 0
    # each substitution only when its marker is present: most lines have one kind of markup at most
    if "[" in text:
        text, links = _reduce_links(text)
    if "http" in text or "www." in text or "@" in text:
        links += _bare_url_chars(_AUTOLINK.sub(" ", text) if "<" in text else text)
    if "<" in text:
        def autolink(match: re.Match[str]) -> str:
            nonlocal links
            links += len(match.group(1))
            return match.group(1).removeprefix("mailto:")

        text = _AUTOLINK.sub(autolink, text)
    if "#" in text:
        heading = heading_text(text)
        if heading is not None:
            text = heading
    if ">" in text:
        text = _QUOTE.sub("", text)
    if text.lstrip()[:1] in ("*", "+"):
        text = _BULLET.sub("- ", text, count=1)
    if "*" in text or "_" in text:
        if "**" in text or "__" in text:
            text = _STRONG.sub(r"\2", text)
        if "*" in text:
            text = _EM_STAR.sub(r"\1", text)
        if "_" in text:
            text = _EM_UNDERSCORE.sub(r"\1", text)
        if "*" in text or "_" in text:
            text = _STRAY_EMPHASIS.sub("", text)
    if "`" in text:
        text = _CODE.sub(r"\1", text)
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    return " ".join(text.split()), links


def _bare_url_chars(text: str) -> int:
    return sum(len(m.group()) for m in _BARE_URL.finditer(text))


# Line keys work on UTF-8 bytes: bytes.translate drops ASCII punctuation and spaces and turns digits
# into 0 at memory speed; the common typographic marks are removed by plain replaces.
_KEY_DIGITS = bytes.maketrans(b"0123456789", b"0000000000")
_KEY_LOWER_DIGITS = bytes.maketrans(b"0123456789" + bytes(range(65, 91)), b"0" * 10 + bytes(range(97, 123)))
_KEY_DELETE = bytes(c for c in range(128) if not (48 <= c <= 57 or 97 <= c <= 122 or 65 <= c <= 90))
_UNICODE_MARK_CHARS = "\u201c\u201d\u2018\u2019\u2014\u2013\u2026\u00ab\u00bb\u2022\u00b7\u00a9\u00ae\u2122\u00a0\u2032\u201e\u2039\u203a\u2212\u00b0"
_UNICODE_MARKS = re.compile(f"[{_UNICODE_MARK_CHARS}]")
# The first bytes of the marks in UTF-8 (two): a text whose UTF-8 form holds neither has no mark,
# and skips the pattern (a regex scan of a non-ASCII text costs several times its encoding).
_UNICODE_MARK_LEADS = tuple(sorted({c.encode("utf-8")[:1] for c in _UNICODE_MARK_CHARS}))


def _may_hold_marks(data: bytes) -> bool:
    return any(map(data.__contains__, _UNICODE_MARK_LEADS))  # (map: no generator frame per lead)


def _key_bytes(low: str) -> bytes:
    """CCNet-style key of a lower-cased plain line: letters and digits only, digits as 0."""
    data = low.encode("utf-8")
    if not low.isascii() and _may_hold_marks(data):
        data = _UNICODE_MARKS.sub("", low).encode("utf-8")
    return data.translate(_KEY_DIGITS, _KEY_DELETE)


def line_key_text(line: str) -> str:
    """CCNet-style normalisation of a line for cross-document counting: markdown reduced to text,
    lower case, digits as 0, punctuation and spaces dropped."""
    return _key_bytes(clean_markdown(line).lower()).decode("utf-8", "ignore")


def _hash(key: bytes) -> int:
    # 63 bits, so the value fits a signed int64 column of any engine
    return xxhash.xxh3_64_intdigest(key) & 0x7FFF_FFFF_FFFF_FFFF


def line_key(line: str, min_chars: int = 5) -> int | None:
    """Hash of a line's normalised form, or None when too short to count (e.g. '1', '---')."""
    _, _, _, key, key_hash = line_facts(line)
    return key_hash if len(key) >= min_chars else None


@lru_cache(maxsize=8192)
def _markup_line_key(line: str) -> tuple[bytes, int]:
    """The key and key hash of a line with markup, for `line_keys` (which reads nothing else of a
    line): an ASCII line without '<' (no autolink) is keyed from its text with the links and
    images reduced, as the other marks are dropped by the key anyway (cleaning it whole costs
    several times more, for the lines of a document met once, such as its related-story links);
    the other lines from their facts."""
    if line.isascii() and "<" not in line:
        text = _reduce_links(line)[0] if "[" in line else line
        key = text.encode("ascii").translate(_KEY_LOWER_DIGITS, _KEY_DELETE)
        return key, _hash(key)
    _, _, _, key, key_hash = _markup_line_facts(line)
    return key, key_hash


def _clear_line_caches() -> None:
    _markup_line_facts.cache_clear()
    _markup_line_key.cache_clear()


# (clearing the line caches: what benchmarks that start each round cold call)
clean_with_links.cache_clear = _clear_line_caches  # type: ignore[attr-defined]


def line_keys(text: str, min_chars: int = 5) -> set[int]:
    """The distinct line keys of a document: the pipeline counts their document frequency per source."""
    keys = set()
    for line in text.split("\n"):
        if not line or line.isspace():
            continue
        if _has_markup(line):
            key, key_hash = _markup_line_key(line)
            if len(key) >= min_chars:
                keys.add(key_hash)
            continue
        key = _plain_key(line)  # (line_facts' key of a plain line, without the rest)
        if len(key) >= min_chars:
            keys.add(_hash(key))
    return keys


def select_templates(n_docs: int, df: Mapping[int, int], cfg: BoilerplateConfig) -> dict[int, int]:
    """Template lines of one source: keys seen in >= template_min_docs documents and in
    >= template_min_share of the source's documents (key -> document frequency)."""
    need = max(cfg.template_min_docs, cfg.template_min_share * n_docs)
    return {key: count for key, count in df.items() if count >= need}


# --------------------------------------------------------------------------------------------
# Stop words (jusText's lists, read without importing jusText or lxml)


@lru_cache(maxsize=None)
def _stoplist_dir() -> Path | None:
    spec = importlib.util.find_spec("justext")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "stoplists"
    return path if path.is_dir() else None


# ISO 639-1 codes of the jusText list names most often met (the rest are reachable by name).
LANGUAGE_NAMES = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
    "pt": "Portuguese", "nl": "Dutch", "pl": "Polish", "ru": "Russian", "sv": "Swedish",
    "da": "Danish", "no": "Norwegian_Bokmal", "fi": "Finnish", "cs": "Czech", "tr": "Turkish",
    "ro": "Romanian", "hu": "Hungarian", "uk": "Ukrainian", "el": "Greek", "id": "Indonesian",
}


@lru_cache(maxsize=None)
def stopwords(language: str) -> frozenset[str]:
    """The stop words of a language (jusText list name or ISO 639-1 code); empty when unknown
    or when jusText is not installed (then the splitter runs language-independent)."""
    directory = _stoplist_dir()
    if directory is None:
        return frozenset()
    path = directory / f"{LANGUAGE_NAMES.get(language, language)}.txt"
    if not path.is_file():
        return frozenset()
    # (lower-cased as one text, stripped in C: the lists are long, the Finnish one 6,800 words)
    return frozenset(filter(None, map(str.strip, path.read_text(encoding="utf-8").lower().split("\n"))))


# Words are the tokens left when punctuation becomes a space: bytes.translate does that for ASCII
# at memory speed (UTF-8 multi-byte sequences hold no ASCII byte, so other scripts pass intact) and
# a few replaces handle the common typographic marks; far cheaper than a word regex.
_PUNCT_TO_SPACE = bytes.maketrans(
    bytes(c for c in range(128) if not (48 <= c <= 57 or 97 <= c <= 122 or 65 <= c <= 90)), b" " * (128 - 62))


def words_of(low: str, limit: int | None = None) -> list[str]:
    """The words of a (lower-cased) text: runs of letters and digits (the first `limit` of them
    when given: the rest of the text is not split)."""
    if low.isascii():
        return _split_words(low.encode("ascii").translate(_PUNCT_TO_SPACE).decode("ascii"), limit)
    data = low.encode("utf-8")
    if _may_hold_marks(data):
        data = _UNICODE_MARKS.sub(" ", low).encode("utf-8")
    return _split_words(data.translate(_PUNCT_TO_SPACE).decode("utf-8", "replace"), limit)


def _split_words(text: str, limit: int | None) -> list[str]:
    return text.split() if limit is None else text.split(None, limit)[:limit]


# Whitespace beyond ASCII: str.split splits there, bytes.split does not (a test checks the list).
_WIDE_SPACES = "\x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
# Their first bytes in UTF-8, and the typographic marks': a text whose UTF-8 form holds none of
# them has the same words as bytes (split without decoding, a far cheaper split for other scripts).
_WIDE_LEADS = tuple(sorted({c.encode("utf-8")[:1] for c in _WIDE_SPACES + _UNICODE_MARK_CHARS}))


@lru_cache(maxsize=8)
def _stop_bytes(stop: frozenset[str]) -> frozenset[bytes]:
    return frozenset(word.encode("utf-8") for word in stop)


def _utf8_words(low: str, limit: int | None = None) -> list[bytes] | None:
    """`words_of(low, limit)` as UTF-8 bytes, split without decoding; None when the text holds
    whitespace or a typographic mark beyond ASCII (then only words_of splits it right)."""
    data = low.encode("utf-8")
    if not low.isascii() and any(map(data.__contains__, _WIDE_LEADS)):
        return None
    spaced = data.translate(_PUNCT_TO_SPACE)
    return spaced.split() if limit is None else spaced.split(None, limit)[:limit]


def stopword_density(low: str, stop: frozenset[str], stop_bytes: frozenset[bytes] | None = None) -> float:
    """Share of the words of a lower-cased text that are stop words (`stop_bytes`: the same list as
    UTF-8 bytes, when the caller has it at hand)."""
    if low.isascii():
        # (most prose: its words as ASCII bytes, the same split as `_utf8_words`, with no call in between)
        words = low.encode("ascii").translate(_PUNCT_TO_SPACE).split()
        if stop_bytes is None:
            stop_bytes = _stop_bytes(stop)
        return sum(map(stop_bytes.__contains__, words)) / len(words) if words else 0.0
    encoded = _utf8_words(low)
    if encoded is None:
        words = words_of(low)
        return sum(map(stop.__contains__, words)) / len(words) if words else 0.0
    # the same words as UTF-8 bytes, counted against the same list
    return sum(map(_stop_bytes(stop).__contains__, encoded)) / len(encoded) if encoded else 0.0


@lru_cache(maxsize=8)
def _stopword_index(languages: tuple[str, ...]) -> tuple[dict[str, int], dict[int, tuple[int, ...]]]:
    """word -> group, and for each group the indexes of the candidate languages listing its words
    (words listed by the same languages share a group: the group is the bit mask of those
    languages). Built with set operations: the lists hold 35,000 words, few of them in two lists."""
    index: dict[str, int] = {}
    for i, language in enumerate(languages):
        words, bit = stopwords(language), 1 << i
        shared = index.keys() & words
        for word in shared:
            index[word] |= bit
        index.update(dict.fromkeys(words - shared, bit))
    groups = {mask: tuple(i for i in range(len(languages)) if mask >> i & 1) for mask in set(index.values())}
    return index, groups


def guess_language(text: str, languages: tuple[str, ...], sample_words: int = 120, min_coverage: float = 0.15,
                   margin: float = 0.2, first_enough: float = 0.3) -> str:
    """The candidate language whose stop words cover most distinct words of the first
    `sample_words` ('' when none covers `min_coverage` of them). Deterministic, and the earlier
    language in the list wins unless a later one covers `margin` more: the lists differ in size
    and the big ones cover foreign text too (jusText's Finnish list, 6,800 words, holds 'the',
    'and' and English names). The first candidate is taken at once when it covers `first_enough`
    (no other language's text comes near that). The sample is bounded, so the cost is too."""
    sample = text[: sample_words * 8].lower()
    encoded = _utf8_words(sample, sample_words)
    return _language_of_words(words_of(sample, sample_words) if encoded is None else encoded, encoded is not None,
                              languages, min_coverage, margin, first_enough)


def _language_of_words(sample: list[Any], as_bytes: bool, languages: tuple[str, ...], min_coverage: float = 0.15,
                       margin: float = 0.2, first_enough: float = 0.3) -> str:
    """`guess_language` of the words of its sample (UTF-8 bytes when `as_bytes`, else text)."""
    # (the same words as UTF-8 bytes when they can be, against the same list: decoded only when
    # the first list does not settle it)
    words: set[Any] = set(sample)
    encoded = as_bytes
    if not words or not languages:
        return ""
    first = _stop_bytes(stopwords(languages[0])) if encoded else stopwords(languages[0])
    if len(words & first) >= first_enough * len(words):
        return languages[0]
    if encoded:
        words = {word.decode("utf-8") for word in words}
    index, groups = _stopword_index(languages)
    hits = [0] * len(languages)
    # count the groups of the words (one dict lookup each, counted in C), then spread them
    for group, n in Counter(map(index.get, words)).items():
        if group is not None:
            for i in groups[group]:
                hits[i] += n
    most = max(hits)
    # prose of a language covers far more than this with its stop words: below it, no list fits
    if most < min_coverage * len(words):
        return ""
    return next(language for language, n in zip(languages, hits) if n * (1 + margin) >= most)


# --------------------------------------------------------------------------------------------
# Rules

# (name, trigger substrings, patterns): the patterns run on the lower-cased unit only when a trigger
# is in it (plain substring tests are far cheaper than one big alternation); the rule applies when
# one of them matches (see `_rule_patterns`).
_Rule = tuple[str, tuple[str, ...], tuple["re.Pattern[str]", ...]]
# a leading \b before a letter, when the letter is not quantified
_LEADING_BOUNDARY = re.compile(r"^\\b([a-z])(?![?*+{])")


def _rule_patterns(*branches: str) -> tuple[re.Pattern[str], ...]:
    r"""The alternation of `branches` (what a unit matches when it matches any of them) as up to two
    patterns: the branches anchored at the start (`^`, tried there only) and the others, each
    opening with its first char, so that the engine skips to the positions holding one of those
    chars instead of trying every branch at every position (a leading `\b` before a letter x is
    written `x(?<!\wx)`: an x not preceded by a word char). One alternation of both kinds is tried
    at every position: on a long prose unit, 10-15 times slower."""
    anchored = [branch for branch in branches if branch.startswith("^")]
    floating = [_LEADING_BOUNDARY.sub(r"\1(?<!\\w\1)", branch) for branch in branches if not branch.startswith("^")]
    return tuple(re.compile("|".join(group)) for group in (anchored, floating) if group)


_HARD_RULES: list[_Rule] = [
    ("copyright", ("©", "&copy", "(c)", "copyright", "all rights reserved"),
     _rule_patterns(r"©", r"&copy;", r"\(c\)\s*(?:19|20)\d\d", r"^\W*copyright\b", r"copyright\s+(?:©\s*)?(?:19|20)\d\d",
                    r"all rights reserved")),
    ("disclaimer", ("disclaimer", "sole responsibility"), _rule_patterns(r"^\W*disclaimer\b", r"sole responsibility of the author")),
    ("fair-use", ("fair use", "copyrighted material"), _rule_patterns(r"\bfair use\b", r"copyrighted material")),
    ("original-source", ("original source", "this article"),
     _rule_patterns(r"original source of this article",
                    r"this article (?:was )?(?:originally )?(?:first )?(?:published|appeared) (?:on|in|at)\b")),
    ("image-credit", ("image", "photo"), _rule_patterns(r"^\W*(?:featured image|image credit|photo credit|image source)\b")),
    ("promo", ("visit my", "support us", "support our", "book"),
     _rule_patterns(r"visit my (?:new )?web ?site", r"support (?:us|our work)\b", r"^\W*(?:my |his |her )?(?:newest |new |latest )book\b")),
]
_SOFT_RULES: list[_Rule] = [
    ("subscribe", ("subscri", "newsletter", "sign ", "log in", "login", "donate", "become a"),
     _rule_patterns(r"\bsubscribe", r"\bnewsletter", r"\bsign (?:up|in)\b", r"\blog ?in\b", r"\bdonate\b",
                    r"become a (?:member|patron|subscriber)")),
    ("share", ("share", "follow us", "repost", "forward this", "telegram", "tweet"),
     _rule_patterns(r"\bshare (?:this|on)\b", r"^\W*share\W*$", r"\bfollow us\b", r"\brepost\b", r"forward this (?:article|email)",
                    r"telegram channel", r"\btweet\b")),
    ("call-to-action", ("click", "read more", "order now", "buy now", "continue reading", "listen to", "download"),
     _rule_patterns(r"click (?:here|to)\b", r"read more\b", r"order now\b", r"buy now\b", r"continue reading", r"listen to\b",
                    r"download (?:the|our) app")),
    ("policy", ("cookie", "privacy policy", "terms of", "javascript"),
     _rule_patterns(r"\bcookies?\b", r"privacy policy", r"terms of (?:use|service)", r"javascript")),
    ("related", ("related", "recommended", "more from", "most ", "trending", "you may also", "see also"),
     _rule_patterns(r"^\W*(?:related|recommended|more from|most (?:read|popular)|trending|you may also like|see also)\b")),
    ("advertisement", ("advert", "sponsored", "comment"),
     _rule_patterns(r"^\W*(?:advertisement|sponsored)\W*$", r"^\W*comments?\s*(?:\(\d+\)|on\b)", r"\bcomments?\s*\(\d+\)",
                    r"^\W*\d+\s+comments?\b")),
]


try:  # one pass over the text for all triggers (Aho-Corasick); substring tests without it
    import ahocorasick_rs
except ImportError:  # pragma: no cover - exercised only without the package
    ahocorasick_rs = None


@lru_cache(maxsize=None)
def _trigger_automaton():
    """The automaton of all rule triggers, and for each pattern the (family, rule index) pairs it
    triggers (family 0: hard rules, 1: soft rules)."""
    owners: dict[str, list[tuple[int, int]]] = {}
    for family, rules in enumerate((_HARD_RULES, _SOFT_RULES)):
        for index, (_, triggers, _) in enumerate(rules):
            for trigger in triggers:
                owners.setdefault(trigger, []).append((family, index))
    patterns = list(owners)
    return ahocorasick_rs.BytesAhoCorasick([p.encode("utf-8") for p in patterns]), [owners[p] for p in patterns]


def rules_by_unit(lows: list[str], hard_max_chars: int, soft_max_chars: int) -> tuple[list[list[_Rule]], list[list[_Rule]]]:
    """For each unit (lower-cased plain text), the hard and the soft rules with a trigger in it, in
    rule order (none for units of the family's max chars or more). The triggers are looked for in
    one pass over the whole document, so that most units test no rule at all."""
    # one shared empty list for the units with no trigger (read only)
    none: list[_Rule] = []
    hard: list[list[_Rule]] = [none] * len(lows)
    soft: list[list[_Rule]] = [none] * len(lows)
    joined = "\n".join(lows)
    if ahocorasick_rs is None:
        hits = []
        for family, rules in enumerate((_HARD_RULES, _SOFT_RULES)):
            for index, (_, triggers, _) in enumerate(rules):
                for trigger in triggers:
                    i = joined.find(trigger)
                    while i >= 0:  # (a hit's unit: the number of line breaks before it)
                        hits.append((family, index, joined.count("\n", 0, i)))
                        i = joined.find(trigger, i + 1)
    else:
        automaton, owners = _trigger_automaton()
        # (on the UTF-8 form: the same matches, found faster than on the text)
        data = joined.encode("utf-8")
        hits = []
        for pattern, start, _ in automaton.find_matches_as_indexes(data, overlapping=True):
            unit = data.count(b"\n", 0, start)
            hits.extend((family, index, unit) for family, index in owners[pattern])
    if not hits:
        return hard, soft
    indexes: dict[tuple[int, int], set[int]] = {}
    for family, index, unit in hits:
        if len(lows[unit]) < (soft_max_chars if family else hard_max_chars):
            indexes.setdefault((family, unit), set()).add(index)
    for (family, unit), found_rules in indexes.items():
        rules = _SOFT_RULES if family else _HARD_RULES
        (soft if family else hard)[unit] = [rules[i] for i in sorted(found_rules)]
    return hard, soft


def _first_rule(rules: list[_Rule], low: str) -> str:
    """The first of `rules` (each with a trigger in `low`, see rules_by_unit) whose pattern matches."""
    for name, _, patterns in rules:
        for pattern in patterns:
            if pattern.search(low):
                return name
    return ""


_META_LINE = re.compile(
    r"^\W*(?:(?P<byline>by\s+\S|articles? by\b|written by\b|posted by\b|author\s*:|authors\s*:)"
    r"|(?P<dateline>(?:posted|published|updated|last updated|date)\b(?:\s+on)?\s*:?)"
    r"|(?P<taxonomy>(?:region|theme|tags?|topics?|categor(?:y|ies)|filed under|section|in-depth report)\s*:))",
    re.IGNORECASE,
)
# The words a meta line opens with (after non-word chars): ASCII lines that open with none of them
# skip the regex (an ASCII line lower-cased matches IGNORECASE exactly).
_META_STARTS = ("by", "article", "written", "posted", "author", "published", "updated", "last", "date", "region",
                "theme", "tag", "topic", "categor", "filed", "section", "in-depth")
# ASCII chars that are not word chars (\W), for cheap tests before a pattern
ASCII_NON_WORD = "".join(chr(c) for c in range(128) if not (chr(c).isalnum() or chr(c) == "_"))


def _may_be_meta(low: str) -> bool:
    return not low.isascii() or low.lstrip(ASCII_NON_WORD).startswith(_META_STARTS)


_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DATE_IN_LINE = re.compile(
    rf"\b(?:{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\.?\s+{_MONTH},?\s+\d{{4}}|\d{{4}}-\d\d-\d\d|\d{{1,2}}/\d{{1,2}}/\d{{2,4}})\b",
    re.IGNORECASE,
)
# the same pattern for lower-cased ASCII text (its letters are all lower case)
_DATE_IN_LOWER_LINE = re.compile(_DATE_IN_LINE.pattern)
GOOD, NEARGOOD, SHORT, BAD, HARD = "good", "neargood", "short", "bad", "hard"


# --------------------------------------------------------------------------------------------
# Units


@dataclass(slots=True, eq=False)
class Unit:
    """One unit of the input: lines `start:end` of the text (more than one when a paragraph broken
    mid-sentence was joined), its plain form, and what followed it."""

    start: int
    end: int
    raw: str  # the input text of the unit, verbatim
    clean: str  # plain text (markdown reduced; joined parts separated by one space)
    sep: str  # whitespace that followed the unit in the input
    lines: list[str]  # the input lines of the unit
    links: int = 0  # characters of link text (markdown links, autolinks, bare URLs)
    heading: bool = False
    low: str = ""  # the plain text lower-cased
    key: bytes = b""  # line key of the plain text (see _key_bytes)
    key_hash: int = 0  # hash of the key (of a one-line unit: its line's, as the template counts have it)
    cls: str = BAD
    reason: str = ""
    soft: str = ""  # name of the soft signal it carries, for edge trimming
    label: str = "boilerplate"
    words: list[bytes] | None = None  # the words of `low` as UTF-8 bytes, when split for the language guess


_TERMINAL_CHARS = frozenset(".!?:;\"\u201d\u2019')]\u2026")


def _continues(previous: Unit, line: str, clean: str) -> bool:
    """True when `line` goes on the sentence `previous` left open (a paragraph the page conversion
    broke: no terminal punctuation before, a lower-case word after)."""
    # the cheap tests first: most lines open with a capital and most paragraphs end with a stop
    if not clean or not clean[0].islower() or previous.heading or len(previous.clean) < 20:
        return False
    if previous.clean[-1] in _TERMINAL_CHARS:
        return False
    last = previous.lines[-1]
    if is_heading(line) or _LIST_ITEM.match(last) or _LIST_ITEM.match(line) or _SEPARATOR.match(last):
        return False
    # a line opening with a link or URL starts something new (a footer line, a promo)
    return not re.match(r"\s*(?:[\[<]|https?:|www\.)", line)


def units_of(text: str, with_hashes: bool = True) -> list[Unit]:
    """The units of a text, in order; blank lines are separators only. Without `with_hashes`, a
    plain line's `key_hash` is left 0 (only the template test reads it, and a source with no
    template lines has none to look up)."""
    units: list[Unit] = []
    joined: list[Unit] = []  # the units of more than one line
    last: Unit | None = None
    end = -1
    for line in text.split("\n"):
        start = end + 1
        end = start + len(line)
        if not line or line.isspace():
            continue
        # (line_facts, its two branches called directly: this runs for every line of every text)
        if _has_markup(line):
            clean, links, low, key, key_hash = _markup_line_facts(line)
        else:
            # a plain line (most prose): `_facts` written out, the hash made only when asked for
            clean, links = _plain_with_links(line)
            low = clean.lower()
            key = _key_bytes(low)
            key_hash = _hash(key) if with_hashes else 0
        if last is not None:
            gap = text[last.end:start]
            # (the first test of _continues inlined: most lines open with a capital)
            if clean and clean[0].islower() and gap.count("\n") <= 2 and _continues(last, line, clean):
                if len(last.lines) == 1:
                    joined.append(last)
                last.end = end
                last.clean = f"{last.clean} {clean}"
                last.lines.append(line)
                last.links += links
                continue
            last.sep = gap
        heading = "#" in line[:4] and is_heading(line)  # (a heading's mark is in its first four chars)
        last = Unit(start, end, line, clean, "", [line], links, heading, low, key, key_hash)
        units.append(last)
    if last is not None:
        last.sep = text[last.end:]
    for unit in joined:  # (read once the unit is whole, not again at each line it gains)
        unit.raw = text[unit.start:unit.end]
        _, _, unit.low, unit.key, unit.key_hash = _facts(unit.clean, unit.links)
    return units


# --------------------------------------------------------------------------------------------
# The split


@dataclass
class Split:
    body: str
    boilerplate: str
    segments: list[dict[str, Any]]
    language: str = ""  # the stop-word list used ('' = language-independent)
    reasons: dict[str, int] = field(default_factory=dict)  # reason kind -> units, for stats


# label -> reason -> `_labelled_kind(label, reason)`, filled as reasons are met (`_assemble` looks a
# unit's key up here first: a dict look-up per unit)
_KINDS: dict[str, dict[str, str]] = {"body": {}, "boilerplate": {}}


def _labelled_kind(label: str, reason: str) -> str:
    """The stats key of a unit's label and reason: "label.kind", remembered in `_KINDS`."""
    kinds = _KINDS[label]
    if len(kinds) >= 4096:  # (few distinct reasons: numbers are in few of them)
        kinds.clear()
    head = reason.partition(" ")[0]
    kind = kinds[reason] = f"{label}.{head if head.startswith('rule:') else head.partition(':')[0]}"
    return kind


_ALNUM = re.compile(r"[^\W_]")
_SENTENCE_END = frozenset(".!?\"\u201d\u2019'\u3002\uff01\uff1f")
_DENSE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def dense_script_share(text: str, sample_chars: int = 2000) -> float:
    """Share of the characters of a text sample in Chinese, Japanese or Korean script."""
    sample = text[:sample_chars]
    if not sample or sample.isascii():
        return 0.0
    letters = len(sample) - sum(map(sample.count, " \n\t"))
    return len(_DENSE_SCRIPT.findall(sample)) / letters if letters > 0 else 0.0


@dataclass(slots=True)
class _DocContext:
    """What every unit of one document is classified against."""

    cfg: BoilerplateConfig
    stop: frozenset[str]  # stop words of the document's language (empty: language-independent)
    stop_bytes: frozenset[bytes]  # the same stop words as UTF-8 bytes
    templates: Mapping[int, int]
    n_source_docs: int
    title_key: bytes
    html_body: bool
    length_scale: float = 1.0  # > 1 for texts in a dense script (Chinese, Japanese, Korean)


def _template_df(unit: Unit, templates: Mapping[int, int], min_chars: int) -> int:
    """The lowest document frequency of the unit's lines as template lines of its source (lines
    too short to count aside), 0 when one of them is not a template line or none counts."""
    if len(unit.lines) == 1:  # (most units: one line, its key at hand)
        return templates.get(unit.key_hash, 0) if len(unit.key) >= min_chars else 0
    dfs = [templates.get(key_hash, 0) for _, _, _, key, key_hash in map(line_facts, unit.lines) if len(key) >= min_chars]
    return min(dfs) if dfs and all(dfs) else 0


def _classify_by_line(unit: Unit, index: int, low: str, ctx: _DocContext) -> bool:
    """The labels a unit gets from its line alone, before any rule: separator, title, template line
    of its source. True when one of them applies (then the unit is labelled)."""
    key = unit.key
    if not key or (not key.isascii() and not _ALNUM.search(low)):
        unit.cls, unit.reason = HARD, "rule:separator"
        return True
    if ctx.title_key and index < 8 and key == ctx.title_key:
        unit.cls, unit.reason = HARD, "title"
        return True
    if ctx.templates:
        cfg = ctx.cfg
        df = _template_df(unit, ctx.templates, cfg.template_min_chars)
        # a long prose line in a few documents is more likely a re-syndicated copy than furniture
        if df and (len(unit.clean) < cfg.template_prose_chars or df >= cfg.template_prose_min_share * ctx.n_source_docs):
            unit.cls, unit.reason = HARD, f"template {df}/{ctx.n_source_docs} docs"
            return True
    return False


def _classify_by_content(unit: Unit, low: str, hard_rules: list[_Rule], soft_rules: list[_Rule],
                         ctx: _DocContext, seen: set[bytes]) -> None:
    """Label a unit that `_classify_by_line` left open: `low` is its plain text lower-cased,
    `hard_rules`/`soft_rules` the rules with a trigger in it. Rules, repeats, soft signals, then
    jusText's classes."""
    cfg = ctx.cfg
    text = unit.clean
    length = len(text)
    key = unit.key
    hard = _first_rule(hard_rules, low) if hard_rules and length < cfg.rule_max_chars else ""
    if hard:
        unit.cls, unit.reason = HARD, f"rule:{hard}"
        return
    if length < cfg.meta_max_chars and not ctx.html_body:
        meta = _META_LINE.match(text) if _may_be_meta(low) else None
        if meta:
            unit.cls, unit.reason = HARD, f"rule:{meta.lastgroup}"
            return
        # (the dates cut out in one pass: a line with none is left whole, n == 0)
        # (an ASCII unit: its lower-cased form, searched case-sensitively, has the same dates and
        # words, and a case-sensitive search is faster)
        dated, date_pattern = (low, _DATE_IN_LOWER_LINE) if low.isascii() else (text, _DATE_IN_LINE)
        undated, n = date_pattern.subn("", dated) if _DATE_NEEDS.search(dated) else (dated, 0)
        if n and len(_WORD.findall(undated)) <= 6:
            unit.cls, unit.reason = HARD, "rule:dateline"
            return
    if len(key) >= 10 and not ctx.html_body:
        if key in seen:
            unit.cls, unit.reason = SHORT, "repeated in document"
            return
        seen.add(key)
    unit.soft = _first_rule(soft_rules, low) if soft_rules and length < cfg.soft_max_chars else ""
    if ctx.html_body:
        # the extractor already picked the main content: only rules and soft signals apply
        if not unit.soft and length < cfg.meta_max_chars and _may_be_meta(low) and _META_LINE.match(text):
            unit.soft = "meta"
        unit.cls, unit.reason = GOOD, "main content"
        return
    links = unit.links
    link_density = min(1.0, links / length) if length else 0.0
    if link_density > cfg.max_link_density:
        unit.cls, unit.reason = BAD, f"link-density {link_density:.2f}"
        return
    size = length * ctx.length_scale
    if unit.soft:
        unit.cls, unit.reason = SHORT, f"soft:{unit.soft}"
        return
    if size < cfg.length_low:
        unit.cls, unit.reason = (BAD, f"short with links {link_density:.2f}") if links else (SHORT, "short")
        return
    if not ctx.stop:
        unit.cls, unit.reason = (GOOD, "prose") if size > cfg.length_high else (NEARGOOD, "near-prose")
        return
    if unit.words is not None:  # (split already for the language guess: the same words as stopword_density's)
        density = sum(map(ctx.stop_bytes.__contains__, unit.words)) / len(unit.words) if unit.words else 0.0
    else:
        density = stopword_density(low, ctx.stop, ctx.stop_bytes)
    if density >= cfg.stopwords_high:
        if size > cfg.length_high:
            unit.cls, unit.reason = GOOD, "prose"
        elif size >= cfg.prose_min_chars and density >= cfg.prose_min_stopwords and text[-1] in _SENTENCE_END:
            # a short news paragraph: whole sentences, full of stop words
            unit.cls, unit.reason = GOOD, f"sentences stopwords {density:.2f}"
        else:
            unit.cls, unit.reason = NEARGOOD, f"near-prose stopwords {density:.2f}"
    elif density >= cfg.stopwords_low:
        unit.cls, unit.reason = NEARGOOD, f"near-prose stopwords {density:.2f}"
    else:
        unit.cls, unit.reason = BAD, f"stopwords {density:.2f}"


def _neighbour(classes: list[str], i: int, step: int, ignore_neargood: bool, edge: str = BAD) -> str:
    j = i + step
    while 0 <= j < len(classes):
        c = classes[j]
        if c == GOOD:
            return GOOD
        if c in (BAD, HARD):
            return BAD
        if c == NEARGOOD and not ignore_neargood:
            return NEARGOOD
        j += step
    return edge


def _promote_runs(units: list[Unit], cfg: BoilerplateConfig, length_scale: float = 1.0) -> None:
    """Near-prose units in a run of prose (no boilerplate between) of at least two paragraphs and
    2 x length_high chars are prose: news paragraphs are often shorter than jusText's 200 chars."""
    if NEARGOOD not in [unit.cls for unit in units]:
        return  # (most documents: nothing to promote, no run to measure)
    run: list[Unit] = []
    for unit in units + [None]:  # type: ignore[list-item]
        if unit is not None and unit.cls in (GOOD, NEARGOOD, SHORT):
            run.append(unit)
            continue
        if not run:  # (boilerplate after boilerplate: no run ends here)
            continue
        prose = [u for u in run if u.cls in (GOOD, NEARGOOD)]
        if len(prose) >= 2 and sum(len(u.clean) for u in prose) * length_scale >= 2 * cfg.length_high:
            for u in prose:
                if u.cls == NEARGOOD:
                    u.cls, u.reason = GOOD, f"{u.reason}, in a prose run"
        run = []


def _indexes_of(items: list[str], value: str) -> list[int]:
    """The indexes at which `value` stands in `items`, in order (list.index steps in C)."""
    if value not in items:  # (most documents: no unit of that class)
        return []
    found: list[int] = []
    i = -1
    try:
        while True:
            i = items.index(value, i + 1)
            found.append(i)
    except ValueError:
        return found


def _context(units: list[Unit]) -> None:
    """jusText's context pass: short units take their neighbours' class, near-good units become
    body unless boilerplate sits on both sides."""
    classes = [u.cls for u in units]
    revised = list(classes)
    # (the indexes of short and near-good units found in C: most units are neither)
    shorts = _indexes_of(classes, SHORT)
    for i in shorts:
        before, after = _neighbour(classes, i, -1, True), _neighbour(classes, i, 1, True)
        if before == after == GOOD:
            revised[i] = GOOD
        elif before == after == BAD:
            revised[i] = BAD
        elif before == BAD:
            revised[i] = GOOD if _neighbour(classes, i, -1, False) == NEARGOOD else BAD
        else:
            revised[i] = GOOD if _neighbour(classes, i, 1, False) == NEARGOOD else BAD
    neargoods = _indexes_of(revised, NEARGOOD)  # (the short units are good or bad by now)
    for i in neargoods:
        before, after = _neighbour(revised, i, -1, True, "edge"), _neighbour(revised, i, 1, True, "edge")
        # the document's edges count as boilerplate (jusText), unless there is nothing else: then
        # the near-prose units are all the document has
        revised[i] = BAD if {before, after} <= {BAD, "edge"} and BAD in (before, after) else GOOD
    # the good units are body; the hard and bad ones keep their class and reason, the revised ones
    # note why (most units: only the indexes of the others are visited)
    for i in _indexes_of(revised, GOOD):
        units[i].label = "body"
    for indexes, note_if_good in ((shorts, "between body"), (neargoods, "next to body")):
        for i in indexes:
            note = note_if_good if revised[i] == GOOD else "next to boilerplate"
            units[i].reason = f"{units[i].reason}, {note}"


def _best_run(units: list[Unit], lo: int, hi: int, cfg: BoilerplateConfig) -> tuple[float, int, int]:
    """The maximum-sum contiguous run of units[lo:hi] (score, first, last): body units weigh
    +chars, boilerplate units -chars (hard rules twice), plus a fixed cost per boilerplate unit."""
    best, best_span = 0.0, (lo, lo - 1)
    run, run_start = 0.0, lo
    for i in range(lo, hi):
        unit = units[i]
        size = len(unit.clean)
        if unit.label == "body":
            weight = size
        else:
            weight = -(2 if unit.cls == HARD else 1) * size - cfg.span_unit_cost
        if run <= 0:
            run, run_start = 0.0, i
        run += weight
        if run > best:
            best, best_span = run, (run_start, i)
    return best, best_span[0], best_span[1]


def _main_span(units: list[Unit], cfg: BoilerplateConfig) -> None:
    """Keep the main contiguous body (the maximum-sum run of units), and the other runs that weigh
    at least `span_keep_share` of it (a page may split its article around a picture or a promo)."""
    body = [i for i, unit in enumerate(units) if unit.label == "body"]
    if not body or (body[-1] - body[0] + 1 == len(body) and cfg.span_unit_cost >= 0):
        # (most documents) no body, or one unbroken run of body units: that run is the maximum-sum
        # run (body units weigh their chars, every other unit nothing or less) and the only one
        # above zero, so every body unit is kept
        return
    best, first, last = _best_run(units, 0, len(units), cfg)
    keep = [False] * len(units)
    pending = [(first, last)] if best > 0 else []
    while pending:
        first, last = pending.pop()
        for i in range(first, last + 1):
            keep[i] = True
        if cfg.span_keep_share >= 1.0:
            break
        for lo, hi in ((_edge_before(keep, first), first), (last + 1, _edge_after(keep, last + 1))):
            if hi - lo > 0:
                score, a, b = _best_run(units, lo, hi, cfg)
                if score > 0 and score >= cfg.span_keep_share * best:
                    pending.append((a, b))
    for i, unit in enumerate(units):
        if unit.label == "body" and not keep[i]:
            unit.label = "boilerplate"
            unit.reason = f"outside main body ({unit.reason})"


def _edge_before(keep: list[bool], i: int) -> int:
    """Start of the unkept stretch that ends at i."""
    while i > 0 and not keep[i - 1]:
        i -= 1
    return i


def _edge_after(keep: list[bool], i: int) -> int:
    """End (exclusive) of the unkept stretch that starts at i."""
    while i < len(keep) and not keep[i]:
        i += 1
    return i


def _trim_edges(units: list[Unit], max_chars: int | None = None) -> None:
    """Body units at either end of the body that carry a soft signal (and are shorter than
    `max_chars`, when given) are furniture."""
    body = [i for i, u in enumerate(units) if u.label == "body"]
    for order in (body, body[::-1]):
        for i in order:
            unit = units[i]
            soft = unit.soft and (max_chars is None or len(unit.clean) < max_chars)
            if not soft and not unit.heading:
                break
            if soft:
                unit.label = "boilerplate"
                unit.reason = f"edge, soft:{unit.soft}" if unit.reason == "main content" or unit.reason.startswith("soft") else f"edge, soft:{unit.soft} ({unit.reason})"


def split_units(units: list[Unit], cfg: BoilerplateConfig, templates: Mapping[int, int] | None = None,
                n_source_docs: int = 0, title: str | None = None, language: str = "",
                html_main: list[bool] | None = None) -> None:
    """Label every unit (in place). `html_main` marks units the HTML extractor kept as main content:
    the others are boilerplate and only the rules run on the kept ones."""
    stop = stopwords(language) if language else frozenset()
    ctx = _DocContext(
        cfg=cfg,
        stop=stop,
        stop_bytes=_stop_bytes(stop),
        templates=templates or {},
        n_source_docs=n_source_docs,
        title_key=_key_bytes(clean_markdown(title).lower()) if title else b"",
        html_body=html_main is not None,
        # only texts with no stop-word list can be in a dense script (no candidate list is one)
        length_scale=cfg.dense_script_scale if not language and dense_script_share(_prose_sample(units)) >= 0.3 else 1.0,
    )
    # first what each unit's line alone decides (separators, the title, template lines: a third of
    # a site's units), then the rules, looked for only in the units still open
    open_units: list[int] = []
    lows = []
    for i, unit in enumerate(units):
        if html_main is not None and not html_main[i]:
            unit.cls, unit.reason, unit.label = HARD, "html: outside main content", "boilerplate"
            lows.append("")
        elif _classify_by_line(unit, i, unit.low, ctx):
            lows.append("")
        else:
            open_units.append(i)
            lows.append(unit.low)
    hard_rules, soft_rules = rules_by_unit(lows, cfg.rule_max_chars, cfg.soft_max_chars)
    seen: set[bytes] = set()
    for i in open_units:
        _classify_by_content(units[i], lows[i], hard_rules[i], soft_rules[i], ctx, seen)
    _promote_runs(units, cfg, ctx.length_scale)
    _context(units)
    if cfg.main_span and html_main is None:
        _main_span(units, cfg)
    _trim_edges(units, None if html_main is None else cfg.html_edge_max_chars)


def _assemble(units: list[Unit], body_format: str) -> tuple[str, str, list[dict[str, Any]], dict[str, int]]:
    """The body and boilerplate columns, the segments, and the units per reason kind (see
    `_labelled_kind`), in one pass over the units."""
    body_parts: list[str] = []
    boiler_parts: list[str] = []
    body_len = boiler_len = 0
    segments = []
    reasons: dict[str, int] = {}
    last_body = -1  # index of the previous body unit
    as_text = body_format == "text"
    for i, unit in enumerate(units):
        label, reason = unit.label, unit.reason
        kind = _KINDS[label].get(reason) or _labelled_kind(label, reason)
        reasons[kind] = reasons.get(kind, 0) + 1
        if label == "body":
            piece = unit.clean if as_text else unit.raw
            if last_body >= 0:
                # adjacent body units keep the input's kind of break; a gap becomes a paragraph break
                joint = units[last_body].sep if last_body + 1 == i else "\n\n"
                joint = "\n\n" if "\n\n" in joint else "\n"
                body_parts.append(joint)
                body_len += len(joint)
            segments.append({"start": body_len, "end": body_len + len(piece), "label": "body", "reason": reason,
                             "sep": unit.sep, "input": None if piece == unit.raw else unit.raw})
            body_parts.append(piece)
            body_len += len(piece)
            last_body = i
        else:
            if boiler_parts:
                boiler_parts.append("\n")
                boiler_len += 1
            segments.append({"start": boiler_len, "end": boiler_len + len(unit.raw), "label": "boilerplate",
                             "reason": reason, "sep": unit.sep, "input": None})
            boiler_parts.append(unit.raw)
            boiler_len += len(unit.raw)
    return "".join(body_parts), "".join(boiler_parts), segments, reasons


def split_boilerplate(text: str, templates: Mapping[int, int] | None = None, n_source_docs: int = 0,
                      cfg: BoilerplateConfig = BoilerplateConfig(), title: str | None = None,
                      language: str | None = None) -> Split:
    """Split a (normalised) text or markdown document into body and boilerplate.

    `templates` are the template line keys of the document's source (key -> document frequency)
    and `n_source_docs` the number of documents of that source; `title` (when known) marks the
    title line; `language` picks the stop-word list (None: guessed from the text)."""
    units = units_of(text, with_hashes=bool(templates))
    if language is None:
        language = _language_of_units(units, cfg)
    split_units(units, cfg, templates, n_source_docs, title, language)
    return _finish(units, cfg, language)


def _prose_sample(units: list[Unit], chars: int = 1200) -> str:
    """Text of the longer units (menus and link lists would mislead the language guess)."""
    parts, size = [], 0
    for unit in units:
        if len(unit.clean) >= 80:
            parts.append(unit.clean)
            size += len(unit.clean)
            if size >= chars:
                break
    return " ".join(parts) if parts else " ".join(u.clean for u in units)


def _language_of_units(units: list[Unit], cfg: BoilerplateConfig, sample_words: int = 120) -> str:
    """`_language_for(_prose_sample(units), cfg)`, read from the units' own words when the sample
    splits as UTF-8 bytes (no whitespace or typographic mark beyond ASCII, see `_utf8_words`): the
    units it takes whole keep their words (`Unit.words`), which their stop-word density reads
    again. (The sample's words are the words of its units in order, as the units are joined by a
    space; the guess reads its first `sample_words * 8` chars, so the unit across that cut gives
    the words of its part before the cut; lower-casing may change a text's length beyond ASCII, so
    the cut is placed on the plain text, as the sample has it.)"""
    if cfg.language != "auto":
        return cfg.language
    chars = sample_words * 8
    prose = [unit for unit in units if len(unit.clean) >= 80]
    words: list[bytes] = []
    start = 0  # where the unit starts in the sample
    for unit in prose:
        if start >= chars or len(words) >= sample_words:
            break
        data = unit.low.encode("utf-8")
        if not unit.low.isascii() and any(map(data.__contains__, _WIDE_LEADS)):
            return _language_for(_prose_sample(units), cfg)
        if start + len(unit.clean) <= chars:
            unit.words = data.translate(_PUNCT_TO_SPACE).split()
            words.extend(unit.words)
        else:
            words.extend(unit.clean[:chars - start].lower().encode("utf-8").translate(_PUNCT_TO_SPACE).split())
        start += len(unit.clean) + 1
    if not prose:  # (no long unit: the sample is all the units, see _prose_sample)
        return _language_for(_prose_sample(units), cfg)
    return _language_of_words(words[:sample_words], True, tuple(cfg.stopword_languages))


def _language_for(text: str, cfg: BoilerplateConfig) -> str:
    if cfg.language != "auto":
        return cfg.language
    return guess_language(text, tuple(cfg.stopword_languages))


def _finish(units: list[Unit], cfg: BoilerplateConfig, language: str) -> Split:
    body, boilerplate, segments, reasons = _assemble(units, cfg.body_format)
    return Split(body, boilerplate, segments, language, reasons)


def _align(units: list[Unit], main_text: str) -> list[bool]:
    """Which page-text units the HTML extractor's main content covers. Its lines are matched to
    the page's units by normalised key (longest common runs first, so that a teaser of the same
    line elsewhere on the page does not derail the rest); a line left over goes to the unit
    between its matched neighbours that holds most of its words, and that unit is main content
    when the lines it got cover most of its own words (a one-word fragment does not make a
    breadcrumb trail main content). Each piece of the main content stands for one unit only: a
    teaser repeated on the page is not main content twice."""
    wanted: list[str] = []
    words: list[set[str]] = []
    for line in main_text.split("\n"):
        key = line_key_text(line)
        if key:
            wanted.append(key)
            words.append(set(_WORD.findall(clean_markdown(line).lower())))
    keys = [line_key_text(u.raw) for u in units]
    main = [False] * len(units)
    page_of: list[int | None] = [None] * len(wanted)
    # the main content's keys joined (line i spans offsets[i]:offsets[i + 1]), and which of its
    # characters a unit already stands for
    joined = "".join(wanted)
    offsets = list(accumulate(map(len, wanted), initial=0))
    claimed = bytearray(len(joined))
    matcher = difflib.SequenceMatcher(None, wanted, keys, autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        for n in range(size):
            page_of[a + n] = b + n
            main[b + n] = True
            claimed[offsets[a + n]:offsets[a + n + 1]] = b"\x01" * len(wanted[a + n])
    unit_words: dict[int, set[str]] = {}
    got_words: dict[int, set[str]] = {}
    for i, target in enumerate(page_of):
        if target is not None or not words[i]:
            continue
        low = next((page_of[j] for j in range(i - 1, -1, -1) if page_of[j] is not None), -1) + 1
        high = next((page_of[j] for j in range(i + 1, len(page_of)) if page_of[j] is not None), len(units))
        best, best_share = None, 0.5
        for j in range(low, min(high, low + 200)):
            if j not in unit_words:
                unit_words[j] = set(_WORD.findall(units[j].clean.lower()))
            share = len(words[i] & unit_words[j]) / len(words[i])
            if share > best_share:
                best, best_share = j, share
        if best is not None:
            got_words.setdefault(best, set()).update(words[i])
    for j, got in got_words.items():
        if len(got & unit_words[j]) >= 0.5 * len(unit_words[j]):
            main[j] = True
    # the extractor may join or cut blocks differently from the page text ("...politics.The
    # orchestration..."): a unit whose whole key occurs in the main content, in a part no other
    # unit stands for, is main content too when long enough not to occur by chance, or when it
    # sits inside the main content
    first = next((j for j, m in enumerate(main) if m), len(units))
    last = max((j for j, m in enumerate(main) if m), default=-1)
    for j, key in enumerate(keys):
        if main[j] or len(key) < 20 or (len(key) < 40 and not first < j < last):
            continue
        at = joined.find(key)
        while at >= 0 and claimed.find(1, at, at + len(key)) >= 0:
            at = joined.find(key, at + 1)
        if at >= 0:
            main[j] = True
            claimed[at:at + len(key)] = b"\x01" * len(key)
    return main


def split_html(page_text: str, main_text: str, templates: Mapping[int, int] | None = None, n_source_docs: int = 0,
               cfg: BoilerplateConfig = BoilerplateConfig(), title: str | None = None,
               language: str | None = None) -> Split:
    """The HTML path: the extractor's main content (`main_text`) is the body candidate and the rest
    of the page text the boilerplate; the line rules then run on the body candidate."""
    units = units_of(page_text, with_hashes=bool(templates))
    if language is None:
        language = _language_for(main_text, cfg)
    main = _align(units, main_text)
    split_units(units, cfg, templates, n_source_docs, title, language, html_main=main)
    return _finish(units, cfg, language)


def reassemble(body: str, boilerplate: str, segments: Iterable[Mapping[str, Any]]) -> str:
    """The normalised input, rebuilt from a row's columns and segments."""
    parts = []
    for seg in segments:
        if seg.get("input") is not None:
            parts.append(seg["input"])
        else:
            column = body if seg["label"] == "body" else boilerplate
            parts.append(column[seg["start"]:seg["end"]])
        parts.append(seg.get("sep") or "")
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# Stage


def run(docs: Iterable[Document], cfg: BoilerplateConfig, stats: Stats,
        templates: Mapping[str, tuple[int, Mapping[int, int]]] | None = None) -> Iterator[Document]:
    """Split each document's body from its boilerplate; documents left with no body are dropped
    with reason `no_body`."""
    templates = templates or {}
    for doc in docs:
        if doc.reject is not None:
            yield doc
            continue
        if not cfg.enabled:
            stats.inc("boilerplate.disabled")
            yield doc
            continue
        n_source_docs, source_templates = templates.get(doc.source or "", (0, {}))
        if doc.html_body is not None:
            split = split_html(doc.source_text, doc.html_body, source_templates, n_source_docs, cfg, doc.title)
            stats.inc("boilerplate.html")
        else:
            split = split_boilerplate(doc.source_text or doc.text, source_templates, n_source_docs, cfg, doc.title)
        for kind, n in split.reasons.items():
            stats.inc(f"boilerplate.units.{kind}", n)
        doc.text, doc.boilerplate, doc.segments = split.body, split.boilerplate, split.segments
        if not split.body.strip():
            stats.inc("boilerplate.no_body")
            doc.drop("no_body", "nothing left after the boilerplate was split off")
        else:
            stats.inc("boilerplate.split")
        yield doc


# --------------------------------------------------------------------------------------------
# Explain


def explain(row: Mapping[str, Any]) -> str:
    """A published row, unit by unit in input order, each marked body (`+`) or boilerplate (`-`)
    with the reason of its label."""
    body, boilerplate = row.get("text") or "", row.get("boilerplate") or ""
    out = []
    title = row.get("title")
    if title:
        out.append(f"title: {title}")
    for seg in row.get("segments") or []:
        column = body if seg["label"] == "body" else boilerplate
        shown = seg.get("input") if seg.get("input") is not None else column[seg["start"]:seg["end"]]
        mark = "+" if seg["label"] == "body" else "-"
        lines = shown.split("\n")
        out.append(f"{mark} {seg['label']:<11} [{seg['reason']}] {lines[0]}")
        out.extend(f"{mark} {'':<11} {' ' * (len(seg['reason']) + 2)} {line}" for line in lines[1:] if line.strip())
    return "\n".join(out)
