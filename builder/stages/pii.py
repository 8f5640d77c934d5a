"""Personal data in the text: e-mail addresses, phone numbers, IP addresses.

Found in the body and the boilerplate, counted per row (distinct values) and in the stats, and,
as configured, kept, redacted with typed placeholders (<EMAIL>, <PHONE>, <IP>), or the document
dropped. Phone numbers are the hard part: a bare run of digits is a date, an ISBN, a price, an
ORCID, a version or a count far more often than a phone number, so a number is a phone only when
it is written like one: an international "+" prefix, an area code in parentheses, the North
American 3-3-4 grouping, or a "Tel."/"phone"/"fax" label in front. This stage runs after
licensing (which must see the original text) and also cleans the licence fields it filled.

Speed: the patterns are tried only where a match can begin (at an @, a "+digit", "(digit",
"-digit" or ".digit", a label word), never at every position; `precheck=False` scans every
position instead, with the same results (the tests compare both).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from builder.config import PiiConfig
from builder.document import Document
from builder.stages.licensing import PHONE_LABEL_WORDS, match_at, text_triggers
from builder.stats import Stats

EMAIL_PLACEHOLDER = "<EMAIL>"
PHONE_PLACEHOLDER = "<PHONE>"
IP_PLACEHOLDER = "<IP>"

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}\b")

_PHONE_LABEL = r"(?:\b(?:tel|telephone|phone|ph|mobile|mob|cell|fax|call|telefon|téléphone|teléfono|tél|whatsapp)\b\.?(?:\s*(?:no|number|nr)\.?)?\s*[:.]?\s*)"
_PHONE = re.compile(
    # +CC and groups:   +49 30 1234567, +1 (555) 123-4567, +44 20 7946 0958
    r"(?<![\w+])\+\d{1,3}(?:[\s.-]?\(\d{1,4}\))?(?:[\s.-]?\d{1,5}){2,5}(?!\d)"
    # (area) number:    (555) 123-4567, (030) 1234 5678
    r"|(?<![\w)])\(\d{2,5}\)\s?\d{2,5}(?:[\s.-]\d{2,5}){0,3}(?!\d)"
    # North American:   555-123-4567, 555.123.4567
    r"|(?<![\w.-])\d{3}[-.]\d{3}[-.]\d{4}(?![\w-]|\.\d)",
    re.IGNORECASE,
)
_PHONE_CANDIDATE_AFTER_LABEL = re.compile(r"\d{2,5}(?:[\s./-]?\d{2,8}){1,4}(?!\d)")
_NOT_A_PHONE_BEFORE = re.compile(r"(?:ISBN(?:-1[03])?|ISSN|ORCID|DOI|ID|No|v|version|\$|€|£|¥)[\s:.#]*$", re.IGNORECASE)
_DATE_LIKE = re.compile(r"^(?:1[89]|20)\d\d[-./](?:0?[1-9]|1[0-2])[-./](?:0?[1-9]|[12]\d|3[01])$|^\d{1,2}[-./]\d{1,2}[-./](?:1[89]|20)?\d\d$")

_IPV4 = re.compile(r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")  # checked by ipaddress
_NOT_AN_IP_BEFORE = re.compile(r"(?:\bv|\bversion|\bver\.?|\brelease|\bbuild)\s*$", re.IGNORECASE)

# Scanning every position of a text with the patterns above is slow. The fast path (the default)
# tries them only where a match can begin, found with searches that start with a literal
# character and so skip ahead at C speed: each is a part that every match has, at a known place.
# Tests run both paths on the same texts.
_EMAIL_DOMAIN_RUN = re.compile(r"[A-Za-z0-9.-]*")  # every character an address can have after its @
_EMAIL_LOCAL_MAX = 64  # an address begins at most this far before its @
_PLUS_DIGIT = re.compile(r"\+\d")  # "+49 30 ...": the first kind of phone begins at the +
_PAREN_DIGIT = re.compile(r"\(\d")  # "(030) ...": the second at the (
_DASH_DIGIT = re.compile(r"-\d")  # "555-123-4567", "555.123.4567": the third 3 characters before
_DOT_DIGIT = re.compile(r"\.\d")  # its first - or . (and an IPv4 address 1 to 3 before its first .)
_IPV6_HINT = re.compile(r":[0-9A-Fa-f]{0,4}:")  # every IPv6 match has two colons this close
_PHONE_LABEL_RE = re.compile(_PHONE_LABEL, re.IGNORECASE)
_PHONE_LABEL_WORD_SET = frozenset(PHONE_LABEL_WORDS)
# Every match needs one of these: an e-mail its @, an IPv6 address two colons, a phone 7 digits
# (\d: the digits its value counts are those), an IPv4 address 4 digits and 3 dots. The licence
# fields (a notice such as "© 2016 Example News", its holders) mostly have none: nothing to scan.
_DIGIT = re.compile(r"\d")
_PHONE_MIN_DIGITS = 7
_IPV4_MIN_DIGITS = 4


@dataclass(frozen=True)
class PiiMatch:
    kind: str  # "email" | "phone" | "ip"
    start: int
    end: int
    value: str


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def find_emails(text: str, precheck: bool = True) -> list[PiiMatch]:
    if not precheck:
        return [PiiMatch("email", m.start(), m.end(), m.group()) for m in _EMAIL.finditer(text)]
    # An address holds one @, begins at most 64 characters before it and ends inside the run of
    # domain characters after it: searching that window for each @ finds what finditer finds.
    found, end = [], 0
    at = text.find("@")
    while at >= 0:
        domain_end = _EMAIL_DOMAIN_RUN.match(text, at + 1).end()
        m = _EMAIL.search(text, max(end, at - _EMAIL_LOCAL_MAX), domain_end + 1)
        if m:
            found.append(PiiMatch("email", m.start(), m.end(), m.group()))
            end = m.end()
        at = text.find("@", at + 1)
    return found


_MARK_BEFORE_DIGIT = {"-": _DASH_DIGIT, ".": _DOT_DIGIT, "+": _PLUS_DIGIT, "(": _PAREN_DIGIT}


def _mark_digit_positions(text: str) -> dict[str, Sequence[int]]:
    """Mark -> positions of it before a digit ("-5", ".5", "+4", "(0"), for "-", ".", "+" and "(":
    the phone and IPv4 searches share them. Licensing's pass over the text (the body and the
    boilerplate it has just scanned) found them for a Latin-1 text; any other is searched here."""
    triggers = text_triggers(text)
    if triggers is not None and triggers.marks is not None:
        return triggers.marks  # (and licensing's other marks)
    # A search for one character (memchr) skips a scan of the text for a mark it does not have.
    return {mark: [m.start() for m in pattern.finditer(text)] if mark in text else [] for mark, pattern in _MARK_BEFORE_DIGIT.items()}


def _phone_starts(text: str, marks: dict[str, Sequence[int]] | None = None) -> list[int]:
    """Every position where a `_PHONE` match can begin."""
    marks = _mark_digit_positions(text) if marks is None else marks
    starts = [*marks["+"], *marks["("]]
    dashes, dots = marks["-"], marks["."]
    # The 3-3-4 grouping has its second "-digit" or ".digit" 4 characters after its first: a
    # mark without one there cannot begin it (most "-digit" and ".digit" are ranges and decimals).
    if dashes or dots:
        seconds = set(dashes).union(dots)
        starts += [at - 3 for at in (*dashes, *dots) if at >= 3 and at + 4 in seconds]
    return starts


def _ipv4_starts(dots: Sequence[int]) -> list[int]:
    """Every position where an `_IPV4` match can begin: 1 to 3 characters before a ".digit"
    followed by two more, each 2 to 4 characters after the one before (a.b.c.d, 1 to 3 digits each)."""
    if len(dots) < 3:
        return []
    present = set(dots)
    starts = []
    for at in dots:
        for second in (at + 2, at + 3, at + 4):
            if second in present and any(third in present for third in (second + 2, second + 3, second + 4)):
                starts += [at - k for k in (1, 2, 3) if at >= k]
                break
    return starts


def _label_starts(text: str) -> list[int] | None:
    """Every position where a phone label can begin (None: lower-casing moves characters). Every
    label begins with one of `PHONE_LABEL_WORDS`, which licensing's pass over a text finds (the
    body and boilerplate it has just scanned are not scanned again)."""
    triggers = text_triggers(text)
    if triggers is None:
        return None
    if not triggers.has(_PHONE_LABEL_WORD_SET):
        return []  # no label word (most texts): nothing to collect
    return triggers.starts(PHONE_LABEL_WORDS)


def find_phones(text: str, precheck: bool = True, marks: dict[str, Sequence[int]] | None = None) -> list[PiiMatch]:
    """`marks`: the text's `_mark_digit_positions`, when the caller has them."""
    found = []
    label_starts = None
    if precheck:
        starts, label_starts = _phone_starts(text, marks), _label_starts(text)
        if not starts and label_starts == []:
            return found  # no place where a phone or its label can begin (most texts)
        unlabelled = match_at(_PHONE, text, starts) if starts else ()  # (most texts with a label word have no mark)
    else:
        unlabelled = _PHONE.finditer(text)
    for m in unlabelled:
        value = m.group().rstrip(" .-/")
        if not 7 <= _digits(value) <= 15:
            continue
        before = text[max(0, m.start() - 12) : m.start()]
        if _NOT_A_PHONE_BEFORE.search(before) or _DATE_LIKE.match(value):
            continue
        found.append(PiiMatch("phone", m.start(), m.start() + len(value), value))
    # Labelled numbers: "Tel: 030 1234567", "phone 0171/2345678".
    if label_starts is None:
        labels = _PHONE_LABEL_RE.finditer(text)
    else:
        labels = match_at(_PHONE_LABEL_RE, text, label_starts) if label_starts else ()
    for label in labels:
        m = _PHONE_CANDIDATE_AFTER_LABEL.match(text, label.end())
        if not m or any(p.start <= m.start() < p.end for p in found):
            continue
        value = m.group().rstrip(" .-/")
        if 7 <= _digits(value) <= 15 and not _DATE_LIKE.match(value):
            found.append(PiiMatch("phone", m.start(), m.start() + len(value), value))
    return sorted(found, key=lambda p: p.start)


