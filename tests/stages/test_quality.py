import collections
import dataclasses
import gzip
import importlib.util
import itertools
import json
import re
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from builder.config import ConfigError, QualityConfig
from builder.document import Document
from builder.stages import quality
from builder.stats import Stats

ARTICLE = """The city council voted on Tuesday to extend the tram line to the northern districts, a project that engineers expect to take four years.

Residents of the northern districts have asked for a better connection with the centre for more than a decade, and the vote was greeted with applause in the public gallery.

The extension will add six stops and about five kilometres of track. The council estimates the cost at 180 million euros, of which the regional government has agreed to pay a third.

Opponents on the council said the money would be better spent on buses, which could serve more streets at a lower price. They also warned that construction would disrupt traffic on the main avenue for at least two summers.

The mayor said the city had learned from the last extension, when works ran a year late, and that contracts would now include penalties for delays.

"We have waited long enough," said a shop owner whose street will get a stop. "If it takes four years, it takes four years, but it has to start now."
"""

CFG = QualityConfig()


def rules(text: str, language: str = "en", cfg: QualityConfig = CFG) -> set[str]:
    return {rule for rule, _ in quality.check(quality.quality_signals(text, language, cfg), cfg)}


def distinct_words(n: int, length: int = 2) -> list[str]:
    """n distinct lowercase words of the given length (no stop words, no repeats)."""
    words = ("".join(chars) for chars in itertools.product("bcdfghjklmnpqrstvwxz", repeat=length))
    return list(itertools.islice(words, n))


def ngrams_of(*texts: str) -> "quality._Ngrams":
    """The n-gram arrays of the words of these texts (lowercased, punctuation deleted)."""
    return quality._Ngrams(quality._Words([text.lower() for text in texts]))


def doc(text: str, language: str = "en") -> Document:
    return Document(id="d", text=text, path="p", record=1, raw_hash="h", language=language)


def test_real_prose_passes_every_rule():
    assert quality.check(quality.quality_signals(ARTICLE, "en")) == []


def test_min_and_max_words_at_threshold():
    words = ARTICLE.split()
    assert "min_words" not in rules(" ".join(words[:50]) + ".")
    assert "min_words" in rules(" ".join(words[:49]) + ".")
    cfg = dataclasses.replace(CFG, max_words=60)
    assert "max_words" not in rules(" ".join(words[:60]), cfg=cfg)
    assert "max_words" in rules(" ".join(words[:61]), cfg=cfg)


def test_mean_word_length_bounds():
    assert quality.quality_signals(" ".join(["abc"] * 60))["mean_word_length"] == 3.0
    assert "mean_word_length" not in rules(" ".join(distinct_words(60, 3)))
    assert "mean_word_length" in rules(" ".join(distinct_words(60, 2)))
    assert "mean_word_length" not in rules(" ".join(["abcdefghij"] * 60))
    assert "mean_word_length" in rules(" ".join(["abcdefghijk"] * 60))
    # Punctuation does not count toward a word's length.
    assert quality.quality_signals("abc, abc. (abc)")["mean_word_length"] == 3.0


def test_alpha_words_share():
    def text(numbers: int) -> str:
        return " ".join(distinct_words(100 - numbers, 4) + [str(1000 + i) for i in range(numbers)])

    assert quality.quality_signals(text(20))["alpha_words"] == pytest.approx(0.80)
    assert "alpha_words" not in rules(text(20))
    assert "alpha_words" in rules(text(21))
    # A token of punctuation only has no letter either.
    assert quality.quality_signals("word — word")["alpha_words"] == pytest.approx(2 / 3)


def test_symbol_ratio():
    def text(hashes: int) -> str:
        return " ".join([f"#{w}" for w in distinct_words(hashes, 4)] + distinct_words(100, 5)[hashes:])

    assert quality.quality_signals(text(10))["symbol_ratio"] == pytest.approx(0.10)
    assert "symbol_ratio" not in rules(text(10))
    assert "symbol_ratio" in rules(text(11))
    assert quality.quality_signals("one two... three… four | five")["symbol_ratio"] == pytest.approx(3 / 6)


