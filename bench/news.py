"""A synthetic news corpus with planted copies and ground truth (all text invented here).

`generate(n, seed) -> (records, truth)`:
- records: dicts with id, url, source, published, title, text (the extracted body), page (the
  body between its site's header and footer lines, as a crawler would see it);
- truth: {record id: (story id, kind)}. Records of one story are copies of each other; one of
  them should be kept, all others removed.

Kinds: `original`; copies `exact`, `whitespace`, `resyndicated` (another site's header and
footer on the page, a credit line in the body), `edited` (0.5-3% of words: synonyms, typos,
changed numbers, insertions, deletions, and a rewritten headline), `truncated` (first 50-90%),
`reordered` (paragraphs shuffled), `recrawl` (the same URL with tracking parameters, lightly
edited), `combo` (resyndicated + edited + truncated or reordered). Hard negatives, each its own
story: `templated` (reports from one template with other numbers, names and places) and
`followup` (a new story on the same topic reusing some background paragraphs and names).
"""

from __future__ import annotations

import random
import string

import numpy as np

FUNCTION_WORDS = (
    "the of and to in a is that for on was with said he it as at by from his an be has have are were its but not "
    "this after who they which had will their been more also one would about up over new than two when last year "
    "first other people into some out could there all we our government city officials police state told week "
    "percent million local county report according while during before since under most many three former"
).split()
KINDS_COPY = ("exact", "whitespace", "resyndicated", "edited", "truncated", "reordered", "recrawl", "combo")
COPY_WEIGHTS = (0.10, 0.08, 0.20, 0.20, 0.16, 0.08, 0.06, 0.12)


class Lexicon:
    """Invented words (syllable strings), person names, places, companies and sites, from a fixed seed."""

    def __init__(self, seed: int = 12345, size: int = 25000) -> None:
        rng = random.Random(seed)
        onsets = ["", "b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "j", "k", "l", "m", "n", "p", "pl", "r", "s", "sh", "st", "t", "tr", "v", "w", "z"]
        vowels = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou"]
        codas = ["", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ck"]

        def word(syllables: int) -> str:
            return "".join(rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas) for _ in range(syllables))

        seen = set(FUNCTION_WORDS)
        words = []
        while len(words) < size:
            w = word(rng.choice((1, 2, 2, 2, 3, 3)))
            if w not in seen and len(w) > 2:
                seen.add(w)
                words.append(w)
        self.words = FUNCTION_WORDS + words
        ranks = np.arange(1, len(self.words) + 1, dtype=np.float64)
        weights = 1.0 / ranks**1.05
        self.cumulative = np.cumsum(weights / weights.sum())
        self.first_names = [word(2).capitalize() for _ in range(600)]
        self.last_names = [word(rng.choice((2, 3))).capitalize() for _ in range(1500)]
        self.places = [word(rng.choice((2, 3))).capitalize() + rng.choice(["", " City", "ville", " Falls", "burg", " Heights"]) for _ in range(800)]
        self.companies = [word(2).capitalize() + rng.choice([" Corp", " Inc", " Group", " Holdings", " Systems", " Foods", " Energy"]) for _ in range(500)]
        self.teams = [word(2).capitalize() + " " + word(2).capitalize() + "s" for _ in range(200)]
        self.sites = [word(2) + rng.choice(["news", "times", "post", "daily", "herald", "wire", "report"]) for _ in range(40)]
        self.synonyms = {w: self.words[(i * 7919 + 13) % len(self.words)] for i, w in enumerate(self.words)}


def _person(lex: Lexicon, rng: random.Random) -> str:
    return f"{rng.choice(lex.first_names)} {rng.choice(lex.last_names)}"


def _number(rng: random.Random) -> str:
    return rng.choice([str(rng.randint(2, 99)), str(rng.randint(100, 9999)), f"{rng.randint(1, 99)}.{rng.randint(0, 9)}", f"{rng.randint(2, 900)},000"])


def _sentence(lex: Lexicon, rng: random.Random, nrng: np.random.Generator, cast: list[str], place: str) -> str:
    n = rng.randint(9, 26)
    words = [lex.words[i] for i in np.searchsorted(lex.cumulative, nrng.random(n))]
    for _ in range(rng.choice((0, 1, 1, 2))):
        words.insert(rng.randrange(len(words)), rng.choice(cast))
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), _number(rng))
    if rng.random() < 0.2:
        words.insert(rng.randrange(len(words)), place)
    if rng.random() < 0.25:
        words.insert(rng.randrange(1, len(words)), ",")
    text = " ".join(words).replace(" ,", ",")
    end = rng.choice([".", ".", ".", ".", "?", "!"])
    if rng.random() < 0.15:
        return f'"{text[0].upper() + text[1:]}{end}" {rng.choice(cast)} said.'
    return text[0].upper() + text[1:] + end


