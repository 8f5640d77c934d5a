"""Document quality rules: drop bodies that are not prose (link lists, keyword spam, tables,
repeated lines, placeholder text), each with a named reason.

The rules are the published whole-document heuristics of Gopher (Rae et al. 2021, as in
datatrove's GopherQualityFilter / GopherRepetitionFilter), C4 (Raffel et al. 2020, TFDS
`c4_utils.py`) and FineWeb (Penedo et al. 2024, datatrove's FineWebQualityFilter). Thresholds
live in `QualityConfig`; where news needs a looser value than the paper, the help text says so.

`quality_signals(text, language, cfg)` measures a body, `check(signals, cfg)` compares the
measures with the thresholds; both are pure. `run()` drops a failing document with reason
`quality:<rule>` (the first failing rule) and a detail naming the measured value and the limit.

Lines are the non-empty lines of the body (our bodies have one paragraph per line). Words are
whitespace-separated tokens, as in the published `n_words`. Languages written without spaces
(Chinese, Japanese, Thai, ...) have no meaningful whitespace words: the word rules are skipped
for them and counted, the line rules still apply.

Cost (issue 7): the words of a batch of bodies are found once, in numpy on their code points
(`_Words`: no Python string per word), and every word rule reads those arrays; each word has a
64-bit key and a length. The two n-gram rules are the expensive ones (a sort per n-gram size),
so each size is first compared with upper bounds computed from word counts
(`_Ngrams.top_chars_word_bound`, `top_chars_bound`, `dup_chars_bound`): in prose they are within
the limits for most sizes, and those sizes are never sorted. Bounds only skip sizes that cannot
fail, so the decisions are those of measuring every size. `run` measures the n-grams of a batch
of documents together (`quality_signals_many`): one numpy call per step for the whole batch rather
than per document (about a third less for the rule set on 2-3 KB bodies); each document's values
are those it has alone.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from itertools import repeat
from typing import Any

import numpy as np

from builder.config import ConfigError, QualityConfig
from builder.document import Document, measure_words
from builder.stages.exact_dedup import ODD_SPACES
from builder.stages.language import batches
from builder.stages.near_dedup import mix64
from builder.stats import Stats

# Rule names, in the order they are checked (cheap and decisive first). The reason of a drop is
# `quality:<rule>`; `QualityConfig.disabled` takes these names.
RULES = (
    "min_words",
    "max_words",
    "mean_word_length",
    "alpha_words",
    "symbol_ratio",
    "bullet_lines",
    "ellipsis_lines",
    "punct_lines",
    "short_lines",
    "lines_per_word",
    "dup_lines",
    "dup_line_chars",
    "top_ngram_chars",
    "dup_ngram_chars",
    "stop_words",
    "lorem_ipsum",
)

# Rules that need whitespace-separated words; skipped for languages written without spaces.
WORD_RULES = frozenset(
    {"min_words", "max_words", "mean_word_length", "alpha_words", "symbol_ratio", "lines_per_word",
     "top_ngram_chars", "dup_ngram_chars", "stop_words"}
)
NO_SPACE_LANGUAGES = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo"})

# A few of the most frequent function words per language: a real text of 50+ words has several.
# English is Gopher's list; the others follow the same idea (articles, conjunctions, copulas,
# common prepositions). The rule is skipped, and counted, for a language not listed here.
STOP_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "the be to of and that have with",
        "de": "der die das und ist nicht mit von zu den ein eine",
        "fr": "le la les de des et est un une que dans pour pas",
        "es": "el la los las de que y en un una es por para con",
        "it": "il la di che e è un una per non con del della",
        "pt": "o a os as de que e do da em um uma não para com",
        "nl": "de het een en van is dat niet op te met voor",
        "sv": "och att det som en är på för med inte av till",
        "da": "og at det er en til på af med som ikke den",
        "no": "og det er som en på til av for ikke med at",
        "fi": "ja on ei että se hän oli mutta kun joka ovat",
        "pl": "i w nie na się z że do to jest jak o",
        "cs": "a se na je v že to s z do jako pro",
        "ro": "și de la în că pe cu nu este o un a",
        "hu": "a az és hogy nem is egy van meg de",
        "tr": "ve bir bu da de için ile çok ne olarak",
        "ru": "и в не на что с по это как он к но",
        "uk": "і в у не на що з до це як та за",
        "id": "yang dan di itu dengan untuk tidak ini dari dalam akan",
    }.items()
}
# Bokmål and Nynorsk share the Norwegian list.
STOP_WORDS["nb"] = STOP_WORDS["nn"] = STOP_WORDS["no"]

# Punctuation and symbols (Unicode categories P* and S*, basic plane), deleted from words before
# their length and repetition are measured, so that "Buy," and "buy" are the same word. Tables
# indexed by code point: the words of a batch are found in numpy on its code points (see
# `_Words`) rather than as one Python string per word.
# One table gives the three classes as bits: a single lookup per code point.
_PUNCTUATION, _SPACE, _NUMERIC = 1, 2, 4
_CHAR_CLASS = np.zeros(0x110000, dtype=np.uint8)
_CHAR_CLASS[[code for code in range(0x10000) if unicodedata.category(chr(code))[0] in "PS"]] |= _PUNCTUATION
# What str.split() splits at (the whitespace list exact dedup keeps: scanning every code point
# for it took 0.1 s at import), and what str.isnumeric() accepts.
_CHAR_CLASS[[ord(char) for char in " \n" + ODD_SPACES]] |= _SPACE
# Numeric characters lie in the first four planes (the last is U+2F890; planes 4-16 hold only
# tags, variation selectors and private use): scanning those takes a quarter of the 0.14 s a scan
# of every code point took at import. A test checks the whole range against str.isnumeric().
_NUMERIC_END = 0x40000
_IS_NUMERIC = np.fromiter(map(str.isnumeric, map(chr, range(_NUMERIC_END))), dtype=bool, count=_NUMERIC_END)
_CHAR_CLASS[:_NUMERIC_END][_IS_NUMERIC] |= _NUMERIC
# A line "ends in punctuation" (C4 / FineWeb): terminal mark, optionally inside closing quotes
# or brackets. Tested with rstrip + endswith, which read each line end once (a `...$` regex
# search tries every position of the line); the marks and the closers are disjoint.
_TERMINAL_MARKS = tuple(".!?…:;。！？．؟।॥։።")
_TERMINAL_CLOSERS = "\"'”’»)]」』）】〕"
_ELLIPSES = ("...", "…")
_ELLIPSIS_CLOSERS = "\"'”’»)]"
_BULLET = re.compile(r"^(?:[-*•·‣▪◦–—+>]|\d{1,3}[.)])\s")
# Documents measured together by `run` (numpy's cost per call is shared by the batch).
_BATCH_DOCS = 128
_BATCH_CHARS = 2_000_000
# Multiplier of the n-gram keys (odd, so that it is invertible modulo 2**64).
_NGRAM_KEY_MULTIPLIER = 0x9E3779B97F4A7C15
# Multiplier of the word keys (a polynomial of the code points), another odd constant, and its
# inverse modulo 2**64.
_WORD_KEY_MULTIPLIER = 0xD6E8FEB86659FD93
_WORD_KEY_INVERSE = pow(_WORD_KEY_MULTIPLIER, -1, 2**64)
_WORD_LENGTH_KEY = 0xA0761D6478BD642F  # times the length, added to the word key


def _lines(text: str) -> list[str]:
    return list(filter(None, map(str.strip, text.split("\n"))))


def _duplicates(items: list[str], total_chars: int) -> tuple[int, int]:
    """(count, chars) of the items that repeat an earlier identical item: all of them but the first
    of each distinct item (counted with a set, in C). `total_chars`: sum of the items' lengths."""
    distinct = set(items)
    return len(items) - len(distinct), total_chars - sum(map(len, distinct))