def lines_text(marked: int, total: int, mark, plain) -> str:
    return "\n".join(mark(i) if i < marked else plain(i) for i in range(total))


SENTENCE = "This line is a plain sentence of ordinary prose that ends well."


def test_bullet_lines():
    text = lambda n: lines_text(n, 10, lambda i: f"- {SENTENCE}", lambda i: SENTENCE)  # noqa: E731
    assert quality.quality_signals(text(9))["bullet_lines"] == pytest.approx(0.9)
    assert "bullet_lines" not in rules(text(9))
    assert "bullet_lines" in rules(text(10))
    assert quality.quality_signals("1. one\n2) two\n• three\nfour")["bullet_lines"] == pytest.approx(0.75)


def test_ellipsis_lines():
    text = lambda n: lines_text(n, 10, lambda i: SENTENCE[:-1] + "...", lambda i: SENTENCE)  # noqa: E731
    assert "ellipsis_lines" not in rules(text(3))
    assert "ellipsis_lines" in rules(text(4))
    assert quality.quality_signals("a b c…\nd e f...”\ng h i.")["ellipsis_lines"] == pytest.approx(2 / 3)


def test_punct_lines():
    text = lambda n: lines_text(n, 25, lambda i: SENTENCE, lambda i: SENTENCE[:-1])  # noqa: E731
    assert quality.quality_signals(text(3))["punct_lines"] == pytest.approx(0.12)
    assert "punct_lines" not in rules(text(3))
    assert "punct_lines" in rules(text(2))
    # Closing quotes after the mark and CJK full stops count.
    assert quality.quality_signals('He said "yes."\n彼は来た。\nno mark here')["punct_lines"] == pytest.approx(2 / 3)


def test_short_lines():
    short = "A short line of text here."  # 26 chars
    assert len(short) <= CFG.short_line_chars
    text = lambda n: lines_text(n, 3, lambda i: short, lambda i: SENTENCE)  # noqa: E731
    assert "short_lines" not in rules(text(2))  # 0.667 <= 0.67
    assert "short_lines" in rules(text(3))
    exactly = "x" * CFG.short_line_chars
    assert quality.quality_signals(f"{exactly}\n{exactly}x\n{SENTENCE}")["short_lines"] == pytest.approx(1 / 3)


def test_lines_per_word():
    def text(words: int) -> str:
        vocabulary = distinct_words(words, 4)
        return "\n".join(" ".join(vocabulary[i::10]) + "." for i in range(10))

    assert "lines_per_word" in rules(text(33))  # 10 / 33 = 0.303
    assert "lines_per_word" not in rules(text(34))  # 0.294


def test_dup_lines_and_dup_line_chars():
    unique = [f"Line number {w} says something new today." for w in distinct_words(10, 3)]
    three = unique[:7] + [unique[0]] * 3
    four = unique[:6] + [unique[0]] * 4
    assert quality.quality_signals("\n".join(three))["dup_lines"] == pytest.approx(0.3)
    assert "dup_lines" not in rules("\n".join(three))
    assert "dup_lines" in rules("\n".join(four))
    # Characters: one long line repeated among short distinct ones.
    long_line = "A long line " + "that keeps going " * 5 + "and ends."
    short = [f"Short {w} line." for w in distinct_words(9, 3)]
    signals = quality.quality_signals("\n".join(short + [long_line, long_line]))
    assert signals["dup_line_chars"] == pytest.approx(len(long_line) / (sum(map(len, short)) + 2 * len(long_line)))
    assert "dup_line_chars" in rules("\n".join(short + [long_line, long_line]))
    assert "dup_line_chars" not in rules("\n".join(short + [long_line]))


def test_top_ngram_chars():
    # 100 words of 2 letters = 200 chars; the bigram "xa xb" k times (each time followed by a
    # different word, so no longer n-gram repeats) covers 4k chars.
    def text(k: int) -> str:
        vocabulary = distinct_words(100 - 2 * k)
        return " ".join([w for i in range(k) for w in ("xa", "xb", vocabulary[i])] + vocabulary[k:])

    assert ngrams_of(text(10)).top_chars(2)[0] == pytest.approx(0.20)
    assert "top_ngram_chars" not in rules(text(10))
    assert "top_ngram_chars" in rules(text(11))
    # In prose the bigram bound (twice the share of "the") is within the limit: not measured.
    measured = quality.quality_signals(ARTICLE)["top_ngram_chars"]
    assert "2" not in measured and all(value < 0.05 for value in measured.values())


