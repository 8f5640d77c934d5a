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


def key_of_canonical(canonical: str) -> int:
    return xxhash.xxh3_64_intdigest(canonical.encode("utf-8", "surrogatepass")) >> 1


# Every byte value but the ASCII whitespace other than space and newline that str.split() splits on.
_NOT_ODD_SPACE = bytes(b for b in range(256) if b not in b"\t\x0b\x0c\r\x1c\x1d\x1e\x1f")


def word_measures(text: str) -> tuple[int, int, int]:
    """(words, exact key, canonical length) of `text` with whitespace ignored: the word count and
    the exact-dedup key both need the words, so they are measured together."""
    simple = _ascii_canonical(text)
    if simple is not None:
        canonical, words = simple
        return words, key_of_canonical(canonical), len(canonical)
    words = text.split()
    canonical = " ".join(words)
    return len(words), key_of_canonical(canonical), len(canonical)


def _ascii_canonical(text: str) -> tuple[str, int] | None:
    """(canonical form, words) of a normalised ASCII text found without splitting it, or None when
    it is not that simple. Such a text separates words by one space or by one or two newlines; with
    those made single spaces it is canonical if no other whitespace is left, no two spaces touch
    and none is at an end. Checking that with numpy is about 1.4x as fast as split and join."""
    if not text or not text.isascii():
        return None
    joined = text.replace("\n\n", "\n").replace("\n", " ")
    data = joined.encode("ascii")
    if data.translate(None, _NOT_ODD_SPACE) or data[0] == 32 or data[-1] == 32:
        return None
    space = np.frombuffer(data, dtype=np.uint8) == 32
    if (space[1:] & space[:-1]).any():
        return None
    return joined, int(np.count_nonzero(space)) + 1


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
