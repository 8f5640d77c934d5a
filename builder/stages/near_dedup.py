"""Near-duplicate detection: word n-gram shingles, MinHash, LSH bands, verification, clusters.

Pure functions over numpy arrays; `builder/dedup.py` wires them into file-passing phases.

- Shingles: texts are tokenised at the byte level (ASCII letters and digits, `_` and every
  non-ASCII byte except the general-punctuation block are word bytes; ASCII is lower-cased), each
  token gets a polynomial hash computed for all tokens at once with numpy (no per-token Python
  call), and n consecutive tokens of one document make a shingle. A shingle is a 32-bit value
  whose lowest bit says whether one of its tokens has a digit (used by the digit rule). Digits
  are never folded: templated reports that differ only in numbers stay apart.
- MinHash: one-permutation hashing (the shingle space is cut into `num_perm` bins and each bin
  keeps its smallest shingle) with rotation densification for empty bins. Two documents agree in
  a bin with probability close to their Jaccard similarity, for one sort instead of `num_perm`
  hash passes.
- LSH: `bands` x `rows` of the signature; a band key is a 63-bit hash (kept within int64).
- Verification: the exact shingle sets of a candidate pair are intersected; the pair is a
  duplicate only if containment (share of the smaller set found in the other: catches truncated
  copies) and Jaccard (keeps follow-up stories that reuse a background paragraph apart) both pass,
  and, when both have enough digit-bearing shingles, those overlap too (templated reports).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

MASK63 = np.uint64((1 << 63) - 1)
_U32 = np.uint64(0xFFFFFFFF)
EMPTY = np.uint64(1 << 32)  # a signature bin with no shingle (outside the uint32 range of values)
_NGRAM_BASE = np.uint64(0x9E3779B97F4A7C15)
CHUNK_BYTES = 1 << 20  # texts are shingled ~1 MB at a time: small arrays stay in cache

# Byte table for bytes.translate (C speed): word bytes ([0-9A-Za-z_] and non-ASCII bytes; the
# UTF-8 general punctuation block U+2000-U+206F, i.e. dashes, curly quotes, ellipsis and thin
# spaces, is masked separately).
_WORD_TABLE = bytes(1 if (chr(b).isascii() and (chr(b).isalnum() or chr(b) == "_")) or b >= 0x80 else 0 for b in range(256))
_PAD = b"\0" * 8
_BYTES_01 = np.uint64(0x0101010101010101)  # one bit per byte lane: lane constant c is c * _BYTES_01
_BYTES_7F = np.uint64(0x7F7F7F7F7F7F7F7F)
_BYTES_80 = np.uint64(0x8080808080808080)


def splitmix64(x: np.ndarray) -> np.ndarray:
    """A well-mixed 64-bit hash of uint64 values (splitmix64: the golden-ratio increment, then
    `mix64`), vectorised."""
    with np.errstate(over="ignore"):
        return mix64(x + np.uint64(0x9E3779B97F4A7C15))


def mix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: a bijection of uint64 values that spreads every input bit over
    the output (a new array; the steps after the first work in place on it)."""
    x = x ^ (x >> np.uint64(30))
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


def _words64(data: bytes) -> np.ndarray:
    """The 8 bytes starting at every offset of `data`, as little-endian uint64 (an unaligned view)."""
    padded = data + _PAD
    return np.ndarray(shape=(len(data),), dtype="<u8", buffer=padded, offset=0, strides=(1,))