def test_top_ngram_bound_is_an_upper_bound():
    for text in (ARTICLE, " ".join(["xa", "xb"] * 11 + distinct_words(78)), "a b a b a b c d c d", "a a a a b"):
        ngrams = ngrams_of(text)
        for n in (2, 3, 4):
            assert ngrams.top_chars(n)[0] <= ngrams.top_chars_bound(n)[0] + 1e-12


def test_dup_ngram_chars():
    vocabulary = distinct_words(100)
    # A 5-gram written twice covers 10 of 100 two-letter words: 0.1 of the characters.
    text = " ".join(vocabulary[:5] + vocabulary[5:50] + vocabulary[:5] + vocabulary[50:95])
    assert ngrams_of(text).dup_chars(5)[0] == pytest.approx(0.10)
    assert ngrams_of(text).dup_chars(6)[0] == 0.0
    limits = {"5": 0.10, "6": 0.05}
    assert "dup_ngram_chars" not in rules(text, cfg=dataclasses.replace(CFG, max_dup_ngram_chars=limits))
    tighter = {"5": 0.09, "6": 0.05}
    assert "dup_ngram_chars" in rules(text, cfg=dataclasses.replace(CFG, max_dup_ngram_chars=tighter))
    # Overlapping repeats count each word once: "a b c d e f" twice, 5-grams (a..e) and (b..f).
    twice = " ".join(vocabulary[:6] * 2 + vocabulary[6:94])
    assert ngrams_of(twice).dup_chars(5)[0] == pytest.approx(0.12)


def test_dup_ngram_longer_sizes_measured_only_when_they_could_fail():
    limits = {"5": 0.40, "10": 0.35}
    # A low bound lets the shortest size through; within the longer size's limit, it is not measured.
    low = {"5": 0.0, "10": 0.35}
    ngrams = ngrams_of(ARTICLE)
    assert quality._dup_ngram_chars(ngrams, low) == [{"5": ngrams.dup_chars(5)[0]}]
    repeated = ngrams_of(" ".join(distinct_words(40) * 2))
    measured = quality._dup_ngram_chars(repeated, limits)
    assert measured == [{"5": 1.0, "10": 1.0}]
    # Together, each text gets what it gets alone.
    both = ngrams_of(ARTICLE, " ".join(distinct_words(40) * 2))
    assert quality._dup_ngram_chars(both, low) == [{"5": ngrams.dup_chars(5)[0]}, {"5": 1.0, "10": 1.0}]


def test_stop_words():
    filler = distinct_words(60, 4)
    assert "stop_words" not in rules(" ".join(filler + ["the", "and"]))
    assert "stop_words" in rules(" ".join(filler + ["the"]))
    german = " ".join(filler + ["und", "der"])
    assert "stop_words" not in rules(german, "de")
    assert "stop_words" in rules(german, "fr")
    # A language without a list: the rule does not apply.
    assert quality.quality_signals(german, "sw")["stop_words"] is None
    assert "stop_words" not in rules(german, "sw")
    assert quality.quality_signals(german, "zh-cn")["language"] == "zh"


def test_lorem_ipsum():
    assert "lorem_ipsum" in rules(ARTICLE + "\nLorem Ipsum dolor sit amet, consectetur adipiscing elit.")
    assert "lorem_ipsum" not in rules(ARTICLE)


def test_languages_without_spaces_skip_word_rules():
    japanese = "市議会は火曜日、路面電車を北部地区まで延伸することを決めた。\n工事には四年かかる見込みだ。\n住民は長年この接続を求めてきた。"
    signals = quality.quality_signals(japanese, "ja")
    assert signals["n_words"] is None and signals["stop_words"] is None
    assert rules(japanese, "ja") == set()
    assert signals["short_lines"] is None and signals["punct_lines"] == 1.0
    assert "min_words" in rules(japanese, "en")