_power_tables: dict[int, np.ndarray] = {}


def _powers(base: int, count: int) -> np.ndarray:
    """1, base, base**2, ... (count of them) modulo 2**64; the table is kept and grown as needed."""
    table = _power_tables.get(base)
    if table is None or len(table) < count:
        table = np.full(max(count, 2 * len(table) if table is not None else 4096), base, dtype=np.uint64)
        table[0] = 1
        table = _power_tables[base] = np.cumprod(table, dtype=np.uint64)  # wraps modulo 2**64
    return table[:count]


def _code_points(text: str) -> np.ndarray:
    """The code points of `text`, in the narrowest array that holds them: one byte each for Latin-1
    (most news), two for the basic plane, four otherwise. Every numpy pass over them then reads
    less memory; the values are the same whatever the width."""
    try:
        return np.frombuffer(text.encode("latin-1"), dtype=np.uint8)
    except UnicodeEncodeError:
        pass
    # surrogatepass: a lone surrogate (from broken JSON escapes) is a code point like any other.
    utf16 = text.encode("utf-16-le", "surrogatepass")
    if len(utf16) == 2 * len(text):  # no character beyond the basic plane (none took two units)
        return np.frombuffer(utf16, dtype=np.uint16)
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


# The classes of the Latin-1 characters as a bytes.translate table, and its punctuation as the
# bytes to delete (see `_Words`).
_LATIN1_CLASSES = _CHAR_CLASS[:256].tobytes()
_LATIN1_PUNCTUATION = bytes(np.flatnonzero(_CHAR_CLASS[:256] & _PUNCTUATION).tolist())


def _latin1_without_punctuation(texts: list[str]) -> list[bytes] | None:
    """Each text in Latin-1 with its punctuation and symbols deleted; None when one of the texts
    has a character beyond Latin-1."""
    try:
        encoded = [text.encode("latin-1") for text in texts]
    except UnicodeEncodeError:
        return None
    return [text.translate(None, _LATIN1_PUNCTUATION) for text in encoded]


