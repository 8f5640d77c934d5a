"""Helpers for tests: small article corpora written on the fly from a seeded sentence generator,
and the location of the shared third-party corpora."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"

SUBJECTS = ["The council", "A spokesperson for the port", "The regional court", "Local farmers", "The museum board",
            "Residents of the valley", "The transport minister", "A group of nurses", "The harbour authority",
            "Engineers at the plant", "The school district", "Volunteers from the shelter"]
VERBS = ["announced", "questioned", "delayed", "approved", "rejected", "welcomed", "criticised", "reviewed",
         "postponed", "defended", "expanded", "funded"]
OBJECTS = ["a plan to rebuild the northern bridge", "the new budget for public libraries",
           "a proposal to extend the tram line", "the report on river pollution", "the contract for school meals",
           "a scheme to insulate old houses", "the decision to close the night market",
           "an agreement with the fishing cooperative", "the timetable for the ferry service",
           "a study of air quality near the motorway", "the hiring of forty more teachers",
           "a grant for the community orchard"]
TAILS = ["after a long meeting on Tuesday", "despite objections from the opposition", "to the surprise of many observers",
         "following weeks of negotiation", "and promised an update within a month", "while protesters gathered outside",
         "citing rising costs and delays", "in a statement released to the press", "with the support of several unions",
         "before the end of the financial year"]


def sentence(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}, and {rng.randint(2, 900)} people were affected by the change."


def article_body(seed: int, paragraphs: int = 4) -> str:
    """A prose body of `paragraphs` paragraphs of 3-5 sentences, the same for the same seed."""
    rng = random.Random(seed)
    return "\n\n".join(" ".join(sentence(rng) for _ in range(rng.randint(3, 5))) for _ in range(paragraphs))


def write_articles(folder: Path, count: int, start: int = 0, site: str = "Harbour Gazette") -> list[Path]:
    """`count` markdown articles with a title, a byline and a site footer, one file each."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + count):
        text = (
            f"# Report number {i} from the coast\n\n"
            f"By [Ada Marsh](#)\n\n{site}, March {1 + i % 28:02d}, 2024\n\n"
            f"{article_body(i)}\n\n"
            f"Copyright © {site} 2024. All rights reserved.\n\n"
            f"[Subscribe to the {site} newsletter](#)\n"
        )
        path = folder / f"article-{i:04d}.md"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def needs_shared(*parts: str) -> Path:
    """Path under ../shared, or skip the test when the shared corpora are not beside the project."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} (the shared test corpora beside the project), which is absent")
    return path
