"""A synthetic multi-source corpus of markdown articles with site furniture, labels known by
construction. All text is invented here.

Each invented site wraps every article in its own furniture: navigation links, bylines and
datelines, promos at the top and bottom, share and newsletter lines, related-story lists (which
change per article), copyright lines and disclaimers. One site breaks paragraphs mid-sentence the
way some page converters do. `generate(n_articles, seed)` returns one dict per article:

    {"text", "site", "url", "title", "author", "published", "body_lines", "boilerplate_lines"}

`body_lines` are the body paragraphs as plain text (what a perfect splitter puts in `text`, one
paragraph per entry); `boilerplate_lines` the furniture lines as they appear in `text`.
Reusable by other benchmarks (dedup, language, licensing): `python bench/sites.py` prints a sample.
"""

from __future__ import annotations

import random
import sys

_SUBJECTS = [
    "The city council", "A regional water board", "The harbour authority", "Local farmers", "The school district",
    "A group of volunteers", "The transport ministry", "Several small businesses", "The hospital trust",
    "Researchers at the northern university", "The county planning office", "A coalition of tenants",
    "The fishing cooperative", "Engineers from the rail company", "The museum's new director", "Parents at the village school",
    "The energy regulator", "An independent auditor", "The library service", "Residents of the old quarter",
]
_VERBS = [
    "approved", "rejected", "postponed", "questioned", "announced", "reviewed", "defended", "criticised",
    "welcomed", "challenged", "published", "funded", "delayed", "proposed", "examined", "completed",
]
_OBJECTS = [
    "a plan to rebuild the eastern bridge", "the budget for next year's road repairs", "a study of river pollution",
    "new rules for short-term rentals", "the closure of two rural bus lines", "an expansion of the ferry terminal",
    "a pilot scheme for free school meals", "the sale of the old fire station", "a report on rising energy bills",
    "the redesign of the central market", "a survey of nesting birds on the coast", "the merger of three clinics",
    "a programme to insulate social housing", "the reopening of the night train", "a proposal to widen the cycle lanes",
    "the new flood barrier near the mill", "plans for a community solar farm", "a review of parking charges",
]
_REASONS = [
    "because the costs had doubled since the first estimate", "after months of public meetings",
    "although many residents had asked for more time", "even though the funding was only promised for one year",
    "while the opposition demanded an independent inquiry", "since the previous contract had expired in spring",
    "as prices for building materials kept climbing", "after a petition gathered more than {n} signatures",
    "because the old system could no longer cope with demand", "despite warnings from the environmental agency",
]
_FOLLOWUPS = [
    "Officials said the decision would be reviewed in {month}.", "Critics argued that the figures did not add up.",
    "Supporters called it the most important step in a decade.", "The final vote is expected before the end of the year.",
    "About {n} households could be affected by the change.", "Neither side expects the debate to end soon.",
    "A spokesperson said that further details would follow in the coming weeks.",
    "The plan still needs the approval of the national government.", "Work on the first phase could begin within {k} months.",
    "Local newspapers have followed the story closely since it began.", "It is not the first time the issue has divided the town.",
    "Independent experts said the long-term effects were hard to predict.",
]
_QUOTES = [
    "\"We have listened to everyone, and we think this is the fairest solution,\" said {person}.",
    "\"Nobody asked the people who actually live here,\" {person} told reporters on {day}.",
    "\"The numbers speak for themselves,\" according to {person}, who has studied the question for years.",
    "\"It will take time, but we are confident it will work,\" {person} said in a statement.",
]
_SUBHEADS = ["What happens next", "Background", "A long dispute", "The costs", "Reactions", "Looking ahead"]
_PEOPLE = [
    "Mara Ellison", "Tomas Rieger", "Ines Calloway", "Piet van Doorn", "Layla Haddad", "Owen Marsh", "Greta Lindqvist",
    "Samuel Okafor", "Rosa Delgado", "Henrik Aalto", "Nadia Petrova", "Colm Brennan",
]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def _sentence(rng: random.Random) -> str:
    fill = {"n": rng.randint(200, 9000), "k": rng.randint(2, 18), "month": rng.choice(_MONTHS), "person": rng.choice(_PEOPLE), "day": rng.choice(_DAYS)}
    kind = rng.random()
    if kind < 0.55:
        return f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_REASONS)}.".format(**fill)
    if kind < 0.85:
        return rng.choice(_FOLLOWUPS).format(**fill)
    return rng.choice(_QUOTES).format(**fill)


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))


def _title(rng: random.Random) -> str:
    subject = rng.choice(_SUBJECTS)
    return f"{subject} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}"


class _Site:
    """Furniture of one invented site: `top` and `bottom` build the lines around a body."""

    name = ""
    domain = ""

    def top(self, a: dict, rng: random.Random) -> list[str]:
        raise NotImplementedError

    def bottom(self, a: dict, rng: random.Random) -> list[str]:
        raise NotImplementedError

    def body(self, paragraphs: list[str]) -> list[tuple[str, str]]:
        """(markdown as it appears, plain text expected in the body) per body line."""
        return [(p, p) for p in paragraphs]


class _Harbourside(_Site):
    name, domain = "Harbourside Herald", "harbourside-herald.example"

    def top(self, a, rng):
        return [
            "[Home](/) | [Local](/local) | [Business](/business) | [Opinion](/opinion) | [Weather](/weather)",
            f"# {a['title']}",
            f"By [{a['author']}](/authors/{a['author'].lower().replace(' ', '-')})",
            f"Harbourside Herald, {a['date_long']}",
            f"Topics: [{rng.choice(['Transport', 'Housing', 'Environment'])}](/t/1), [Council](/t/2)",
        ]

    def bottom(self, a, rng):
        related = [f"- [{_title(rng)}](/story/{rng.randint(1000, 9999)})" for _ in range(3)]
        return [
            "Share this article: [Facebook](#) [Twitter](#) [Email](#)",
            "## Related stories",
            *related,
            "Sign up for the Harbourside morning newsletter and never miss a story.",
            f"Copyright © {a['year']} Harbourside Herald. All rights reserved.",
        ]