def find_ips(text: str, precheck: bool = True, marks: dict[str, Sequence[int]] | None = None) -> list[PiiMatch]:
    """`marks`: the text's `_mark_digit_positions`, when the caller has them."""
    found = []
    if precheck:
        starts = _ipv4_starts((_mark_digit_positions(text) if marks is None else marks)["."])
        if not starts and ":" not in text:
            return found  # no place where an IPv4 address can begin, no colon for an IPv6 one
        ipv4 = match_at(_IPV4, text, starts) if starts else ()  # (a colon, no IPv4 start: most boilerplate)
    else:
        ipv4 = _IPV4.finditer(text)
    for m in ipv4:
        if _NOT_AN_IP_BEFORE.search(text, max(0, m.start() - 10), m.start()):
            continue
        found.append(PiiMatch("ip", m.start(), m.end(), m.group()))
    for m in _IPV6.finditer(text) if not precheck or (":" in text and _IPV6_HINT.search(text)) else ():
        value = m.group()
        if sum(1 for g in value.split(":") if g) < 2 or not any(ch.isdigit() for ch in value):
            continue
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            continue
        found.append(PiiMatch("ip", m.start(), m.end(), value))
    return found


def may_hold_pii(text: str) -> bool:
    """False when no pattern can match `text` (see `_DIGIT`); True does not mean one does."""
    if "@" in text or ":" in text:
        return True
    digits = sum(map(text.count, "0123456789")) if text.isascii() else len(_DIGIT.findall(text))
    return digits >= _PHONE_MIN_DIGITS or (digits >= _IPV4_MIN_DIGITS and text.count(".") >= 3)


