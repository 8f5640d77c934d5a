import dataclasses
import itertools

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

    assert quality._Ngrams(text(10).split()).top_chars(2) == pytest.approx(0.20)
    assert "top_ngram_chars" not in rules(text(10))
    assert "top_ngram_chars" in rules(text(11))
    # In prose the bigram bound (twice the share of "the") is within the limit: not measured.
    measured = quality.quality_signals(ARTICLE)["top_ngram_chars"]
    assert "2" not in measured and all(value < 0.05 for value in measured.values())


def test_top_ngram_bound_is_an_upper_bound():
    for text in (ARTICLE, " ".join(["xa", "xb"] * 11 + distinct_words(78)), "a b a b a b c d c d", "a a a a b"):
        ngrams = quality._Ngrams(text.split())
        for n in (2, 3, 4):
            assert ngrams.top_chars(n) <= ngrams.top_chars_bound(n) + 1e-12


def test_dup_ngram_chars():
    vocabulary = distinct_words(100)
    # A 5-gram written twice covers 10 of 100 two-letter words: 0.1 of the characters.
    text = " ".join(vocabulary[:5] + vocabulary[5:50] + vocabulary[:5] + vocabulary[50:95])
    assert quality._Ngrams(text.split()).dup_chars(5) == pytest.approx(0.10)
    assert quality._Ngrams(text.split()).dup_chars(6) == 0.0
    limits = {"5": 0.10, "6": 0.05}
    assert "dup_ngram_chars" not in rules(text, cfg=dataclasses.replace(CFG, max_dup_ngram_chars=limits))
    tighter = {"5": 0.09, "6": 0.05}
    assert "dup_ngram_chars" in rules(text, cfg=dataclasses.replace(CFG, max_dup_ngram_chars=tighter))
    # Overlapping repeats count each word once: "a b c d e f" twice, 5-grams (a..e) and (b..f).
    twice = " ".join(vocabulary[:6] * 2 + vocabulary[6:94])
    assert quality._Ngrams(twice.split()).dup_chars(5) == pytest.approx(0.12)


def test_dup_ngram_longer_sizes_measured_only_when_they_could_fail():
    limits = {"5": 0.40, "10": 0.35}
    ngrams = quality._Ngrams(ARTICLE.lower().split())
    assert quality._dup_ngram_chars(ngrams, limits) == {"5": ngrams.dup_chars(5)}
    repeated = quality._Ngrams((" ".join(distinct_words(40)) + " ") .split() * 2)
    measured = quality._dup_ngram_chars(repeated, limits)
    assert measured == {"5": 1.0, "10": 1.0}


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