def _paragraphs(lex, rng, nrng, cast, place, n_paragraphs) -> list[str]:
    return [" ".join(_sentence(lex, rng, nrng, cast, place) for _ in range(rng.randint(2, 5))) for _ in range(n_paragraphs)]


def _title(lex, rng, nrng, cast, place) -> str:
    words = [lex.words[i] for i in np.searchsorted(lex.cumulative, nrng.random(rng.randint(5, 9)))]
    return f"{rng.choice(cast)} " + " ".join(words).capitalize() + f" in {place}"


# Templated reports: fixed sentences with slots (numbers, names, places, companies, teams).
TEMPLATES = [
    [
        "{company} reported quarterly revenue of ${n1} million on {day}, compared with ${n2} million a year earlier, the company said in a statement from its headquarters in {place}.",
        "Net income for the quarter was ${n3} million, or {d1} cents a share, while analysts surveyed by the wire had expected earnings of {d2} cents a share on revenue of ${n4} million.",
        "Shares of {company} rose {d3} percent to ${d4} in trading after the report, giving the company a market value of about ${n5} million.",
        "Chief executive {person} said the results reflected strong demand in {place} and that the company expected revenue for the full year of between ${n6} million and ${n7} million.",
        "The company employs about {n8} people and operates {d5} plants, including its largest site near {place2}.",
        "{person2}, an analyst at {company2}, said in a note to clients that margins of {d6} percent were better than the firm had forecast for the period.",
    ],
    [
        "The {team} beat the {team2} {d1} to {d2} on {day} night in front of {n1} fans at the stadium in {place}.",
        "{person} scored {d3} points and added {d4} rebounds for the {team}, who have now won {d5} of their last {d6} games this season.",
        "{person2} led the {team2} with {d7} points, but the visitors could not recover from a slow start and trailed by {d8} at the half.",
        "The {team} play again on {day2} against the {team3} in {place2}, where they lost {d9} to {d10} earlier this season.",
        "Coach {person3} said after the game that the team had worked hard in practice this week and that the defence made the difference in the second half.",
        "Attendance this season has averaged {n2} a game, the club said, up from {n3} last year.",
    ],
    [
        "Police in {place} arrested a {d1}-year-old man on {day} in connection with a robbery at a store on {street} Street, officials said.",
        "Officers were called to the store at about {d2}:{d3} p.m. after a clerk reported that a man had taken about ${n1} in cash from the register.",
        "The suspect, identified as {person} of {place2}, was charged with robbery and was being held at the county jail on ${n2} bail.",
        "No one was injured in the incident, according to a statement from police chief {person2}.",
        "Anyone with information about the robbery is asked to call the department at {d4}-{n3} or to contact the tip line.",
        "It was the {d5}th robbery reported in {place} this year, police said, compared with {d6} during the same period last year.",
    ],
    [
        "The weather service issued a storm warning for {place} and surrounding counties on {day}, with up to {d1} inches of rain expected through {day2}.",
        "Winds could reach {d2} miles per hour in exposed areas, and officials urged residents near the {river} River to prepare for possible flooding.",
        "Schools in {place2} will close early on {day2}, superintendent {person} said, and bus routes north of the river will be suspended.",
        "About {n1} homes lost power during a similar storm last month, and the utility said crews from {place3} were on standby.",
        "Temperatures are expected to fall to {d3} degrees by the weekend, forecaster {person2} said, before rising again to about {d4} degrees next week.",
        "Emergency shelters will open at {d5} locations, including the community centre on {street} Avenue.",
    ],
    [
        "The {place} city council voted {d1} to {d2} on {day} to approve a budget of ${n1} million for the coming fiscal year.",
        "The spending plan includes ${n2} million for road repairs and ${n3} million for the police department, an increase of {d3} percent over last year.",
        "Council member {person} voted against the budget, saying the city should have set aside more money for parks in the {street} neighbourhood.",
        "Mayor {person2} said the budget would not raise property taxes and that the city would hire {d4} new firefighters next year.",
        "The council will hold a public hearing on the plan on {day2} at {d5} p.m. at city hall in {place}.",
        "The city has about {n4} residents and its budget has grown by about {d6} percent a year since {year}.",
    ],
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _templated(lex: Lexicon, rng: random.Random, template: list[str]) -> tuple[str, list[str]]:
    fill = {
        "company": rng.choice(lex.companies), "company2": rng.choice(lex.companies),
        "person": _person(lex, rng), "person2": _person(lex, rng), "person3": _person(lex, rng),
        "place": rng.choice(lex.places), "place2": rng.choice(lex.places), "place3": rng.choice(lex.places),
        "team": rng.choice(lex.teams), "team2": rng.choice(lex.teams), "team3": rng.choice(lex.teams),
        "day": rng.choice(DAYS), "day2": rng.choice(DAYS), "street": rng.choice(lex.last_names),
        "river": rng.choice(lex.last_names), "year": str(rng.randint(1990, 2015)),
    }
    for i in range(1, 11):
        fill[f"n{i}"] = f"{rng.randint(2, 999)},{rng.randint(100, 999)}" if rng.random() < 0.3 else str(rng.randint(100, 9999))
        fill[f"d{i}"] = str(rng.randint(2, 99))
    # Reports of one template differ in their slots and in which optional sentences they carry.
    chosen = [s for i, s in enumerate(template) if i < 3 or rng.random() < 0.75]
    paragraphs = [s.format(**fill) for s in chosen]
    title = f"{fill['place']}: " + chosen[0].format(**fill).split(",")[0][:60]
    return title, paragraphs


def _edit(lex: Lexicon, rng: random.Random, paragraphs: list[str], rate: float) -> list[str]:
    """Change about `rate` of the words: synonyms, typos, numbers, insertions, deletions."""
    out = []
    for paragraph in paragraphs:
        words = paragraph.split(" ")
        result = []
        for w in words:
            if rng.random() >= rate:
                result.append(w)
                continue
            op = rng.random()
            core = w.strip(string.punctuation)
            if any(c.isdigit() for c in w):
                result.append(w.replace(core, _number(rng)) if core else w)
            elif op < 0.3 and core.lower() in lex.synonyms:
                result.append(w.replace(core, lex.synonyms[core.lower()]))
            elif op < 0.55 and len(core) > 3:
                i = rng.randrange(len(core) - 1)
                typo = core[:i] + core[i + 1] + core[i] + core[i + 2:]
                result.append(w.replace(core, typo))
            elif op < 0.8:
                result.extend([w, rng.choice(lex.words[:400])])
            # else: deleted
        out.append(" ".join(result))
    return out


def _truncate(rng: random.Random, paragraphs: list[str]) -> list[str]:
    """The first 50-90% of the words, cut mid-paragraph."""
    words = [(i, w) for i, p in enumerate(paragraphs) for w in p.split(" ")]
    keep = int(len(words) * rng.uniform(0.5, 0.9))
    out: list[list[str]] = [[] for _ in paragraphs]
    for i, w in words[:keep]:
        out[i].append(w)
    return [" ".join(p) for p in out if p]


def _reorder(rng: random.Random, paragraphs: list[str]) -> list[str]:
    """Paragraphs reordered (the lead stays first)."""
    rest = paragraphs[1:]
    rng.shuffle(rest)
    return paragraphs[:1] + rest


def _whitespace(rng: random.Random, body: str) -> str:
    return "\n".join(("  " + line + "  ").replace(". ", ".  ") if rng.random() < 0.5 else line for line in body.split("\n\n")).replace("\n", "\n\n\n")


def _page(lex: Lexicon, site: str, body: str, rng: random.Random) -> str:
    header = [f"{site.upper()}", "Home | World | Politics | Business | Sport | Opinion", f"Subscribe to {site} for $1 a week"]
    footer = [f"Copyright {rng.randint(2010, 2020)} {site}. All rights reserved.", "About us | Contact | Privacy policy | Terms of use", f"Follow {site} on social media"]
    return "\n\n".join(header + [body] + footer)


def generate(n: int, seed: int = 0) -> tuple[list[dict], dict[str, tuple[str, str]]]:
    """`n` records in a shuffled input order, and {record id: (story id, kind)}."""
    lex = Lexicon()
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    records: list[dict] = []
    truth: dict[str, tuple[str, str]] = {}
    stories: list[dict] = []

    def add(story: str, kind: str, site: str, url: str, title: str, paragraphs: list[str], day: int, credit: str | None = None) -> None:
        body = "\n\n".join(paragraphs)
        if kind == "whitespace":
            body = _whitespace(rng, body)
        if credit:
            body = body + "\n\n" + credit if rng.random() < 0.5 else credit + "\n\n" + body
        rid = f"r{len(records):07d}"
        records.append({
            "id": rid, "url": url, "source": site, "published": f"2024-{1 + day // 28:02d}-{1 + day % 28:02d}",
            "title": title, "text": body, "page": _page(lex, site, body, rng),
        })
        truth[rid] = (story, kind)

    def copies(story: dict, count: int) -> None:
        for _ in range(count):
            if len(records) >= n:
                return
            kind = rng.choices(KINDS_COPY, COPY_WEIGHTS)[0]
            site = rng.choice(lex.sites)
            url = f"https://www.{site}.com/{story['slug']}-{rng.randint(1000, 9999)}"
            paragraphs, title, credit = list(story["paragraphs"]), story["title"], None
            if kind == "resyndicated":
                credit = f"This story originally appeared in {story['site'].capitalize()}."
            elif kind == "edited":
                paragraphs = _edit(lex, rng, paragraphs, rng.uniform(0.005, 0.03))
                title = "Update: " + title.lower()
            elif kind == "truncated":
                paragraphs = _truncate(rng, paragraphs)
            elif kind == "reordered":
                paragraphs = _reorder(rng, paragraphs)
            elif kind == "recrawl":
                site = story["site"]
                url = story["url"].replace("https://www.", rng.choice(["http://", "https://"])) + rng.choice(["?utm_source=twitter", "?sr=fb123&linkId=9", "#comments", "/"])
                paragraphs = _edit(lex, rng, paragraphs, 0.005)
            elif kind == "combo":
                credit = f"Via {story['site']}"
                paragraphs = _edit(lex, rng, paragraphs, rng.uniform(0.005, 0.03))
                paragraphs = _truncate(rng, paragraphs) if rng.random() < 0.6 else _reorder(rng, paragraphs)
            add(story["id"], kind, site, url, title, paragraphs, story["day"] + rng.randint(0, 5), credit)

    while len(records) < n:
        roll = rng.random()
        site = rng.choice(lex.sites)
        day = rng.randint(0, 300)
        story_id = f"s{len(stories):06d}"
        if roll < 0.09:
            template = rng.randrange(len(TEMPLATES))
            title, paragraphs = _templated(lex, rng, TEMPLATES[template])
            kind, n_copies = "templated", (rng.randint(1, 2) if rng.random() < 0.2 else 0)
        elif roll < 0.14 and any(st["cast"] for st in stories[-50:]):
            base = rng.choice([st for st in stories[-50:] if st["cast"]])
            cast = base["cast"]
            shared = rng.sample(base["paragraphs"], k=max(1, int(len(base["paragraphs"]) * rng.uniform(0.15, 0.45))))
            fresh = _paragraphs(lex, rng, nrng, cast, base["place"], rng.randint(4, 10))
            paragraphs = fresh[:1] + shared + fresh[1:]
            title = _title(lex, rng, nrng, cast, base["place"])
            kind, n_copies = "followup", (1 if rng.random() < 0.2 else 0)
        else:
            cast = [_person(lex, rng) for _ in range(rng.randint(1, 4))]
            place = rng.choice(lex.places)
            paragraphs = _paragraphs(lex, rng, nrng, cast, place, rng.randint(6, 14))
            title = _title(lex, rng, nrng, cast, place)
            kind = "original"
            n_copies = 0 if rng.random() < 0.55 else min(6, int(rng.expovariate(0.6)) + 1)
        slug = "-".join(title.lower().split()[:5]).replace(",", "").replace(":", "")
        url = f"https://www.{site}.com/2024/{slug}-{len(stories)}"
        story = {"id": story_id, "site": site, "url": url, "slug": slug, "title": title, "paragraphs": paragraphs, "day": day,
                 "cast": cast if kind != "templated" else [], "place": place if kind == "original" else ""}
        if kind == "followup":
            story["cast"], story["place"] = base["cast"], base["place"]
        stories.append(story)
        add(story_id, kind, site, url, title, paragraphs, day)
        copies(story, n_copies)

    order = list(range(len(records)))
    rng.shuffle(order)
    shuffled = [records[i] for i in order]
    return shuffled, truth


if __name__ == "__main__":
    import collections

    recs, tr = generate(2000, 1)
    print(collections.Counter(kind for _, kind in tr.values()))
    print(recs[0]["page"][:1500])
