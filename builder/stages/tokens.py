"""Token counts: `n_tokens` of every row, with a named tokenizer recorded in the manifest.

The default BPE works offline: `rs-bpe` ships OpenAI's cl100k_base and o200k_base vocabularies
inside its wheel (tiktoken downloads its encodings at run time and fails without a network).
rs-bpe's counts equal tiktoken's `encode_ordinary` (checked on 1,815 real article bodies plus
edge cases: empty, whitespace runs, emoji, CJK, special-token text). Without rs-bpe, 'auto'
falls back to counting words and punctuation marks, and the manifest says so.

Tokenizer names:
- 'auto': 'cl100k_base' when rs-bpe is installed, else 'words';
- 'cl100k_base', 'o200k_base': rs-bpe (GPT-3.5/4 and GPT-4o vocabularies);
- 'tiktoken:<encoding>': tiktoken itself, for an encoding it can load here (cached, or
  registered by a plugin package);
- 'words': runs of letters/digits plus each punctuation mark or symbol (no dependency).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from importlib import metadata
from itertools import islice
from typing import Any

from builder.config import ConfigError, TokensConfig
from builder.document import Document, measure_words
from builder.stats import Stats

BPE_NAMES = ("cl100k_base", "o200k_base")
# A word (letters, digits, underscore; inner apostrophes kept: "don't") or one other non-space mark.
_WORDS_AND_MARKS = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")


def count_words_and_marks(text: str) -> int:
    """The fallback count: words plus punctuation marks and symbols."""
    return len(_WORDS_AND_MARKS.findall(text))


def count_whitespace_words(text: str) -> int:
    """The cheapest count: whitespace-separated words (n_tokens then equals n_words)."""
    return len(text.split())


def _package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def resolve(name: str) -> str:
    """The tokenizer actually used for a configured name ('auto' becomes a concrete one)."""
    if name == "auto":
        return "cl100k_base" if _package_version("rs-bpe") is not None else "words"
    return name


def validate(cfg: TokensConfig) -> None:
    """Raise ConfigError, before a build starts, for a tokenizer that cannot be used here."""
    name = resolve(cfg.tokenizer)
    if name in ("words", "whitespace"):
        return
    if name in BPE_NAMES:
        if _package_version("rs-bpe") is None:
            raise ConfigError(f"tokens.tokenizer = {name!r} needs the package rs-bpe (pip install rs-bpe), or use 'words'")
        return
    if name.startswith("tiktoken:"):
        try:
            get_counter(name)
        except Exception as error:  # tiktoken missing, unknown encoding, or a download that failed
            raise ConfigError(f"tokens.tokenizer = {name!r} cannot be loaded here: {error}") from None
        return
    raise ConfigError(
        f"tokens.tokenizer = {cfg.tokenizer!r} is unknown; use 'auto', {', '.join(map(repr, BPE_NAMES))}, "
        "'tiktoken:<encoding>' or 'words'"
    )


@lru_cache(maxsize=None)
def get_counter(name: str) -> Callable[[str], int]:
    """A function text -> token count for a resolved tokenizer name (loaded once per process)."""
    if name == "words":
        return count_words_and_marks
    if name == "whitespace":
        return count_whitespace_words
    if name in BPE_NAMES:
        from rs_bpe.bpe import openai

        return getattr(openai, name)().count
    if name.startswith("tiktoken:"):
        import tiktoken

        encoding = tiktoken.get_encoding(name.split(":", 1)[1])
        return lambda text: len(encoding.encode_ordinary(text))
    raise ConfigError(f"unknown tokenizer {name!r}")


def tokenizer_info(cfg: TokensConfig) -> dict[str, Any]:
    """What counted the tokens, for the manifest: name, library and version, and whether the
    words fallback stood in for a BPE that is not installed."""
    name = resolve(cfg.tokenizer)
    info: dict[str, Any] = {"configured": cfg.tokenizer, "name": name}
    if name in BPE_NAMES:
        info.update(library="rs-bpe", version=_package_version("rs-bpe"), kind="bpe", fallback=False)
    elif name.startswith("tiktoken:"):
        info.update(library="tiktoken", version=_package_version("tiktoken"), kind="bpe", fallback=False)
    elif name == "whitespace":
        info.update(library="shardsmith", version=None, kind="whitespace_words", fallback=False)
    else:
        info.update(
            library="shardsmith",
            version=None,
            kind="words_and_punctuation",
            pattern=_WORDS_AND_MARKS.pattern,
            # 'auto' asked for a BPE; without rs-bpe the words count stands in for it.
            fallback=cfg.tokenizer == "auto",
        )
    return info


def run(docs: Iterable[Document], cfg: TokensConfig, stats: Stats) -> Iterator[Document]:
    validate(cfg)
    name = resolve(cfg.tokenizer)
    if name == "whitespace":
        yield from _run_whitespace(docs, stats)
        return
    count = get_counter(name)
    for doc in docs:
        if doc.reject is None:
            doc.n_tokens = count(doc.text)
            stats.inc("tokens.documents")
            stats.inc("tokens.total", doc.n_tokens)
        yield doc


# Documents the whitespace count takes at a time (see `_run_whitespace`).
_WHITESPACE_BATCH_DOCS = 256


def _run_whitespace(docs: Iterable[Document], stats: Stats) -> Iterator[Document]:
    """The whitespace count is the row's n_words: the documents measure it once for both, a batch
    at a time (`measure_words` counts a batch's words together, twice as fast as one by one)."""
    docs = iter(docs)
    while batch := list(islice(docs, _WHITESPACE_BATCH_DOCS)):
        counted = [doc for doc in batch if doc.reject is None]
        measure_words(counted)
        for doc in counted:
            doc.n_tokens = doc.word_count()
        if counted:
            stats.inc("tokens.documents", len(counted))
            stats.inc("tokens.total", sum(doc.n_tokens for doc in counted))
        yield from batch