class _Words:
    """The words of several lowercased texts, as `str.split()` finds them once punctuation and
    symbols are deleted, measured in numpy on the texts' code points (about ten times cheaper than
    a translate, a split and a hash per word string):

    - `keys`: a 64-bit key per word (a polynomial of its code points, mixed), equal for equal
      words, whatever the text or the batch;
    - `lengths`: the len() of each word; `numeric`: whether str.isnumeric() is true of it;
    - `n_words`: the number of words of each text (its words are consecutive, in text order)."""

    def __init__(self, texts: list[str]) -> None:
        # The texts joined by a space: no word runs from one text into the next.
        latin1 = _latin1_without_punctuation(texts)
        if latin1 is not None:
            # Latin-1 texts (most news): bytes.translate deletes the punctuation and reads each
            # character's class in C, a byte per character: about 3x as fast as numpy's gather of
            # the classes and its two compresses below (the same codes and classes).
            joined_bytes = b" ".join(latin1)
            codes = np.frombuffer(joined_bytes, dtype=np.uint8)
            classes = np.frombuffer(joined_bytes.translate(_LATIN1_CLASSES), dtype=np.uint8)
            text_starts = np.cumsum([0] + [len(text) + 1 for text in latin1], dtype=np.int64)[: len(texts)]
        else:
            joined = " ".join(texts)
            codes = _code_points(joined)
            text_starts = np.cumsum([0] + [len(text) + 1 for text in texts], dtype=np.int64)[: len(texts)]
            classes = np.take(_CHAR_CLASS, codes)
            # Delete punctuation; a text now starts earlier by the punctuation before it.
            # (Positions are found in boolean masks: np.flatnonzero reads them about 4x as fast as bytes.)
            is_punctuation = (classes & _PUNCTUATION) != 0
            punctuation = np.flatnonzero(is_punctuation)
            if len(punctuation):
                text_starts -= np.searchsorted(punctuation, text_starts)
                kept = ~is_punctuation
                codes, classes = codes[kept], classes[kept]
        # A word starts where a space is followed by a non-space, and ends where the reverse is.
        is_space = np.ones(len(codes) + 2, dtype=bool)
        np.not_equal(classes & _SPACE, 0, out=is_space[1:-1])
        edges = np.flatnonzero(is_space[1:] != is_space[:-1])
        starts, ends = edges[0::2], edges[1::2]
        self.lengths = ends - starts
        first_word = np.searchsorted(starts, text_starts)
        self.n_words = np.diff(first_word, append=len(starts))
        # Numeric words: those whose every character is numeric (numeric characters are few).
        numeric_chars = np.flatnonzero((classes & _NUMERIC) != 0)
        word_of_numeric = np.searchsorted(starts, numeric_chars, side="right") - 1
        self.numeric = np.bincount(word_of_numeric, minlength=len(starts)) == self.lengths
        # Key of a word: its length and the sum of code point x m**(its position in the word), from
        # prefix sums of code point x m**(its position in the batch), divided by m**(the word's
        # start); then mixed. Integer arrays wrap modulo 2**64.
        # Widened first: numpy multiplies arrays of two types through a small casting buffer, about
        # ten times slower than a cast and a multiply in place (the same values).
        # The prefix sums are taken in place (prefix[i]: the sum up to i included), so the sum before
        # a word is prefix[start - 1], 0 for a word at the very start.
        prefix = codes.astype(np.uint64)
        prefix *= _powers(_WORD_KEY_MULTIPLIER, len(codes))
        np.cumsum(prefix, out=prefix)
        before = prefix[starts - 1]
        if len(starts) and starts[0] == 0:
            before[0] = 0
        inverse_powers = _powers(_WORD_KEY_INVERSE, len(codes))
        polynomial = (prefix[ends - 1] - before) * inverse_powers[starts]
        self.keys = mix64(polynomial + self.lengths.astype(np.uint64) * np.uint64(_WORD_LENGTH_KEY))


