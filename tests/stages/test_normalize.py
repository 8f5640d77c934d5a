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


def test_every_control_is_found_in_ascii_and_other_text():
    """The quick check before stripping controls misses none that the strip removes."""
    from builder.stages.normalize import _CONTROL, _has_controls

    for code in [*range(0, 32), 127, *range(0x80, 0xA0), 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF]:
        if _CONTROL.search(chr(code)):
            for text in ("plain words", "caf\u00e9 words"):
                assert _has_controls(text + chr(code) + " end"), (hex(code), text)
    assert not _has_controls("line one\n\tline two")
    assert not _has_controls("caf\u00e9 one\n\tline two")
