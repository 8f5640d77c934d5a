from builder.config import NormalizeConfig
from builder.document import Document
from builder.stages.normalize import normalize_text, normalize_with_canonical, run
from builder.stats import Stats


def test_newlines_controls_and_spaces():
    text = "Title\r\n\r\n\r\n\r\nOne  two\u00a0three \t\nfour\x07five\u200b\n"
    assert normalize_text(text) == "Title\n\nOne two three\nfourfive"


def test_nfc_and_indentation_kept():
    decomposed = "Cafe\u0301"
    assert normalize_text(decomposed) == "Caf\u00e9"
    assert normalize_text("- item\n    - nested") == "- item\n    - nested"


def test_latin1_texts_are_nfc_as_they_are_but_not_nfkc():
    """Normalize skips the NFC check on Latin-1 texts: every Latin-1 character, and every pair of
    them, is NFC. The other forms are still applied to them."""
    import unicodedata

    from builder.stages.normalize import _latin1

    latin1 = "".join(map(chr, range(256)))
    pairs = "".join(a + b for a in latin1 for b in latin1)
    assert _latin1(pairs) is not None and unicodedata.normalize("NFC", pairs) == pairs
    assert _latin1("café ’") is None
    assert normalize_text("½ ² café") == "½ ² café"
    assert normalize_text("½ ² café", NormalizeConfig(unicode_form="NFKC")) == "1⁄2 2 café"
    assert normalize_text("caf\u00e9", NormalizeConfig(unicode_form="NFD")) == "cafe\u0301"


def test_latin1_controls_are_stripped():
    assert normalize_text("Zürich\x81 Köln\x9f\x7f, été\x85next") == "Zürich Köln, été\nnext"
    assert normalize_text("Zürich\x81", NormalizeConfig(strip_control=False)) == "Zürich\x81"


def test_blank_line_runs_are_configurable():
    assert normalize_text("a\n\n\n\nb", NormalizeConfig(max_blank_lines=2)) == "a\n\n\nb"


def test_run_drops_empty_text_with_reason():
    stats = Stats()
    docs = [Document(id="", text=" \u200b \n", path="x.md", record=1, raw_hash="h")]
    out = list(run(docs, NormalizeConfig(), stats))
    assert out[0].reject == "empty_text"


