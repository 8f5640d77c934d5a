"""Exact deduplication helpers: a 63-bit key per body, and edges between documents sharing a key."""

from __future__ import annotations

import numpy as np
import xxhash


def exact_key(text: str, ignore_whitespace: bool = True) -> int:
    """63-bit hash of the body (fits int64); with `ignore_whitespace`, of its words joined by single spaces."""
    if ignore_whitespace:
        text = " ".join(text.split())
    return xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass")) >> 1


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
