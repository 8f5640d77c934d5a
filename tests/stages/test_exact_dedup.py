import random

import numpy as np

from builder.document import Document
from builder.stages.exact_dedup import ODD_SPACES, canonical_text, exact_key, same_key_edges, simple_canonical, word_measures

TEXTS = [
    "Harbour ferry   resumes\n\nafter the storm.",
    "  indented line\n\n\ttabbed\u00a0word and\u3000wide space  ",
    "one",
    "",
]


def test_canonical_text_joins_words_with_single_spaces():
    assert canonical_text("a  b\n\nc\t d ") == "a b c d"
    assert canonical_text("a  b", ignore_whitespace=False) == "a  b"


def test_whitespace_does_not_change_the_key_unless_asked():
    assert exact_key("The mayor  spoke.\n\nThen left.") == exact_key("The mayor spoke. Then left.")
    assert exact_key("a  b", ignore_whitespace=False) != exact_key("a b", ignore_whitespace=False)
    assert exact_key("The mayor spoke.") != exact_key("The mayor spoke!")
    assert 0 <= exact_key("x") < 2**63


def test_word_measures_agree_with_their_definitions():
    for text in TEXTS:
        words, key, chars = word_measures(text)
        assert words == len(text.split())
        assert key == exact_key(text)
        assert chars == len(canonical_text(text))


def test_word_measures_agree_on_random_whitespace():
    """Both ways of measuring (the shortcut and split/join) give the definition's answer."""
    rng = random.Random(7)
    pieces = ["word", "Harbour", "x", " ", "  ", "\n", "\n\n", "\n\n\n", "\n ", "\t", "\r", "\x0b", "\x1c", "\u00a0",
              "caf\u00e9", "\u3000", "\x85", "\u1680", "\u2028", "\u200b", "\U0001F600"]
    plain = ["word", "Harbour", "x", " ", "\n", "\n\n", "\n\n\n", "caf\u00e9"]  # mostly texts the shortcut takes
    shortcut = 0
    for i in range(4000):
        text = "".join(rng.choice(pieces if i % 2 else plain) for _ in range(rng.randint(0, 12)))
        words = text.split()
        assert word_measures(text) == (len(words), exact_key(text), len(" ".join(words))), repr(text)
        canonical = simple_canonical(text)
        assert canonical is None or canonical == " ".join(words), repr(text)
        shortcut += canonical is not None
    assert shortcut > 200  # the shortcut was taken, not only the fallback


def test_the_shortcut_knows_every_whitespace_character():
    assert set(ODD_SPACES) == {char for char in map(chr, range(0x110000)) if char.isspace() and char not in " \n"}


def test_document_measures_follow_its_text():
    doc = Document(id="d", text=TEXTS[0], path="a.md", record=1, raw_hash="0")
    assert doc.word_count() == 6
    assert doc.exact_key() == (exact_key(TEXTS[0]), len(canonical_text(TEXTS[0])))
    assert doc.exact_key(ignore_whitespace=False) == (exact_key(TEXTS[0], False), len(TEXTS[0]))
    doc.text = "Body only now."
    assert doc.word_count() == 3
    assert doc.exact_key() == (exact_key("Body only now."), 14)


def test_same_key_edges_link_copies_to_the_first():
    edges = same_key_edges(np.array([5, 7, 5, -1, 7, 5]))
    assert sorted(map(tuple, edges.tolist())) == [(0, 2), (0, 5), (1, 4)]