def token_bounds(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) byte offsets of the tokens (runs of word bytes) of UTF-8 bytes."""
    # 1 per word byte, with a 0 before and after the text (so every token has both edges).
    word = np.zeros(len(data) + 2, dtype=np.int8)
    word[1:-1] = np.frombuffer(data.translate(_WORD_TABLE), dtype=np.int8)
    raw = np.frombuffer(data, dtype=np.uint8)
    lead = np.flatnonzero(raw[:-2] == 0xE2)
    lead = lead[(raw[lead + 1] == 0x80) | (raw[lead + 1] == 0x81)]
    for k in range(1, 4):
        word[lead + k] = 0
    # Edges alternate start, end, start, end...: one nonzero pass finds both kinds.
    edges = np.flatnonzero(word[1:] != word[:-1])
    return edges[0::2], edges[1::2]


def bytes_between(words: np.ndarray, low: int, high: int) -> np.ndarray:
    """Per byte lane of uint64 `words`, 0x80 where low < byte < high, else 0 (exact, no carry
    between lanes: "hasbetween" from Bit Twiddling Hacks; needs low <= 127 and high <= 128)."""
    seven = words & _BYTES_7F
    with np.errstate(over="ignore"):
        below_high = np.uint64(127 + high) * _BYTES_01 - seven
        above_low = seven + np.uint64(127 - low) * _BYTES_01
    return below_high & ~words & above_low & _BYTES_80


def token_hashes(data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(token start offsets, token hashes uint64, token has a digit) of UTF-8 bytes.

    A token is hashed from its length and its first and last 8 bytes (ASCII lower-cased), read
    as unaligned uint64 for all tokens at once: per-token work only, no Python call per token.
    Tokens longer than 16 bytes that differ only in their middle share a hash (harmless here).
    Lower-casing and the digit test work on those 8-byte words, lane by lane, rather than on the
    whole text: a token's two words are far fewer bytes than the text.
    """
    starts, ends = token_bounds(data)
    lengths = (ends - starts).astype(np.uint64)
    words = _words64(data)
    # The first min(length, 8) bytes: shifting up and back down clears the bytes past the token.
    drop_bits = (np.uint64(8) - np.minimum(lengths, np.uint64(8))) * np.uint64(8)
    head = (words[starts] << drop_bits) >> drop_bits
    # The last 8 bytes differ from the head only for tokens longer than 8 bytes (most are not).
    long = np.flatnonzero(lengths > 8)
    long_tail = words[ends[long] - 8]
    has_digit = bytes_between(head, ord("0") - 1, ord("9") + 1) != 0
    has_digit[long] |= bytes_between(long_tail, ord("0") - 1, ord("9") + 1) != 0
    # ASCII upper case to lower case: add 0x20 (the lane's 0x80 flag shifted down) to A-Z bytes.
    head |= bytes_between(head, ord("A") - 1, ord("Z") + 1) >> np.uint64(2)
    long_tail |= bytes_between(long_tail, ord("A") - 1, ord("Z") + 1) >> np.uint64(2)
    tail = head.copy()
    tail[long] = long_tail
    with np.errstate(over="ignore"):
        hashes = splitmix64(head ^ splitmix64(tail + lengths))
    return starts, hashes, has_digit


@dataclass(frozen=True)
class ShingleSets:
    """Sorted unique 32-bit shingles of many documents: doc i owns values[offsets[i]:offsets[i+1]]."""

    offsets: np.ndarray  # int64, len n_docs + 1
    values: np.ndarray  # uint32

    def of(self, i: int) -> np.ndarray:
        return self.values[self.offsets[i]: self.offsets[i + 1]]

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(self.offsets)

    def digit_counts(self, docs: np.ndarray | None = None) -> np.ndarray:
        """Digit-bearing shingles per document (of `docs` only, when given)."""
        if docs is None:
            return segment_sums((self.values & 1).astype(np.uint8), self.sizes)
        sizes = self.sizes[docs]
        return segment_sums((self.values[gather_ranges(self.offsets[docs], sizes)] & 1).astype(np.uint8), sizes)


def segment_sums(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Sums (int64) of consecutive segments of `values` with the given lengths (empty ones are 0)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    out = np.zeros(len(lengths), dtype=np.int64)
    filled = lengths > 0
    if filled.any():
        out[filled] = np.add.reduceat(values, (np.cumsum(lengths) - lengths)[filled], dtype=np.int64)
    return out


def shingle_sets(texts: Sequence[str], ngram: int, seed: int) -> ShingleSets:
    """Sorted unique shingles of every text (a text with fewer than `ngram` tokens has none).

    A shingle value is the top 32 bits of a seeded hash of n consecutive token hashes, with the
    lowest bit replaced by "one of the tokens has a digit".
    """
    return shingles_and_sequences(texts, ngram, seed)[0]


def shingles_and_sequences(texts: Sequence[str], ngram: int, seed: int) -> tuple[ShingleSets, ShingleSets]:
    """(sorted unique shingles, shingles in text order with repeats) of every text, ~1 MB of text at a time."""
    return shingles_of_chunks(_encoded_chunks(texts), len(texts), ngram, seed)


def _encoded_chunks(texts: Sequence[str]) -> Iterator[tuple[bytes, np.ndarray]]:
    """The texts ~1 MB at a time in the form `shingles_of_chunks` takes."""
    start = 0
    while start < len(texts):
        stop, size = start, 0
        while stop < len(texts) and (size < CHUNK_BYTES or stop == start):
            size += len(texts[stop]) + 1
            stop += 1
        encoded = [t.encode("utf-8", "surrogatepass") for t in texts[start:stop]]
        yield b"\n".join(encoded) + b"\n", np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)) + 1
        start = stop