class _Ngrams:
    """The words of several texts and their n-grams as 64-bit keys (the key of each word, combined
    as a polynomial), so that counting repeats is a sort in numpy rather than a loop over tuples
    of strings. The texts' words are joined into one array and every measure is computed for all
    texts at once (numpy's cost per call is shared; `run` passes a batch of documents): no n-gram
    window crosses from one text into the next, and an n-gram's key includes its text's index,
    so that equal n-grams of different texts never count together. Each measure is an array with
    one value per text.

    Each measure has a cheap upper bound from word counts alone: in prose the bounds are within the
    limits for most sizes, which then need no sort at all. The exact measures take a mask of the
    texts to measure (the others get 0.0)."""

    def __init__(self, words: _Words) -> None:
        self.n_texts = len(words.n_words)
        self.n_words = words.n_words  # per text
        self.n_all = len(words.keys)
        self.word_keys = words.keys
        self.lengths = words.lengths
        self.first_word = np.cumsum(self.n_words) - self.n_words  # per text
        self.text_of = np.repeat(np.arange(self.n_texts), self.n_words)  # per word
        self.prefix_chars = np.zeros(self.n_all + 1, dtype=np.int64)
        np.cumsum(self.lengths, out=self.prefix_chars[1:])
        self.total_chars = self.prefix_chars[self.first_word + self.n_words] - self.prefix_chars[self.first_word]
        self.has_words = self.n_words > 0
        self._least_counts: dict[int, np.ndarray] = {}
        self._word_mass: np.ndarray | None = None

    def _measurable(self, n: int, texts: np.ndarray | None = None) -> np.ndarray:
        """Texts where size n has a value (at least n words, some characters); 0.0 elsewhere.
        With the mask `texts`, only those of them."""
        measurable = (self.n_words >= n) & (self.total_chars > 0)
        return measurable if texts is None else measurable & texts

    def _share(self, chars: np.ndarray, n: int) -> np.ndarray:
        """chars / total characters per text, 0.0 where size n has no value."""
        measurable = self._measurable(n)
        out = np.zeros(self.n_texts)
        out[measurable] = chars[measurable] / self.total_chars[measurable]
        return out

    def _per_text_max(self, values: np.ndarray) -> np.ndarray:
        """Largest of the non-negative `values` of each text's positions (one per word at most;
        positions past the array count as 0), 0 for a text without words."""
        padded = values
        if len(values) < self.n_all:
            padded = np.zeros(self.n_all, dtype=values.dtype)
            padded[: len(values)] = values
        out = np.zeros(self.n_texts, dtype=values.dtype)
        if self.n_all:
            out[self.has_words] = np.maximum.reduceat(padded, self.first_word[self.has_words])
        return out

    def _per_text_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum of each text's per-word `values` (integers)."""
        out = np.zeros(self.n_texts, dtype=np.int64)
        if self.n_all:
            out[self.has_words] = np.add.reduceat(values, self.first_word[self.has_words])
        return out

    def windows(self, n: int) -> np.ndarray:
        """For each position, whether the n words starting there belong to one text."""
        if self.n_all < n:
            return np.zeros(0, dtype=bool)
        return self.text_of[: self.n_all - n + 1] == self.text_of[n - 1 :]

    def positions(self, n: int, texts: np.ndarray) -> np.ndarray:
        """Every position whose n words lie in one of the texts in the mask `texts`, ascending. Made
        from those texts' word ranges: in a batch, few texts have an n-gram size to measure."""
        chosen = np.flatnonzero(texts & (self.n_words >= n))
        counts = self.n_words[chosen] - (n - 1)
        earlier = np.cumsum(counts) - counts  # positions of the chosen texts before each one
        return np.arange(int(counts.sum())) + np.repeat(self.first_word[chosen] - earlier, counts)

    def keys(self, n: int, positions: np.ndarray) -> np.ndarray:
        """Key of the n-gram starting at each of `positions`: the sum of its word keys times
        descending powers of the multiplier (by Horner's rule), plus its text's index times the
        multiplier's n-th power. Integer arrays wrap modulo 2**64, which is the intent."""
        keys = self.word_keys[positions]
        for k in range(1, n):
            keys = keys * np.uint64(_NGRAM_KEY_MULTIPLIER) + self.word_keys[positions + k]
        return keys + self.text_of[positions].astype(np.uint64) * np.uint64(pow(_NGRAM_KEY_MULTIPLIER, n, 2**64))

    def occurrences(self, n: int, texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(positions, count) of the n-grams of the texts in the mask `texts`: every position whose
        window lies in one of them, ascending, and how many times its n-gram occurs in its text."""
        positions = self.positions(n, texts)
        keys = self.keys(n, positions)
        order = np.argsort(keys)
        ordered = keys[order]
        run_ids = np.cumsum(np.concatenate(([False], ordered[1:] != ordered[:-1])))
        counts = np.empty(len(keys), dtype=np.int64)
        counts[order] = np.bincount(run_ids)[run_ids]
        return positions, counts

    def least_word_counts(self, n: int) -> np.ndarray:
        """For each n-gram position, an upper bound of the count of its least frequent word in its
        text. A word's count is bounded by the count of its hash bucket (the key of the word and its
        text), in a table of at least 8 buckets per word (words that share a bucket add up; no sort
        needed)."""
        if n not in self._least_counts:
            if n == 1:
                bits = max(6, (8 * self.n_all).bit_length())
                word_keys = self.keys(1, np.arange(self.n_all))  # keys of word and text
                buckets = (word_keys >> np.uint64(64 - bits)).astype(np.intp)
                self._least_counts[1] = np.take(np.bincount(buckets, minlength=1 << bits), buckets)
            else:
                shorter = self.least_word_counts(n - 1)
                self._least_counts[n] = np.minimum(shorter[:-1], self.least_word_counts(1)[n - 1:])
        return self._least_counts[n]

    def _covered_share(self, starts: np.ndarray, n: int) -> np.ndarray:
        """Share of the characters of each text in words covered by an n-gram starting where `starts`
        (per position, windows inside one text only) is true."""
        if not starts.any():
            return np.zeros(self.n_texts)
        # Word j is covered when a marked n-gram starts in [j - n + 1, j]: the marks shifted by 0 to
        # n - 1 positions, or-ed together (n passes over booleans: about 40x as fast as counting
        # the starts with a convolution).
        covered = np.zeros(self.n_all, dtype=bool)
        for shift in range(n):
            covered[shift : shift + len(starts)] |= starts
        return self._share(self._per_text_sum(self.lengths * covered), n)

    def top_chars_word_bound(self, n: int) -> np.ndarray:
        """A cheap upper bound of `top_chars(n)`: each of the n words of the most frequent n-gram
        occurs at least as often as the n-gram, so its characters are at most n times the largest
        (count x length) of a single word."""
        if self._word_mass is None:
            self._word_mass = self._per_text_max(self.least_word_counts(1) * self.lengths)
        return self._share(n * self._word_mass, n)

    def top_chars_bound(self, n: int) -> np.ndarray:
        """An upper bound of `top_chars(n)`, tighter than `top_chars_word_bound`. Each occurrence of
        an n-gram puts its k-th word at a distinct position, so the n-gram occurs at most as often
        as its least frequent word: the most frequent n-gram, starting at position i, covers at
        most (least word count of the window i..i+n-1) x (characters of that window)."""
        if self.n_all < n:
            return np.zeros(self.n_texts)
        window_chars = self.prefix_chars[n:] - self.prefix_chars[:-n]
        mass = self.least_word_counts(n) * window_chars * self.windows(n)
        return self._share(self._per_text_max(mass), n)

    def top_chars(self, n: int, texts: np.ndarray | None = None) -> np.ndarray:
        """Gopher: share of the characters covered by the most frequent n-gram (0 when none repeats),
        for the texts in the mask `texts` (default all). Of n-grams equally frequent, the one that
        occurs first in the text counts (as with `Counter.most_common`)."""
        texts = self._measurable(n, texts)
        out = np.zeros(self.n_texts)
        if not texts.any():
            return out
        positions, counts = self.occurrences(n, texts)
        owner = self.text_of[positions]
        # Positions are ascending, so each text's positions are one run: its largest count, then
        # the first of its positions with that count.
        run_starts = np.flatnonzero(np.concatenate(([True], owner[1:] != owner[:-1])))
        most = np.maximum.reduceat(counts, run_starts)
        run_of = np.repeat(np.arange(len(run_starts)), np.diff(np.append(run_starts, len(positions))))
        at_most = np.flatnonzero(counts == most[run_of])
        first = at_most[np.concatenate(([True], run_of[at_most][1:] != run_of[at_most][:-1]))]
        chars = most * (self.prefix_chars[positions[first] + n] - self.prefix_chars[positions[first]])
        chars[most < 2] = 0
        whose = owner[run_starts]
        out[whose] = chars / self.total_chars[whose]
        return out

    def dup_chars_bound(self, n: int) -> np.ndarray:
        """An upper bound of `dup_chars(n)`: a repeated n-gram has only words that occur at least
        twice, so windows of n such words cover every repeated n-gram."""
        if self.n_all < n:
            return np.zeros(self.n_texts)
        return self._covered_share((self.least_word_counts(n) >= 2) & self.windows(n), n)

    def dup_chars(self, n: int, texts: np.ndarray | None = None) -> np.ndarray:
        """Gopher: share of the characters inside n-grams that occur more than once, each word
        counted once however many repeated n-grams cover it; for the texts in the mask `texts`
        (default all)."""
        texts = self._measurable(n, texts)
        if not texts.any():
            return np.zeros(self.n_texts)
        positions, counts = self.occurrences(n, texts)
        starts = np.zeros(self.n_all - n + 1, dtype=bool)
        starts[positions[counts > 1]] = True
        return self._covered_share(starts, n) * texts


def base_language(language: str | None) -> str:
    """'zh-cn' -> 'zh', 'EN' -> 'en', None -> 'und'."""
    return (language or "und").split("-")[0].split("_")[0].lower()


def _count_ending(lines: list[str], closers: str, ends: tuple[str, ...]) -> int:
    """Lines ending with one of `ends` once trailing `closers` are stripped: str methods mapped in
    C, with no Python call per line."""
    return sum(map(str.endswith, map(str.rstrip, lines, repeat(closers)), repeat(ends)))


def _line_signals(lines: list[str], lang: str, cfg: QualityConfig, has_ellipsis: bool = True) -> dict[str, float | None]:
    """The line-share measures (None for a body of fewer than `cfg.min_lines` lines).
    `has_ellipsis`: False when the body has no ellipsis at all (then no line ends in one)."""
    n_lines = len(lines)
    if n_lines < cfg.min_lines:
        return dict.fromkeys(("bullet_lines", "ellipsis_lines", "punct_lines", "short_lines", "dup_lines", "dup_line_chars"))
    lengths = list(map(len, lines))
    total_chars = sum(lengths)
    dup_count, dup_chars = _duplicates(lines, total_chars)
    short = cfg.short_line_chars
    return {
        # Each count is one C-level pass (map/filter) rather than a generator loop in Python.
        "bullet_lines": len(list(filter(_BULLET.match, lines))) / n_lines,
        "ellipsis_lines": _count_ending(lines, _ELLIPSIS_CLOSERS, _ELLIPSES) / n_lines if has_ellipsis else 0.0,
        "punct_lines": _count_ending(lines, _TERMINAL_CLOSERS, _TERMINAL_MARKS) / n_lines,
        # Characters per line mean nothing comparable in scripts without spaces (a short CJK line
        # says as much as a long English one).
        "short_lines": None if lang in NO_SPACE_LANGUAGES else sum(map(short.__ge__, lengths)) / n_lines,
        "dup_lines": dup_count / n_lines,
        "dup_line_chars": dup_chars / max(1, total_chars),
    }


def quality_signals(
    text: str, language: str | None = "en", cfg: QualityConfig = QualityConfig(), stop_at_failing_size: bool = False
) -> dict[str, Any]:
    """The measures the rules compare with their thresholds. A measure that does not apply is None:
    word measures in a language without spaces, stop words in a language without a list, line
    shares of a body with fewer than `cfg.min_lines` lines. N-gram shares are measured only for
    the sizes that could fail (whose upper bound exceeds the limit, see `_Ngrams.top_chars_bound`,
    `_Ngrams.dup_chars_bound` and `_dup_ngram_chars`): the others are absent from their dicts.
    With `stop_at_failing_size`, neither are the sizes after the first one that fails: they
    cannot change what `check` reports (it names the first failing size), and `run` skips them."""
    return quality_signals_many([text], [language], cfg, stop_at_failing_size)[0]


def quality_signals_many(
    texts: list[str],
    languages: list[str | None],
    cfg: QualityConfig = QualityConfig(),
    stop_at_failing_size: bool = False,
    word_counts: list[int] | None = None,
) -> list[dict[str, Any]]:
    """`quality_signals` of each text, the n-gram measures of all texts computed together (the
    values that decide are those of one text alone; only which sizes a bound lets through may
    differ, and a size left out cannot fail). `word_counts`, when given, are the texts'
    `len(text.split())`, already counted (`Document.word_count`)."""
    all_signals: list[dict[str, Any]] = []
    lowered_texts: list[str] = []
    worded: list[dict[str, Any]] = []
    counts = word_counts if word_counts is not None else [None] * len(texts)
    # Per batch: the phrases lowercased once, and whether the symbols counted include both ellipses.
    phrases = [(phrase, phrase.lower()) for phrase in cfg.placeholder_phrases]
    ellipses_counted = set(_ELLIPSES) <= set(cfg.symbols)
    for text, language, n_words in zip(texts, languages, counts):
        signals, lowered = _text_signals(text, language, cfg, n_words, phrases, ellipses_counted)
        all_signals.append(signals)
        if lowered is not None:
            worded.append(signals)
            lowered_texts.append(lowered)
    if worded:
        words = _Words(lowered_texts)
        ngrams = _Ngrams(words)
        tops = _top_ngram_chars(ngrams, cfg.max_top_ngram_chars, stop_at_failing_size)
        dups = _dup_ngram_chars(ngrams, cfg.max_dup_ngram_chars, stop_at_failing_size)
        stop_words = _stop_word_counts(ngrams, [signals["language"] for signals in worded])
        numeric_words = ngrams._per_text_sum(words.numeric.astype(np.int64))
        for signals, n, chars, numeric, top, dup, stops in zip(
            worded, ngrams.n_words.tolist(), ngrams.total_chars.tolist(), numeric_words.tolist(), tops, dups, stop_words
        ):
            signals["mean_word_length"] = chars / n if n else 0.0
            # Gopher's "words with an alphabetic character": tokens that vanished (only
            # punctuation) or are only digits have none.
            n_tokens = signals["n_words"]
            without_letter = (n_tokens - n) + numeric
            signals["alpha_words"] = 1 - without_letter / n_tokens if n_tokens else 0.0
            signals["top_ngram_chars"] = top
            signals["dup_ngram_chars"] = dup
            signals["stop_words"] = stops
    return all_signals


@functools.cache
def _stop_word_keys(lang: str) -> np.ndarray:
    """The word keys (as in `_Words.keys`) of a language's stop words."""
    return _Words([" ".join(STOP_WORDS[lang])]).keys


