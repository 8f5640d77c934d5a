"""Fixtures shared by the whole suite (helpers live in tests/helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import write_articles


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    """A folder of 12 articles, one exact copy among them."""
    folder = tmp_path / "in"
    paths = write_articles(folder, 12)
    (folder / "copy-of-article-0003.md").write_bytes(paths[3].read_bytes())
    return folder
