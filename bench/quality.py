"""Quality rules on real news and on written negatives.

Targets (issue 8): of the real article bodies of 50+ words (BuzzFeed-Webis 2016 `mainText`,
article-extraction-benchmark `articleBody`), fewer than 1% dropped; of link lists, keyword spam
and tables (generated here from templates this project wrote), more than 95% dropped.

    /work/venv/bin/python bench/quality.py

Prints, per set, the drop rate and the reasons, every dropped real article with its reason, and
the CPU time per document of `quality_signals` + `check` (one text a call, and in the stage's
batches) and of the token counters beside `str.split` on the same texts (the machine may be shared: the ratio is the stable figure).
Skips without ../shared.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

from builder.config import QualityConfig
from builder.stages import tokens
from builder.stages.quality import _BATCH_DOCS, check, quality_signals, quality_signals_many

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
MIN_WORDS = 50

# ---------------------------------------------------------------- written negatives

TOPICS = (
    "election budget senate governor court police school hospital market housing climate energy "
    "football transfer airline vaccine protest border union festival museum bridge storm wildfire "
    "startup bank tariff pension refinery railway harbour orchestra library"
).split()
VERBS = "says warns plans rejects backs delays opens closes wins loses faces seeks blocks".split()
PLACES = "Ohio Texas Paris Berlin Lagos Denver Quebec Madrid Leeds Osaka Lima Perth".split()
KEYWORDS = (
    "cheap|best price|buy online|free shipping|discount|sale|top rated|near me|coupon|deal|"
    "replica|wholesale|hot|2024|official|review|fast delivery|low cost|promo code|outlet"
).split("|")
PRODUCTS = "shoes|watches|phone cases|sunglasses|handbags|laptops|flights|hotels|loans|insurance|vitamins|headphones".split("|")


def _headline(rng: random.Random) -> str:
    return f"{rng.choice(PLACES)} {rng.choice(TOPICS)} {rng.choice(VERBS)} {rng.choice(TOPICS)} {rng.choice(['plan', 'vote', 'deal', 'review', 'ban', 'cuts'])}"


def _slug(text: str) -> str:
    return text.lower().replace(" ", "-")


def link_list(rng: random.Random) -> str:
    """Navigation menus, related-article lists and link farms, in the shapes extractors leave."""
    n = rng.randint(15, 60)
    style = rng.choice(["markdown", "bullet_markdown", "bare_url", "titles", "menu", "titles_with_dates"])
    lines = []
    for _ in range(n):
        title = _headline(rng)
        url = f"https://www.example-news.com/{rng.choice(TOPICS)}/{_slug(title)}-{rng.randint(1000, 99999)}"
        if style == "markdown":
            lines.append(f"[{title}]({url})")
        elif style == "bullet_markdown":
            lines.append(f"- [{title}]({url})")
        elif style == "bare_url":
            lines.append(url)
        elif style == "titles":
            lines.append(title)
        elif style == "titles_with_dates":
            lines.append(f"{title} {rng.randint(1, 28)} {rng.choice(['Jan', 'Feb', 'Mar', 'Apr'])} 2024")
        else:
            lines.append(" | ".join(rng.choice(TOPICS).title() for _ in range(rng.randint(4, 9))))
    sep = "\n" if rng.random() < 0.5 else "\n\n"
    return sep.join(lines)


def keyword_spam(rng: random.Random) -> str:
    """Search-engine spam: keyword lists and repeated money phrases, with or without filler."""
    product = rng.choice(PRODUCTS)
    style = rng.choice(["commas", "repeated_sentence", "stuffed_paragraphs", "tags"])
    n = rng.randint(60, 300)
    if style == "commas":
        return ", ".join(f"{rng.choice(KEYWORDS)} {product}" for _ in range(n // 2))
    if style == "tags":
        return "\n".join(f"#{rng.choice(KEYWORDS).replace(' ', '')}{product.replace(' ', '')}" for _ in range(n // 3))
    if style == "repeated_sentence":
        sentence = f"Buy {rng.choice(KEYWORDS)} {product} online at the {rng.choice(KEYWORDS)} {product} store."
        return " ".join(sentence for _ in range(n // 10))
    paragraphs = []
    for _ in range(rng.randint(3, 8)):
        words = []
        for _ in range(rng.randint(20, 50)):
            words.append(rng.choice([product, *rng.choice(KEYWORDS).split(), product, "buy", "cheap"]))
        paragraphs.append(" ".join(words).capitalize() + rng.choice([".", "!", ""]))
    return "\n\n".join(paragraphs)


def table(rng: random.Random) -> str:
    """Tables left as text: pipe tables, tab/space columns, scores, prices, standings."""
    rows = rng.randint(12, 50)
    style = rng.choice(["pipe", "tsv", "scores", "prices", "standings"])
    lines = []
    if style == "pipe":
        lines.append("| Name | Q1 | Q2 | Q3 | Q4 | Total |")
        lines.append("|---|---|---|---|---|---|")
        for _ in range(rows):
            q = [rng.randint(0, 999) for _ in range(4)]
            lines.append(f"| {rng.choice(PLACES)} | " + " | ".join(map(str, q)) + f" | {sum(q)} |")
    elif style == "tsv":
        for _ in range(rows):
            lines.append("\t".join([rng.choice(TOPICS)] + [f"{rng.uniform(0, 100):.2f}" for _ in range(rng.randint(3, 7))]))
    elif style == "scores":
        for _ in range(rows):
            a, b = rng.sample(PLACES, 2)
            lines.append(f"{a} {rng.randint(0, 120)}, {b} {rng.randint(0, 120)}")
    elif style == "prices":
        for _ in range(rows):
            lines.append(f"{rng.choice(PRODUCTS).title()} {rng.choice(['XL', 'Pro', 'Mini', '2'])} ${rng.randint(5, 900)}.{rng.randint(0, 99):02d}")
    else:
        lines.append("Pos Team P W D L GF GA Pts")
        for i in range(1, rows + 1):
            cells = [rng.randint(0, 40) for _ in range(7)]
            lines.append(f"{i} {rng.choice(PLACES)} " + " ".join(map(str, cells)))
    return "\n".join(lines)


def negatives(seed: int = 8, per_kind: int = 200) -> dict[str, list[str]]:
    rng = random.Random(seed)
    return {kind: [make(rng) for _ in range(per_kind)] for kind, make in
            (("link_list", link_list), ("keyword_spam", keyword_spam), ("table", table))}


# ---------------------------------------------------------------- real news

def real_news() -> dict[str, list[tuple[str, str]]]:
    """(language, body) of the real articles of 50+ words; language is English for BuzzFeed-Webis
    (all US publishers), and detected with langdetect (seed 0) for the benchmark's pages."""
    import langdetect

    langdetect.DetectorFactory.seed = 0
    sets: dict[str, list[tuple[str, str]]] = {}
    with gzip.open(SHARED / "corpora" / "buzzfeed_webis_2016" / "articles.jsonl.gz", "rt", encoding="utf-8") as handle:
        texts = [json.loads(line).get("mainText") or "" for line in handle]
    sets["buzzfeed_webis_2016"] = [("en", t) for t in texts if len(t.split()) >= MIN_WORDS]
    truth = json.loads((SHARED / "corpora" / "article_extraction_benchmark" / "ground-truth.json").read_text("utf-8"))
    bodies = [item.get("articleBody") or "" for item in truth.values()]
    sets["article_extraction_benchmark"] = [
        (langdetect.detect(t[:1000]), t) for t in bodies if len(t.split()) >= MIN_WORDS
    ]
    return sets