def _stop_word_counts(ngrams: _Ngrams, languages: list[str]) -> list[int | None]:
    """Occurrences of its language's stop words among each text's words (None for a language
    without a list). Matched on the word keys the n-gram arrays already hold: one numpy pass per
    language for the whole batch, rather than a set lookup per word."""
    counts: list[int | None] = [None] * ngrams.n_texts
    for lang in set(languages) & STOP_WORDS.keys():
        # Every text's words are matched (sums are per text), and the texts in `lang` take theirs.
        is_stop_word = np.isin(ngrams.word_keys, _stop_word_keys(lang))
        per_text = ngrams._per_text_sum(is_stop_word.astype(np.int64)).tolist()
        for text, language in enumerate(languages):
            if language == lang:
                counts[text] = per_text[text]
    return counts


def _text_signals(
    text: str,
    language: str | None,
    cfg: QualityConfig,
    n_words: int | None,
    phrases: list[tuple[str, str]],
    ellipses_counted: bool,
) -> tuple[dict[str, Any], str | None]:
    """Every measure but those of the words (left None: measured for many texts at once, see
    `quality_signals_many`), and the lowercased text whose words they are measured on (None for a
    language without spaces). `n_words`: `len(text.split())` when the caller has it, else None.
    `phrases`: (phrase, lowercased) of `cfg.placeholder_phrases`; `ellipses_counted`: whether
    `cfg.symbols` holds both ellipses."""
    lang = base_language(language)
    lines = _lines(text)
    worded = lang not in NO_SPACE_LANGUAGES
    if worded:
        # A symbol is looked for before it is counted: most texts have none, and `in` finds a
        # single character with memchr, about 3x as fast as counting it.
        symbol_counts = [text.count(symbol) if symbol in text else 0 for symbol in cfg.symbols]
    if worded and ellipses_counted:  # the counts tell whether the text has an ellipsis: one pass less
        has_ellipsis = any(count for symbol, count in zip(cfg.symbols, symbol_counts) if symbol in _ELLIPSES)
    else:
        has_ellipsis = any(map(text.__contains__, _ELLIPSES))
    signals: dict[str, Any] = {"language": lang, "n_lines": len(lines)}
    signals.update(_line_signals(lines, lang, cfg, has_ellipsis))
    lowered = text.lower()
    found = [phrase for phrase, lowered_phrase in phrases if lowered_phrase in lowered]
    signals["lorem_ipsum"] = found[0] if found else None

    if not worded:
        for name in ("n_words", "mean_word_length", "alpha_words", "symbol_ratio", "lines_per_word",
                     "top_ngram_chars", "dup_ngram_chars", "stop_words"):
            signals[name] = None
        return signals, None

    if n_words is None:
        n_words = len(text.split())
    signals["n_words"] = n_words
    # Measured on the words without punctuation and symbols (`_Words`).
    signals["mean_word_length"] = signals["alpha_words"] = None
    signals["symbol_ratio"] = sum(symbol_counts) / n_words if n_words else 0.0
    signals["lines_per_word"] = len(lines) / n_words if n_words else 0.0
    # Measured for many texts at once, on the n-gram arrays (`quality_signals_many`).
    signals["top_ngram_chars"] = signals["dup_ngram_chars"] = signals["stop_words"] = None
    return signals, lowered


