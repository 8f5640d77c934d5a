import numpy as np
import pytest

from builder.config import LanguageConfig
from builder.document import Document
from builder.stages import language
from builder.stats import Stats

TEXTS = {
    "en": "The city council voted on Tuesday to extend the tram line to the northern districts, a project that engineers expect to take four years and that residents have demanded for a long time.",
    "de": "Der Stadtrat hat am Dienstag beschlossen, die Straßenbahnlinie in die nördlichen Stadtteile zu verlängern. Die Ingenieure rechnen mit einer Bauzeit von vier Jahren.",
    "fr": "Le conseil municipal a voté mardi le prolongement de la ligne de tramway vers les quartiers du nord, un chantier qui devrait durer quatre ans selon les ingénieurs.",
    "es": "El ayuntamiento votó el martes a favor de ampliar la línea de tranvía hasta los barrios del norte, un proyecto que según los ingenieros durará cuatro años.",
    "ru": "Городской совет во вторник проголосовал за продление трамвайной линии в северные районы; по оценкам инженеров, работы займут четыре года.",
}

# More languages for the comparison with langdetect's own Detector.
MORE_TEXTS = {
    "it": "Il consiglio comunale ha deciso martedì di prolungare la linea del tram verso i quartieri a nord, un cantiere che secondo gli ingegneri durerà quattro anni.",
    "pt": "A câmara municipal votou na terça-feira o prolongamento da linha de elétrico até aos bairros do norte, uma obra que deverá durar quatro anos.",
    "nl": "De gemeenteraad heeft dinsdag besloten de tramlijn door te trekken naar de noordelijke wijken; volgens de ingenieurs duurt de bouw vier jaar.",
    "pl": "Rada miasta zdecydowała we wtorek o przedłużeniu linii tramwajowej do północnych dzielnic; według inżynierów budowa potrwa cztery lata.",
    "sv": "Kommunfullmäktige beslutade på tisdagen att förlänga spårvägen till de norra stadsdelarna, ett bygge som enligt ingenjörerna tar fyra år.",
    "tr": "Belediye meclisi salı günü tramvay hattının kuzey mahallelerine uzatılmasına karar verdi; mühendislere göre çalışmalar dört yıl sürecek.",
    "el": "Το δημοτικό συμβούλιο αποφάσισε την Τρίτη την επέκταση της γραμμής του τραμ προς τις βόρειες συνοικίες, ένα έργο που θα διαρκέσει τέσσερα χρόνια.",
    "ja": "市議会は火曜日、路面電車の路線を北部の地区まで延長することを決めた。技術者によると、工事には四年かかる見込みだという。",
}

# Texts that exercise langdetect's n-gram rules: acronyms, digits and punctuation, URLs and
# e-mails, Vietnamese combining marks, Latin dropped from mostly non-Latin text, runs of spaces.
RULE_TEXTS = [
    "ab NATO",
    "The USA and the EU: 12 deals, see https://example.org/x or write to a.b@example.com!",
    "Tiếng Việt với dấu kết hợp: a\u0301 e\u0323 o\u0309 và CHỮ HOA",
    "Привет, МИР! ABC def",
    "東京都の天気は晴れです。Tokyo is sunny today",
    " a  b ",
    "McDonald iPhone eBay I",
]


def doc(text: str) -> Document:
    return Document(id="x", text=text, path="p", record=1, raw_hash="h")


@pytest.fixture(autouse=True)
def no_recent_answers(monkeypatch):
    """Every test detects what it asks for (no answer kept from before), unless it says otherwise."""
    monkeypatch.setattr(language, "_RECENT_SAMPLES", 0)
    language._recent_results.clear()


def test_detects_languages_of_short_paragraphs():
    for expected, text in TEXTS.items():
        result = language.detect_language(text)
        assert result.language == expected, (expected, result)
        assert 0.5 < result.score <= 1.0


def test_no_letters_is_undetermined():
    assert language.detect_language("1234 5678 -- 90 %").language == "und"
    assert language.detect_language("").score == 0.0


def test_same_answers_on_repeated_runs_and_seed_is_used():
    short = "Le chat dort."  # short texts are where langdetect's sampling varies
    first = [language.detect_language(t, seed=3) for t in [short, *TEXTS.values()]]
    again = [language.detect_language(t, seed=3) for t in [short, *TEXTS.values()]]
    assert first == again
    scores = {language.detect_language(short, seed=s).score for s in range(6)}
    assert len(scores) > 1  # the seed reaches the sampler


def test_fast_engine_agrees_with_langdetect():
    for text in [*TEXTS.values(), *MORE_TEXTS.values()]:
        fast = language.detect_language(text, engine="fast")
        reference = language.detect_language(text, engine="langdetect")
        assert fast.language == reference.language, (text[:40], fast, reference)


def test_ngrams_are_langdetects_own():
    model = language._model()
    for text in RULE_TEXTS + list(TEXTS.values()):
        detector = model.factory.create()
        detector.append(text)
        detector.cleaning_text()
        assert language.extract_ngrams(text) == detector._extract_ngrams(), text


def test_batch_gives_the_same_answers_as_alone():
    texts = [*TEXTS.values(), "Le chat dort.", "1234 --", "", *MORE_TEXTS.values(), "ab NATO"]
    alone = [language.detect_language(text, seed=5) for text in texts]
    assert language.detect_languages(texts, seed=5) == alone
    assert language.detect_languages(texts[::-1], seed=5) == alone[::-1]
    assert language.detect_languages([], seed=5) == []


