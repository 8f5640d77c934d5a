"""Helpers for tests: small article corpora written on the fly from a seeded sentence generator,
the location of the shared third-party corpora, and task functions for executor tests (they
must be importable by worker processes, which test modules are not)."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"

NAMES = ["Ada Marsh", "Tomas Reyes", "Lena Okafor", "Piet Vandermeer", "Yusuf Aydin", "Mara Lindqvist",
         "Ohan Petrosyan", "Ines Duarte", "Kofi Mensah", "Rhea Castellano", "Sven Aaltonen", "Noor Haddad"]
PLACES = ["Port Elling", "the Dunmore valley", "Castle Rook", "the old quarter", "Brindle Bay", "North Fenwick",
          "the river delta", "Ashgrove", "the eastern ridge", "Millbrook", "the harbour district", "Tarrow Heath"]
GROUPS = ["the council", "the port authority", "the regional court", "local farmers", "the museum board",
          "residents", "the transport ministry", "a nurses' union", "engineers at the plant", "the school district",
          "volunteers from the shelter", "the fishing cooperative", "shop owners", "the university senate"]
VERBS = ["announced", "questioned", "delayed", "approved", "rejected", "welcomed", "criticised", "reviewed",
         "postponed", "defended", "expanded", "funded", "challenged", "endorsed", "audited", "scrapped"]
THINGS = ["a plan to rebuild the northern bridge", "the budget for public libraries", "a proposal to extend the tram line",
          "the report on river pollution", "the contract for school meals", "a scheme to insulate old houses",
          "the decision to close the night market", "an agreement on fishing quotas", "the ferry timetable",
          "a study of air quality near the motorway", "the hiring of more teachers", "a grant for the community orchard",
          "new rules for short-term rentals", "the merger of two clinics", "a flood barrier on the estuary",
          "the sale of the old post office", "cheaper bus passes for students", "a ban on night flights"]
REASONS = ["costs had doubled since the spring", "nobody had consulted the tenants", "the soil survey came back late",
           "two councillors changed their minds", "the insurer withdrew its offer", "a court ruling forced a pause",
           "turnout at the hearing was unusually high", "the supplier went bankrupt", "inspectors found cracks",
           "the grant arrived earlier than expected", "a petition gathered thousands of signatures"]


DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
MONTHS = ["March", "the summer", "October", "the end of the year", "the next election", "Easter"]


def sentences(rng: random.Random) -> list[str]:
    """Twelve sentences of different shapes, in random order (an article uses each shape once)."""
    name, place, group = rng.choice(NAMES), rng.choice(PLACES), rng.choice(GROUPS)
    verb, thing, reason = rng.choice(VERBS), rng.choice(THINGS), rng.choice(REASONS)
    number = rng.randint(2, 9000)
    forms = [
        f"In {place}, {group} {verb} {thing} because {reason}.",
        f"{name} said that {group} had {verb} {thing}, adding that {reason}.",
        f"According to {name}, about {number} people in {place} will feel the effect of this.",
        f"The vote on {thing} is expected within {number % 30 + 2} days, although {reason}.",
        f"Critics in {place} argue that {reason}, while {group} insist the work must go on.",
        f"{name}, who has followed the case for years, described it as {rng.choice(['overdue', 'rushed', 'careful', 'expensive', 'modest', 'bold'])}.",
        f"Last year {group} spent {number} thousand on {thing}, and the figures were published in {place}.",
        f"Nobody from {rng.choice(GROUPS)} would comment on {rng.choice(THINGS)} when asked on {rng.choice(DAYS)}.",
        f"Records show {rng.choice(NAMES)} first raised the issue {number % 12 + 2} years ago at a meeting in {rng.choice(PLACES)}.",
        f"{rng.choice(NAMES)} expects a decision before {rng.choice(MONTHS)}, but few share that hope.",
        f"Meanwhile {rng.choice(GROUPS)} {rng.choice(VERBS)} {rng.choice(THINGS)}, which surprised observers in {rng.choice(PLACES)}.",
        f"The full document runs to {number % 400 + 20} pages and is available at the town hall.",
    ]
    rng.shuffle(forms)
    return forms


def article_body(seed: int, paragraphs: int = 4) -> str:
    """A prose body of `paragraphs` paragraphs of 3-5 sentences, the same for the same seed."""
    rng = random.Random(seed)
    pool = sentences(rng)
    sizes = [len(pool) // paragraphs] * paragraphs
    out, start = [], 0
    for size in sizes:
        out.append(" ".join(pool[start:start + size]))
        start += size
    return "\n\n".join(out)


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


def where_run(rank: int) -> tuple[int, int]:
    """A task that takes a moment: its rank and the process that ran it."""
    time.sleep(0.2)
    return rank, os.getpid()


def failing_at_three(rank: int) -> int:
    if rank == 3:
        raise ValueError(f"task {rank} failed")
    return rank
