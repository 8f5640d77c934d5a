import dataclasses
import importlib.util

import pytest

from builder.config import ConfigError, TokensConfig
from builder.document import Document
from builder.stages import tokens
from builder.stats import Stats

HAS_RS_BPE = importlib.util.find_spec("rs_bpe") is not None
needs_bpe = pytest.mark.skipif(not HAS_RS_BPE, reason="rs-bpe is not installed (pip install rs-bpe)")


def doc(text: str) -> Document:
    return Document(id="d", text=text, path="p", record=1, raw_hash="h")


def test_words_and_marks_count():
    assert tokens.count_words_and_marks("") == 0
    assert tokens.count_words_and_marks("Hello, world!") == 4
    assert tokens.count_words_and_marks("It's 3.5 km — don’t panic.") == 9  # It's 3 . 5 km — don’t panic .
    assert tokens.count_words_and_marks("Straße über naïve") == 3


@needs_bpe
def test_cl100k_counts_known_token_sequences():
    count = tokens.get_counter("cl100k_base")
    # cl100k_base: "Hello" " world" -> 2 tokens; "hello world" -> 2; an empty text -> 0.
    assert count("Hello world") == 2
    assert count("") == 0
    assert count("Hello world " * 50) > count("Hello world")
    # Rare words split into several tokens; a long run of one character compresses.
    assert count("antidisestablishmentarianism") > 1
    assert count("a" * 1000) < 1000


@needs_bpe
def test_auto_uses_the_bundled_bpe_and_names_it():
    info = tokens.tokenizer_info(TokensConfig())
    assert info["name"] == "cl100k_base"
    assert info["library"] == "rs-bpe" and info["version"]
    assert info["fallback"] is False


def test_words_tokenizer_is_named_as_such():
    info = tokens.tokenizer_info(TokensConfig(tokenizer="words"))
    assert info["name"] == "words" and info["kind"] == "words_and_punctuation"
    assert info["fallback"] is False


def test_auto_falls_back_to_words_without_rs_bpe(monkeypatch):
    monkeypatch.setattr(tokens, "_package_version", lambda name: None)
    info = tokens.tokenizer_info(TokensConfig())
    assert info["name"] == "words" and info["fallback"] is True
    docs = list(tokens.run([doc("One, two.")], TokensConfig(), Stats()))
    assert docs[0].n_tokens == 4
    with pytest.raises(ConfigError, match="rs-bpe"):
        tokens.validate(TokensConfig(tokenizer="cl100k_base"))


def test_unknown_tokenizer_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown"):
        tokens.validate(TokensConfig(tokenizer="gpt-17"))


def test_run_sets_counts_and_skips_rejected():
    stats = Stats()
    cfg = TokensConfig(tokenizer="words")
    rejected = doc("not counted at all")
    rejected.drop("language")
    out = list(tokens.run([doc("a b c."), rejected, doc("d e")], cfg, stats))
    assert [d.n_tokens for d in out] == [4, 0, 2]
    assert stats.get("tokens.total") == 6 and stats.get("tokens.documents") == 2


@needs_bpe
def test_run_with_default_counts_bpe_tokens():
    out = list(tokens.run([doc("Hello world")], dataclasses.replace(TokensConfig()), Stats()))
    assert out[0].n_tokens == 2


@needs_bpe
def test_bpe_loads_with_the_network_blocked(monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise OSError("network is blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    tokens.get_counter.cache_clear()
    try:
        assert tokens.get_counter("o200k_base")("Hello world") == 2
        assert tokens.get_counter("cl100k_base")("Hello world") == 2
    finally:
        tokens.get_counter.cache_clear()


def test_whitespace_tokenizer_counts_words():
    cfg = TokensConfig(tokenizer="whitespace")
    tokens.validate(cfg)
    assert tokens.get_counter("whitespace")("It's 3.5 km, don't panic.") == 5
    assert tokens.tokenizer_info(cfg)["kind"] == "whitespace_words"


def test_whitespace_tokens_are_the_rows_word_count():
    doc = Document(id="d", text="It's 3.5 km,\n\ndon't  panic.", path="p", record=1, raw_hash="h")
    [out] = tokens.run([doc], TokensConfig(tokenizer="whitespace"), Stats())
    assert out.n_tokens == 5 == out.to_row("1", "h")["n_words"]
    out.text = "Two words"  # a changed text is counted again, never served from the old count
    assert out.word_count() == 2 and out.to_row("1", "h")["n_words"] == 2


def test_whitespace_counts_in_batches_and_skips_rejected(monkeypatch):
    monkeypatch.setattr(tokens, "_WHITESPACE_BATCH_DOCS", 2)
    texts = ["one", "two words", "three more words", "", "a b c d"]
    docs = [doc(t) for t in texts]
    docs[2].drop("language")
    stats = Stats()
    out = list(tokens.run(iter(docs), TokensConfig(tokenizer="whitespace"), stats))
    assert out == docs  # every document, in order
    assert [d.n_tokens for d in out] == [1, 2, 0, 0, 4]
    assert stats.to_dict() == {"tokens.documents": 4, "tokens.total": 7}


def test_whitespace_counts_nothing_when_every_document_is_rejected():
    rejected = doc("not counted")
    rejected.drop("language")
    stats = Stats()
    assert list(tokens.run([rejected], TokensConfig(tokenizer="whitespace"), stats)) == [rejected]
    assert stats.to_dict() == {}
