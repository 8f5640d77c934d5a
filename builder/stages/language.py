"""Language identification with langdetect's model, deterministic and fast.

langdetect (a port of Google's language-detection) scores character 1-3-grams against 55 language
profiles. Its detector draws n-grams at random in 7 trials (with a jittered smoothing `alpha`)
until one language passes 0.99999, so it is random unless seeded, and its per-character Python
loops run at about 230 documents/s even on a 300-character sample.

`engine = "fast"` (the default) runs the same model and the same algorithm with numpy, on a batch
of documents at a time (`detect_languages`; the stage passes `batch_docs` of them), so that numpy's
cost per call is shared:
- n-grams: the samples become one array of code points, normalised through a table of langdetect's
  own `NGram.normalize` (built once per process); the 1-, 2- and 3-grams at every position are
  packed into one 64-bit key each and looked up in a hash table of the profiles' keys, following
  langdetect's rules (no n-gram across a space or from one document into the next, none inside a
  run of capitals);
- trials: every (document, trial) pair is a chain of draws, all run side by side, a round of draws
  at a time; as in langdetect, a chain's probabilities are normalised every 5 draws and it stops at
  the first of these checkpoints where one language passes the threshold, and only the chains
  still open go on to the next round. Draw i of trial t picks n-gram floor(u[i, t] * n) of the
  document's n, with the uniforms u (and the alphas) fixed by the seed once per process; each chain
  is computed on its own, with multiplications, divisions and sums only (no log or exp, whose last
  bits vary with the CPU), so the answer depends only on the seed and the text: never on the batch,
  the order, the worker or the machine.
`engine = "langdetect"` calls the library's Detector itself (seeded the same way), as the reference.

Profiles are loaded once per process, in sorted file order (langdetect lists its profile folder
in file-system order, which differs between machines and changes float sums).
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from builder.config import LanguageConfig
from builder.document import Document
from builder.stats import Stats

UNDETERMINED = "und"

# langdetect's constants (langdetect/detector.py), so both engines mean the same thing.
_N_TRIAL = 7
_ALPHA = 0.5
_ALPHA_WIDTH = 0.05
_ITERATION_LIMIT = 1000
_CONV_THRESHOLD = 0.99999
_BASE_FREQ = 10000
# Where each round of draws ends, for the chains (document x trial) that have not converged yet;
# every round ends right after one of langdetect's checkpoints (after draws 0, 5, 10, ...), so the
# rounds change the work, not the answer. On 3 KB news bodies half the trials converge by draw 40
# and 99% by draw 100: short rounds from draw 36 to 101 leave few draws computed past a chain's
# stop (a round costs a few dozen numpy calls, shared by the batch; with batches of 128 documents,
# rounds of 10-20 draws up to draw 101 and of 50 up to 151 cost less than longer ones).
_ROUND_ENDS = (36, 46, 56, 66, 81, 101, 151, 251, _ITERATION_LIMIT + 1)

# langdetect's text cleaning: URLs and e-mail addresses carry no language.
_URL_RE = re.compile(r"https?://[-_.?&~;+=/#0-9A-Za-z]{1,2076}")
_MAIL_RE = re.compile(r"[-_.0-9A-Za-z]{1,64}@[-_0-9A-Za-z]{1,255}[-_.0-9A-Za-z]{1,255}")
_LETTER = re.compile(r"[^\W\d_]")

_SPACE = ord(" ")
# What `_clean` deletes from a text mostly in another script (langdetect's Latin: "A" <= ch <= "z").
_LATIN_DROPPED = dict.fromkeys(range(ord("A"), ord("z") + 1))
_CODE_POINTS = 0x110000
_KEY_BITS = 21  # a code point + 1 fits in 21 bits, so three of them fit in one uint64
_HASH_BITS = 20  # 1M slots for 88k keys: 95% of the keys have a slot to themselves
_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: 2^64 / golden ratio, odd
_RECENT_SAMPLES = 4096  # samples whose answers a process keeps (see `detect_languages`)
_recent_results: dict[tuple[str, int, str], LanguageResult] = {}


@dataclass(frozen=True)
class LanguageResult:
    language: str  # ISO 639-1, or "und"
    score: float  # probability of that language (0.0 for "und")


def iso_code(langdetect_code: str) -> str:
    """ISO 639-1 from a langdetect profile name (zh-cn and zh-tw are both Chinese)."""
    return langdetect_code.split("-")[0]


def sample_text(text: str, max_chars: int) -> str:
    """The part of the body the detector reads: the first `max_chars` characters, cut at a space."""
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", 0, max_chars)
    return text[: cut if cut > max_chars // 2 else max_chars]


def gram_key(gram: str) -> int:
    """One integer per n-gram of 1-3 characters: (code point + 1) per character, 21 bits each."""
    key = 0
    for ch in gram:
        key = (key << _KEY_BITS) | (ord(ch) + 1)
    return key


class _Model:
    """langdetect's profiles as a matrix: row = n-gram (in the order of their keys), column = language.

    Built from the profile files directly, with numpy (about 0.3 s per process instead of 1.3 s
    through langdetect's DetectorFactory and a call of NGram.normalize per character): the same n-grams, keys and probabilities (a test
    compares every array with the factory's); the factory itself is built only for the reference
    engine."""

    def __init__(self) -> None:
        from langdetect.detector_factory import PROFILES_DIRECTORY
        from langdetect.utils.ngram import NGram

        names = sorted(n for n in os.listdir(PROFILES_DIRECTORY) if not n.startswith("."))
        self.profile_texts = []
        for name in names:
            with open(os.path.join(PROFILES_DIRECTORY, name), encoding="utf-8") as handle:
                self.profile_texts.append(handle.read())
        profiles = [json.loads(text) for text in self.profile_texts]
        self.languages = [profile["name"] for profile in profiles]
        if len(set(self.languages)) != len(self.languages):
            raise ValueError(f"duplicate language profiles in {PROFILES_DIRECTORY}")
        # Every n-gram of any profile is a row, ordered by key; DetectorFactory.add_profile gives
        # it p = count / n_words[length - 1] in each language that has it, 0.0 elsewhere (grams
        # have 1 to 3 characters: `gram_keys` checks).
        grams = [gram for profile in profiles for gram in profile["freq"]]
        self.keys, first, rows = np.unique(gram_keys(grams), return_index=True, return_inverse=True)
        self.grams = [grams[i] for i in first.tolist()]
        sizes = [len(profile["freq"]) for profile in profiles]
        language_of = np.repeat(np.arange(len(profiles)), sizes)
        counts = np.fromiter(itertools.chain.from_iterable(p["freq"].values() for p in profiles), dtype=np.float64, count=len(grams))
        lengths = np.fromiter(map(len, grams), dtype=np.intp, count=len(grams))
        n_words = np.array([[*profile["n_words"], 1, 1, 1][:3] for profile in profiles], dtype=np.float64)
        probs = np.zeros((len(self.grams), len(profiles)))
        probs[rows, language_of] = counts / n_words[language_of, lengths - 1]
        self.probs = probs.astype(np.float32)
        self.normalized = _normalize_table()
        # str.isupper per code point: the basic plane now, any other character when a text has it.
        self.upper = np.zeros(_CODE_POINTS, dtype=bool)
        self.upper[:0x10000] = [chr(code).isupper() for code in range(0x10000)]
        self.normalize_vi = NGram.normalize_vi
        self.vi_marks = NGram.DMARK_CLASS  # the combining marks normalize_vi folds into letters
        # A hash table over the keys: where keys share a slot, the most frequent n-gram (summed over
        # the languages) gets it, so the keys left to a binary search are rare in text.
        by_frequency = np.argsort(-self.probs.sum(axis=1), kind="stable")
        claimed, first = np.unique(_hash_slots(self.keys[by_frequency]), return_index=True)
        self.slot_rows = np.full(1 << _HASH_BITS, -1, dtype=np.int32)
        self.slot_rows[claimed] = by_frequency[first]
        self._factory = None

    def is_upper(self, chars: np.ndarray) -> np.ndarray:
        """str.isupper of each code point."""
        if len(chars) and int(chars.max()) >= 0x10000:
            # Setting an entry again is as cheap as remembering that it was set.
            for code in np.unique(chars[chars >= 0x10000]).tolist():
                self.upper[code] = chr(code).isupper()
        return np.take(self.upper, chars)

    @property
    def factory(self):
        """langdetect's DetectorFactory over the same profiles (for the reference engine)."""
        if self._factory is None:
            from langdetect.detector_factory import DetectorFactory

            self._factory = DetectorFactory()  # our own instance: the library's global one stays untouched
            self._factory.load_json_profile(self.profile_texts)
        return self._factory


def _normalize_table() -> np.ndarray:
    """NGram.normalize for every code point, as a lookup table. It changes only characters of
    the basic plane, by their Unicode block: whole blocks map to one character (kana, bopomofo,
    hangul), CJK ideographs through its CJK_MAP, and a few small blocks character by character,
    where NGram.normalize itself is called. (A test compares the table with NGram.normalize for
    every code point of the basic plane.)"""
    from langdetect.utils import unicode_block as blocks
    from langdetect.utils.ngram import NGram

    table = np.arange(_CODE_POINTS, dtype=np.uint32)
    whole = {
        blocks.UNICODE_HIRAGANA: "\u3042",
        blocks.UNICODE_KATAKANA: "\u30a2",
        blocks.UNICODE_BOPOMOFO: "\u3105",
        blocks.UNICODE_BOPOMOFO_EXTENDED: "\u3105",
        blocks.UNICODE_HANGUL_SYLLABLES: "\uac00",
    }
    each = {
        blocks.UNICODE_BASIC_LATIN,
        blocks.UNICODE_LATIN_1_SUPPLEMENT,
        blocks.UNICODE_LATIN_EXTENDED_B,
        blocks.UNICODE_GENERAL_PUNCTUATION,
        blocks.UNICODE_ARABIC,
        blocks.UNICODE_LATIN_EXTENDED_ADDITIONAL,
    }
    for name, start, end in blocks._unicode_blocks:
        end = min(end, 0xFFFF)
        if name in whole:
            table[start : end + 1] = ord(whole[name])
        elif name in each:
            table[start : end + 1] = [ord(NGram.normalize(chr(code))) for code in range(start, end + 1)]
        elif name == blocks.UNICODE_CJK_UNIFIED_IDEOGRAPHS:
            for ch, to in NGram.CJK_MAP.items():
                if start <= ord(ch) <= end:
                    table[ord(ch)] = ord(to)
    return table


def gram_keys(grams: list[str]) -> np.ndarray:
    """`gram_key` of each n-gram of 1-3 characters, with numpy."""
    lengths = np.fromiter(map(len, grams), dtype=np.intp, count=len(grams))
    if len(grams) and not ((lengths >= 1) & (lengths <= 3)).all():
        raise ValueError("n-grams of 1 to 3 characters expected")
    codes = np.frombuffer("".join(grams).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64) + 1
    starts = np.cumsum(lengths) - lengths
    keys = codes[starts]
    for k in (1, 2):
        longer = lengths > k
        keys[longer] = (keys[longer] << np.uint64(_KEY_BITS)) | codes[starts[longer] + k]
    return keys


@lru_cache(maxsize=1)
def _model() -> _Model:
    return _Model()


@lru_cache(maxsize=8)
def _trial_randomness(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The smoothing weight alpha / BASE_FREQ (trial x language), and the uniforms of the draws (step x trial)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    alphas = _ALPHA + rng.standard_normal(_N_TRIAL) * _ALPHA_WIDTH
    uniforms = rng.random((_ITERATION_LIMIT + 1, _N_TRIAL))  # step x trial
    weights = np.repeat((alphas / _BASE_FREQ).astype(np.float32)[:, None], len(_model().languages), axis=1)
    return weights, uniforms


def _clean(text: str, model: _Model) -> str:
    """langdetect's Detector.append + cleaning_text: drop URLs and e-mails, normalise Vietnamese,
    and drop Latin letters when the text is mostly in another script. (Runs of spaces, which
    langdetect collapses first, are collapsed after normalisation instead: they make no n-grams
    either way.) A string, so that a batch's cleaned texts are encoded together."""
    if "http" in text:
        text = _URL_RE.sub(" ", text)
    if "@" in text:
        text = _MAIL_RE.sub(" ", text)
    if text.isascii():
        return text  # all Latin (or not letters): nothing more to clean
    if any(mark in text for mark in model.vi_marks):  # each match holds a mark
        text = model.normalize_vi(text)
    # langdetect means to spare Latin Extended Additional here, but its test compares a block number
    # with a block name, so every character from U+0300 on counts as non-Latin. A text without
    # one (most news in Latin script) keeps its Latin letters.
    if max(text) < "\u0300":
        return text
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    latin = (codes - ord("A")) <= ord("z") - ord("A")  # langdetect's test: "A" <= ch <= "z"
    latin_count = int(np.count_nonzero(latin))
    if latin_count * 2 < len(codes) and latin_count * 2 < int(np.count_nonzero(codes >= 0x300)):
        return text.translate(_LATIN_DROPPED)
    return text


def _hash_slots(keys: np.ndarray) -> np.ndarray:
    return ((keys * _HASH_MULTIPLIER) >> np.uint64(64 - _HASH_BITS)).astype(np.intp)  # uint64 wraps


def _profile_rows(keys: np.ndarray, model: _Model) -> np.ndarray:
    """Row of each n-gram key in the profiles, -1 when no profile has it. A binary search over 88k
    keys is slow (17 dependent memory reads per key), so the hash table answers first: the key is
    there, or its slot is empty (no profile has it); only keys whose slot went to another key are
    searched. The slot's key is read from the profiles' keys by its row (700 KB, mostly in the CPU
    cache) rather than from a table of keys per slot (8 MB, a cache miss per key): the same test."""
    slots = _hash_slots(keys)
    rows = np.take(model.slot_rows, slots)  # -1 for an empty slot
    searched = np.flatnonzero((np.take(model.keys, rows) != keys) & (rows >= 0))  # (row -1 reads the last key)
    if len(searched):
        found = np.searchsorted(model.keys, keys[searched])
        np.minimum(found, len(model.keys) - 1, out=found)
        rows[searched] = np.where(model.keys[found] == keys[searched], found, -1)
    return rows


def ngram_rows(texts: list[str], model: _Model | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Profile rows of the n-grams langdetect would draw from, text after text, and how many each
    text has. Per text, in text order (1-, 2-, then 3-gram ending at each character): every 1-3
    character substring of ' word ' (after normalisation) except a lone space, minus those ending
    inside a run of capitals (acronyms), kept only when some profile knows them. The texts are
    joined into one array, each after a space as langdetect starts, and no n-gram crosses a join."""
    model = model or _model()
    if not texts:
        return np.empty(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    cleaned = [_clean(text, model) for text in texts]
    # Each text after a space (the empty first item puts one before the first), all encoded at once.
    codes = np.frombuffer(" ".join(["", *cleaned]).encode("utf-32-le"), dtype=np.uint32)
    lengths = np.fromiter(map(len, cleaned), dtype=np.intp, count=len(cleaned)) + 1
    text_of = np.repeat(np.arange(len(texts)), lengths)  # per character
    chars = np.take(model.normalized, codes)
    space = chars == _SPACE
    kept = np.ones(len(chars), dtype=bool)
    kept[1:] = ~(space[1:] & space[:-1])  # a space after a space adds nothing...
    kept[np.cumsum(lengths) - lengths] = True  # ...but every text keeps its leading one
    chars, space, text_of = chars[kept], space[kept], text_of[kept]
    # keys[i, n - 1] = the n-gram ending at character i; 0 (no profile has it) where there is none.
    plus1 = chars.astype(np.uint64) + 1
    keys = np.zeros((len(chars), 3), dtype=np.uint64)
    keys[:, 0] = np.where(space, 0, plus1)  # a lone space is no n-gram
    keys[1:, 1] = np.where(text_of[1:] == text_of[:-1], (plus1[:-1] << _KEY_BITS) | plus1[1:], 0)
    three = (plus1[:-2] << 2 * _KEY_BITS) | (plus1[1:-1] << _KEY_BITS) | plus1[2:]
    keys[2:, 2] = np.where(space[1:-1] | (text_of[2:] != text_of[:-2]), 0, three)
    upper = model.is_upper(chars)
    keys[1:][upper[1:] & upper[:-1]] = 0  # langdetect skips a capital that follows a capital
    keys = keys.ravel()
    present = np.flatnonzero(keys != 0)  # (a boolean mask: np.flatnonzero reads it 4x as fast)
    rows = _profile_rows(keys[present], model)
    found = rows >= 0
    # N-grams per text: positions are ascending and each text's characters are one run, so the
    # counts are differences of the positions where each text's run begins.
    text_starts = np.searchsorted(text_of, np.arange(len(texts) + 1)) * 3
    counts = np.diff(np.searchsorted(present[found], text_starts))
    return rows[found], counts


def extract_ngrams(text: str) -> list[str]:
    """The n-grams of one text (for reading and tests)."""
    model = _model()
    rows, _ = ngram_rows([text], model)
    return [model.grams[row] for row in rows]


def _detect_fast(texts: list[str], seed: int) -> list[LanguageResult]:
    """langdetect's trials for many texts at once: one chain of draws per (text, trial), each
    chain computed on its own, so a text gets the same answer alone or among others."""
    model = _model()
    rows, counts = ngram_rows(texts, model)
    results = [LanguageResult(UNDETERMINED, 0.0)] * len(texts)
    judged = np.flatnonzero(counts)
    if not len(judged):
        return results
    weights, uniforms = _trial_randomness(seed)
    languages = len(model.languages)
    chain_trial = np.tile(np.arange(_N_TRIAL), len(judged))
    chain_size = np.repeat(counts[judged], _N_TRIAL)  # n-grams to draw from
    chain_offset = np.repeat((np.cumsum(counts) - counts)[judged], _N_TRIAL)  # where they start in rows
    state = np.full((len(chain_trial), languages), 1 / languages)  # langdetect's uniform prior
    final = np.empty_like(state)
    chains = np.arange(len(chain_trial))
    start = 0
    for end in _ROUND_ENDS:
        trial, size = chain_trial[chains], chain_size[chains]
        draws = (uniforms[start:end, trial] * size).astype(np.intp)  # step x chain
        np.minimum(draws, size - 1, out=draws)  # u * n can round up to n
        draws += chain_offset[chains]
        # Step i multiplies a chain's probabilities by (weight + p(gram_i | lang)); langdetect
        # normalises them and tests the threshold after steps 0, 5, 10, ...: the steps between two
        # checkpoints are multiplied together first (5 factors of at least 1e-5 stay far from
        # float32's underflow).
        # np.take: the same rows as model.probs[...], gathered several times faster.
        factors = np.take(model.probs, rows[draws], axis=0)  # step x chain x language
        factors += np.take(weights, trial, axis=0)
        first = 1 if start == 0 else 0  # step 0 is a checkpoint of its own
        blocks = np.empty((first + (end - start - first) // 5, len(chains), languages), dtype=np.float32)
        if first:
            blocks[0] = factors[0]
        np.multiply(factors[first::5], factors[first + 1 :: 5], out=blocks[first:])
        for offset in range(2, 5):
            blocks[first:] *= factors[first + offset :: 5]
        # Probabilities at every checkpoint, normalised as langdetect does (multiplications,
        # divisions and sums only: the same bits on any machine, unlike log and exp).
        posterior = np.empty(blocks.shape)  # checkpoint x chain x language, float64
        probs = np.take(state, chains, axis=0)
        for checkpoint, block in enumerate(blocks):
            probs = np.multiply(probs, block, out=posterior[checkpoint])
            probs /= probs.sum(axis=1, keepdims=True)
        passed = posterior.max(axis=2) > _CONV_THRESHOLD  # checkpoint x chain
        converged = passed.any(axis=0)
        stops = np.where(converged, passed.argmax(axis=0), len(passed) - 1)
        final[chains] = posterior[stops, np.arange(len(chains))]
        state[chains] = probs
        chains = chains[~converged]
        if not len(chains):
            break
        start = end
    # langdetect's answer: the mean of the trials' posteriors.
    per_trial = final.reshape(len(judged), _N_TRIAL, languages)
    total = per_trial[:, 0].copy()
    for trial in range(1, _N_TRIAL):
        total += per_trial[:, trial]
    total /= _N_TRIAL
    best = total.argmax(axis=1)
    scores = total[np.arange(len(judged)), best]
    for text, language, score in zip(judged.tolist(), best.tolist(), scores.tolist()):
        results[text] = LanguageResult(iso_code(model.languages[language]), round(score, 6))
    return results


def _detect_langdetect(text: str, seed: int) -> LanguageResult:
    from langdetect.lang_detect_exception import LangDetectException

    model = _model()
    detector = model.factory.create()
    detector.seed = seed  # per detector: no global DetectorFactory.seed is touched
    detector.append(text)
    try:
        ranked = detector.get_probabilities()
    except LangDetectException:
        return LanguageResult(UNDETERMINED, 0.0)
    if not ranked:
        return LanguageResult(UNDETERMINED, 0.0)
    return LanguageResult(iso_code(ranked[0].lang), round(float(ranked[0].prob), 6))


def detect_languages(texts: list[str], seed: int = 0, sample_chars: int = 500, engine: str = "fast") -> list[LanguageResult]:
    """Language (ISO 639-1) and its probability for each text; 'und' when there are no letters to
    judge. The same answers as one `detect_language` per text: the fast engine only shares its
    numpy work across the texts."""
    samples = [sample_text(text, sample_chars) for text in texts]
    results = [LanguageResult(UNDETERMINED, 0.0)] * len(texts)
    # A sample's answer depends only on the sample, the seed and the engine: copies of a document
    # (a few percent of a crawl, usually near each other) take the answer of a recent one.
    judged = []
    for i, sample in enumerate(samples):
        known = _recent_results.get((sample, seed, engine))
        if known is not None:
            results[i] = known
        elif _LETTER.search(sample):
            judged.append(i)
    if engine == "langdetect":
        found = [_detect_langdetect(samples[i], seed) for i in judged]
    else:
        found = _detect_fast([samples[i] for i in judged], seed)
    for i, result in zip(judged, found):
        results[i] = result
        _recent_results[samples[i], seed, engine] = result
    while len(_recent_results) > _RECENT_SAMPLES:
        del _recent_results[next(iter(_recent_results))]  # the oldest first
    return results


def forget_recent_answers() -> None:
    """Forget the answers kept for recent samples (see `detect_languages`), e.g. before a benchmark
    runs the same documents again."""
    _recent_results.clear()


def detect_language(text: str, seed: int = 0, sample_chars: int = 500, engine: str = "fast") -> LanguageResult:
    """Language of `text` (ISO 639-1) and its probability; 'und' when there are no letters to judge.
    For many texts, `detect_languages` is several times faster (with the same answers)."""
    return detect_languages([text], seed, sample_chars, engine)[0]


def batches(docs: Iterable[Document], max_docs: int, max_chars: int | None = None) -> Iterator[list[Document]]:
    """Documents in order, in batches of at most `max_docs` documents or (when given) about
    `max_chars` characters of text."""
    batch: list[Document] = []
    chars = 0
    for doc in docs:
        batch.append(doc)
        if max_chars is not None:
            chars += len(doc.text or "")
        if len(batch) >= max_docs or (max_chars is not None and chars >= max_chars):
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


def run(docs: Iterable[Document], cfg: LanguageConfig, stats: Stats) -> Iterator[Document]:
    keep = {code.strip().lower() for code in cfg.languages if code.strip()}
    if not cfg.enabled:
        yield from docs
        return
    for batch in batches(docs, max(1, cfg.batch_docs)):
        judged = [doc for doc in batch if doc.reject is None]
        if not judged:
            yield from batch
            continue
        results = detect_languages([doc.text for doc in judged], cfg.seed, cfg.sample_chars, cfg.engine)
        for doc, result in zip(judged, results):
            doc.language = result.language
            doc.language_score = result.score
            stats.inc(f"language.detected.{result.language}")
            if keep and result.language not in keep:
                stats.inc("language.dropped")
                doc.drop("language", f"language {result.language} (p={result.score:.2f}) not in {sorted(keep)}")
        yield from batch