def test_ngrams_do_not_cross_from_one_text_into_the_next():
    model = language._model()
    texts = ["ab", "cd ", "", "ef"]
    rows, counts = language.ngram_rows(texts, model)
    alone = [language.ngram_rows([text], model) for text in texts]
    assert list(counts) == [int(c[0]) for _, c in alone]
    assert np.array_equal(rows, np.concatenate([r for r, _ in alone]))
    assert "b " not in language.extract_ngrams("ab")  # the last word of a text has no space after it
    assert "d " in language.extract_ngrams("cd ")


def test_hash_lookup_finds_exactly_the_profile_keys():
    model = language._model()
    rng = np.random.default_rng(0)
    keys = np.concatenate([model.keys, model.keys + np.uint64(1), rng.integers(1, 1 << 63, 50_000, dtype=np.uint64)])
    found = np.searchsorted(model.keys, keys)
    found = np.minimum(found, len(model.keys) - 1)
    expected = np.where(model.keys[found] == keys, found, -1)
    assert np.array_equal(language._profile_rows(keys, model), expected)
    assert language._profile_rows(np.array([language.gram_key("the")], dtype=np.uint64), model)[0] == model.grams.index("the")


def test_ngrams_follow_langdetect_rules():
    grams = language.extract_ngrams("ab NATO")
    assert "a" in grams and " a" in grams and "ab " in grams
    assert "AT" not in grams and "ATO" not in grams  # inside a run of capitals


def test_sample_is_bounded_and_cut_at_a_space():
    text = "word " * 1000
    sample = language.sample_text(text, 100)
    assert len(sample) <= 100 and sample.endswith("word")


def test_run_sets_fields_and_drops_unwanted_languages():
    docs = [doc(TEXTS["en"]), doc(TEXTS["de"]), doc("12345")]
    docs[2].drop("empty_text")
    stats = Stats()
    out = list(language.run(docs, LanguageConfig(languages=["en"]), stats))
    assert [d.language for d in out] == ["en", "de", "und"]
    assert out[0].reject is None
    assert out[1].reject == "language" and "de" in out[1].reject_detail
    assert out[2].reject == "empty_text"  # already rejected: untouched
    assert stats.get("language.dropped") == 1 and stats.get("language.detected.en") == 1


def test_run_detects_in_batches_and_keeps_the_order():
    texts = [*TEXTS.values(), *MORE_TEXTS.values()]
    docs = [doc(text) for text in texts]
    docs[3].drop("empty_text")
    out = list(language.run(docs, LanguageConfig(batch_docs=4), Stats()))
    assert out == docs  # every document, in order
    assert (out[3].language, out[3].language_score) == ("und", 0.0)  # already rejected: not looked at
    for i, d in enumerate(out):
        if i != 3:
            assert language.LanguageResult(d.language, d.language_score) == language.detect_language(texts[i])


def test_model_arrays_equal_langdetects_factory():
    # The profiles read directly give the factory's n-grams, keys and probabilities, bit for bit.
    model = language._model()
    factory = model.factory
    grams = sorted(factory.word_lang_prob_map, key=language.gram_key)
    assert model.grams == grams
    assert model.languages == list(factory.langlist)
    assert model.keys.tolist() == [language.gram_key(g) for g in grams]
    expected = np.array([factory.word_lang_prob_map[g] for g in grams], dtype=np.float32)
    assert model.probs.tobytes() == expected.tobytes()


def test_character_tables_equal_langdetect_and_str():
    from langdetect.utils.ngram import NGram

    model = language._model()
    basic_plane = [code for code in range(0x10000) if not 0xD800 <= code <= 0xDFFF]
    assert model.normalized[basic_plane].tolist() == [ord(NGram.normalize(chr(code))) for code in basic_plane]
    assert (model.normalized[0x10000:] == np.arange(0x10000, 0x110000)).all()
    # Upper case is known for the basic plane at once, for other characters when a text has them.
    every = np.arange(0x110000, dtype=np.uint32)
    assert model.is_upper(every).tolist() == [chr(code).isupper() for code in range(0x110000)]


def test_gram_keys_equal_gram_key():
    grams = ["a", "ab", "abc", " a", "é", "ß", "日本", "\U0001d400x", "ZZZ"]
    assert language.gram_keys(grams).tolist() == [language.gram_key(g) for g in grams]


def test_a_copy_takes_the_answer_of_a_recent_sample(monkeypatch):
    monkeypatch.setattr(language, "_RECENT_SAMPLES", 4096)
    texts = [TEXTS["de"], TEXTS["fr"] + " Copie.", TEXTS["de"]]
    expected = [language.detect_language(text, seed=11) for text in texts]
    detected = []
    fast = language._detect_fast
    monkeypatch.setattr(language, "_detect_fast", lambda samples, seed: detected.extend(samples) or fast(samples, seed))
    assert language.detect_languages(texts, seed=11) == expected
    assert detected == []  # every sample was answered before
    assert language.detect_languages([TEXTS["de"]], seed=12)[0] == language.detect_languages([TEXTS["de"]], seed=12)[0]
    assert detected == [TEXTS["de"]]  # another seed: detected once, then taken from the recent answers
    monkeypatch.setattr(language, "_RECENT_SAMPLES", 1)
    language.detect_languages(texts[:2], seed=11)
    assert len(language._recent_results) == 1


def test_forgotten_answers_are_detected_again(monkeypatch):
    monkeypatch.setattr(language, "_RECENT_SAMPLES", 4096)
    text = "The council will meet again on Tuesday to vote on the harbour plan."
    detected = []
    fast = language._detect_fast
    monkeypatch.setattr(language, "_detect_fast", lambda samples, seed: detected.extend(samples) or fast(samples, seed))
    first = language.detect_languages([text])
    assert language.detect_languages([text]) == first
    assert detected == [text]  # the second time, the kept answer
    language.forget_recent_answers()
    assert language.detect_languages([text]) == first
    assert detected == [text, text]