def test_line_rules_need_min_lines():
    one_line = " ".join(ARTICLE.split()).rstrip('."')  # one line, no final punctuation
    assert quality.quality_signals(one_line)["punct_lines"] is None
    assert "punct_lines" not in rules(one_line)
    assert "punct_lines" in rules(one_line, cfg=dataclasses.replace(CFG, min_lines=1))


def test_run_drops_with_named_reason_and_detail():
    stats = Stats()
    spam = " ".join(["cheap shoes"] * 40 + distinct_words(20, 4))
    already = doc("anything")
    already.drop("language", "not wanted")
    out = list(quality.run([doc(ARTICLE), doc(spam), already, doc(ARTICLE, "sw")], CFG, stats))
    assert [d.reject for d in out] == [None, "quality:top_ngram_chars", "language", None]
    assert "> max 0.2" in out[1].reject_detail and "2-gram" in out[1].reject_detail
    assert out[2].reject_detail == "not wanted"
    assert stats.get("quality.dropped.top_ngram_chars") == 1
    assert stats.get("quality.passed") == 2
    assert stats.get("quality.stop_words_no_list.sw") == 1


def test_rules_can_be_switched_off():
    spam = " ".join(["cheap shoes"] * 40 + distinct_words(20, 4))
    cfg = dataclasses.replace(CFG, disabled=["top_ngram_chars", "dup_ngram_chars", "stop_words", "mean_word_length"])
    assert rules(spam, cfg=cfg) == set()
    out = list(quality.run([doc(spam)], dataclasses.replace(CFG, enabled=False), Stats()))
    assert out[0].reject is None


def test_unknown_rule_name_is_a_config_error():
    with pytest.raises(ConfigError, match="min_wrds"):
        quality.validate(dataclasses.replace(CFG, disabled=["min_wrds"]))
    with pytest.raises(ConfigError, match="n-gram sizes"):
        quality.validate(dataclasses.replace(CFG, max_dup_ngram_chars={"five": 0.1}))


# ---------------------------------------------------------------- the fast path against a reference

REFERENCE_PUNCTUATION = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in range(0x10000) if unicodedata.category(chr(c))[0] in "PS") + "]+"
)
REFERENCE_TERMINAL = re.compile(r"[.!?…:;。！？．؟।॥։።][\"'”’»)\]」』）】〕]*$")
REFERENCE_BULLET = re.compile(r"^(?:[-*•·‣▪◦–—+>]|\d{1,3}[.)])\s")
REFERENCE_ELLIPSIS = re.compile(r"(?:\.\.\.|…)[\"'”’»)\]]*$")


def reference_ngram_shares(words: list[str], n: int) -> tuple[float, float]:
    """(top, dup) for size n the plain way: tuples of words counted in a dict."""
    total = sum(map(len, words))
    grams = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
    counts = collections.Counter(grams)
    if not grams or total == 0 or max(counts.values()) < 2:
        return 0.0, 0.0
    top_gram, top_count = counts.most_common(1)[0]  # ties: the first in the text
    covered = {i + k for i, gram in enumerate(grams) if counts[gram] > 1 for k in range(n)}
    return top_count * sum(map(len, top_gram)) / total, sum(len(words[i]) for i in covered) / total


