"""Text normalisation: Unicode NFC, newlines, control characters, whitespace.

Decoding (UTF-8, invalid bytes) is the readers' job; this stage gets `str`. The steps work on the
whole text at once (a handful of searches and regex passes) or line by line with string methods,
all run in C, because this runs on every document.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

from builder.config import NormalizeConfig
from builder.document import Document
from builder.stages.exact_dedup import lines_joined
from builder.stats import Stats

_LINE_SEPARATORS = re.compile(r"\r\n?|[\u2028\u2029\x85]")
# Zero-width characters and the BOM: stripped with the controls.
_INVISIBLES = "\u200b\u200c\u200d\u2060\ufeff"
# Spaces other than space and tab: made plain spaces.
_ODD_SPACE_CHARS = "\u00a0" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000"
# C0/C1 control characters except \t and \n, plus the invisibles.
_CONTROL = re.compile(rf"[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f{_INVISIBLES}]+")
_SPACE_CHARS = " \t" + _ODD_SPACE_CHARS
_SPACE = f"[{_SPACE_CHARS}]"
# A run of spaces inside a line (between two non-spaces) that is not one plain space already: one
# space. The run's first character comes first, so that the regex engine skips ahead to it (a
# leading lookbehind makes it try every position), and single plain spaces are no match (about
# 2.5x as fast as replacing every run).
_INNER_SPACES = re.compile(rf"(?:[\t{_ODD_SPACE_CHARS}]| (?={_SPACE}))(?<=\S{_SPACE}){_SPACE}*(?=\S)")
# The same for a text whose only spaces are plain ones: runs of two or more. Its literal start is
# searched for as a substring is (about 8x as fast again).
_INNER_PLAIN_SPACES = re.compile(r"  (?<=\S  ) *(?=\S)")
# Indentation: kept as plain spaces, at most 8. Matched with the newline before it: a literal start
# the regex engine skips ahead to, where `^` (multiline) makes it try every position.
_INDENT = re.compile(rf"\n{_SPACE}+(?=\S)")


def _indent(match: re.Match) -> str:
    return "\n" + " " * min(len(match.group(0)) - 1, 8)


# Every byte value but C0 controls (except tab and newline) and DEL. Deleting these from UTF-8
# bytes leaves exactly the text's C0 controls and DEL: no multi-byte character has a byte < 0x80.
_NON_C0_BYTES = bytes(b for b in range(256) if not ((b < 32 and b not in (9, 10)) or b == 127))
# C1 controls in UTF-8 (U+0085 is a line separator, turned into a newline before).
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x84\x86-\x9f]")


# Every Latin-1 byte but the controls `_CONTROL` matches (C0 except tab and newline, DEL, C1 except
# U+0085): deleting these from a text's Latin-1 bytes leaves exactly its controls.
_NON_CONTROL_LATIN1 = bytes(b for b in range(256) if not ((b < 32 and b not in (9, 10)) or (0x7F <= b <= 0x9F and b != 0x85)))


def _latin1(text: str) -> bytes | None:
    """The text's Latin-1 bytes when every character is below U+0100, else None. CPython keeps such
    a text at one byte a character, so this is a plain copy (no per-character work); a wider text
    fails at its first wide character."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return None


def _has_controls(text: str, latin1: bytes | None = None) -> bool:
    """Whether `_CONTROL` would find anything. Byte passes and one-character searches (memchr
    speed) instead of a regex or str.isprintable() over every character. `latin1`: the text's
    Latin-1 bytes when it has them (see `_latin1`), where one byte pass finds every control (the
    invisibles are all beyond Latin-1)."""
    if latin1 is not None:
        return bool(latin1.translate(None, _NON_CONTROL_LATIN1))
    data = text.encode("utf-8", "surrogatepass")
    if data.translate(None, _NON_C0_BYTES):
        return True
    if text.isascii():
        return False
    return (b"\xc2" in data and _C1_UTF8.search(data) is not None) or any(c in text for c in _INVISIBLES)