def shingles_of_chunks(chunks: Iterable[tuple[bytes, np.ndarray]], n_texts: int, ngram: int, seed: int) -> tuple[ShingleSets, ShingleSets]:
    """`shingles_and_sequences` of `n_texts` texts given in chunks (a chunk: the UTF-8 bytes of its
    texts, each followed by one newline, and each text's length in bytes with its newline). A
    column of strings gives that form without a Python string per text (see dedup.utf8_chunks)."""
    parts: tuple[list, list] = ([], [])
    for data, lengths in chunks:
        for part, sets in zip(parts, _shingle_chunk(data, lengths, ngram, seed)):
            part.append(sets)
    return concat_sets(parts[0], n_texts), concat_sets(parts[1], n_texts)


def concat_sets(parts: Sequence[ShingleSets], n_docs: int) -> ShingleSets:
    if not parts:
        return ShingleSets(np.zeros(n_docs + 1, dtype=np.int64), np.zeros(0, np.uint32))
    totals = np.cumsum([0] + [len(p.values) for p in parts[:-1]])
    offsets = np.concatenate([[0]] + [p.offsets[1:] + t for p, t in zip(parts, totals)]).astype(np.int64)
    return ShingleSets(offsets, np.concatenate([p.values for p in parts]))


def _shingle_chunk(data: bytes, lengths: np.ndarray, ngram: int, seed: int) -> tuple[ShingleSets, ShingleSets]:
    """Shingles of the texts of `data` (UTF-8, each followed by one newline; `lengths` in bytes with it)."""
    n_texts = len(lengths)
    starts, hashes, has_digit = token_hashes(data)
    # Tokens per document from one search per document (not per token); tokens come in document order.
    doc_ends = np.cumsum(lengths)
    tokens_before_end = np.searchsorted(starts, doc_ends, side="left")
    token_doc = np.repeat(np.arange(n_texts), np.diff(tokens_before_end, prepend=0))
    n_grams = len(hashes) - ngram + 1
    if n_grams <= 0:
        empty = ShingleSets(np.zeros(n_texts + 1, dtype=np.int64), np.zeros(0, np.uint32))
        return empty, empty
    with np.errstate(over="ignore"):
        combined = hashes[:n_grams].copy()
        digit = has_digit[:n_grams].copy()
        for k in range(1, ngram):
            combined = combined * _NGRAM_BASE + hashes[k: k + n_grams]
            digit |= has_digit[k: k + n_grams]
        seeded = splitmix64(combined ^ splitmix64(np.full(1, seed, dtype=np.uint64)))
    same_doc = token_doc[:n_grams] == token_doc[ngram - 1:]
    shingle = ((seeded >> np.uint64(32)) & np.uint64(0xFFFFFFFE)) | digit.astype(np.uint64)
    ordered_docs = token_doc[:n_grams][same_doc]
    ordered_shingles = shingle[same_doc]
    sequences = ShingleSets(np.searchsorted(ordered_docs, np.arange(n_texts + 1), side="left").astype(np.int64), ordered_shingles.astype(np.uint32))
    keys = sort_unique((ordered_docs.astype(np.uint64) << np.uint64(32)) | ordered_shingles)
    docs = (keys >> np.uint64(32)).astype(np.int64)
    offsets = np.searchsorted(docs, np.arange(n_texts + 1), side="left").astype(np.int64)
    return ShingleSets(offsets, (keys & _U32).astype(np.uint32)), sequences


def sort_unique(values: np.ndarray) -> np.ndarray:
    """Sorted unique values (a plain sort: numpy's hash-based `unique` is slower on large integer arrays)."""
    values = np.sort(values)
    if len(values) == 0:
        return values
    keep = np.ones(len(values), dtype=bool)
    keep[1:] = values[1:] != values[:-1]
    return values[keep]


