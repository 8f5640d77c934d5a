"""A synthetic multi-source corpus of markdown articles with site furniture, labels known by
construction. All text is invented here.

Each invented site wraps every article in its own furniture: navigation links, bylines and
datelines, promos at the top and bottom, share and newsletter lines, related-story lists (which
change per article), copyright lines and disclaimers. One site breaks paragraphs mid-sentence the
way some page converters do. Bodies are varied the way real news is: each article is about its
own invented people, places, organisations and figures (names built from syllables), every
sentence shape is used at most once per article and picks among alternative wordings, so
unrelated articles share few word 5-grams (as near-dup detection and the quality filter expect of
real text) while an article still mentions its own subject several times.
`generate(n_articles, seed)` returns one dict per article:

    {"text", "site", "url", "title", "author", "published", "body_lines", "boilerplate_lines"}

`body_lines` are the body paragraphs as plain text (what a perfect splitter puts in `text`, one
paragraph per entry); `boilerplate_lines` the furniture lines as they appear in `text`.
Reusable by other benchmarks (dedup, language, licensing): `python bench/sites.py` prints a sample.
"""

from __future__ import annotations

import random
import re
import string
import sys

# Invented names and places, built from syllables: tens of thousands of combinations, so two
# unrelated articles rarely share a name, and the n-grams around names differ with them.
_FIRST = [
    "Mara", "Tomas", "Ines", "Piet", "Layla", "Owen", "Greta", "Samuel", "Rosa", "Henrik", "Nadia", "Colm", "Aiko",
    "Bruno", "Celia", "Dmitri", "Elena", "Farid", "Gwen", "Hugo", "Ilse", "Jonas", "Kira", "Luca", "Maren", "Nils",
    "Olga", "Pavel", "Quinn", "Rania", "Stellan", "Tova", "Umar", "Vera", "Wim", "Yara", "Zofia", "Anton", "Beatriz", "Cyril",
]
_SYLLABLES = ["al", "bren", "cas", "dor", "el", "fen", "gar", "hal", "is", "kel", "lor", "mar", "nor", "os", "pel",
              "quin", "ros", "sel", "tor", "ul", "var", "wen", "yor", "zan", "ash", "bel", "cor", "dun", "ev", "far"]
_NAME_ENDS = ["ford", "wick", "by", "ton", "mere", "holm", "stead", "dale", "moor", "bury", "ley", "worth", "den", "haven"]
_SURNAME_ENDS = ["son", "ova", "ing", "er", "ez", "ani", "berg", "lund", "ard", "ish", "ek", "one", "ley", "ström"]
_ORG_KINDS = [
    "city council", "water board", "harbour authority", "school district", "transport office", "hospital trust",
    "planning office", "tenants' association", "fishing cooperative", "rail company", "museum board", "energy regulator",
    "library service", "chamber of commerce", "farmers' union", "housing agency", "fire brigade", "port commission",
    "county court", "health authority", "parks department", "teachers' union", "bus operator", "waste authority",
]
_ROLES = ["a spokesperson for", "the chair of", "a lawyer representing", "a senior engineer at", "the treasurer of",
          "an adviser to", "the deputy head of", "a former member of", "an auditor working for", "the press officer of"]
_ADJECTIVES = ["eastern", "old", "new", "northern", "disused", "temporary", "coastal", "central", "rural", "southern",
               "flooded", "unfinished", "historic", "crowded", "municipal", "western", "small", "second", "upper", "lower"]
_THINGS = ["bridge", "ferry terminal", "bus depot", "clinic", "primary school", "fire station", "market hall", "cycle lane",
           "sea wall", "reservoir", "community garden", "night train", "tram line", "sports hall", "landfill", "pier",
           "wind farm", "library", "swimming pool", "car park", "housing estate", "water treatment plant", "harbour crane",
           "youth centre", "ring road", "bakery cooperative", "recycling centre", "observatory", "boatyard", "canal lock"]
_ACTIONS = ["rebuild", "close", "extend", "sell", "insulate", "redesign", "reopen", "inspect", "privatise", "relocate",
            "repair", "demolish", "expand", "modernise", "merge", "protect", "survey", "renovate", "replace", "audit"]
_VERBS = [
    "approved", "rejected", "postponed", "questioned", "announced", "reviewed", "defended", "criticised",
    "welcomed", "challenged", "published", "funded", "delayed", "proposed", "examined", "completed",
]
_REASONS = [
    "the costs had risen to {money}", "{n} residents signed a petition", "the survey found {n} defects",
    "inspectors flagged cracks in {thing}", "the grant from {org} ran out in {month}", "the insurer of {org} pulled out",
    "turnout at the {weekday} hearing was unusually high", "a court in {place} ordered a pause", "the supplier from {place} went bankrupt",
    "{person} resigned from {org}", "soil samples near {thing} showed lead", "the tender attracted only {k} bids",
    "demand had grown by {pct} since {year}", "the contract with {org} expired in {month}",
]
_MOODS = ["cautious", "angry", "relieved", "divided", "hopeful", "sceptical", "tired", "surprised", "optimistic", "wary"]