def _top_ngram_chars(ngrams: _Ngrams, limits: dict[str, float], stop_at_failing_size: bool = False) -> list[dict[str, float]]:
    """Top n-gram shares per text for the sizes in `limits`, in their order. Sizes whose bound is
    within the limit cannot fail and are not measured (absent); of the two bounds, the cheaper is
    tried first. With `stop_at_failing_size`, neither are the sizes after one that fails."""
    out: list[dict[str, float]] = [{} for _ in range(ngrams.n_texts)]
    going = np.ones(ngrams.n_texts, dtype=bool)
    for n, limit in limits.items():
        size = int(n)
        measured = going & (ngrams.top_chars_word_bound(size) > limit)
        if measured.any():
            measured &= ngrams.top_chars_bound(size) > limit
        if not measured.any():
            continue
        values = ngrams.top_chars(size, measured)
        for text in np.flatnonzero(measured).tolist():
            out[text][n] = float(values[text])
        if stop_at_failing_size:
            going &= ~(measured & (values > limit))
    return out


def _dup_ngram_chars(ngrams: _Ngrams, limits: dict[str, float], stop_at_failing_size: bool = False) -> list[dict[str, float]]:
    """Repeated n-gram shares per text for the sizes in `limits`, shortest first. Every word of a
    repeated n-gram is inside a repeated shorter n-gram, so the share never grows with n: when
    the bound of the shortest size is within every limit, no size can fail and none is measured;
    once the share of size n is within every longer size's limit, the longer sizes pass and are
    not measured (absent from the result). With `stop_at_failing_size`, neither are the sizes
    after one that fails."""
    out: list[dict[str, float]] = [{} for _ in range(ngrams.n_texts)]
    if not limits:
        return out
    sizes = sorted(limits, key=int)
    going = ngrams.dup_chars_bound(int(sizes[0])) > min(limits.values())
    for i, n in enumerate(sizes):
        if not going.any():
            break
        values = ngrams.dup_chars(int(n), going)
        for text in np.flatnonzero(going).tolist():
            out[text][n] = float(values[text])
        longer = sizes[i + 1:]
        if not longer:
            break
        going &= values > min(limits[m] for m in longer)
        if stop_at_failing_size:
            going &= ~(values > limits[n])
    return out


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def check(signals: dict[str, Any], cfg: QualityConfig = QualityConfig()) -> list[tuple[str, str]]:
    """(rule, detail) for every enabled rule the measures fail, in RULES order. A rule whose
    measure is None does not apply and never fails."""
    off = set(cfg.disabled)
    failures: list[tuple[str, str]] = []

    def fail(rule: str, detail: str) -> None:
        if rule not in off:
            failures.append((rule, detail))

    s = signals
    if s.get("n_words") is not None:
        if s["n_words"] < cfg.min_words:
            fail("min_words", f"{s['n_words']} words < min {cfg.min_words}")
        if s["n_words"] > cfg.max_words:
            fail("max_words", f"{s['n_words']} words > max {cfg.max_words}")
    if s.get("mean_word_length") is not None and not (
        cfg.min_mean_word_length <= s["mean_word_length"] <= cfg.max_mean_word_length
    ):
        fail("mean_word_length", f"mean word length {_fmt(s['mean_word_length'])} outside "
             f"[{cfg.min_mean_word_length}, {cfg.max_mean_word_length}]")
    if s.get("alpha_words") is not None and s["alpha_words"] < cfg.min_alpha_words:
        fail("alpha_words", f"words with a letter {_fmt(s['alpha_words'])} < min {cfg.min_alpha_words}")
    if s.get("symbol_ratio") is not None and s["symbol_ratio"] > cfg.max_symbol_ratio:
        fail("symbol_ratio", f"symbols per word {_fmt(s['symbol_ratio'])} > max {cfg.max_symbol_ratio}")
    if s["bullet_lines"] is not None and s["bullet_lines"] > cfg.max_bullet_lines:
        fail("bullet_lines", f"bullet lines {_fmt(s['bullet_lines'])} > max {cfg.max_bullet_lines}")
    if s["ellipsis_lines"] is not None and s["ellipsis_lines"] > cfg.max_ellipsis_lines:
        fail("ellipsis_lines", f"lines ending in an ellipsis {_fmt(s['ellipsis_lines'])} > max {cfg.max_ellipsis_lines}")
    if s["punct_lines"] is not None and s["punct_lines"] < cfg.min_punct_lines:
        fail("punct_lines", f"lines ending in punctuation {_fmt(s['punct_lines'])} < min {cfg.min_punct_lines}")
    if s["short_lines"] is not None and s["short_lines"] > cfg.max_short_lines:
        fail("short_lines", f"lines of <= {cfg.short_line_chars} chars {_fmt(s['short_lines'])} > max {cfg.max_short_lines}")
    if s.get("lines_per_word") is not None and s["lines_per_word"] > cfg.max_lines_per_word:
        fail("lines_per_word", f"lines per word {_fmt(s['lines_per_word'])} > max {cfg.max_lines_per_word}")
    if s["dup_lines"] is not None and s["dup_lines"] > cfg.max_dup_lines:
        fail("dup_lines", f"duplicated lines {_fmt(s['dup_lines'])} > max {cfg.max_dup_lines}")
    if s["dup_line_chars"] is not None and s["dup_line_chars"] > cfg.max_dup_line_chars:
        fail("dup_line_chars", f"chars in duplicated lines {_fmt(s['dup_line_chars'])} > max {cfg.max_dup_line_chars}")
    for n, value in (s.get("top_ngram_chars") or {}).items():
        limit = cfg.max_top_ngram_chars.get(n)
        if limit is not None and value > limit:
            fail("top_ngram_chars", f"chars in the top {n}-gram {_fmt(value)} > max {limit}")
            break
    for n, value in (s.get("dup_ngram_chars") or {}).items():
        limit = cfg.max_dup_ngram_chars.get(n)
        if limit is not None and value > limit:
            fail("dup_ngram_chars", f"chars in duplicated {n}-grams {_fmt(value)} > max {limit}")
            break
    if s.get("stop_words") is not None and s["stop_words"] < cfg.min_stop_words:
        fail("stop_words", f"{s['stop_words']} stop words of '{s['language']}' < min {cfg.min_stop_words}")
    if s.get("lorem_ipsum"):
        fail("lorem_ipsum", f"placeholder text {s['lorem_ipsum']!r}")
    return failures


