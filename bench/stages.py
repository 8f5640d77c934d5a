"""Per-stage cost: each straight-through stage timed on its own, on the same documents.

    python bench/stages.py --docs 2000

Generates articles with site furniture (bench/sites.py), runs the ingest-time stages (normalize,
metadata) and then each process-time stage in pipeline order on the output of the one before,
timing each one alone and printing ms/doc and docs/s per core. Times are CPU time of this process
(`time.process_time`), so other jobs on a shared machine inflate them less than wall time would.
The language model's load (once per worker process) is timed on its own line, not in the stage's
ms/doc. The budget: the whole build must reach 1,500 docs/s on 2 cores, i.e. about 1.3 ms per
document per core for everything, reading and writing included.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sites  # noqa: E402

from builder.config import BuildConfig  # noqa: E402
from builder.document import Document, document_id  # noqa: E402
from builder.stages import boilerplate, labels, language, licensing, metadata, normalize, pii, quality, tokens  # noqa: E402
from builder.stats import Stats  # noqa: E402


def timed(name: str, fn, docs: list[Document], results: list) -> list[Document]:
    docs = [copy.copy(d) for d in docs]
    started = time.process_time()
    out = list(fn(iter(docs)))
    seconds = time.process_time() - started
    results.append((name, seconds))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=2000)
    args = parser.parse_args()
    cfg = BuildConfig()
    stats = Stats()
    articles = []
    seed = 0
    while len(articles) < args.docs:
        seed += 1
        articles.extend(sites.generate(200, seed=seed))
    articles = articles[: args.docs]
    docs = [Document(id="", text=a["text"], path=f"{i}.md", record=1, raw_hash="0", url=a["url"]) for i, a in enumerate(articles)]
    results: list[tuple[str, float]] = []
    docs = timed("normalize", lambda d: normalize.run(d, cfg.normalize, stats), docs, results)
    for doc in docs:
        doc.id = document_id(doc.url or doc.path, doc.text)
    docs = timed("metadata", lambda d: metadata.run(d, cfg.metadata, stats), docs, results)
    # Template lines, as the templates phase finds them.
    per_source: dict[str, dict[int, int]] = {}
    counts: dict[str, int] = {}
    for doc in docs:
        source = doc.source or ""
        counts[source] = counts.get(source, 0) + 1
        for key in boilerplate.line_keys(doc.source_text):
            per_source.setdefault(source, {})[key] = per_source.setdefault(source, {}).get(key, 0) + 1
    templates = {s: (n, boilerplate.select_templates(n, per_source.get(s, {}), cfg.boilerplate)) for s, n in counts.items()}
    docs = timed("boilerplate", lambda d: boilerplate.run(d, cfg.boilerplate, stats, templates), docs, results)
    started = time.process_time()
    language._model()  # loaded once per process; timed apart from the per-document cost
    model_load = time.process_time() - started
    after_boilerplate = docs
    language.forget_recent_answers()  # (a copy's answer is reused: each run starts with none kept)
    docs = timed("language", lambda d: language.run(d, cfg.language, stats), docs, results)
    docs = timed("licensing", lambda d: licensing.run(d, cfg.licensing, stats), docs, results)
    docs = timed("pii", lambda d: pii.run(d, cfg.pii, stats), docs, results)
    table = labels.load_table(cfg.labels)
    docs = timed("labels", lambda d: labels.run(d, cfg.labels, stats, table), docs, results)
    docs = timed("quality", lambda d: quality.run(d, cfg.quality, stats), docs, results)
    docs = timed("tokens", lambda d: tokens.run(d, cfg.tokens, stats), docs, results)
    docs = timed("to_row", lambda d: (x.to_row("0", "0") for x in d), docs, results)
    # The same stages chained as the process phase runs them (one document through licensing and
    # then PII, so PII reuses licensing's scan of the same texts), on the same documents.
    chain_stats = Stats()

    def chained(d):
        d = language.run(d, cfg.language, chain_stats)
        d = licensing.run(d, cfg.licensing, chain_stats)
        d = pii.run(d, cfg.pii, chain_stats)
        d = labels.run(d, cfg.labels, chain_stats, table)
        d = quality.run(d, cfg.quality, chain_stats)
        return tokens.run(d, cfg.tokens, chain_stats)

    chain_results: list[tuple[str, float]] = []
    language.forget_recent_answers()
    timed("chained", chained, after_boilerplate, chain_results)
    n = len(articles)
    print(f"{n:,} documents, mean {sum(len(a['text']) for a in articles) / n:,.0f} chars")
    print(f"{'stage':>12} {'ms/doc':>8} {'docs/s/core':>12}")
    for name, seconds in results:
        print(f"{name:>12} {seconds / n * 1000:8.3f} {n / max(seconds, 1e-9):12,.0f}")
    total = sum(s for _, s in results)
    print(f"{'all':>12} {total / n * 1000:8.3f} {n / total:12,.0f}")
    annotation = ("language", "licensing", "pii", "labels", "quality", "tokens")
    subtotal = sum(s for name, s in results if name in annotation)
    print(f"{'annotation':>12} {subtotal / n * 1000:8.3f} {n / subtotal:12,.0f}   ({' + '.join(annotation)})")
    chained_seconds = chain_results[0][1]
    print(f"{'chained':>12} {chained_seconds / n * 1000:8.3f} {n / chained_seconds:12,.0f}   (the same stages chained, as the pipeline runs them)")
    print(f"language model load (once per process): {model_load:.2f} s CPU")
    kept = sum(1 for d in docs if getattr(d, "reject", None) is None) if docs and isinstance(docs[0], Document) else None
    if kept is not None:
        print(f"kept {kept:,} of {n:,}")
    print("rejects:", {k: v for k, v in stats.to_dict().items() if k.startswith("quality.dropped") or k == "language.dropped"})


if __name__ == "__main__":
    main()