def _name(rng: random.Random) -> str:
    return rng.choice(_SYLLABLES).capitalize() + rng.choice(_SYLLABLES) + rng.choice(_NAME_ENDS)


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_SYLLABLES).capitalize()}{rng.choice(_SYLLABLES)}{rng.choice(_SURNAME_ENDS)}"


def _place(rng: random.Random) -> str:
    return rng.choice(["", "", "", "North ", "Upper ", "Port ", "East ", "Little "]) + _name(rng)


def _org(rng: random.Random, place: str | None = None) -> str:
    return f"the {place or _place(rng)} {rng.choice(_ORG_KINDS)}"


def _thing(rng: random.Random, place: str | None = None) -> str:
    return f"the {rng.choice(_ADJECTIVES)} {rng.choice(_THINGS)} in {place or _place(rng)}"


# Sentence shapes: few fixed words between the slots (shingles are word 5-grams), and each shape
# is used at most once per article, as a writer would not repeat a sentence.
_SHAPES = [
    "{org} {verb} a [plan|proposal|scheme|motion] to {action} {thing} on {weekday}, [after|because|once] {reason}.",
    "The [decision|vote|move|delay] came [after|because|as] {reason}, {person} [said|explained|told the meeting].",
    "\"We have [listened to everyone|heard every side|read every letter|done our homework],\" said {person}, {role} {org2}.",
    "\"[Nobody asked|No one consulted|They never asked] the people who [live|work|shop] here,\" {person2} told [reporters|the paper|a crowd] in {place2}.",
    "About {n} [households|families|homes|businesses] in {place} could be affected, [according to figures from|says a note by|estimates] {org2}.",
    "{person} has [followed|covered|fought] the [dispute|row|case|debate] over {thing} since {year}.",
    "[Work on|Construction of|The first contract for] the first phase could [begin|start] within {k} months, [though|but|even if] {reason2}.",
    "[Critics|Opponents|Campaigners|Two councillors] [pointed out|noted|argued] that {reason}, and [asked for|demanded|called for] [an independent|an outside|a public] [review|inquiry|audit].",
    "The [final|next|decisive] vote in {place} is expected [before|by|in] {month}.",
    "Last year {org2} [spent|set aside|borrowed] {money} to {action2} {thing2}.",
    "In {month} {year}, {person2} [wrote to|complained to|warned] {org} about {thing}.",
    "[Supporters|Backers|Neighbours] in {place2} [called it overdue|welcomed it|were pleased]; [opponents|others|critics] were {mood}.",
    "{role_cap} {org2}, {person2}, [declined to comment|would not comment|did not reply] on {weekday}.",
    "The [report|study|review], {k} pages long, lists {n} [objections|complaints|comments] from [residents|people|traders] of {place}.",
    "A similar [scheme|plan|project] in {place2} was [dropped|shelved|abandoned] in {year} when {reason2}.",
    "[Shops|Cafes|Traders] near {thing} reported a [drop|fall|rise] of {pct} in [trade|custom|sales] over {k} weeks.",
    "{person} expects {org2} to {action2} {thing2} [by|before|in] {month}.",
    "Neither {org} nor {org2} has [published|shared|agreed] a [timetable|budget|plan].",
    "[Residents|Parents|Tenants] of {place} [sounded|seemed|were] {mood} at a meeting on {weekday} [evening|night|afternoon].",
    "The [budget|estimate|bill] for {thing} has [grown|moved|jumped] from {money2} to {money}.",
    "[Opposition members|Two councillors|Local traders] asked why {org} {verb2} the [proposal|plan|scheme] without a [hearing|vote|debate].",
    "According to {person2}, at least {k} staff at {org2} [will be|could be|are being] moved to {place2}.",
    "[Engineers|Planners|Surveyors] estimate that {thing} [handles|serves|sees] {n} [visitors|people|vehicles] a day.",
    "A petition [organised|started|launched] by {person} gathered {n} signatures in {k} days.",
    "The {weekday} [session|meeting|hearing] ended without [agreement|a vote|a decision] after {reason}.",
    "[Officials|Planners|Councillors] in {place2} said they would [study|examine|copy] the plans from {place}.",
    "{person2} said the [figures|numbers|costs] did not add up, [citing|pointing to|because] {reason2}.",
    "[Insurers|Analysts|Engineers] put the risk to {thing2} at {pct} over the next [decade|five years|twenty years].",
    "It is the {ordinal} time since {year} that {org} has {verb2} such a [plan|proposal|scheme].",
    "A [spokesperson|spokesman|spokeswoman] for {org} promised [further details|a statement|a full answer] by {month}.",
    "[Local papers|Radio stations|Newsletters] in {place2} have [covered|followed] the story since {month} {year}.",
    "{org2} said it had received {n} [letters|emails|calls] on the [subject|matter|issue].",
    "The consultation, open until {month}, drew {n} [responses|replies|submissions] from {place}.",
    "If approved, the [work|plan|scheme] would cost each household about {small} a year.",
]
_SUBHEADS = ["What happens next", "Background", "A long dispute", "The costs", "Reactions", "Looking ahead"]
_PEOPLE = [f"{first} {last}" for first, last in zip(_FIRST, ["Ellison", "Rieger", "Calloway", "van Doorn", "Haddad", "Marsh",
           "Lindqvist", "Okafor", "Delgado", "Aalto", "Petrova", "Brennan"])]  # bylines: a small staff per site
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
_ORDINALS = ["second", "third", "fourth", "fifth"]