def reference_signals(text: str, language: str, cfg: QualityConfig) -> dict:
    """Every measure of `quality.quality_signals`, written plainly (one regex or loop per
    measure) and with every n-gram size measured."""
    lang = quality.base_language(language)
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    s: dict = {"language": lang, "n_lines": len(lines)}
    if len(lines) >= cfg.min_lines:
        seen: set[str] = set()
        repeats = [line for line in lines if line in seen or seen.add(line)]
        s.update(
            bullet_lines=sum(bool(REFERENCE_BULLET.match(line)) for line in lines) / len(lines),
            ellipsis_lines=sum(bool(REFERENCE_ELLIPSIS.search(line)) for line in lines) / len(lines),
            punct_lines=sum(bool(REFERENCE_TERMINAL.search(line)) for line in lines) / len(lines),
            short_lines=None if lang in quality.NO_SPACE_LANGUAGES
            else sum(len(line) <= cfg.short_line_chars for line in lines) / len(lines),
            dup_lines=len(repeats) / len(lines),
            dup_line_chars=sum(map(len, repeats)) / max(1, sum(map(len, lines))),
        )
    else:
        s.update(dict.fromkeys(["bullet_lines", "ellipsis_lines", "punct_lines", "short_lines", "dup_lines", "dup_line_chars"]))
    found = [p for p in cfg.placeholder_phrases if p.lower() in text.lower()]
    s["lorem_ipsum"] = found[0] if found else None
    if lang in quality.NO_SPACE_LANGUAGES:
        s.update(dict.fromkeys(["n_words", "mean_word_length", "alpha_words", "symbol_ratio", "lines_per_word",
                                "top_ngram_chars", "dup_ngram_chars", "stop_words"]))
        return s
    n_words = len(text.split())
    words = REFERENCE_PUNCTUATION.sub("", text.lower()).split()
    s["n_words"] = n_words
    s["mean_word_length"] = sum(map(len, words)) / len(words) if words else 0.0
    without_letter = (n_words - len(words)) + sum(word.isnumeric() for word in words)
    s["alpha_words"] = 1 - without_letter / n_words if n_words else 0.0
    s["symbol_ratio"] = sum(text.count(symbol) for symbol in cfg.symbols) / n_words if n_words else 0.0
    s["lines_per_word"] = len(lines) / n_words if n_words else 0.0
    shares = {n: reference_ngram_shares(words, int(n)) for n in {*cfg.max_top_ngram_chars, *cfg.max_dup_ngram_chars}}
    s["top_ngram_chars"] = {n: shares[n][0] for n in cfg.max_top_ngram_chars}
    s["dup_ngram_chars"] = {n: shares[n][1] for n in sorted(cfg.max_dup_ngram_chars, key=int)}
    stop_words = quality.STOP_WORDS.get(lang)
    s["stop_words"] = sum(word in stop_words for word in words) if stop_words is not None else None
    return s


def assert_same_as_reference(text: str, language: str, cfg: QualityConfig = CFG) -> None:
    expected = reference_signals(text, language, cfg)
    for stop_at_failing_size in (False, True):
        fast = quality.quality_signals(text, language, cfg, stop_at_failing_size=stop_at_failing_size)
        scalars = {k: v for k, v in fast.items() if k not in ("top_ngram_chars", "dup_ngram_chars")}
        assert scalars == {k: v for k, v in expected.items() if k in scalars}, text[:60]
        assert fast.keys() == expected.keys()
        for rule in ("top_ngram_chars", "dup_ngram_chars"):
            if fast[rule] is None:
                assert expected[rule] is None
                continue
            limits = getattr(cfg, f"max_{rule}")
            # A measured size has the exact value; a size left out passes, unless an earlier one failed.
            assert fast[rule] == {n: expected[rule][n] for n in fast[rule]}, (rule, text[:60])
            if not stop_at_failing_size:
                assert all(expected[rule][n] <= limits[n] for n in limits if n not in fast[rule]), (rule, text[:60])
        assert quality.check(fast, cfg) == quality.check(expected, cfg), text[:60]


def load_bench(name: str):
    path = Path(__file__).resolve().parents[2] / "bench" / f"{name}.py"
    sys.path.insert(0, str(path.parent))
    try:
        spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


EDGE_TEXTS = [
    ("", "en"),
    ("   \n\n \t ", "en"),
    ("— — — | ... …", "en"),
    ("2024 1999 42 ٣٤ ½ x", "en"),
    ("word", "en"),
    ("Ein kurzer Satz über den Fluss, und der Regen fällt.\n„Zitat“ — sagte sie…\n• Punkt eins\n1) zwei", "de"),
    ('He said "yes."\n彼は来た。\nno mark here\n- bullet line\n-not a bullet', "en"),
    ("市議会は火曜日、路面電車を北部地区まで延伸することを決めた。\n工事には四年かかる見込みだ。\n住民は長年この接続を求めてきた。", "ja"),
    # Two bigrams equally frequent, of different lengths: the first one in the text counts.
    ("aa bb x1 aa bb x2 cccc dddd x3 cccc dddd x4 " + " ".join(distinct_words(30, 3)), "en"),
    ("a a a a a a a b b b b", "en"),
    ("Lone surrogate \ud800 inside, and an emoji 🎉 with a symbol ✓ here.", "en"),
    (ARTICLE, "en"),
    (ARTICLE, "sw"),
    (ARTICLE + "\n" + ARTICLE, "en"),
    ("\n".join([SENTENCE] * 3 + [SENTENCE[:-1] + "..."] * 2), "en"),
]


