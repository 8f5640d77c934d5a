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


def doc(text: str) -> Document:
    return Document(id="x", text=text, path="p", record=1, raw_hash="h")


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
    for text in TEXTS.values():
        fast = language.detect_language(text, engine="fast")
        reference = language.detect_language(text, engine="langdetect")
        assert fast.language == reference.language


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
