"""Licence, copyright and provenance terms of each document: what we found, where, and what we concluded.

Detectors (pure functions over one text each) look for
- Creative Commons licences: links to creativecommons.org deeds and textual forms ("licensed under
  a Creative Commons Attribution-NonCommercial 4.0 International License", "CC BY-SA 3.0", German,
  French and Spanish deed names), mapped to SPDX ids. A CC mention credited to a photo or an image
  ("Photo: Jane Roe / Flickr (CC BY 2.0)") licenses that image, not the page, and is skipped;
- copyright notices (©, (c), "Copyright <year>", "All rights reserved") with holders and year;
- permission statements ("grants permission to cross-post ... as long as the source ... is
  acknowledged", "we encourage you to republish");
- fair-use claims (a basis for holding the text, never a licence);
- public-domain statements.
HTML, when present, adds rel="license" links, licence meta tags and JSON-LD "license" values.

`conclude()` turns the findings into the row's fields; per-source terms from the config win over
what the page says and are recorded as evidence of kind "config". A page with a CC licence and
"All rights reserved", or two different licences, is `conflicting`: we do not guess.

Speed: each detailed pattern is tried only where its trigger words are (found for all of them in
one pass over the lower-cased text), so a text without a licence word costs little; a site's
copyright footer, which recurs on every page, is read once and its notices reused (see
`find_copyright`); `precheck=False` runs every pattern over every text instead, with the same
findings (the tests compare both).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from builder.config import LicensingConfig
from builder.document import Document
from builder.stats import Stats

# Vocabularies (the validator imports these).
STATUSES = ("licensed", "public_domain", "all_rights_reserved", "unknown", "conflicting")
BASES = ("license", "permission", "fair_use_claimed", "none")
EVIDENCE_KINDS = ("cc_link", "cc_text", "copyright", "permission", "fair_use", "public_domain", "config")
EVIDENCE_WHERE = ("body", "boilerplate", "html", "config")

_CC_VARIANTS = ("BY", "BY-SA", "BY-ND", "BY-NC", "BY-NC-SA", "BY-NC-ND")
_CC_VERSIONS = ("1.0", "2.0", "2.5", "3.0", "4.0")
# SPDX ids this module produces or accepts by name. Other SPDX ids are valid too when written
# as a custom reference (LicenseRef-...).
SPDX_IDS = frozenset(
    [f"CC-{variant}-{version}" for variant in _CC_VARIANTS for version in _CC_VERSIONS]
    + ["CC0-1.0", "CC-PDM-1.0", "CC-PDDC"]
    + ["MIT", "Apache-2.0", "ODC-By-1.0", "ODbL-1.0", "PDDL-1.0", "GFDL-1.3-or-later", "GFDL-1.3-only", "Unlicense"]
)
# A Creative Commons licence whose version (or variant) the page does not say.
UNVERSIONED_PREFIX = "LicenseRef-CC-"
CC_UNSPECIFIED = "LicenseRef-CC-unspecified"
PUBLIC_DOMAIN_IDS = frozenset({"CC0-1.0", "CC-PDM-1.0", "CC-PDDC", "PDDL-1.0", "Unlicense"})
_LICENSE_REF = re.compile(r"LicenseRef-[A-Za-z0-9.\-]+")

# SPDX id -> the Hugging Face Hub's licence id (the card's `license:` field).
HUB_LICENSE_IDS = {
    **{f"CC-{v}-{n}": f"cc-{v.lower()}-{n}" for v in _CC_VARIANTS for n in ("2.0", "2.5", "3.0", "4.0")},
    "CC0-1.0": "cc0-1.0",
    "MIT": "mit",
    "Apache-2.0": "apache-2.0",
    "ODC-By-1.0": "odc-by",
    "ODbL-1.0": "odbl",
    "PDDL-1.0": "pddl",
    "GFDL-1.3-or-later": "gfdl",
    "GFDL-1.3-only": "gfdl",
    "Unlicense": "unlicense",
}
# The Hub's list lacks some CC 2.0/2.5 variants; keep only ids the Hub has.
for _missing in ("CC-BY-ND-2.5", "CC-BY-NC-2.5", "CC-BY-NC-SA-2.5", "CC-BY-NC-ND-2.5", "CC-BY-SA-2.5", "CC-BY-ND-2.0", "CC-BY-NC-ND-2.0", "CC-BY-SA-2.0"):
    HUB_LICENSE_IDS.pop(_missing, None)


def is_valid_license_id(license_id: str | None) -> bool:
    """An SPDX id this project knows, or a custom `LicenseRef-...` reference."""
    return bool(license_id) and (license_id in SPDX_IDS or _LICENSE_REF.fullmatch(license_id) is not None)


def license_flags(license_id: str | None) -> tuple[bool | None, bool | None, bool | None]:
    """(nc, nd, sa) of a licence: known for CC licences, None when the licence does not say."""
    if not license_id or license_id == CC_UNSPECIFIED:
        return None, None, None
    if license_id in PUBLIC_DOMAIN_IDS or license_id in {"MIT", "Apache-2.0", "ODC-By-1.0"}:
        return False, False, False
    if license_id.startswith(("CC-BY", UNVERSIONED_PREFIX + "BY")):
        parts = license_id.split("-")
        return "NC" in parts, "ND" in parts, "SA" in parts
    if license_id in {"ODbL-1.0", "GFDL-1.3-or-later", "GFDL-1.3-only"}:
        return False, False, True
    return None, None, None


def status_of_license(license_id: str) -> str:
    return "public_domain" if license_id in PUBLIC_DOMAIN_IDS else "licensed"


# --- where a pattern can match ------------------------------------------------------------------
#
# The detailed patterns are slow: case-insensitive alternations tried at every position of the
# text. Most texts hold none of the words they need, so each pattern comes with triggers: the
# lower-case words a match begins with ("starts", where `pattern.match` is tried), and words one
# of which every match contains ("needs", else the pattern is not tried at all). Starts of None
# mean the whole text is scanned once a needed word is there. A trigger may only ever let a
# pattern run for nothing, never keep it from a match: tests run both paths on the same texts.

try:  # one pass over the text for all trigger words (Aho-Corasick); substring search without it
    import ahocorasick_rs
except ImportError:  # pragma: no cover - exercised only without the package
    ahocorasick_rs = None


@dataclass(frozen=True)
class Trigger:
    starts: tuple[str, ...] | None  # a match begins with one of these (None: anywhere)
    needs: tuple[str, ...] = ()  # a match contains one of these (empty: no condition)


class Where:
    """Where one pattern can match: one trigger per kind of match it has."""

    def __init__(self, *triggers: Trigger):
        self.triggers = triggers
        # The words looked up in one pass: every needed word, and the starts of the triggers
        # that need nothing else. The pattern cannot match in a text holding none of them.
        self.words = frozenset(word for t in triggers for word in (t.needs or t.starts or ()))


# Every character `\s` matches (a test compares it with all of them).
WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def fold(text: str) -> str | None:
    """`text` lower-cased, character for character: wherever a case-insensitive pattern matches
    a word, the word in lower case is at the same position here. None when lower-casing changes
    the length ('İ' becomes 'i' and a combining dot): then positions do not carry over."""
    low = text.lower()
    if len(low) != len(text):
        return None
    if not low.isascii():
        # Python's case-insensitive matching also takes 'ı' for i and 'ſ' for s ('K' lowers to k).
        low = low.replace("ı", "i").replace("ſ", "s")
    return low


def _find_all(low: str | bytes, word: str | bytes) -> list[int]:
    """Every start of `word` in `low`, overlapping occurrences included, ascending."""
    positions = []
    at = low.find(word)
    while at >= 0:
        positions.append(at)
        at = low.find(word, at + 1)
    return positions


class TriggerWords:
    """Finds, in one pass over a folded text, every position of a fixed set of words."""

    def __init__(self, words: Iterable[str], marks: Mapping[str, Iterable[str]] | None = None):
        self.words = tuple(sorted(set(words)))
        # Marks: name -> short Latin-1 strings in lower case (no trigger word among the names),
        # whose places in a Latin-1 text are found in the same pass (see `scan`), for callers that
        # would otherwise search the text for them again.
        self.marks = {name: tuple(strings) for name, strings in (marks or {}).items()}
        if not self.marks.keys().isdisjoint(self.words):
            raise ValueError("a mark is named like a trigger word")
        self.word_set = frozenset(self.words)  # for membership tests (a tuple is searched in order)
        self._automaton = ahocorasick_rs.AhoCorasick(list(self.words)) if ahocorasick_rs and self.words else None
        # A text of Latin-1 characters only (most texts) is searched as its Latin-1 bytes: one byte
        # per character, so the positions are the same, and about twice as fast as a str. Words
        # with other characters cannot occur in such a text.
        self._latin1_words = tuple(word for word in self.words if max(word) <= "\xff")
        self._latin1_automaton = None
        if self._automaton is not None and self._latin1_words and hasattr(ahocorasick_rs, "BytesAhoCorasick"):
            self._latin1_automaton = ahocorasick_rs.BytesAhoCorasick(
                [word.encode("latin-1") for word in self._latin1_words], implementation=ahocorasick_rs.Implementation.DFA
            )
        # The same words for a Latin-1 text lower-cased as bytes (`bytes.lower`, a third of the cost
        # of `str.lower`), which lowers only A-Z: a word with a non-ASCII letter ('tél') is also
        # looked for with that letter in upper case ('tÉl'), as `fold` would have lowered it.
        self._cased_words: tuple[str, ...] = ()
        self._cased_automaton = None
        if self._latin1_automaton is not None:
            cased = [(variant, word) for word in self._latin1_words for variant in _upper_variants(word)]
            cased += [(string, name) for name, strings in self.marks.items() for string in strings]
            self._cased_words = tuple(word for _, word in cased)
            self._cased_automaton = ahocorasick_rs.BytesAhoCorasick(
                [variant.encode("latin-1") for variant, _ in cased], implementation=ahocorasick_rs.Implementation.DFA
            )

    def positions(self, low: str) -> dict[str, list[int]]:
        """word -> every start of it in `low`, overlapping occurrences included, ascending."""
        found: dict[str, list[int]] = {}
        if self._automaton is None:
            for word in self.words:
                if positions := _find_all(low, word):
                    found[word] = positions
            return found
        try:
            latin1 = low.encode("latin-1") if self._latin1_automaton is not None else None
        except UnicodeEncodeError:
            latin1 = None
        if latin1 is not None:
            words, matches = self._latin1_words, self._latin1_automaton.find_matches_as_indexes(latin1, overlapping=True)
        else:
            words, matches = self.words, self._automaton.find_matches_as_indexes(low, overlapping=True)
        for index, start, _ in matches:
            found.setdefault(words[index], []).append(start)
        return found

    def scan(self, text: str) -> TextTriggers | None:
        """The words of `text` (not folded), as `TextTriggers(fold(text), self)` finds them; None
        when folding moves characters (see `fold`)."""
        if self._cased_automaton is not None:
            try:
                latin1 = text.encode("latin-1")
            except UnicodeEncodeError:
                latin1 = None
            if latin1 is not None:  # lower-casing a Latin-1 text never changes its length
                found: dict[str, list[int]] = {}
                words = self._cased_words
                lowered = latin1.lower()
                for index, start, _ in self._cased_automaton.find_matches_as_indexes(lowered, overlapping=True):
                    found.setdefault(words[index], []).append(start)
                marks = {name: found.pop(name, ()) for name in self.marks}  # () shared: most are absent
                return TextTriggers(None, self, found=found, text=text, lowered_bytes=lowered, marks=marks)
        low = fold(text)
        return None if low is None else TextTriggers(low, self)


def _upper_variants(word: str) -> list[str]:
    """`word` and its spellings with non-ASCII Latin-1 letters in upper case ('tél', 'tÉl')."""
    variants = [""]
    for char in word:
        upper = char.upper()
        forms = [char, upper] if not char.isascii() and upper != char and len(upper) == 1 and upper <= "\xff" else [char]
        variants = [variant + form for variant in variants for form in forms]
    return variants


class TextTriggers:
    """The trigger words of one text: the rarer ones (every `Where.words`) found in one pass;
    common start words ("all", "you", "may") looked for only when a needed word is there."""

    def __init__(
        self,
        low: str | None,
        words: TriggerWords,
        found: dict[str, list[int]] | None = None,
        text: str = "",
        lowered_bytes: bytes | None = None,
        marks: dict[str, Sequence[int]] | None = None,
    ):
        self._low = low
        self._text = text  # folded on demand when `low` is not given
        # A Latin-1 text lower-cased as bytes (see `TriggerWords.scan`): an ASCII word is at the same
        # places there as in the folded text, so common start words are searched there, unfolded.
        self._lowered_bytes = lowered_bytes
        self._indexed = words.word_set
        self.found = words.positions(low) if found is None else found  # indexed word -> positions, for the words present
        self._common: dict[str, list[int]] = {}
        # Mark name -> the ascending positions of its strings in the lower-cased text, for each of
        # `words.marks`; None when the scan did not look for them (a text beyond Latin-1).
        self.marks = marks

    @property
    def low(self) -> str:
        """The folded text (most texts never need it: only the common start words are searched in it)."""
        if self._low is None:
            self._low = fold(self._text)
        return self._low

    def has(self, words: Iterable[str]) -> bool:
        return not self.found.keys().isdisjoint(words)

    def starts(self, words: Sequence[str]) -> list[int]:
        out: list[int] = []
        if not self._indexed.issuperset(words):  # (phone labels and most starts are indexed)
            unsearched = [word for word in words if word not in self._indexed and word not in self._common]
            if unsearched:
                self._find_common(unsearched)
        for word in words:
            out += self.found.get(word, ()) if word in self._indexed else self._common[word]
        return out

    def _find_common(self, words: list[str]) -> None:
        """Every position of each of `words` (common words, not indexed) into `_common`."""
        # (Lower-cased bytes come from the scan's automaton: the package is there.)
        if len(words) > 1 and self._lowered_bytes is not None and all(word.isascii() for word in words):
            # Several words (a pattern's "you", "may", "can", ...) in one pass over the text, not one each.
            words = sorted(set(words))
            for word in words:
                self._common[word] = []
            for index, start, _ in _common_words_automaton(tuple(words)).find_matches_as_indexes(self._lowered_bytes, overlapping=True):
                self._common[words[index]].append(start)
            return
        for word in words:
            if self._lowered_bytes is not None and word.isascii():
                self._common[word] = _find_all(self._lowered_bytes, word.encode("ascii"))
            else:
                self._common[word] = _find_all(self.low, word)


@lru_cache(maxsize=256)
def _common_words_automaton(words: tuple[str, ...]):
    """An automaton finding every occurrence of `words` (ASCII) in lower-cased bytes."""
    return ahocorasick_rs.BytesAhoCorasick([word.encode("ascii") for word in words], implementation=ahocorasick_rs.Implementation.DFA)


def finditer(pattern: re.Pattern, text: str, triggers: TextTriggers | None, where: Where) -> Iterable[re.Match]:
    """The matches of `pattern.finditer(text)`, tried only where `where` says one can be; all of
    them when `triggers` is None."""
    if triggers is None:
        return pattern.finditer(text)
    if not triggers.has(where.words):
        return ()
    words: list[str] = []  # the start words of the triggers whose needed words are there, looked up at once
    for trigger in where.triggers:
        if trigger.needs and not triggers.has(trigger.needs):
            continue
        if trigger.starts is None:
            return pattern.finditer(text)
        words += trigger.starts
    starts = triggers.starts(words)
    return match_at(pattern, text, starts) if starts else ()


def match_at(pattern: re.Pattern, text: str, starts: Iterable[int]) -> Iterator[re.Match]:
    """The matches of `pattern.finditer(text)` when every position where one can begin is in
    `starts` (for a pattern that never matches an empty string)."""
    end = 0
    for start in sorted(set(starts)):
        # finditer's next match is the leftmost one at or after the end of the last: the first
        # of the possible starts from there that matches. (Lookbehinds and \b see text before
        # `start`, as in a search.)
        if start >= end and (match := pattern.match(text, start)):
            yield match
            end = match.end()


# --- Creative Commons ---------------------------------------------------------------------------

_CC_URL = re.compile(
    r"creativecommons\.org/(?:licenses/(?P<variant>by(?:-nc)?(?:-nd|-sa)?|by-nd-nc)(?:/(?P<version>\d\.\d))?"
    r"|publicdomain/(?P<pd>zero|mark|certification)(?:/(?P<pdversion>\d\.\d))?)",
    re.IGNORECASE,
)

# Deed elements as pages write them (English, German, French, Spanish, and the short codes).
_ATTRIBUTION = r"(?:Attribution|Namensnennung|Paternit[ée]|Reconocimiento|Atribuci[óo]n)"
_NONCOMMERCIAL = r"(?:Non-?\s?Commercial|Nicht-?\s?kommerziell|Pas\s+d['’]\s?Utilisation\s+Commerciale|No\s?Comercial)"
_NODERIVS = r"(?:No-?\s?Deriv(?:ative)?s|No\s+Derivative\s+Works|Keine\s+Bearbeitung(?:en)?|Pas\s+de\s+Modification|Sin\s?Obra\s?Derivada|SinDerivadas)"
_SHAREALIKE = r"(?:Share-?\s?Alike|Weitergabe\s+unter\s+gleichen\s+Bedingungen|Partage\s+dans\s+les\s+M[êe]mes\s+Conditions|Compartir\s?Igual)"
_SEP = r"\s*[-–,/+]?\s*"
_VERSION = r"(?:\s*(?P<version>[1-4]\.[05]))?"
_CC_LONG = re.compile(
    r"Creative[\s-]+Commons(?:[\s-]+(?:License|Licence|Lizenz|Licencia))?[\s-]+(?:\(\s*CC\s*\)\s*)?"
    rf"(?P<by>{_ATTRIBUTION})(?P<rest>(?:{_SEP}(?:{_NONCOMMERCIAL}|{_NODERIVS}|{_SHAREALIKE}))*){_VERSION}",
    re.IGNORECASE,
)
_CC_SHORT = re.compile(
    r"\bCC[\s-]+(?P<code>BY(?:[\s-]+(?:NC|ND|SA)){0,2})\b(?:[\s-]*(?P<version>[1-4]\.[05]))?",
    re.IGNORECASE,
)
_CC_ZERO = re.compile(r"\bCC0\b(?:\s*(?P<version>1\.0))?|Creative\s+Commons\s+Zero|\bCC\s+Zero\b", re.IGNORECASE)
_PD_MARK = re.compile(r"Public\s+Domain\s+Mark(?:\s+(?P<version>1\.0))?", re.IGNORECASE)
# "under (a) Creative Commons (licence)" with no variant named: a CC licence, which one unknown.
_CC_BARE = re.compile(
    r"(?:under|licen[cs]ed\s+(?:under|by|with)|lizenziert\s+unter|bajo|sous)\s+(?:an?\s+|the\s+|einer\s+|una\s+|une\s+)?"
    r"Creative[\s-]+Commons\b|Creative[\s-]+Commons[\s-]+(?:licen[cs]e[ds]?|Lizenz|licencia)\b",
    re.IGNORECASE,
)

# A CC mention in the same line, shortly after one of these words, licenses an image, not the page.
_IMAGE_CREDIT = re.compile(
    r"\b(?:photo(?:graph)?s?|images?|pictures?|pic|illustrations?|graphics?|cover|thumbnail|foto|bild|"
    r"imagen|fotograf[íi]a|flickr|wikimedia|unsplash|credit|courtesy)\b|<img\b|<figcaption\b|<figure\b",
    re.IGNORECASE,
)
# ...unless the same credit names the text too ("Photos and text: CC BY-SA 3.0").
_TEXT_TOO = re.compile(r"\b(?:text|texts|article|articles|content|story|stories|posts?|site|words)\b", re.IGNORECASE)
_IMAGE_WINDOW = 120

# Where each pattern can match (see Trigger).
_CC_URL_AT = Where(Trigger(("creativecommons.org/",)))
_CC_LONG_AT = Where(Trigger(("creative",)))
_CC_SHORT_AT = Where(Trigger(tuple(f"cc{after}" for after in "-" + WHITESPACE)))  # "cc" alone is in "access"
_CC_ZERO_AT = Where(Trigger(("cc", "creative"), needs=("cc0", "zero")))
_PD_MARK_AT = Where(Trigger(("public",), needs=("domain",)))
_CC_BARE_AT = Where(Trigger(("under", "licen", "lizenziert", "bajo", "sous", "creative"), needs=("creative",)))


def _cc_id(variant_letters: list[str], version: str | None) -> str:
    """SPDX id from deed elements, e.g. (['NC', 'SA'], '4.0') -> 'CC-BY-NC-SA-4.0'."""
    order = [part for part in ("NC", "ND", "SA") if part in variant_letters]
    if "ND" in order and "SA" in order:  # not a real licence: keep the stricter ND
        order.remove("SA")
    variant = "-".join(["BY", *order])
    if version in _CC_VERSIONS:
        return f"CC-{variant}-{version}"
    return f"{UNVERSIONED_PREFIX}{variant}"


def cc_id_from_url(url: str) -> str | None:
    """SPDX id of a creativecommons.org deed URL, e.g. .../licenses/by-nc-sa/4.0/ -> CC-BY-NC-SA-4.0."""
    match = _CC_URL.search(url)
    if not match:
        return None
    if match.group("pd"):
        return {"zero": "CC0-1.0", "mark": "CC-PDM-1.0", "certification": "CC-PDDC"}[match.group("pd").lower()]
    parts = match.group("variant").upper().split("-")[1:]
    return _cc_id(parts, match.group("version"))


def cc_id_from_text(text: str) -> str | None:
    """SPDX id of a textual CC licence statement (the first one in `text`), or None."""
    found = find_cc_text(text)
    return found[0][0] if found else None


def _is_image_credit(text: str, start: int) -> bool:
    line_start = max(text.rfind("\n", 0, start) + 1, start - _IMAGE_WINDOW)
    credit = _IMAGE_CREDIT.search(text, line_start, start)
    return credit is not None and _TEXT_TOO.search(text, credit.end(), start) is None


def _snippet(text: str, start: int, end: int, margin: int = 60) -> str:
    """The matched text with a little context, on one line."""
    left = max(text.rfind("\n", 0, start) + 1, start - margin)
    right = text.find("\n", end)
    right = min(len(text) if right < 0 else right, end + margin)
    return " ".join(text[left:right].split())


def find_cc_links(text: str, triggers: TextTriggers | None = None) -> list[tuple[str, str, bool]]:
    """(SPDX id, matched URL, credited to an image?) for each creativecommons.org deed link.
    With `triggers` (of this text), the pattern is tried only where they say it can match."""
    found = []
    for match in finditer(_CC_URL, text, triggers, _CC_URL_AT):
        found.append((cc_id_from_url(match.group()), match.group(), _is_image_credit(text, match.start())))
    return found


def find_cc_text(text: str, triggers: TextTriggers | None = None) -> list[tuple[str, str, bool]]:
    """(SPDX id, snippet, credited to an image?) for each textual CC licence statement."""
    found: list[tuple[int, str, str, bool]] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match, license_id: str) -> None:
        if any(start < match.end() and match.start() < end for start, end in taken):
            return
        taken.append((match.start(), match.end()))
        credit = _is_image_credit(text, match.start())
        found.append((match.start(), license_id, _snippet(text, match.start(), match.end()), credit))

    for match in finditer(_CC_LONG, text, triggers, _CC_LONG_AT):
        rest = match.group("rest") or ""
        letters = []
        if re.search(_NONCOMMERCIAL, rest, re.IGNORECASE):
            letters.append("NC")
        if re.search(_NODERIVS, rest, re.IGNORECASE):
            letters.append("ND")
        if re.search(_SHAREALIKE, rest, re.IGNORECASE):
            letters.append("SA")
        add(match, _cc_id(letters, match.group("version")))
    for match in finditer(_CC_SHORT, text, triggers, _CC_SHORT_AT):
        letters = re.split(r"[\s-]+", match.group("code").upper())[1:]
        add(match, _cc_id(letters, match.group("version")))
    for match in finditer(_CC_ZERO, text, triggers, _CC_ZERO_AT):
        add(match, "CC0-1.0")
    for match in finditer(_PD_MARK, text, triggers, _PD_MARK_AT):
        add(match, "CC-PDM-1.0")
    for match in finditer(_CC_BARE, text, triggers, _CC_BARE_AT):
        add(match, CC_UNSPECIFIED)
    found.sort()
    return [(license_id, snippet, credit) for _, license_id, snippet, credit in found]


# --- HTML ---------------------------------------------------------------------------------------

_TAG = re.compile(r"<(?:a|link|meta)\b[^>]*>", re.IGNORECASE)
_REL_LICENSE = re.compile(r"""\brel\s*=\s*["']?[^"'>]*\blicense\b""", re.IGNORECASE)
_META_LICENSE = re.compile(
    r"""\b(?:name|property)\s*=\s*["']?(?:dc\.rights|dcterms\.license|dcterms\.rights|license|og:license|copyright)\b""",
    re.IGNORECASE,
)
_HREF = re.compile(r"""\b(?:href|content)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_JSONLD_LICENSE = re.compile(r""""license"\s*:\s*"([^"]+)\"""", re.IGNORECASE)
_FIGURE = re.compile(r"<figure\b.*?</figure>|<figcaption\b.*?</figcaption>", re.IGNORECASE | re.DOTALL)


def find_html_licenses(html: str, precheck: bool = False) -> list[tuple[str, str]]:
    """(SPDX id, evidence text) from rel="license" links, licence meta tags and JSON-LD "license",
    plus plain links to CC deeds outside figures and image credits. With `precheck`, a page that
    never names creativecommons.org/ (which every licence found here comes from) is not parsed."""
    found: list[tuple[str, str]] = []
    if precheck:
        low = fold(html)
        if low is not None and "creativecommons.org/" not in low:
            return found
    figures = [(m.start(), m.end()) for m in _FIGURE.finditer(html)]
    for tag in _TAG.finditer(html):
        markup = tag.group()
        href = _HREF.search(markup)
        value = next((g for g in href.groups() if g is not None), "") if href else ""
        license_id = cc_id_from_url(value) if value else None
        if license_id is None:
            continue
        declared = _REL_LICENSE.search(markup) or _META_LICENSE.search(markup)
        in_figure = any(start <= tag.start() < end for start, end in figures)
        if declared or not (in_figure or _is_image_credit(html, tag.start())):
            found.append((license_id, " ".join(markup.split())[:300]))
    for match in _JSONLD_LICENSE.finditer(html):
        license_id = cc_id_from_url(match.group(1))
        if license_id:
            found.append((license_id, match.group()[:300]))
    return found


# --- copyright ----------------------------------------------------------------------------------

_YEAR = r"(?:1[89]\d\d|20\d\d)"
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_LINK_FROM_BRACKET = re.compile(r"\[([^\]]*)\]\([^)]*\)")  # _MD_LINK without its "!?"
_NOTICE_START = re.compile(
    rf"(?:\bCopyright\b\s*(?:©|\(c\)|&copy;)?|©|&copy;|\(c\)(?=\s*{_YEAR}))",
    re.IGNORECASE,
)
_ALL_RIGHTS = re.compile(
    r"\ball\s+rights\s+reserved\b|\balle\s+Rechte\s+vorbehalten\b|\btous\s+droits\s+r[ée]serv[ée]s\b|"
    r"\btodos\s+los\s+derechos\s+reservados\b|\bno\s+part\s+of\s+this\s+(?:\w+\s+){0,3}may\s+be\s+(?:reproduced|republished|copied)",
    re.IGNORECASE,
)
_NOTICE_END = re.compile(r"\s[|•·]\s|\s{3,}|\n|(?<=[a-z\d)])\.\s+(?=[A-Z])(?!All\b)")
_COMPANY_SUFFIX = re.compile(r"^(?:Inc|Ltd|LLC|L\.L\.C|Co|Corp|GmbH|AG|S\.A|SA|plc|PLC|Pty|LLP|B\.V|N\.V)\.?$")
_NOTICE_AT = Where(Trigger(("copyright", "©", "&copy;", "(c)")))
# Compiled once: every notice is tested with them (re.* with a pattern string looks it up each time).
_YEAR_WORD = re.compile(rf"\b{_YEAR}\b")
_COPYRIGHT_SYMBOL = re.compile(r"©|&copy;|\(c\)", re.IGNORECASE)
_YEAR_OR_BY = re.compile(rf"\s*(?:{_YEAR}|by\b)", re.IGNORECASE)
_ALL_RIGHTS_AT = Where(
    Trigger(("all",), needs=("reserved", "vorbehalten")),
    Trigger(("tous",), needs=("droits",)),
    Trigger(("todos",), needs=("derechos",)),
    Trigger(("no",), needs=("reproduced", "republished", "copied")),
)
_HOLDER_NOISE = re.compile(
    rf"(?:\bCopyright\b|©|&copy;|\(c\)|\ball\s+rights\s+reserved\b\.?|\b{_YEAR}(?:\s*[-–]\s*{_YEAR}|\s*[-–]\s*\d\d)?\b|^\s*by\b|\bthe\s+original\s+source\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CopyrightNotice:
    text: str  # the notice as found (markdown links reduced to their text), e.g. "Copyright © Jane Roe, 2017"
    holders: tuple[str, ...]
    year: int | None


@lru_cache(maxsize=4096)  # a site's footer notice recurs on every page
def _holders(notice: str) -> tuple[str, ...]:
    rest = _HOLDER_NOISE.sub(" ", notice)
    rest = re.sub(r"\s+", " ", rest).strip(" ,;:-–")
    if not rest:
        return ()
    holders: list[str] = []
    for part in re.split(r"\s*,\s*|\s+and\s+", rest):
        part = part.strip(" ,;:-–")
        if not _COMPANY_SUFFIX.match(part.split(" ")[-1] if part else ""):
            part = part.rstrip(".")
        if not part:
            continue
        if holders and _COMPANY_SUFFIX.match(part):
            holders[-1] = f"{holders[-1]}, {part}"  # "Example Media, Inc." is one holder
        else:
            holders.append(part)
    return tuple(h for h in holders if re.search(r"[^\W\d_]", h))


def _strip_links(text: str) -> str:
    """`_MD_LINK.sub(r"\1", text)`, found from the "[" (a literal first character lets the search
    skip ahead); a link with an image's "!" before its "[" loses the "!" too. Split at the links
    (the captured link texts are kept in the pieces) and joined again: no Python call per link."""
    pieces = _MD_LINK_FROM_BRACKET.split(text)  # [text, link text, text, link text, ..., text]
    if "![" in text:
        for i in range(0, len(pieces) - 1, 2):  # each piece of text before a link
            if pieces[i].endswith("!"):
                pieces[i] = pieces[i][:-1]
    return "".join(pieces)


# Removing the links joins the text before a link to the link's text and the link's text to what
# follows. A notice word the text lacks can only appear across such a join, and only with one of
# its characters (any case; 'ı' folds to i) on each side: before the link's "[" (or "![", the "!"
# going too) or after its ")". (A ")" before a "[" stands for the previous link's text.)
_NOTICE_CHARS = "copyrightCOPYRIGHT&;()©ı"
_JOIN_MAY_MAKE_NOTICE = re.compile(
    rf"\[(?<=[{_NOTICE_CHARS}]\[)|\[(?<=[{_NOTICE_CHARS}]!\[)|\)(?=[{_NOTICE_CHARS}])"
)


def _may_join_notice(text: str, triggers: TextTriggers) -> bool:
    """Whether `_JOIN_MAY_MAKE_NOTICE` matches in `text` (found by the scan when it could)."""
    if triggers.marks is not None and _LINK_JOIN in triggers.marks:
        return bool(triggers.marks[_LINK_JOIN])
    return _JOIN_MAY_MAKE_NOTICE.search(text) is not None


def find_copyright(text: str, triggers: TextTriggers | None = None) -> list[CopyrightNotice]:
    """Copyright notices: a ©, "(c) <year>" or "Copyright" followed by a year, a © or a holder
    line; "copyright" used as an ordinary word in a sentence ("the copyright owner") is not one."""
    if triggers is None:
        return _find_notices(_MD_LINK.sub(r"\1", text), None)
    links = "](" in text  # markdown links reduced to their text can join a notice's words
    if links and _may_join_notice(text, triggers):
        return _notices_without_links(text)
    if not triggers.has(_NOTICE_AT.words):
        return []  # no notice word, and removing the links cannot make one
    # Every match begins at a notice word, and what is read from one reaches back no further than
    # its line. So when no link holds the line break before the first notice word's line (and none
    # can join a notice word), the notices are those of the text from that line on, links removed.
    # A site's footer ("Copyright © 2015 [Example News](/). All rights reserved.") recurs on every
    # page: the notices are cached on that part of the text.
    first = min(triggers.found[word][0] for word in _NOTICE_AT.words if word in triggers.found)
    tail_start = text.rfind("\n", 0, first) + 1
    if links and not _no_link_across(text, tail_start):
        return _notices_without_links(text)
    if len(text) - tail_start > _NOTICES_OF_TAIL_LONGEST:  # a notice word early in a long text: no footer to keep
        return _notices_without_links(text) if links else _find_notices(text, triggers)
    tail = text[tail_start:]
    notices = _NOTICES_OF_TAIL.get(tail)
    if notices is None:
        notices = _notices_without_links(text) if links else _find_notices(text, triggers)
        if len(_NOTICES_OF_TAIL) >= _NOTICES_OF_TAIL_KEPT:
            _NOTICES_OF_TAIL.clear()
        _NOTICES_OF_TAIL[tail] = notices
    return list(notices)


# find_copyright's notices of a text from its first notice word's line on, keyed on that text.
_NOTICES_OF_TAIL: dict[str, list[CopyrightNotice]] = {}
_NOTICES_OF_TAIL_KEPT = 4096
_NOTICES_OF_TAIL_LONGEST = 2000  # characters: a footer is short


def _no_link_across(text: str, line_start: int) -> bool:
    """Whether removing the links keeps `text[line_start:]` apart: no link is open at the line
    break before it, in its text (a "[" after the last "]") or its URL (a "](" after the last ")")."""
    return line_start == 0 or (
        text.rfind("[", 0, line_start) <= text.rfind("]", 0, line_start) and text.rfind("](", 0, line_start) <= text.rfind(")", 0, line_start)
    )


def _notices_without_links(text: str) -> list[CopyrightNotice]:
    """The notices of `text` with its markdown links reduced to their text."""
    plain = _strip_links(text)
    return _find_notices(plain, text_triggers(plain, _notice_words()))


def _find_notices(plain: str, triggers: TextTriggers | None) -> list[CopyrightNotice]:
    """find_copyright's notices of a text without markdown links (`triggers` of it, or None)."""
    notices = []
    for match in finditer(_NOTICE_START, plain, triggers, _NOTICE_AT):
        tail_end = _NOTICE_END.search(plain, match.end())
        end = tail_end.start() if tail_end else len(plain)
        notice = plain[match.start() : min(end, match.start() + 240)]
        rights = _ALL_RIGHTS.search(plain, match.end(), min(len(plain), end + 40))
        if rights and rights.start() <= end + 2:
            notice = plain[match.start() : rights.end() + (plain[rights.end() : rights.end() + 1] == ".")]
        notice = " ".join(notice.split()).rstrip(" ,;:")
        years = [int(y) for y in _YEAR_WORD.findall(notice)]
        has_symbol = _COPYRIGHT_SYMBOL.search(notice) is not None
        line_start = plain.rfind("\n", 0, match.start()) + 1
        at_line_start = not plain[line_start : match.start()].strip(" *_#>-|[")
        # "Copyright" as a word: only a notice when a symbol or year follows at once, or it opens a line.
        if not has_symbol:
            after = plain[match.end() : match.end() + 12]
            if not (_YEAR_OR_BY.match(after) or (at_line_start and years)):
                continue
        holders = _holders(notice)
        if not holders and not years:
            continue
        notices.append(CopyrightNotice(notice, holders, max(years) if years else None))
    return notices


