"""Text normalisation: Unicode NFC, newlines, control characters, whitespace.

Decoding (UTF-8, invalid bytes) is the readers' job; this stage gets `str`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

from builder.config import NormalizeConfig
from builder.document import Document
from builder.stats import Stats

# C0/C1 control characters except \t and \n, plus zero-width and BOM characters.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u200c\u200d\u2060\ufeff]")
_HSPACE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_LINE_SEPARATORS = re.compile(r"\r\n?|[\u2028\u2029\x85]")


def normalize_text(text: str, cfg: NormalizeConfig = NormalizeConfig()) -> str:
    """Normalised text: one Unicode form, `\\n` newlines, no controls, single spaces inside lines,
    no trailing spaces, at most `max_blank_lines` blank lines in a row, no leading/trailing blank lines.
    Leading spaces of a line are kept (markdown indentation is meaningful)."""
    text = _LINE_SEPARATORS.sub("\n", text)
    if cfg.strip_control:
        text = _CONTROL.sub("", text)
    text = unicodedata.normalize(cfg.unicode_form, text)
    lines = []
    blank_run = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            blank_run += 1
            if blank_run <= cfg.max_blank_lines:
                lines.append("")
            continue
        blank_run = 0
        indent = len(line) - len(line.lstrip(" \t"))
        lines.append(" " * min(indent, 8) + _HSPACE.sub(" ", stripped))
    return "\n".join(lines).strip("\n")


def run(docs: Iterable[Document], cfg: NormalizeConfig, stats: Stats) -> Iterator[Document]:
    for doc in docs:
        if doc.reject is None and doc.html is None:
            normalized = normalize_text(doc.text, cfg)
            if normalized != doc.text:
                stats.inc("normalize.changed")
            doc.text = normalized
            doc.source_text = normalized
            if not normalized:
                doc.drop("empty_text", "no text left after normalisation")
        yield doc
