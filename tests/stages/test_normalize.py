from builder.config import NormalizeConfig
from builder.document import Document
from builder.stages.normalize import normalize_text, run
from builder.stats import Stats


def test_newlines_controls_and_spaces():
    text = "Title\r\n\r\n\r\n\r\nOne  two\u00a0three \t\nfour\x07five\u200b\n"
    assert normalize_text(text) == "Title\n\nOne two three\nfourfive"


def test_nfc_and_indentation_kept():
    decomposed = "Cafe\u0301"
    assert normalize_text(decomposed) == "Caf\u00e9"
    assert normalize_text("- item\n    - nested") == "- item\n    - nested"


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

    from builder.stages.normalize import _CONTROL, _INDENT, _INNER_SPACES, _TRAILING_SPACES, _has_controls, _needs_space_work

    def spaces_change(text: str) -> bool:
        after = _INDENT.sub(lambda m: " " * min(len(m.group(0)), 8), _TRAILING_SPACES.sub("", _INNER_SPACES.sub(" ", text)))
        return after != text

    for code in [*range(0, 0x250), *range(0x2000, 0x2070), 0x3000, 0xFEFF, 0x1F600]:
        for text in ("plain words", "caf\u00e9 words", "\u201cquoted\u201d words"):
            probe = text + chr(code) + "end"
            assert _has_controls(probe) is (_CONTROL.search(probe) is not None), (hex(code), text)
    rng = random.Random(5)
    pieces = ["word", "caf\u00e9", "\u201c", " ", "  ", "\n", "\n ", " \n", "\t", "\u00a0", "\u2009", "\u3000", "\x07", "\x85", "\u200b"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        assert _has_controls(text) is (_CONTROL.search(text) is not None), repr(text)
        assert _needs_space_work(text) is searched_for_space_work(text), repr(text)
        if spaces_change(text):
            assert _needs_space_work(text), repr(text)


def searched_for_space_work(text: str) -> bool:
    """The space check as plain searches on the text, the definition the quick one must match."""
    import re

    return (
        "  " in text or " \n" in text or "\n " in text or "\t" in text or text.startswith(" ") or text.endswith(" ")
        or re.search("[\u00a0\u2000-\u200a\u202f\u205f\u3000]", text) is not None
    )