@pytest.mark.parametrize("text,language", EDGE_TEXTS)
def test_fast_signals_equal_reference_on_written_texts(text, language):
    assert_same_as_reference(text, language)
    no_bounds = dataclasses.replace(CFG, max_top_ngram_chars={"2": 0.0, "3": 0.0}, max_dup_ngram_chars={"3": 0.0, "4": 0.0})
    assert_same_as_reference(text, language, no_bounds)


def test_fast_signals_equal_reference_on_negatives_and_synthetic_articles():
    negatives = load_bench("quality").negatives(seed=8, per_kind=25)
    articles = [a["text"] for a in load_bench("sites").generate(25, seed=3)]
    strict = dataclasses.replace(CFG, max_top_ngram_chars={"2": 0.05, "3": 0.04, "4": 0.03},
                                 max_dup_ngram_chars={"5": 0.15, "6": 0.14, "7": 0.13})
    for texts in [*negatives.values(), articles]:
        for text in texts:
            assert_same_as_reference(text, "en")
            assert_same_as_reference(text, "en", strict)


def test_fast_signals_equal_reference_on_real_news():
    corpora = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora"
    if not corpora.is_dir():
        pytest.skip(f"{corpora} not found (third-party corpora of real news)")
    truth = json.loads((corpora / "article_extraction_benchmark" / "ground-truth.json").read_text("utf-8"))
    bodies = [item.get("articleBody") or "" for item in truth.values()]
    with gzip.open(corpora / "buzzfeed_webis_2016" / "articles.jsonl.gz", "rt", encoding="utf-8") as handle:
        bodies += [json.loads(line).get("mainText") or "" for line in itertools.islice(handle, 150)]
    for body in bodies:
        assert_same_as_reference(body, "en")


def test_run_reports_the_same_first_failure_as_check():
    texts = [ARTICLE, " ".join(["cheap shoes"] * 40 + distinct_words(20, 4)),
             " ".join(distinct_words(40, 4) * 2), "too short"]
    docs = [doc(text) for text in texts]
    stats = Stats()
    out = list(quality.run(docs, CFG, stats))
    for text, result in zip(texts, out):
        failures = quality.check(quality.quality_signals(text, "en", CFG), CFG)
        assert (result.reject, result.reject_detail) == ((f"quality:{failures[0][0]}", failures[0][1]) if failures else (None, ""))
    assert [d.reject for d in out] == [None, "quality:top_ngram_chars", "quality:dup_ngram_chars", "quality:min_words"]
    # Every failing rule is counted, not only the first.
    assert stats.get("quality.failed.dup_ngram_chars") == 2 and stats.get("quality.dropped.dup_ngram_chars") == 1


def test_every_bound_is_an_upper_bound():
    negatives = load_bench("quality").negatives(seed=5, per_kind=10)
    texts = [ARTICLE, ARTICLE * 3, "a b a b a b c d c d", "a a a a b", " ".join(distinct_words(50) * 2),
             *itertools.chain.from_iterable(negatives.values())]
    for text in texts:
        ngrams = ngrams_of(text)
        for n in range(1, 11):
            top, dup = ngrams.top_chars(n)[0], ngrams.dup_chars(n)[0]
            assert top <= ngrams.top_chars_bound(n)[0] <= ngrams.top_chars_word_bound(n)[0] + 1e-12, (n, text[:40])
            assert dup <= ngrams.dup_chars_bound(n)[0], (n, text[:40])
    # Measured together, every text keeps its values, and the bounds stay bounds.
    together = ngrams_of(*texts)
    for n in range(1, 11):
        alone = [ngrams_of(text) for text in texts]
        assert together.top_chars(n).tolist() == [a.top_chars(n)[0] for a in alone]
        assert together.dup_chars(n).tolist() == [a.dup_chars(n)[0] for a in alone]
        assert (together.top_chars(n) <= together.top_chars_bound(n) + 1e-12).all()
        assert (together.top_chars_bound(n) <= together.top_chars_word_bound(n) + 1e-12).all()
        assert (together.dup_chars(n) <= together.dup_chars_bound(n)).all()