def signatures(sets: ShingleSets, num_perm: int) -> np.ndarray:
    """MinHash signatures (n_docs, num_perm) uint64 by one-permutation hashing + densification.

    Values are < 2**32 (or EMPTY for documents without shingles). Shingles are already random
    (seeded hashes) and sorted within each document, so the first shingle of each bin is its minimum.
    """
    n_docs = len(sets.offsets) - 1
    sig = np.full((n_docs, num_perm), EMPTY, dtype=np.uint64)
    if len(sets.values) == 0:
        return sig
    flat = sig.reshape(-1)
    sizes = sets.sizes
    for block in _blocks(sizes):  # a block of documents at a time: small arrays stay in cache
        first_doc = block.start
        values = np.asarray(sets.values[sets.offsets[block.start]: sets.offsets[block.stop]])
        bins = (values.astype(np.uint64) * np.uint64(num_perm)) >> np.uint64(32)
        cell = np.repeat(np.arange(first_doc, block.stop, dtype=np.int64) * num_perm, sizes[block]) + bins.astype(np.int64)
        first = np.ones(len(cell), dtype=bool)
        first[1:] = cell[1:] != cell[:-1]
        flat[cell[first]] = values[first]
    return densify(sig)


def densify(sig: np.ndarray) -> np.ndarray:
    """Fill empty bins from the next non-empty bin to the right (circular), salted by the distance,
    so that two documents agree in an empty bin only if they agree where it was borrowed from."""
    empty = sig == EMPTY
    rows = np.flatnonzero(empty.any(axis=1) & ~empty.all(axis=1))
    if len(rows) == 0:
        return sig
    part = sig[rows]
    todo = part == EMPTY
    source = part.copy()
    with np.errstate(over="ignore"):
        for distance in range(1, sig.shape[1]):
            if not todo.any():
                break
            shifted = np.roll(source, -distance, axis=1)
            fill = todo & (shifted != EMPTY)
            salted = (shifted ^ splitmix64(np.full(1, distance, dtype=np.uint64))) & _U32
            part[fill] = salted[fill]
            todo &= ~fill
    sig[rows] = part
    return sig


