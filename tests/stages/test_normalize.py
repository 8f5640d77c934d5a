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