def test_run_in_batches_keeps_order_and_decides_as_one_by_one(monkeypatch):
    # More documents than a batch, some already rejected upstream: every document comes out, in
    # order, with the decision it gets alone.
    monkeypatch.setattr(quality, "_BATCH_DOCS", 4)
    texts = [ARTICLE, " ".join(["cheap shoes"] * 40 + distinct_words(20, 4)), " ".join(distinct_words(40, 4) * 2),
             "too short", ARTICLE + "\n" + ARTICLE, "市議会は火曜日、路面電車を延伸することを決めた。"] * 3
    docs = [doc(text, "ja" if text.startswith("市") else "en") for text in texts]
    for i in (2, 7, 11):
        docs[i].drop("language", "upstream")
    out = list(quality.run(docs, CFG, Stats()))
    assert out == docs  # the same objects, in order
    for i, (text, result) in enumerate(zip(texts, out)):
        if i in (2, 7, 11):
            assert result.reject == "language"
            continue
        alone = list(quality.run([doc(text, result.language)], CFG, Stats()))[0]
        assert (result.reject, result.reject_detail) == (alone.reject, alone.reject_detail)


def test_word_counts_given_or_counted_give_the_same_signals():
    texts = [ARTICLE, "— a — b", "", " ".join(distinct_words(60))]
    languages = ["en"] * len(texts)
    counted = quality.quality_signals_many(texts, languages, CFG, True)
    given = quality.quality_signals_many(texts, languages, CFG, True, [doc(t).word_count() for t in texts])
    assert given == counted
    assert [s["n_words"] for s in counted] == [len(t.split()) for t in texts]
    # A given count is taken as it is, not counted again (else the check above could not tell).
    assert quality.quality_signals_many([ARTICLE], ["en"], CFG, True, [7])[0]["n_words"] == 7


def test_words_are_those_of_str_split_without_punctuation():
    """_Words finds, in numpy, the words str.split() finds once punctuation and symbols are deleted:
    their count per text, len(), str.isnumeric(), and keys equal exactly for equal words."""
    texts = [
        "the quick brown fox",
        "çà et là, 12 € ½ ٣٤ 2024",  # Latin-1 and not; numerals of other scripts
        "tabs\tand\u00a0nbsp\u2003em\u3000ideographic\x1cseparator\r\ncrlf\u2028line",
        "\ud800 lone surrogate \udfff",
        "emoji 🎉x 𝟘𝟙 ok",  # beyond the basic plane: a symbol kept (as before), mathematical digits
        "",
        "— … | ... —",  # only punctuation: no words
        "nul\x00inside and\x00 e\u0301 é",  # control character; combining mark
        "the The the, the.",
        "مرحبا بالعالم שלום 市議会 " * 3,
    ]
    lowered = [text.lower() for text in texts]
    words = quality._Words(lowered)
    reference = [REFERENCE_PUNCTUATION.sub("", text).split() for text in lowered]
    assert words.n_words.tolist() == [len(w) for w in reference]
    flat = [word for text_words in reference for word in text_words]
    assert words.lengths.tolist() == [len(word) for word in flat]
    assert words.numeric.tolist() == [word.isnumeric() for word in flat]
    keys = words.keys.tolist()
    for i, j in itertools.combinations(range(len(flat)), 2):
        assert (keys[i] == keys[j]) == (flat[i] == flat[j]), (flat[i], flat[j])
    # A word's key does not depend on its batch, its position or the width of the batch's code points.
    assert quality._Words(["the"]).keys.tolist() == [keys[flat.index("the")]]
    assert quality._Words(["x é the"]).keys.tolist()[2] == keys[flat.index("the")]
    assert quality._Words([]).n_words.tolist() == []