def bands_rows(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) with bands * rows <= num_perm whose S-curve midpoint (1/b)**(1/r) is nearest
    to `threshold` (ties: fewer rows, i.e. more recall)."""
    best = None
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        midpoint = (1.0 / bands) ** (1.0 / rows)
        score = abs(midpoint - threshold)
        if best is None or score < best[0] - 1e-12:
            best = (score, bands, rows)
    return best[1], best[2]


def collision_probability(jaccard: float, bands: int, rows: int) -> float:
    """Chance that two documents of this Jaccard similarity share at least one band."""
    return 1.0 - (1.0 - jaccard**rows) ** bands


def band_keys(sig: np.ndarray, bands: int, rows: int, band_ids: Sequence[int] | None = None) -> np.ndarray:
    """Band keys (n_docs, len(band_ids)) int64 (63-bit): a hash of (band index, its rows' values)."""
    ids = range(bands) if band_ids is None else band_ids
    out = np.empty((sig.shape[0], len(ids)), dtype=np.int64)
    with np.errstate(over="ignore"):
        for col, band in enumerate(ids):
            key = splitmix64(np.full(sig.shape[0], band + 1, dtype=np.uint64))
            for row in range(rows):
                key = splitmix64(key ^ sig[:, band * rows + row])
            out[:, col] = (key & MASK63).astype(np.int64)
    return out


def stable_order(*columns: np.ndarray) -> np.ndarray:
    """`np.lexsort(columns)` (the last column is the primary key; ties keep their input order)
    for columns of integers in [0, 2**31). Each column, from the first, is sorted with the
    positions packed in the low 32 bits of one uint64 key: numpy's plain sort of integers is
    vectorised and several times faster than its stable and lexicographic sorts; a column below
    2**16 is sorted by numpy's stable sort of 16-bit integers, a radix sort."""
    n = len(columns[0])
    if n == 0 or n >= 2**32:
        return np.lexsort(columns)
    highest = [int(c.max()) for c in columns]
    if max(highest) >= 2**31 or min(int(c.min()) for c in columns) < 0:
        return np.lexsort(columns)
    order = np.arange(n, dtype=np.int64)
    for column, column_max in zip(columns, highest):  # least significant first: each pass keeps the order of the ones before
        values = column[order]
        if column_max < 2**16:  # (e.g. source numbers) numpy's stable sort of 16-bit integers is a radix sort
            order = order[np.argsort(values.astype(np.uint16), kind="stable")]
            continue
        keys = (values.astype(np.uint64) << np.uint64(32)) | np.arange(n, dtype=np.uint64)
        order = order[(np.sort(keys) & _U32).astype(np.int64)]
    return order


def _maybe_repeated(keys: np.ndarray) -> np.ndarray:
    """Positions (ascending) of the keys whose high bits (all but as many low bits as a position
    needs) repeat: every key that repeats is among them, and few others when keys are hashes."""
    n = len(keys)
    position_bits = max(1, (n - 1).bit_length())
    if n < 2 or position_bits > 32:
        return np.arange(n, dtype=np.int64)
    high = keys.astype(np.int64).view(np.uint64) >> np.uint64(position_bits)
    packed = np.sort((high << np.uint64(position_bits)) | np.arange(n, dtype=np.uint64))
    high = packed >> np.uint64(position_bits)
    repeats = np.zeros(n, dtype=bool)
    same_as_next = high[1:] == high[:-1]
    repeats[1:] |= same_as_next
    repeats[:-1] |= same_as_next
    return np.sort((packed[repeats] & np.uint64((1 << position_bits) - 1)).astype(np.int64))


def bucket_pairs(keys: np.ndarray, docs: np.ndarray, window: int) -> np.ndarray:
    """Candidate pairs (n, 2) int64 (smaller doc first) of documents sharing a band key.

    Within a bucket the docs are sorted and each is paired with the next `window` members: all
    pairs for buckets up to window + 1 docs, a bounded number (transitively connected) beyond.
    """
    # Most buckets hold one document: the window passes below go over the others only (whole
    # buckets are left out, so the pairs and their order are the same). The documents whose key
    # may repeat are found first by one plain sort of (the key's high bits, position) packed in
    # 64 bits, and only they are ordered by key and document (np.lexsort of all is ~5x slower).
    # The few kept whose key does not repeat (hash keys sharing high bits) make no pair.
    maybe = _maybe_repeated(keys)
    keys, docs = keys[maybe], docs[maybe]
    order = np.lexsort((docs, keys))
    keys, docs = keys[order], docs[order]
    pairs = []
    for offset in range(1, window + 1):
        if offset >= len(keys):
            break
        same = keys[offset:] == keys[:-offset]
        if not same.any():
            break
        pairs.append(np.stack([docs[:-offset][same], docs[offset:][same]], axis=1))
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64)
    out = np.concatenate(pairs)
    same_doc = out[:, 0] == out[:, 1]
    return np.take(out, np.flatnonzero(~same_doc), axis=0) if same_doc.any() else out


def unique_pairs(pairs: np.ndarray) -> np.ndarray:
    """Sorted unique (a, b) rows, a < b (doc numbers must be < 2**31)."""
    if len(pairs) == 0:
        return pairs.reshape(0, 2).astype(np.int64)
    a = np.minimum(pairs[:, 0], pairs[:, 1])
    b = np.maximum(pairs[:, 0], pairs[:, 1])
    codes = sort_unique((a << 32) | b)
    return np.stack([codes >> 32, codes & 0xFFFFFFFF], axis=1)


def estimated_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> np.ndarray:
    """Share of agreeing signature bins, row by row (the MinHash estimate of Jaccard)."""
    # A count over the bool rows, not their mean: the mean converts every bin to float64 first.
    return np.count_nonzero(sig_a == sig_b, axis=1) / sig_a.shape[1]


@dataclass(frozen=True)
class Overlap:
    intersection: int
    size_a: int
    size_b: int
    containment: float  # |A & B| / min(|A|, |B|)
    jaccard: float  # |A & B| / |A | B|
    digit_containment: float | None  # containment on digit-bearing shingles (None: too few)
    text_containment: float  # containment on the other shingles
    digit_common: int = 0  # digit-bearing shingles in both
    digits_a: int = 0  # digit-bearing shingles of each
    digits_b: int = 0