def _space_check(text: str, is_latin1: bool = False) -> tuple[bool, str | None]:
    """Whether the space passes would change anything (most texts: no) and, for a text that needs
    none, its non-empty lines joined by single spaces (else None). `is_latin1`: every character of
    the text is below U+0100, where the no-break space is the one odd space."""
    if text.startswith(" ") or text.endswith(" ") or "\t" in text:
        return True, None
    if is_latin1:
        if "\xa0" in text:
            return True, None
    elif not text.isascii() and any(c in text for c in _ODD_SPACE_CHARS):
        return True, None
    joined = lines_joined(text)  # (the canonical form, when no other whitespace is left)
    return joined is None, joined


def _space_passes(text: str) -> str:
    """Single spaces inside lines, no spaces at line ends (nor lines of spaces only), indentation
    as plain spaces (at most 8)."""
    only_plain_spaces = "\t" not in text and (text.isascii() or not any(c in text for c in _ODD_SPACE_CHARS))
    text = (_INNER_PLAIN_SPACES if only_plain_spaces else _INNER_SPACES).sub(" ", text)
    # A strip per line: a regex for spaces before a line end would try every space of the text.
    text = "\n".join([line.rstrip(_SPACE_CHARS) for line in text.split("\n")])
    return _INDENT.sub(_indent, "\n" + text)[1:]  # a newline in front: the first line is indented like the others


def normalize_text(text: str, cfg: NormalizeConfig = NormalizeConfig()) -> str:
    """Normalised text: one Unicode form, `\\n` newlines, no controls, single spaces inside lines,
    no trailing spaces, at most `max_blank_lines` blank lines in a row, no leading/trailing blank lines.
    Leading spaces of a line are kept, up to 8 (markdown indentation is meaningful)."""
    return normalize_with_canonical(text, cfg)[0]


def normalize_with_canonical(text: str, cfg: NormalizeConfig = NormalizeConfig()) -> tuple[str, str | None]:
    """(normalised text, its canonical form or None). The canonical form (the words joined by
    single spaces, what exact dedup hashes: see exact_dedup.canonical_text) comes for free when
    the text needs no space work, so the word count need not split the text into words."""
    if "\r" in text or "\u2028" in text or "\u2029" in text or "\x85" in text:
        text = _LINE_SEPARATORS.sub("\n", text)
    latin1 = _latin1(text)  # (a Latin-1 text stays one when its controls are removed)
    if cfg.strip_control and _has_controls(text, latin1):
        text = _CONTROL.sub("", text)
    # Latin-1 characters are all NFC starters that compose with none of the others: a Latin-1 text
    # is NFC as it is (unicodedata checks each character otherwise, about 2 ns a character).
    if not (latin1 is not None and cfg.unicode_form == "NFC") and not unicodedata.is_normalized(cfg.unicode_form, text):
        text = unicodedata.normalize(cfg.unicode_form, text)
        latin1 = None  # (NFD and NFKC may leave Latin-1)
    needs_space_work, joined = _space_check(text, latin1 is not None)
    if needs_space_work:
        text = _space_passes(text)
    blank_run = "\n" * (cfg.max_blank_lines + 2)
    if blank_run in text:
        text = re.sub(r"\n{%d,}" % (cfg.max_blank_lines + 2), "\n" * (cfg.max_blank_lines + 1), text)
    # The joined lines are the canonical form when no whitespace but spaces and newlines is left:
    # tabs and the other spaces made the space check say yes, controls (\x0b, \x0c, \x1c-\x1f)
    # are gone when stripped, \r, \x85, U+2028 and U+2029 became newlines; U+1680 (Ogham space
    # mark) is the one whitespace character left. Collapsing blank lines and stripping newlines
    # leave the joined lines as they are.
    canonical = joined if joined is not None and cfg.strip_control and "\u1680" not in text else None
    return text.strip("\n"), canonical


def run(docs: Iterable[Document], cfg: NormalizeConfig, stats: Stats) -> Iterator[Document]:
    for doc in docs:
        if doc.reject is None and doc.html is None:
            normalized, canonical = normalize_with_canonical(doc.text, cfg)
            if normalized != doc.text:
                stats.inc("normalize.changed")
            doc.text = normalized
            doc.source_text = normalized
            if canonical is not None:
                doc.know_canonical(canonical)
            if not normalized:
                doc.drop("empty_text", "no text left after normalisation")
        yield doc
