"""The bundled demo corpus: 50 short news articles from five invented sites (see README.md here).

Every site, person, place and event in it is invented. `truth.json` beside the corpus records, by
construction, what a perfect build would find: each article's site, language and licence terms,
which articles copy which (and how), the look-alikes that must be kept, and where each body
paragraph starts (everything else on the page is boilerplate).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DEMO_DIR: Path = Path(__file__).resolve().parent
CORPUS_DIR: Path = DEMO_DIR / "corpus"
TRUTH_PATH: Path = DEMO_DIR / "truth.json"


def demo_inputs() -> list[str]:
    """The input paths `shardsmith build --demo` builds: the corpus folder (markdown files and one
    JSONL file), so that provenance paths read `<site>/<file>` as in truth.json."""
    return [str(CORPUS_DIR)]


def load_truth() -> dict[str, Any]:
    """The demo corpus's ground truth (see the description field inside it)."""
    return json.loads(TRUTH_PATH.read_text(encoding="utf-8"))