def overlap(a: np.ndarray, b: np.ndarray, min_digit_shingles: int = 5, digits_a: int | None = None, digits_b: int | None = None) -> Overlap:
    """Exact overlap of two sorted unique shingle arrays (digit counts may be passed when known)."""
    size_a, size_b = len(a), len(b)
    if size_a > size_b:  # search the smaller array in the larger one
        a, b, size_a, size_b, digits_a, digits_b = b, a, size_b, size_a, digits_b, digits_a
    digit_a = int(np.count_nonzero(a & 1)) if digits_a is None else digits_a
    digit_b = int(np.count_nonzero(b & 1)) if digits_b is None else digits_b
    if size_a == 0:
        return Overlap(0, size_a, size_b, 0.0, 0.0, None, 0.0, 0, digit_a, digit_b)
    found = b[np.minimum(np.searchsorted(b, a), size_b - 1)] == a
    inter = int(np.count_nonzero(found))
    digit_common = int(np.count_nonzero(a[found] & 1))
    containment = inter / size_a
    jaccard = inter / (size_a + size_b - inter)
    digit_containment = None
    if min(digit_a, digit_b) >= min_digit_shingles:
        digit_containment = digit_common / min(digit_a, digit_b)
    rest = min(size_a - digit_a, size_b - digit_b)
    text_containment = (inter - digit_common) / rest if rest else containment
    return Overlap(inter, size_a, size_b, containment, jaccard, digit_containment, text_containment, digit_common, digit_a, digit_b)


@dataclass(frozen=True)
class VerifyRule:
    """Thresholds of the verification rule (see `duplicate_mask`)."""

    min_containment: float = 0.6
    min_jaccard: float = 0.3
    digit_ratio: float | None = 0.3  # None: no digit rule
    short_doc_shingles: int = 150  # below this size (the smaller document) the short thresholds apply
    short_min_containment: float = 0.65
    short_min_jaccard: float = 0.35
    digit_min_shingles: int = 5  # digit-bearing shingles both documents need for the digit rule to apply
    novel_run_shingles: int = 25  # a run of this many consecutive shingles missing from the other document is new text...
    max_novel_share: float = 0.1  # ...and the smaller document may have at most this share of its shingles in such runs


@dataclass(frozen=True)
class Overlaps:
    """Exact overlap of many pairs of shingle sets, one array entry per pair (int64 arrays)."""

    intersection: np.ndarray
    size_a: np.ndarray
    size_b: np.ndarray
    digit_common: np.ndarray  # digit-bearing shingles in both
    digits_a: np.ndarray
    digits_b: np.ndarray

    @property
    def containment(self) -> np.ndarray:
        """|A & B| / min(|A|, |B|) (0 when a set is empty)."""
        smaller = np.minimum(self.size_a, self.size_b)
        return np.where(smaller > 0, self.intersection / np.maximum(smaller, 1), 0.0)

    @property
    def jaccard(self) -> np.ndarray:
        union = self.size_a + self.size_b - self.intersection
        return np.where(union > 0, self.intersection / np.maximum(union, 1), 0.0)


def duplicate_mask(o: Overlaps, rule: VerifyRule = VerifyRule()) -> np.ndarray:
    """The verification rule, pair by pair: containment and Jaccard floors (higher for short
    documents, where a few chance matches move the ratios a lot), plus the digit rule when both
    documents have enough digit-bearing shingles (those must overlap at least `digit_ratio` times
    as much as the others: templated reports differ in their numbers)."""
    smaller = np.minimum(o.size_a, o.size_b)
    short = smaller < rule.short_doc_shingles
    containment = o.containment
    ok = (smaller > 0) & (containment >= np.where(short, rule.short_min_containment, rule.min_containment))
    ok &= o.jaccard >= np.where(short, rule.short_min_jaccard, rule.min_jaccard)
    if rule.digit_ratio is not None:
        fewer_digits = np.minimum(o.digits_a, o.digits_b)
        applies = fewer_digits >= rule.digit_min_shingles
        digit_containment = o.digit_common / np.maximum(fewer_digits, 1)
        rest = np.minimum(o.size_a - o.digits_a, o.size_b - o.digits_b)
        text_containment = np.where(rest > 0, (o.intersection - o.digit_common) / np.maximum(rest, 1), containment)
        ok &= ~applies | (digit_containment >= rule.digit_ratio * text_containment)
    return ok