def test_stop_words_counted_in_a_mixed_batch_as_alone():
    # Stop words are matched for the whole batch at once, each text against its own language's list.
    texts = ["The cat and the dog, with THE bird.", "Der Hund und die Katze, das ist nicht mit der Maus.",
             "", "the and of " * 3, "Le chat et la souris.", "市議会は火曜日に決めた。", "— … |"]
    languages = ["en", "de", "en", "sw", "fr-CA", "ja", "en"]
    together = quality.quality_signals_many(texts, languages, CFG)
    alone = [quality.quality_signals(text, language, CFG) for text, language in zip(texts, languages)]
    assert [s["stop_words"] for s in together] == [s["stop_words"] for s in alone] == [5, 8, 0, None, 3, None, 0]


def test_numeric_class_is_str_isnumeric_for_every_code_point():
    is_numeric = [chr(code).isnumeric() for code in range(0x110000)]
    assert ((quality._CHAR_CLASS & quality._NUMERIC) != 0).tolist() == is_numeric


def test_code_points_in_the_narrowest_array():
    """Latin-1 text is read one byte per character, the basic plane two, the rest four: the code
    points are the same, lone surrogates included."""
    for text, width in (("", 1), ("plain café ÿ", 1), ("Ω “quoted” 東京", 2), ("lone \ud800 half", 2), ("emoji 😀 and \udc00", 4)):
        codes = quality._code_points(text)
        assert codes.dtype.itemsize == width, text
        assert codes.tolist() == [ord(char) for char in text], text
    # The same words whatever the width: a text measured alone and beside wider ones.
    alone = quality._Words(["café au lait, café noir"])
    beside = quality._Words(["café au lait, café noir", "東京 😀"])
    assert alone.keys.tolist() == beside.keys[: len(alone.keys)].tolist()


def test_latin1_batch_words_as_in_the_general_path():
    """A batch of Latin-1 texts is measured on bytes (translate), any other batch on its code points:
    every Latin-1 character lands in the same class either way, so the words are the same."""
    every_char = "".join(map(chr, range(256)))
    texts = [every_char, "caf\xe9 \xbd\xb2 12\xb3 na\xefve\xa0word\x85next \x1cx\x1fy", "", "  ", "--- ...", "\xa9 2024 \xa7 5, \xb5s \xdf"]
    lowered = [text.lower() for text in texts]
    latin1 = quality._Words(lowered)
    general = quality._Words(lowered + ["\u20ac"])  # one text beyond Latin-1: the general path for all
    assert latin1.n_words.tolist() == general.n_words.tolist()[: len(texts)]
    n = len(latin1.keys)
    assert latin1.keys.tolist() == general.keys.tolist()[:n]
    assert latin1.lengths.tolist() == general.lengths.tolist()[:n]
    assert latin1.numeric.tolist() == general.numeric.tolist()[:n]
    reference = [word for text in lowered for word in REFERENCE_PUNCTUATION.sub("", text).split()]
    assert latin1.lengths.tolist() == [len(word) for word in reference]
    assert latin1.numeric.tolist() == [word.isnumeric() for word in reference]


def test_covered_share_counts_each_covered_word_once():
    # Words of two texts; n-grams of 3 marked at chosen starts: a word inside several marked
    # n-grams counts once, and no n-gram's words are counted in another text.
    words = quality._Words(["aa b ccc dd e ffff g", "hh i jjj k"])
    ngrams = quality._Ngrams(words)
    lengths = words.lengths.tolist()
    for marked in ([0], [0, 1], [4], [2, 3], [7], [0, 4, 7], []):
        starts = np.zeros(ngrams.n_all - 2, dtype=bool)
        starts[marked] = True
        covered = {j for i in marked for j in range(i, i + 3)}
        expected = [sum(lengths[j] for j in covered if j < 7) / sum(lengths[:7]),
                    sum(lengths[j] for j in covered if j >= 7) / sum(lengths[7:])]
        assert ngrams._covered_share(starts, 3).tolist() == pytest.approx(expected), marked