def validate(cfg: QualityConfig) -> None:
    """Raise ConfigError for settings that cannot work (call before a build starts)."""
    unknown = sorted(set(cfg.disabled) - set(RULES))
    if unknown:
        raise ConfigError(f"quality.disabled: unknown rule(s) {', '.join(unknown)}; known: {', '.join(RULES)}")
    for key in ("max_top_ngram_chars", "max_dup_ngram_chars"):
        for n in getattr(cfg, key):
            if not str(n).isdigit() or int(n) < 1:
                raise ConfigError(f"quality.{key}: keys are n-gram sizes (positive integers), got {n!r}")


def run(docs: Iterable[Document], cfg: QualityConfig, stats: Stats) -> Iterator[Document]:
    """Counts `quality.failed.<rule>` for every rule a document fails and drops it with the first.
    N-gram sizes after a failing one are not measured (they change neither count). Documents are
    measured in batches (see `quality_signals_many`) and yielded in order."""
    validate(cfg)
    if not cfg.enabled:
        yield from docs
        return
    for batch in batches(docs, _BATCH_DOCS, _BATCH_CHARS):
        judged = [doc for doc in batch if doc.reject is None]
        # The word count is the row's n_words too: counted once per document (Document caches it),
        # the batch's together (measure_words).
        measure_words(judged)
        all_signals = quality_signals_many(
            [doc.text for doc in judged], [doc.language for doc in judged], cfg, True, [doc.word_count() for doc in judged]
        )
        for doc, signals in zip(judged, all_signals):
            stats.inc("quality.checked")
            if signals["punct_lines"] is None:
                stats.inc("quality.line_rules_skipped")
            if signals["n_words"] is None:
                stats.inc(f"quality.word_rules_skipped.{signals['language']}")
            elif signals["stop_words"] is None:
                stats.inc(f"quality.stop_words_no_list.{signals['language']}")
            failures = check(signals, cfg)
            for rule, _ in failures:
                stats.inc(f"quality.failed.{rule}")  # every failing rule, for the card
            if failures:
                rule, detail = failures[0]
                stats.inc(f"quality.dropped.{rule}")
                doc.drop(f"quality:{rule}", detail)
            else:
                stats.inc("quality.passed")
        yield from batch