def is_duplicate(o: Overlap, rule: VerifyRule = VerifyRule()) -> bool:
    """`duplicate_mask` for one pair."""
    one = Overlaps(*(np.array([v], dtype=np.int64) for v in (o.intersection, o.size_a, o.size_b, o.digit_common, o.digits_a, o.digits_b)))
    return bool(duplicate_mask(one, rule)[0])


def gather_ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Positions starts[i] .. starts[i] + lengths[i] - 1 of every range, concatenated (int64)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    out_starts = np.cumsum(lengths) - lengths
    return np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(np.asarray(starts, dtype=np.int64) - out_starts, lengths)


_PAIR_BLOCK = 1 << 18  # shingles handled per block: the arrays of a block stay small


def _found_in(values: np.ndarray, sizes: np.ndarray, hay: ShingleSets, hay_docs: np.ndarray) -> np.ndarray:
    """Whether each of `values` (consecutive runs of `sizes`, run i searched in hay document
    hay_docs[i]) is in that hay set. The hay sets involved are keyed by their position
    (key = position << 32 | shingle), so one searchsorted answers every run."""
    uniq, position = np.unique(hay_docs, return_inverse=True)
    h_sizes = hay.sizes[uniq]
    hay_keys = (np.repeat(np.arange(len(uniq), dtype=np.uint64), h_sizes) << np.uint64(32)) | hay.values[gather_ranges(hay.offsets[uniq], h_sizes)]
    keys = (np.repeat(position.astype(np.uint64), sizes) << np.uint64(32)) | values
    if not len(hay_keys):
        return np.zeros(len(keys), dtype=bool)
    return hay_keys[np.minimum(np.searchsorted(hay_keys, keys), len(hay_keys) - 1)] == keys


def _blocks(sizes: np.ndarray) -> list[slice]:
    """Consecutive slices of items whose summed sizes stay near _PAIR_BLOCK (at least one item each)."""
    ends = np.cumsum(sizes)
    out, start = [], 0
    while start < len(sizes):
        stop = max(start + 1, int(np.searchsorted(ends, (ends[start - 1] if start else 0) + _PAIR_BLOCK, side="right")))
        out.append(slice(start, stop))
        start = stop
    return out


def novel_run_shares(sequences: ShingleSets, seq_docs: np.ndarray, sets: ShingleSets, set_docs: np.ndarray, min_run: int) -> np.ndarray:
    """Per pair, the share of document seq_docs[i]'s shingles (in text order) that lie in runs of at
    least `min_run` consecutive shingles absent from set_docs[i]'s set: text the first has and the
    second lacks, in passages rather than scattered edits. A copy adds at most a credit line; a
    follow-up story that reuses background paragraphs adds whole paragraphs."""
    seq_docs, set_docs = np.asarray(seq_docs, dtype=np.int64), np.asarray(set_docs, dtype=np.int64)
    shares = np.zeros(len(seq_docs), dtype=np.float64)
    order = stable_order(set_docs)
    for block in _blocks(sequences.sizes[seq_docs[order]]):
        pairs = order[block]
        sizes = sequences.sizes[seq_docs[pairs]]
        values = sequences.values[gather_ranges(sequences.offsets[seq_docs[pairs]], sizes)]
        missing = ~_found_in(values, sizes, sets, set_docs[pairs])
        # Runs of missing shingles, cut at pair boundaries.
        starts = np.cumsum(sizes) - sizes
        run_start = missing.copy()
        run_start[1:] &= ~missing[:-1]
        run_start[starts[sizes > 0]] = missing[starts[sizes > 0]]
        run_id = np.cumsum(run_start) - 1
        run_len = np.bincount(run_id[missing], minlength=int(run_start.sum()))
        in_long_run = np.zeros(len(missing), dtype=bool)
        in_long_run[missing] = run_len[run_id[missing]] >= min_run
        shares[pairs] = segment_sums(in_long_run, sizes) / np.maximum(sizes, 1)
    return shares