def find_pii(text: str, precheck: bool = True) -> list[PiiMatch]:
    """All e-mails, phones and IPs in `text`, in order, without overlaps (e-mails first, then IPs).
    With `precheck` (the default) each pattern is tried only where a match can begin; the result
    is the same as without."""
    chosen: list[PiiMatch] = []
    marks = _mark_digit_positions(text) if precheck else None
    for match in find_emails(text, precheck) + find_ips(text, precheck, marks) + find_phones(text, precheck, marks):
        if not any(match.start < c.end and c.start < match.end for c in chosen):
            chosen.append(match)
    return sorted(chosen, key=lambda m: m.start)


_PLACEHOLDERS = {"email": EMAIL_PLACEHOLDER, "phone": PHONE_PLACEHOLDER, "ip": IP_PLACEHOLDER}


def redact(text: str, matches: list[PiiMatch] | None = None) -> str:
    """`text` with every match replaced by its typed placeholder."""
    matches = find_pii(text) if matches is None else matches
    out, last = [], 0
    for m in matches:
        out.append(text[last : m.start])
        out.append(_PLACEHOLDERS[m.kind])
        last = m.end
    out.append(text[last:])
    return "".join(out)


def count_pii(matches: Sequence[PiiMatch]) -> dict[str, int]:
    """Distinct values per kind (an address in a link text and its mailto: counts once)."""
    if not matches:
        return {"emails": 0, "phones": 0, "ips": 0}
    distinct = {(m.kind, m.value.lower()) for m in matches}
    return {
        "emails": sum(1 for kind, _ in distinct if kind == "email"),
        "phones": sum(1 for kind, _ in distinct if kind == "phone"),
        "ips": sum(1 for kind, _ in distinct if kind == "ip"),
    }