def evaluate(texts: list[tuple[str, str]], cfg: QualityConfig) -> tuple[int, Counter[str], list[tuple[str, str, str]]]:
    reasons: Counter[str] = Counter()
    dropped: list[tuple[str, str, str]] = []
    for language, text in texts:
        failures = check(quality_signals(text, language, cfg), cfg)
        if failures:
            rule, detail = failures[0]
            reasons[rule] += 1
            dropped.append((rule, detail, text))
    return len(dropped), reasons, dropped


def cpu_ms_per_doc(function, texts: list[str], repeat: int = 3) -> float:
    start = time.process_time()
    for _ in range(repeat):
        for text in texts:
            function(text)
    return (time.process_time() - start) / (repeat * len(texts)) * 1e3


def main() -> int:
    if not (SHARED / "corpora").is_dir():
        print(f"skipped: {SHARED} not found (the third-party corpora live there)")
        return 0
    cfg = QualityConfig()
    print("real news, articles of >= 50 words (target: < 1% dropped)")
    total = total_dropped = 0
    sets = real_news()
    for name, texts in sets.items():
        n_dropped, reasons, dropped = evaluate(texts, cfg)
        total += len(texts)
        total_dropped += n_dropped
        print(f"  {name}: {n_dropped}/{len(texts)} dropped = {n_dropped / len(texts):.2%}  {dict(reasons)}")
        for rule, detail, text in dropped:
            print(f"      {rule}: {detail}  | {text[:70]!r}")
    print(f"  both: {total_dropped}/{total} dropped = {total_dropped / total:.2%}")

    print("written negatives (target: > 95% dropped)")
    all_neg = neg_dropped = 0
    for kind, texts in negatives().items():
        n_dropped, reasons, _ = evaluate([("en", t) for t in texts], cfg)
        all_neg += len(texts)
        neg_dropped += n_dropped
        print(f"  {kind}: {n_dropped}/{len(texts)} dropped = {n_dropped / len(texts):.1%}  {dict(reasons)}")
    print(f"  all: {neg_dropped}/{all_neg} dropped = {neg_dropped / all_neg:.1%}")
    # The same without the length rule: the content rules alone must catch them.
    no_length = dataclasses.replace(cfg, disabled=["min_words"])
    for kind, texts in negatives().items():
        n_dropped, reasons, _ = evaluate([("en", t) for t in texts], no_length)
        print(f"  {kind}, min_words off: {n_dropped / len(texts):.1%} dropped  {dict(reasons)}")

    docs = [t for _, t in sets["buzzfeed_webis_2016"] if 2500 <= len(t.encode("utf-8")) <= 3500]
    quality_ms = cpu_ms_per_doc(lambda t: check(quality_signals(t, "en", cfg), cfg), docs)
    batches = [docs[i : i + _BATCH_DOCS] for i in range(0, len(docs), _BATCH_DOCS)]
    batch_ms = cpu_ms_per_doc(
        lambda batch: [check(s, cfg) for s in quality_signals_many(batch, ["en"] * len(batch), cfg, True)], batches
    ) * len(batches) / len(docs)
    split_ms = cpu_ms_per_doc(str.split, docs)
    print(f"speed on {len(docs)} bodies of 2.5-3.5 KB (CPU time; load average {os.getloadavg()[0]:.1f}):")
    print(f"  quality_signals+check, one text a call {quality_ms:.3f} ms/doc, str.split {split_ms:.3f} ms/doc, ratio {quality_ms / split_ms:.1f}x")
    print(f"  quality_signals_many+check, batches of {_BATCH_DOCS} as the stage runs {batch_ms:.3f} ms/doc, ratio to str.split {batch_ms / split_ms:.1f}x")
    for name in ("cl100k_base", "words"):
        try:
            count = tokens.get_counter(name)
            count("warm up")
        except ImportError:
            print(f"  tokens {name}: not installed")
            continue
        token_ms = cpu_ms_per_doc(count, docs)
        print(f"  tokens {name}: {token_ms:.3f} ms/doc, ratio to str.split {token_ms / split_ms:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