def find_all_rights_reserved(text: str, triggers: TextTriggers | None = None) -> list[str]:
    return [_snippet(text, m.start(), m.end()) for m in finditer(_ALL_RIGHTS, text, triggers, _ALL_RIGHTS_AT)]


# --- permission, fair use, public domain --------------------------------------------------------

_PERMISSION = re.compile(
    r"\bgrants?\s+(?:you\s+)?permission\s+to\s+(?:cross-?post|republish|reprint|repost|reproduce|share|copy|use|distribute)"
    r"|\bpermission\s+is\s+(?:hereby\s+)?granted\s+to\s+(?:cross-?post|republish|reprint|repost|reproduce|share|copy|use|distribute)"
    r"|\bwe\s+encourage\s+(?:you|readers|others|anyone)\s+to\s+(?:freely\s+)?(?:share|republish|repost|reprint|reproduce)"
    r"|\b(?:you\s+(?:may|can|are\s+(?:free|welcome)\s+to)|feel\s+free\s+to)\s+(?:freely\s+)?(?:republish|reprint|repost|cross-?post|reproduce|share\s+and\s+republish)"
    r"|\b(?:may|can)\s+be\s+(?:freely\s+)?(?:republished|reprinted|reproduced|cross-?posted|redistributed)(?!\s+without)"
    r"|\bfree\s+to\s+republish\b|\brepublish\s+(?:this|our)\s+(?:article|story|stories|content|articles)\s+for\s+free",
    re.IGNORECASE,
)
_PERMISSION_AT = Where(
    Trigger(("grant",), needs=("permission",)),
    Trigger(("permission",)),
    Trigger(("we",), needs=("encourage",)),
    Trigger(("you", "feel"), needs=("republish", "reprint", "repost", "cross", "reproduce")),
    Trigger(("may", "can"), needs=("republish", "reprint", "reproduce", "cross", "redistribut")),
    Trigger(("free",), needs=("republish",)),
    Trigger(("republish",)),
)
_NEGATED_PERMISSION = re.compile(r"\b(?:not|never|no)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
_FAIR_USE = re.compile(
    r"(?:under|in\s+accordance\s+with|pursuant\s+to|provisions?\s+of|constitutes?\s+an?|for\s+purposes\s+other\s+than|claims?|per)\s+"
    r"(?:the\s+)?(?:[\"“'‘]\s*)?(?:fair\s+use|fair\s+dealing)"
    r"|\b(?:Title\s+)?17\s+U\.?\s?S\.?\s?C\.?\s*(?:§|Section|Sec\.)?\s*107\b|\bSection\s+107\s+of\s+the\s+(?:US\s+|U\.S\.\s+)?Copyright\s+Act",
    re.IGNORECASE,
)
_FAIR_USE_AT = Where(
    Trigger(("under", "in", "pursuant", "provision", "constitute", "for", "claim", "per"), needs=("fair",)),
    Trigger(("title", "17", "section"), needs=("107",)),
)
# ...and "fair" alone is a common word: a claim says "fair use" or "fair dealing" (any spacing).
_FAIR_USE_WORDS = re.compile(r"fair\s+(?:use|dealing)")  # tried at each "fair" of the folded text
_PUBLIC_DOMAIN = re.compile(
    r"\b(?:is|are|has\s+been|have\s+been|was|were|hereby)\s+(?:(?:placed|released|dedicated|put)\s+)?(?:in|into|to)\s+the\s+public\s+domain"
    r"|\b(?:released|dedicated|placed|put)\s+(?:[\w-]+\s+){0,3}?(?:in|into|to)\s+the\s+public\s+domain"
    r"|\bpublic\s+domain\s+dedication\b|\bgemeinfrei\b|\bdomaine\s+public\b",
    re.IGNORECASE,
)
# ...about this work: the sentence names it ("this article", "all content on this site", "our posts").
_PUBLIC_DOMAIN_AT = Where(
    Trigger(("is", "are", "has", "have", "was", "were", "hereby", "released", "dedicated", "placed", "put", "public"), needs=("domain",)),
    Trigger(("gemeinfrei", "domaine")),
)
_PD_SUBJECT = re.compile(r"\b(?:this|these|all|our|everything|the\s+(?:text|article|work|content|material)s?)\b", re.IGNORECASE)
# A public-domain statement about what happened to some other work ("... entered the public domain")
# is news, not a statement about this page.
_PD_NEWS = re.compile(r"\b(?:enter(?:s|ed|ing)?|fall(?:s|en)?|fell|pass(?:es|ed)?|went|will\s+be)\s+(?:\w+\s+){0,2}(?:in|into)\s+the\s+public\s+domain", re.IGNORECASE)


def find_permission(text: str, triggers: TextTriggers | None = None) -> list[str]:
    found = []
    for match in finditer(_PERMISSION, text, triggers, _PERMISSION_AT):
        if _NEGATED_PERMISSION.search(text, max(0, match.start() - 30), match.start()):
            continue
        found.append(_snippet(text, match.start(), match.end(), margin=160))
    return found


def find_fair_use(text: str, triggers: TextTriggers | None = None) -> list[str]:
    if triggers is not None and not (
        triggers.has(("107",)) or any(match_at(_FAIR_USE_WORDS, triggers.low, triggers.starts(("fair",))))
    ):
        return []
    return [_snippet(text, m.start(), m.end(), margin=120) for m in finditer(_FAIR_USE, text, triggers, _FAIR_USE_AT)]


def _sentence_start(text: str, position: int) -> int:
    """Start of the sentence around `position` (a full stop after an initial, as in "U.S.", does not end one)."""
    ends = [m.end() for m in re.finditer(r"(?<![A-Z])[.!?]\s+(?=[A-Z\"“])|\n", text[:position])]
    return ends[-1] if ends else 0


def find_public_domain(text: str, triggers: TextTriggers | None = None) -> list[tuple[str, bool]]:
    """(snippet, credited to an image?) for each statement that this work is in the public domain."""
    found = []
    for match in finditer(_PUBLIC_DOMAIN, text, triggers, _PUBLIC_DOMAIN_AT):
        start = _sentence_start(text, match.start())
        if _PD_NEWS.search(text, start, match.end()) or not _PD_SUBJECT.search(text, start, match.end()):
            continue
        found.append((_snippet(text, match.start(), match.end()), _is_image_credit(text, match.start())))
    return found


# Phone labels (tel, telephone, telefon, teléfono, ph, phone, mob, mobile, cell, fax, call, tél,
# téléphone, whatsapp begin with one of these): not licensing's words, but found in the same pass
# over a text for the PII stage, which runs next on the same texts (see `text_triggers`).
PHONE_LABEL_WORDS = ("tel", "ph", "mob", "cell", "fax", "call", "tél", "whatsapp")


@lru_cache(maxsize=None)
def _licensing_words() -> frozenset[str]:
    """Every needed word, and the starts of patterns that need nothing else."""
    words: set[str] = set()
    for where in (_CC_URL_AT, _CC_LONG_AT, _CC_SHORT_AT, _CC_ZERO_AT, _PD_MARK_AT, _CC_BARE_AT, _NOTICE_AT, _ALL_RIGHTS_AT, _PERMISSION_AT, _FAIR_USE_AT, _PUBLIC_DOMAIN_AT):
        words |= where.words
    return frozenset(words)


# Marks found in the same pass (see `TriggerWords.marks`; in a Latin-1 text `\d` is 0-9 only, and
# lower-casing A-Z leaves these characters alone):
# - where the PII stage's patterns can begin, a mark before a digit: "+49 ...", "(030) ...",
#   "555-123-4567" and "555.123.4567" ("-" and "."), IPv4 addresses (".");
# - "link join": the places where `_JOIN_MAY_MAKE_NOTICE` matches (a notice character before a
#   link's "[" or "![", or after its ")"); the character set holds both cases of each letter.
PII_DIGIT_MARKS = "-.+("
_LINK_JOIN = "link join"
_TEXT_MARKS = {
    **{mark: [mark + digit for digit in "0123456789"] for mark in PII_DIGIT_MARKS},
    _LINK_JOIN: sorted({string for char in _NOTICE_CHARS.lower() if char <= "\xff" for string in (char + "[", char + "![", ")" + char)}),
}


@lru_cache(maxsize=None)
def _trigger_words() -> TriggerWords:
    """Licensing's words, the phone label words and the marks, in one automaton."""
    return TriggerWords(_licensing_words() | set(PHONE_LABEL_WORDS), _TEXT_MARKS)


@lru_cache(maxsize=None)
def _notice_words() -> TriggerWords:
    return TriggerWords(_NOTICE_AT.words)


# The last texts scanned for all the trigger words, with what was found: the PII stage asks for
# the same texts (body, boilerplate) right after licensing, and gets them without a second pass.
# Matched by identity (a str never changes); the entries hold their texts, so an id is never reused.
_RECENT_SCANS: list[tuple[str, TextTriggers | None]] = []
_RECENT_SCANS_KEPT = 4


def text_triggers(text: str, words: TriggerWords | None = None) -> TextTriggers | None:
    """The trigger words (all the detectors' and the phone labels, or `words`) of one text; None:
    scan it in full."""
    if words is not None:
        return words.scan(text)
    for scanned, triggers in _RECENT_SCANS:
        if scanned is text:
            return triggers
    triggers = _trigger_words().scan(text)
    _RECENT_SCANS.append((text, triggers))
    del _RECENT_SCANS[:-_RECENT_SCANS_KEPT]
    return triggers


# --- findings and conclusion --------------------------------------------------------------------


def _can_match(triggers: TextTriggers | None, words: frozenset[str]) -> bool:
    """False when a detector whose every match holds one of `words` cannot match (None: not known)."""
    return triggers is None or triggers.has(words)


# The words of the five textual CC patterns (find_cc_text).
_CC_TEXT_WORDS = _CC_LONG_AT.words | _CC_SHORT_AT.words | _CC_ZERO_AT.words | _PD_MARK_AT.words | _CC_BARE_AT.words


@dataclass
class LicenseFindings:
    """Everything the detectors found in one document, with where it was found."""

    licenses: list[tuple[str, str, str, str]] = field(default_factory=list)  # (spdx, kind, text, where)
    notices: list[tuple[CopyrightNotice, str]] = field(default_factory=list)  # (notice, where)
    all_rights_reserved: list[tuple[str, str]] = field(default_factory=list)  # (text, where)
    permissions: list[tuple[str, str]] = field(default_factory=list)
    fair_use: list[tuple[str, str]] = field(default_factory=list)
    public_domain: list[tuple[str, str]] = field(default_factory=list)
    image_credits: int = 0  # CC or public-domain mentions skipped because they credit an image


def detect_license(body: str, boilerplate: str = "", html: str | None = None, precheck: bool = True) -> LicenseFindings:
    """Run every detector over the body, the boilerplate and (when given) the raw HTML. With
    `precheck` (the default) each detector runs only where its trigger words are; the findings
    are the same as without."""
    findings = LicenseFindings()
    for where, text in (("body", body), ("boilerplate", boilerplate)):
        if not text:
            continue
        triggers = text_triggers(text) if precheck else None
        if triggers is not None and not triggers.has(_licensing_words()):
            # No trigger word: only a notice joined by removing links can be there.
            if "](" in text:
                findings.notices += [(notice, where) for notice in find_copyright(text, triggers)]
            continue
        # Each detector is called only when one of its words is there (it finds nothing without).
        if _can_match(triggers, _CC_URL_AT.words):
            for license_id, url, credit in find_cc_links(text, triggers):
                if credit:
                    findings.image_credits += 1
                else:
                    findings.licenses.append((license_id, "cc_link", url, where))
        if _can_match(triggers, _CC_TEXT_WORDS):
            for license_id, snippet, credit in find_cc_text(text, triggers):
                if credit:
                    findings.image_credits += 1
                else:
                    findings.licenses.append((license_id, "cc_text", snippet, where))
        findings.notices += [(notice, where) for notice in find_copyright(text, triggers)]
        if _can_match(triggers, _ALL_RIGHTS_AT.words):
            findings.all_rights_reserved += [(s, where) for s in find_all_rights_reserved(text, triggers)]
        if _can_match(triggers, _PERMISSION_AT.words):
            findings.permissions += [(s, where) for s in find_permission(text, triggers)]
        if _can_match(triggers, _FAIR_USE_AT.words):
            findings.fair_use += [(s, where) for s in find_fair_use(text, triggers)]
        if _can_match(triggers, _PUBLIC_DOMAIN_AT.words):
            for snippet, credit in find_public_domain(text, triggers):
                if credit:
                    findings.image_credits += 1
                else:
                    findings.public_domain.append((snippet, where))
    if html:
        findings.licenses += [(license_id, "cc_link", text, "html") for license_id, text in find_html_licenses(html, precheck)]
    return findings


@dataclass
class LicenseDecision:
    """The row's licence fields."""

    license: str | None = None
    status: str = "unknown"
    basis: str = "none"
    nc: bool | None = None
    nd: bool | None = None
    sa: bool | None = None
    copyright_notice: str | None = None
    copyright_holders: list[str] = field(default_factory=list)
    copyright_year: int | None = None
    evidence: list[dict[str, str]] = field(default_factory=list)
    reason: str = ""  # why this status, for stats and explain()


def _page_license(ids: set[str]) -> tuple[str | None, bool]:
    """The one licence the page states, and whether it states different ones. An unversioned
    mention ("Creative Commons Attribution", "under Creative Commons") agrees with a versioned one
    of the same family."""
    if not ids:
        return None, False  # no licence found (most pages)
    specific = {i for i in ids if not i.startswith(UNVERSIONED_PREFIX)}
    vague = ids - specific
    if len(specific) > 1:
        return None, True
    if specific:
        (only,) = specific
        for mention in vague:
            family = mention[len(UNVERSIONED_PREFIX) :]
            if mention != CC_UNSPECIFIED and not only.startswith(f"CC-{family}-"):
                return None, True
        return only, False
    named = {i for i in vague if i != CC_UNSPECIFIED}
    if len(named) > 1:
        return None, True
    return (next(iter(named)) if named else (CC_UNSPECIFIED if vague else None)), False


def conclude(findings: LicenseFindings, source_terms: Mapping[str, str] | None = None, source_key: str = "") -> LicenseDecision:
    """The row's licence fields from the findings; per-source terms from the config win."""
    configured = source_terms.get("license") if source_terms else None
    if not configured and not (
        findings.licenses or findings.notices or findings.all_rights_reserved or findings.permissions or findings.fair_use or findings.public_domain
    ):
        return LicenseDecision(reason="nothing_found")  # nothing found, no configured licence: status unknown, basis none
    decision = LicenseDecision()
    evidence = decision.evidence

    def add(kind: str, text: str, where: str) -> None:
        item = {"kind": kind, "text": text[:500], "where": where}
        if item not in evidence:
            evidence.append(item)

    for license_id, kind, text, where in findings.licenses:
        add(kind, text, where)
    for notice, where in findings.notices:
        add("copyright", notice.text, where)
    for text, where in findings.all_rights_reserved:
        if not any(text in notice.text or notice.text in text for notice, _ in findings.notices):
            add("copyright", text, where)
    for text, where in findings.permissions:
        add("permission", text, where)
    for text, where in findings.fair_use:
        add("fair_use", text, where)
    for text, where in findings.public_domain:
        add("public_domain", text, where)

    if findings.notices:
        first, _ = findings.notices[0]
        decision.copyright_notice = first.text
        decision.copyright_holders = list(first.holders)
        decision.copyright_year = first.year

    page_license, disagree = _page_license({f[0] for f in findings.licenses})
    reserved = bool(findings.all_rights_reserved)
    public_domain = bool(findings.public_domain)

    if configured:
        terms = f"{source_key}: {configured}" + (f" ({source_terms['terms_url']})" if source_terms.get("terms_url") else "")
        add("config", terms, "config")
        decision.license = configured
        decision.status = status_of_license(configured)
        decision.reason = "config"
    elif disagree:
        decision.status, decision.reason = "conflicting", "different_licenses"
    elif page_license and reserved:
        decision.status, decision.reason = "conflicting", "license_and_all_rights_reserved"
    elif page_license and public_domain and page_license not in PUBLIC_DOMAIN_IDS:
        decision.status, decision.reason = "conflicting", "license_and_public_domain"
    elif page_license:
        decision.license = page_license
        decision.status = status_of_license(page_license)
        decision.reason = "page_license"
    elif public_domain and reserved:
        decision.status, decision.reason = "conflicting", "public_domain_and_all_rights_reserved"
    elif public_domain:
        decision.status, decision.reason = "public_domain", "public_domain_statement"
    elif findings.notices or reserved:
        decision.status, decision.reason = "all_rights_reserved", "copyright_notice"
    else:
        decision.status, decision.reason = "unknown", "nothing_found"

    decision.nc, decision.nd, decision.sa = license_flags(decision.license)
    # The basis is what the publisher itself relies on. A licence when it grants one; else a
    # fair-use claim when it says it holds material under fair use (a permission it grants then
    # cannot be wider than what it holds); else a permission it grants; else none.
    if decision.license:
        decision.basis = "license"
    elif findings.fair_use:
        decision.basis = "fair_use_claimed"
    elif findings.permissions:
        decision.basis = "permission"
    return decision


def source_terms_for(doc_source: str | None, url: str | None, sources: Mapping[str, Mapping[str, str]]) -> tuple[str, Mapping[str, str] | None]:
    """The configured terms for a document: matched on its source, then its URL host, `www.`
    folded, a subdomain matching its parent domain ('news.example.org' -> 'example.org')."""
    if not sources:
        return "", None
    table = {_fold(key): (key, value) for key, value in sources.items()}
    candidates = []
    if doc_source:
        candidates.append(_fold(doc_source))
    if url:
        host = urlsplit(url if "//" in url else f"//{url}").hostname
        if host:
            candidates.append(_fold(host))
    for candidate in candidates:
        labels = candidate.split(".")
        for i in range(len(labels) - 1 if len(labels) > 1 else 1):
            key = ".".join(labels[i:])
            if key in table:
                return table[key]
    return "", None


def _fold(name: str) -> str:
    name = name.strip().lower().rstrip(".")
    return name[4:] if name.startswith("www.") else name


def policy_failure(decision: LicenseDecision, cfg: LicensingConfig) -> str | None:
    """Why the row fails the licence policy, or None when it passes."""
    if decision.status in cfg.deny_statuses:
        return f"status {decision.status} is denied"
    if cfg.deny_unknown and decision.status == "unknown":
        return "licence status unknown"
    if cfg.allow_licenses and decision.license not in cfg.allow_licenses:
        return f"licence {decision.license or 'none'} not in {sorted(cfg.allow_licenses)}"
    if cfg.deny_nc and decision.nc:
        return f"licence {decision.license} forbids commercial use"
    if cfg.deny_nd and decision.nd:
        return f"licence {decision.license} forbids derivatives"
    return None


def apply(doc: Document, decision: LicenseDecision) -> None:
    doc.license = decision.license
    doc.license_status = decision.status
    doc.license_basis = decision.basis
    doc.license_nc, doc.license_nd, doc.license_sa = decision.nc, decision.nd, decision.sa
    doc.copyright_notice = decision.copyright_notice
    doc.copyright_holders = list(decision.copyright_holders)
    doc.copyright_year = decision.copyright_year
    doc.license_evidence = list(decision.evidence)


def run(docs: Iterable[Document], cfg: LicensingConfig, stats: Stats) -> Iterator[Document]:
    for doc in docs:
        if doc.reject is None and cfg.enabled:
            findings = detect_license(doc.text, doc.boilerplate, doc.html)
            source_key, terms = source_terms_for(doc.source, doc.url, cfg.sources)
            decision = conclude(findings, terms, source_key)
            apply(doc, decision)
            stats.inc(f"licensing.status.{decision.status}")
            stats.inc(f"licensing.basis.{decision.basis}")
            stats.inc(f"licensing.reason.{decision.reason}")
            if findings.image_credits:
                stats.inc("licensing.image_credit_skipped", findings.image_credits)
            failure = policy_failure(decision, cfg)
            if failure:
                stats.inc("licensing.policy_rejected")
                doc.drop("license_policy", failure)
        yield doc


# --- the dataset card ---------------------------------------------------------------------------


def card_license(counts: Mapping[str | None, int], link: str = "README.md#licensing") -> dict[str, str]:
    """The card's Hub licence fields from the rows' licence counts (None = no licence).
    One Hub id when every row has the same licence the Hub knows; 'unknown' when no row has one;
    otherwise 'other' with a `license_name` slug and `license_link` to the card's licensing
    section, plus `license_details` spelling out the mix for the card's text."""
    present = {key: n for key, n in counts.items() if n}
    if not present:
        return {"license": "unknown"}
    if len(present) == 1:
        (only,) = present
        if only is None:
            return {"license": "unknown"}
        if only in HUB_LICENSE_IDS:
            return {"license": HUB_LICENSE_IDS[only]}
    ordered = sorted(present.items(), key=lambda item: (-item[1], item[0] or ""))
    names = [key.lower() if key else "no-license" for key, _ in ordered]
    details = ", ".join(f"{key or 'no licence stated'}: {n} rows" for key, n in ordered)
    slug = re.sub(r"[^a-z0-9.\-]+", "-", "-".join(names if len(names) == 1 else ["mixed", *names])).strip("-")
    return {"license": "other", "license_name": slug, "license_link": link, "license_details": details}