class _Prairie(_Site):
    name, domain = "Prairie Ledger", "prairieledger.example"

    def top(self, a, rng):
        return [
            "**PRAIRIE LEDGER** - independent news from the plains since 1921",
            f"## {a['title']}",
            f"Posted on {a['date_long']} by {a['author']}",
            "Support independent journalism: [become a member today](https://prairieledger.example/join).",
        ]

    def bottom(self, a, rng):
        return [
            "***",
            f"*{a['author']} covers regional politics for the Prairie Ledger. Reach the newsroom at [tips@prairieledger.example](mailto:tips@prairieledger.example).*",
            "Support independent journalism: [become a member today](https://prairieledger.example/join).",
            f"Comments ({rng.randint(0, 80)})",
            "Disclaimer: The views expressed are those of the author and do not necessarily reflect the views of the Prairie Ledger.",
            "[About us](/about) · [Contact](/contact) · [Privacy policy](/privacy) · [Terms of use](/terms)",
        ]


class _Northwind(_Site):
    """Converted by a tool that breaks paragraphs mid-sentence and keeps emphasis."""

    name, domain = "Northwind Post", "northwindpost.example"

    def top(self, a, rng):
        return [
            "[Skip to content](#main)",
            "[Northwind Post](/) [News](/news) [Sport](/sport) [Culture](/culture) [Subscribe](/subscribe)",
            f"# {a['title']}",
            f"Author: {a['author']}",
            f"Published: {a['date_iso']}",
            "Advertisement",
        ]

    def bottom(self, a, rng):
        return [
            "Advertisement",
            "Read more: [" + _title(rng) + "](/news/" + str(rng.randint(100, 999)) + ")",
            "Follow us on [Mastodon](#) and [Bluesky](#) for the latest updates.",
            "The original source of this article is the Northwind Post.",
            f"© {a['year']} Northwind Media Group",
        ]

    def body(self, paragraphs):
        out = []
        for i, p in enumerate(paragraphs):
            words = p.split(" ")
            if i % 3 == 1 and len(words) > 20:
                # broken mid-sentence: the second part starts with a lower-case word
                cut = next((j for j in range(len(words) // 2, len(words) - 3) if words[j][:1].islower() and not words[j - 1].endswith((".", "\"", ","))), None)
                if cut is not None:
                    out.append((" ".join(words[:cut]) + "\n\n" + " ".join(words[cut:]), p))
                    continue
            if i == 0:
                out.append((f"*{p}*", p))
            else:
                out.append((p, p))
        return out


class _Quarry(_Site):
    """No separators, a promo line repeated at top and bottom, and a site-wide footer paragraph."""

    name, domain = "Quarry Review", "quarryreview.example"

    def top(self, a, rng):
        return [
            f"# {a['title']}",
            f"Quarry Review, {a['date_long']}",
            f"Articles by: [{a['author']}](/a/{rng.randint(1, 50)})",
            "Listen to the Quarry Review podcast every Thursday on [our audio page](https://quarryreview.example/audio).",
        ]

    def bottom(self, a, rng):
        return [
            "Listen to the Quarry Review podcast every Thursday on [our audio page](https://quarryreview.example/audio).",
            "The Quarry Review is a reader-funded publication. We are making this material available to our readers "
            "for the purposes of research and education, and we ask anyone who republishes it to credit the author "
            "and to link back to the original page on our site.",
            f"Tags: [{rng.choice(['mining', 'planning', 'water'])}](/tags/1) [{rng.choice(['county', 'courts', 'schools'])}](/tags/2)",
        ]


SITES: list[_Site] = [_Harbourside(), _Prairie(), _Northwind(), _Quarry()]


def generate(n_articles: int = 25, seed: int = 0) -> list[dict]:
    """`n_articles` articles per site (4 sites), in a deterministic interleaved order."""
    rng = random.Random(seed)
    docs = []
    for n in range(n_articles):
        for site in SITES:
            day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2015, 2024)
            a = {
                "title": _title(rng),
                "author": rng.choice(_PEOPLE),
                "year": year,
                "date_iso": f"{year:04d}-{month:02d}-{day:02d}",
                "date_long": f"{_MONTHS[month - 1]} {day:02d}, {year}",
            }
            paragraphs = [_paragraph(rng) for _ in range(rng.randint(3, 8))]
            if rng.random() < 0.5 and len(paragraphs) > 3:
                paragraphs.insert(rng.randint(2, len(paragraphs) - 1), rng.choice(_SUBHEADS))
            body = site.body(paragraphs)
            top, bottom = site.top(a, rng), site.bottom(a, rng)
            lines = top + [raw if p not in _SUBHEADS else f"### {p}" for raw, p in body] + bottom
            docs.append({
                "text": "\n\n".join(lines) + "\n",
                "site": site.domain,
                "publisher": site.name,
                "url": f"https://{site.domain}/{year}/{month:02d}/{n:04d}",
                "title": a["title"],
                "author": a["author"],
                "published": a["date_iso"],
                "body_lines": [p for _, p in body],
                "boilerplate_lines": top + bottom,
            })
    return docs


if __name__ == "__main__":
    corpus = generate(int(sys.argv[1]) if len(sys.argv) > 1 else 1, seed=0)
    for doc in corpus[:4]:
        print(f"==== {doc['site']} {doc['url']}\n{doc['text']}")
