"""Foundation benchmark: ingest -> exact dedup -> publish, on N synthetic ~3 KB articles.

    python bench/build.py --docs 50000 --workers 2

Generates N articles (about 3 KB each, 5% of them exact copies) as JSONL files, builds them with
the optional stages switched off (the path the foundation covers: read, normalise, exact dedup,
publish) and prints, per phase, docs/s, MB/s and peak RSS, then the end-to-end rate.
Pass --all-stages to run every stage instead (the full build).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from pathlib import Path

import builder
from builder.config import RunOptions, from_dict

WORDS = (
    "the of and to in a is that for on with as by at from was were it its this be are have has had not but "
    "council harbour minister report river budget school bridge court market ferry farmers nurses museum "
    "city region plan contract village station festival library hospital election vote storm season "
    "announced approved rejected delayed questioned reviewed funded expanded criticised defended opened "
    "closed north south east west new old long short early late public local national private annual"
).split()

FOUNDATION_ONLY = {
    "metadata": {"enabled": False},
    "boilerplate": {"enabled": False},
    "language": {"enabled": False},
    "licensing": {"enabled": False},
    "pii": {"mode": "off"},
    "quality": {"enabled": False},
    "tokens": {"tokenizer": "whitespace"},
    "near_dedup": {"enabled": False},
    "url_dedup": {"enabled": False},
}


def article(rng: random.Random, size: int = 3000) -> str:
    paragraphs, length = [], 0
    while length < size:
        sentence_count = rng.randint(3, 6)
        paragraph = " ".join(
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))).capitalize() + "."
            for _ in range(sentence_count)
        )
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
    return "\n\n".join(paragraphs)


def generate(folder: Path, docs: int, files: int, seed: int = 0, duplicate_share: float = 0.05) -> int:
    """Write `docs` JSONL records over `files` files; return the input size in bytes."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    handles = [open(folder / f"part-{i:04d}.jsonl", "w", encoding="utf-8") for i in range(files)]
    for i in range(docs):
        text = rng.choice(written) if written and rng.random() < duplicate_share else article(rng)
        if len(written) < 5000:
            written.append(text)
        record = {"id": f"doc-{i}", "url": f"https://site{i % 7}.example/{i}", "title": f"Story {i}", "text": text}
        handles[i % files].write(json.dumps(record) + "\n")
    for handle in handles:
        handle.close()
    return sum(p.stat().st_size for p in folder.iterdir())


def print_timings(result: builder.BuildResult, docs: int, size: int) -> float:
    """Per phase and end to end: wall and CPU seconds, docs/s, MB/s and peak RSS; then CPU per
    document and the accounting. Returns the peak RSS (MB). CPU seconds (summed over the
    processes that ran a phase) say what the work costs whatever else runs on the machine; the
    targets are about wall time."""
    timings = result.manifest["timings"]
    print(f"{'phase':>20} {'wall s':>8} {'cpu s':>8} {'docs/s':>10} {'MB/s':>8} {'peak RSS MB':>12}")
    for phase, t in timings.items():
        wall = max(t["wall_seconds"], 1e-9)
        print(f"{phase:>20} {wall:8.2f} {t.get('cpu_seconds', 0):8.2f} {docs / wall:10,.0f} {size / 1e6 / wall:8.1f} {t.get('peak_rss_mb', 0):12,.0f}")
    peak = max(t.get("peak_rss_mb", 0) for t in timings.values())
    cpu = sum(t.get("cpu_seconds", 0) for t in timings.values())
    print(f"{'end to end':>20} {result.seconds:8.2f} {cpu:8.2f} {docs / result.seconds:10,.0f} {size / 1e6 / result.seconds:8.1f} {peak:12,.0f}")
    print(f"CPU per document: {cpu / docs * 1e6:,.0f} us over all phases")
    acc = result.manifest["accounting"]
    print(f"inputs {acc['inputs']:,} = rows {acc['rows']:,} + duplicates {acc['duplicates']:,} + rejects {acc['rejects']:,}")
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--all-stages", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="shardsmith-bench-"))
    try:
        started = time.perf_counter()
        size = generate(tmp / "in", args.docs, args.files)
        print(f"generated {args.docs:,} docs, {size / 1e6:.1f} MB in {time.perf_counter() - started:.1f}s")
        cfg = from_dict({} if args.all_stages else FOUNDATION_ONLY)
        result = builder.build([str(tmp / "in")], tmp / "out", "1.0.0", cfg, RunOptions(workers=args.workers, progress=False))
        print()
        print_timings(result, args.docs, size)
        target = 10_000
        rate = args.docs / result.seconds
        if not args.all_stages:
            print(f"target >= {target:,} docs/s end to end: {'met' if rate >= target else 'NOT met'} ({rate:,.0f})")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