def test_the_quick_checks_say_exactly_when_the_passes_change_a_text():
    """The checks run before the regex passes agree with the passes, on every control and space
    character and on random mixtures of them with ASCII and non-ASCII text."""
    import random

    from builder.stages.normalize import _CONTROL, _has_controls, _latin1, _space_check

    def spaces_change(text: str) -> bool:
        return space_passes_by_definition(text) != text

    for code in [*range(0, 0x250), *range(0x2000, 0x2070), 0x3000, 0xFEFF, 0x1F600]:
        for text in ("plain words", "caf\u00e9 words", "\u201cquoted\u201d words"):
            probe = text + chr(code) + "end"
            assert _has_controls(probe) is (_CONTROL.search(probe) is not None), (hex(code), text)
            assert _has_controls(probe, _latin1(probe)) is (_CONTROL.search(probe) is not None), (hex(code), text)
    rng = random.Random(5)
    pieces = ["word", "caf\u00e9", "\u201c", " ", "  ", "\n", "\n ", " \n", "\t", "\u00a0", "\u2009", "\u3000", "\x07", "\x85", "\u200b"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        assert _has_controls(text) is (_CONTROL.search(text) is not None), repr(text)
        assert _has_controls(text, _latin1(text)) is (_CONTROL.search(text) is not None), repr(text)
        assert _space_check(text)[0] is searched_for_space_work(text), repr(text)
        assert _space_check(text, _latin1(text) is not None) == _space_check(text), repr(text)
        if spaces_change(text):
            assert _space_check(text)[0], repr(text)


def space_passes_by_definition(text: str) -> str:
    """The space passes as three plain regex substitutions, the definition the quick ones must match."""
    import re

    space = "[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]"
    text = re.sub(rf"(?<=\S){space}+(?=\S)", " ", text)  # a run inside a line: one space
    text = re.sub(rf"{space}+$", "", text, flags=re.MULTILINE)  # spaces at line ends
    return re.sub(rf"^{space}+(?=\S)", lambda m: " " * min(len(m.group(0)), 8), text, flags=re.MULTILINE)  # indentation


def test_the_space_passes_match_their_definition():
    """The faster passes (a run's first character leading, a plain-space variant, a strip per line)
    give what the three plain substitutions give, on every space, whitespace and control character
    around words, and on random mixtures."""
    import random

    from builder.stages.normalize import _space_passes

    specials = ["\x0b", "\x1c", "\x85", "\u1680", "\u2028", "\r", "\n", "\t", "\u00a0", "\u2009", "\u3000", "\ud800", "\u00e9"]
    for special in specials:
        for text in (f"a {special} b", f"a{special}  b", f"  {special}x ", f"x  \n{special} \n   y", f"a{special}"):
            assert _space_passes(text) == space_passes_by_definition(text), repr(text)
    rng = random.Random(7)
    pieces = ["w", "word", "\u00e9", "\u4e16", " ", "  ", "   ", "\t", "\n", "\n\n", "\u00a0", "\u2009", "\u3000", "\x0b",
              "\u1680", "\x1c", "\r"]
    plain = ["w", "\u00e9", " ", "  ", "   ", "\n", "\x0b", "\u1680"]
    for i in range(20000):
        text = "".join(rng.choice(pieces if i % 2 else plain) for _ in range(rng.randint(0, 14)))
        assert _space_passes(text) == space_passes_by_definition(text), repr(text)
    assert _space_passes("  one  two\u00a0 three \t\n\t\t\t\t\t\t\t\t\tdeep  \n   \n") == "  one two three\n        deep\n\n"


def searched_for_space_work(text: str) -> bool:
    """The space check as plain searches on the text, the definition the quick one must match."""
    import re

    return (
        "  " in text or " \n" in text or "\n " in text or "\t" in text or text.startswith(" ") or text.endswith(" ")
        or re.search("[\u00a0\u2000-\u200a\u202f\u205f\u3000]", text) is not None
    )


def test_the_canonical_form_found_on_the_way_is_the_words_joined_by_single_spaces():
    """Whenever normalisation gives the canonical form, it is exactly what exact dedup would make of
    the normalised text, and a document's measures from it are the measures of its text."""
    import random

    from builder.stages.exact_dedup import canonical_text, word_measures

    rng = random.Random(3)
    pieces = ["word", "Harbour", "x", " ", "  ", "\n", "\n\n", "\n\n\n\n", "\n ", " \n", "\t", "\r\n", "\x0b", "\x0c",
              "\x1c", "\x1f", "\u00a0", "caf\u00e9", "\u2028", "\u1680", "\u3000", "\u4e16\u754c", "e\u0301", "\U0001F600"]
    plain = ["word", "Harbour", "x", " ", "\n", "\n\n", "\n\n\n"]
    configs = [NormalizeConfig(), NormalizeConfig(strip_control=False), NormalizeConfig(max_blank_lines=0, unicode_form="NFKC")]
    given = 0
    for i in range(3000):
        text = "".join(rng.choice(pieces if i % 2 else plain) for _ in range(rng.randint(0, 14)))
        for cfg in configs:
            normalized, canonical = normalize_with_canonical(text, cfg)
            assert normalized == normalize_text(text, cfg)
            if canonical is not None:
                given += 1
                assert canonical == canonical_text(normalized), (text, cfg)
            [doc] = run([Document(id="", text=text, path="a.md", record=1, raw_hash="0")], cfg, Stats())
            assert (doc.word_count(), *doc.exact_key()) == word_measures(doc.text), (text, cfg)
    assert given > 1000  # many plain texts give it
    assert normalize_with_canonical("Tab\tseparated words")[1] is None
    assert normalize_with_canonical("caf\u00e9 au\nlait")[1] == "caf\u00e9 au lait"
    assert normalize_with_canonical("\u4e16\u754c\n\n\u65e5\u672c")[1] == "\u4e16\u754c \u65e5\u672c"
    assert normalize_with_canonical("Ogham\u1680space mark")[1] is None  # whitespace to str.split(), not to the space passes
    assert normalize_with_canonical("no\u00a0break")[1] is None
    assert normalize_with_canonical("Two  spaces\n\n\nand lines\n")[1] is None
    assert normalize_with_canonical("One space\n\n\nand lines\n") == ("One space\n\nand lines", "One space and lines")