def _story(rng: random.Random) -> dict[str, str]:
    """The people, places and things one article is about (mentioned again in several sentences)."""
    place = _place(rng)
    return {"place": place, "org": _org(rng, place), "person": _person(rng), "thing": f"the {rng.choice(_ADJECTIVES)} {rng.choice(_THINGS)}",
            "verb": rng.choice(_VERBS), "action": rng.choice(_ACTIONS)}


def _money(rng: random.Random) -> str:
    return f"{rng.randint(2, 950)}.{rng.randint(0, 9)} million" if rng.random() < 0.5 else f"{rng.randint(12, 990):,} thousand"


# How each slot of a shape is filled (only the slots a shape has are drawn).
_SLOTS = {
    "org2": _org, "person2": _person, "place2": _place, "thing2": _thing,
    "verb2": lambda rng: rng.choice(_VERBS), "action2": lambda rng: rng.choice(_ACTIONS), "role": lambda rng: rng.choice(_ROLES),
    "role_cap": lambda rng: rng.choice(_ROLES).capitalize(),
    "n": lambda rng: f"{rng.randint(120, 48000):,}", "k": lambda rng: rng.randint(2, 40), "pct": lambda rng: f"{rng.randint(3, 64)} percent",
    "year": lambda rng: rng.randint(1998, 2023), "month": lambda rng: rng.choice(_MONTHS), "weekday": lambda rng: rng.choice(_DAYS),
    "mood": lambda rng: rng.choice(_MOODS), "ordinal": lambda rng: rng.choice(_ORDINALS), "money": _money, "money2": _money,
    "small": lambda rng: f"{rng.randint(4, 300)} euros",
}
_FIELDS = {text: [f for _, f, _, _ in string.Formatter().parse(text) if f] for text in _SHAPES + _REASONS}


def _fill(rng: random.Random, story: dict[str, str], text: str) -> str:
    fill = {}
    for name in _FIELDS[text]:
        if name in story:
            fill[name] = story[name]
        elif name in ("reason", "reason2"):
            fill[name] = _fill(rng, story, rng.choice(_REASONS))
        elif name not in fill:
            fill[name] = _SLOTS[name](rng)
    return text.format(**fill)


_CHOICE = re.compile(r"\[([^\]]+)\]")


def _sentence(rng: random.Random, story: dict[str, str], shape: str) -> str:
    """A sentence of `shape`: its slots filled, one of each [a|b|c] alternatives chosen."""
    text = _CHOICE.sub(lambda m: rng.choice(m.group(1).split("|")), _fill(rng, story, shape))
    return text[0].upper() + text[1:]


def _paragraphs(rng: random.Random) -> list[str]:
    """3-8 paragraphs of 2-5 sentences about one story, no sentence shape used twice."""
    story = _story(rng)
    shapes = rng.sample(_SHAPES, len(_SHAPES))
    out = []
    for _ in range(rng.randint(3, 8)):
        size = min(rng.randint(2, 5), len(shapes))
        if size == 0:
            break
        out.append(" ".join(_sentence(rng, story, shapes.pop()) for _ in range(size)))
    return out


def _title(rng: random.Random) -> str:
    return f"{_org(rng)[4:].title()} {rng.choice(_VERBS)} plan to {rng.choice(_ACTIONS)} {rng.choice(_THINGS)}"


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
            paragraphs = _paragraphs(rng)
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
