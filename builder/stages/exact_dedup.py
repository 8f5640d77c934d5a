"""Exact deduplication helpers: a 63-bit key per body, and edges between documents sharing a key."""

from __future__ import annotations

import numpy as np
import xxhash


def canonical_text(text: str, ignore_whitespace: bool = True) -> str:
    """The text exact dedup compares: with `ignore_whitespace`, its words joined by single spaces."""
    return " ".join(text.split()) if ignore_whitespace else text


def exact_key(text: str, ignore_whitespace: bool = True) -> int:
    """63-bit hash of the canonical body (fits int64)."""
    return key_of_canonical(canonical_text(text, ignore_whitespace))


def key_of_canonical(canonical: str | bytes) -> int:
    """The key of a canonical text, given as str or already as its UTF-8 bytes."""
    data = canonical if isinstance(canonical, bytes) else canonical.encode("utf-8", "surrogatepass")
    return xxhash.xxh3_64_intdigest(data) >> 1


def canonical_measures(canonical: str) -> tuple[int, int, int]:
    """(words, exact key, length) of a text already in canonical form (see word_measures)."""
    return (canonical.count(" ") + 1 if canonical else 0), key_of_canonical(canonical), len(canonical)


# The whitespace that str.split() splits on (str.isspace), other than space and newline: the
# ASCII part, and all of it for texts beyond ASCII.
_ODD_ASCII_SPACES = "\t\x0b\x0c\r\x1c\x1d\x1e\x1f"
ODD_SPACES = _ODD_ASCII_SPACES + "\x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"


def word_measures(text: str) -> tuple[int, int, int]:
    """(words, exact key, canonical length) of `text` with whitespace ignored: the word count and
    the exact-dedup key both need the words, so they are measured together."""
    canonical = simple_canonical(text)
    if canonical is not None:
        return canonical_measures(canonical)
    words = text.split()
    canonical = " ".join(words)
    return len(words), key_of_canonical(canonical), len(canonical)


def simple_canonical(text: str) -> str | None:
    """The canonical form of a text whose lines hold words separated by single spaces (as
    normalised text does), found without splitting it into words; None when it is not that
    simple. With no whitespace but spaces and newlines, its non-empty lines joined by single
    spaces are canonical if no two spaces touch and none is at an end (a line that starts or ends
    with a space would leave one so). A split on newlines makes a few dozen strings where a split
    into words makes hundreds, and a one-character search runs at memchr speed: about 2-4x as
    fast as the split."""
    if any(space in text for space in (_ODD_ASCII_SPACES if text.isascii() else ODD_SPACES)):
        return None
    return lines_joined(text) or None


def lines_joined(text: str) -> str | None:
    """The non-empty lines of `text` joined by single spaces; None when that leaves two spaces
    touching or one at an end, which is exactly when a line holds two spaces or starts or ends
    with one. Checked on the joined text, that is one search for two spaces (a line's space at
    either end meets the joining space); on the text itself it would take three (two spaces, a
    space before a newline, a space after one)."""
    joined = " ".join(filter(None, text.split("\n")))
    if "  " in joined or joined.startswith(" ") or joined.endswith(" "):
        return None
    return joined


def same_key_edges(keys: np.ndarray) -> np.ndarray:
    """Edges (n, 2) linking every document to the first document (lowest index) with the same key.

    Negative keys mean "no key" and link nothing.
    """
    keys = np.asarray(keys, dtype=np.int64)
    index = np.arange(len(keys), dtype=np.int64)
    valid = keys >= 0
    keys, index = keys[valid], index[valid]
    order = np.lexsort((index, keys))
    keys, index = keys[order], index[order]
    if len(keys) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    group_start = np.ones(len(keys), dtype=bool)
    group_start[1:] = keys[1:] != keys[:-1]
    first = index[np.flatnonzero(group_start)[np.cumsum(group_start) - 1]]
    dup = ~group_start
    return np.stack([first[dup], index[dup]], axis=1)