@lru_cache(maxsize=4096)  # a site's footer notice recurs on every page
def _redacted_licence_text(text: str) -> str:
    return redact(text) if may_hold_pii(text) else text


def _redact_licence_fields(doc: Document) -> None:
    clean = _redacted_licence_text
    if doc.copyright_notice:
        doc.copyright_notice = clean(doc.copyright_notice)
    doc.copyright_holders = [clean(holder) for holder in doc.copyright_holders]
    doc.license_evidence = [_with_clean_text(item) for item in doc.license_evidence]


def _with_clean_text(item: dict[str, str]) -> dict[str, str]:
    """The evidence item with its text redacted: a new dict, unless there is nothing to change."""
    text = item.get("text", "")
    clean = _redacted_licence_text(text)
    if clean == text and "text" in item:
        return item
    return {**item, "text": clean}


def run(docs: Iterable[Document], cfg: PiiConfig, stats: Stats) -> Iterator[Document]:
    for doc in docs:
        if doc.reject is None and cfg.mode != "off":
            body_matches = find_pii(doc.text)
            boilerplate_matches = find_pii(doc.boilerplate) if doc.boilerplate else []
            doc.pii = count_pii(body_matches + boilerplate_matches)
            for kind, n in doc.pii.items():
                if n:
                    stats.inc(f"pii.{kind}", n)
            if body_matches or boilerplate_matches:
                stats.inc("pii.docs_with_pii")
            if cfg.mode == "drop" and body_matches:
                stats.inc("pii.dropped")
                kinds = ", ".join(f"{n} {kind}" for kind, n in count_pii(body_matches).items() if n)
                doc.drop("pii", f"personal data in the body: {kinds}")
            elif cfg.mode in ("redact", "drop"):
                # In drop mode a document is dropped for PII in its body; contact lines in the
                # boilerplate (near universal) are redacted instead.
                if body_matches:
                    doc.text = redact(doc.text, body_matches)
                if boilerplate_matches:
                    doc.boilerplate = redact(doc.boilerplate, boilerplate_matches)
                _redact_licence_fields(doc)
                if body_matches or boilerplate_matches:
                    stats.inc("pii.docs_redacted")
        yield doc