def _intersections(needles: ShingleSets, needle_docs: np.ndarray, hay: ShingleSets, hay_docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(|A & B|, digit-bearing |A & B|) of pairs (needle doc, hay doc), searching the needle sets
    in the hay sets. Pairs are processed in blocks sorted by hay document; in a block the hay sets
    involved are keyed by their position (key = position << 32 | shingle), so one searchsorted of
    increasing keys answers every pair of the block."""
    n = len(needle_docs)
    inter = np.zeros(n, dtype=np.int64)
    digit = np.zeros(n, dtype=np.int64)
    if n == 0:
        return inter, digit
    order = stable_order(needle_docs, hay_docs)
    for block in _blocks(needles.sizes[needle_docs[order]]):
        pairs = order[block]
        n_sizes = needles.sizes[needle_docs[pairs]]
        values = needles.values[gather_ranges(needles.offsets[needle_docs[pairs]], n_sizes)]
        found = _found_in(values, n_sizes, hay, hay_docs[pairs])
        inter[pairs] = segment_sums(found, n_sizes)
        digit[pairs] = segment_sums(found & (values & 1).astype(bool), n_sizes)
    return inter, digit


def pair_overlaps(sets_a: ShingleSets, docs_a: np.ndarray, sets_b: ShingleSets, docs_b: np.ndarray,
                  digits_a: np.ndarray | None = None, digits_b: np.ndarray | None = None) -> Overlaps:
    """Exact overlap of the pairs (sets_a doc docs_a[i], sets_b doc docs_b[i]), vectorised.

    The smaller set of each pair is searched in the larger one. `digits_*` are the per-document
    digit counts of each ShingleSets (`digit_counts()`), computed when not given.
    """
    docs_a = np.asarray(docs_a, dtype=np.int64)
    docs_b = np.asarray(docs_b, dtype=np.int64)
    size_a, size_b = sets_a.sizes[docs_a], sets_b.sizes[docs_b]
    inter = np.zeros(len(docs_a), dtype=np.int64)
    digit = np.zeros(len(docs_a), dtype=np.int64)
    a_smaller = size_a <= size_b
    inter[a_smaller], digit[a_smaller] = _intersections(sets_a, docs_a[a_smaller], sets_b, docs_b[a_smaller])
    inter[~a_smaller], digit[~a_smaller] = _intersections(sets_b, docs_b[~a_smaller], sets_a, docs_a[~a_smaller])
    digits_a = sets_a.digit_counts(docs_a) if digits_a is None else digits_a[docs_a]
    digits_b = sets_b.digit_counts(docs_b) if digits_b is None else digits_b[docs_b]
    return Overlaps(inter, size_a.astype(np.int64), size_b.astype(np.int64), digit, digits_a.astype(np.int64), digits_b.astype(np.int64))


class UnionFind:
    """Disjoint sets over 0..n-1 with path halving; `union` links the larger root under the smaller,
    so every root is the smallest member of its set (deterministic whatever the edge order)."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if ra < rb:
            self.parent[rb] = ra
        else:
            self.parent[ra] = rb
        return True

    def roots(self) -> np.ndarray:
        return np.fromiter((self.find(x) for x in range(len(self.parent))), dtype=np.int64, count=len(self.parent))


KEEP_POLICIES = ("first", "longest", "earliest", "source_priority")


def keep_order(
    policy: str,
    n_chars: np.ndarray,
    published: Sequence[str | None],
    sources: Sequence[str | None],
    source_priority: Sequence[str] = (),
) -> np.ndarray:
    """Rank of each document under the keep policy (0 = kept first); ties go to input order.

    first: input order; longest: most characters (callers pass the length that counts); earliest: earliest `published` (missing dates
    last); source_priority: position of the source in the list (unlisted last), then longest.
    """
    n = len(n_chars)
    position = np.arange(n, dtype=np.int64)
    n_chars = np.asarray(n_chars, dtype=np.int64)
    # Longest first as a non-negative key (for stable_order): the same order as -n_chars.
    longest_first = (n_chars.max() - n_chars) if n else n_chars
    if policy == "first":
        keys: tuple = (position,)
    elif policy == "longest":
        keys = (position, longest_first)
    elif policy == "earliest":
        dates = [p or "" for p in published]
        date_rank = np.unique(np.asarray(dates, dtype=object), return_inverse=True)[1].astype(np.int64)
        missing = np.array([not p for p in published], dtype=np.int64)
        keys = (position, date_rank, missing)
    elif policy == "source_priority":
        lookup = {s: i for i, s in enumerate(source_priority)}
        prio = np.array([lookup.get(s, len(lookup)) for s in sources], dtype=np.int64)
        keys = (position, longest_first, prio)
    else:
        raise ValueError(f"unknown keep policy {policy!r}; known: {', '.join(KEEP_POLICIES)}")
    order = stable_order(*keys)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = position
    return rank
