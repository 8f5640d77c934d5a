"""Scale benchmark: the full build (every stage on main) on N synthetic ~3 KB articles.

    python bench/scale.py --docs 10000 100000 1000000 --workers 2

For each N: generates N markdown-with-furniture articles from four invented sites (bench/sites.py),
about 3% exact and 2% edited copies planted, as JSONL files of 10,000 records; builds them with
every stage; prints per phase the wall time, docs/s, MB/s and the peak RSS of the processes that
ran it; then the end-to-end rate. With several N, a last table shows how cost grows (the target:
100k -> 1M within 12x the time, peak RSS under 4 GB, >= 1,500 docs/s end to end on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sites  # noqa: E402  (the benchmark's own generator, beside this file)
from build import print_timings  # noqa: E402  (the foundation benchmark's report, beside this file)

import builder  # noqa: E402
from builder.config import BuildConfig, RunOptions  # noqa: E402

RECORDS_PER_FILE = 10_000


def generate(folder: Path, docs: int, seed: int = 0) -> int:
    """Write `docs` JSONL records; return the bytes written."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    written = 0
    recent: list[dict] = []
    handle = None
    batch_seed = seed
    pool: list[dict] = []
    for i in range(docs):
        if i % RECORDS_PER_FILE == 0:
            if handle:
                handle.close()
            handle = open(folder / f"part-{i // RECORDS_PER_FILE:05d}.jsonl", "w", encoding="utf-8")
        roll = rng.random()
        if recent and roll < 0.03:  # an exact copy under another URL
            original = rng.choice(recent)
            record = {**original, "url": original["url"] + f"?copy={i}"}
        elif recent and roll < 0.05:  # an edited copy: one body line dropped
            original = rng.choice(recent)
            lines = original["text"].split("\n\n")
            if len(lines) > 8:
                del lines[len(lines) // 2]
            record = {**original, "text": "\n\n".join(lines), "url": original["url"] + f"?edit={i}"}
        else:
            if not pool:
                batch_seed += 1
                pool = sites.generate(500, seed=batch_seed)
                rng.shuffle(pool)
            article = pool.pop()
            record = {"id": f"doc-{i}", "url": f"{article['url']}-{i}", "title": article["title"],
                      "source": article["site"], "text": article["text"]}
            recent.append(record)
            if len(recent) > 2000:
                recent.pop(0)
        record = {**record, "id": f"doc-{i}"}
        line = json.dumps(record, ensure_ascii=False) + "\n"
        written += len(line.encode("utf-8"))
        handle.write(line)
    if handle:
        handle.close()
    return written


def run(docs: int, workers: int, tmp: Path) -> dict:
    started = time.perf_counter()
    inputs = tmp / f"in-{docs}"
    done = tmp / f"in-{docs}.generated"  # a finished input folder (with --tmp) is reused, not generated again
    if done.exists():
        size = int(done.read_text())
        print(f"\n== {docs:,} docs: reusing {size / 1e6:,.1f} MB of input in {inputs}")
    else:
        shutil.rmtree(inputs, ignore_errors=True)
        size = generate(inputs, docs)
        done.write_text(str(size))
        print(f"\n== {docs:,} docs: generated {size / 1e6:,.1f} MB in {time.perf_counter() - started:.1f}s")
    # A build killed in an earlier run left its work dir in the output folder, and would resume
    # from it: every phase is measured from scratch.
    shutil.rmtree(tmp / f"out-{docs}", ignore_errors=True)
    result = builder.build([str(inputs)], tmp / f"out-{docs}", "1.0.0", BuildConfig(name="scale"),
                           RunOptions(workers=workers, progress=False))
    m = result.manifest
    peak = print_timings(result, docs, size)
    rate = docs / result.seconds
    rejects = {k: v for k, v in m["stats"].items() if k.startswith("reject.")}
    print("rejects:", ", ".join(f"{k[7:]} {v:,}" for k, v in sorted(rejects.items())) or "none")
    return {"docs": docs, "seconds": result.seconds, "rate": rate, "peak_rss_mb": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, nargs="+", default=[10_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tmp", default=None, help="where to generate and build (default: a temp folder); "
                        "generated inputs are kept there and reused by the next run")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    tmp = Path(args.tmp or tempfile.mkdtemp(prefix="shardsmith-scale-"))
    results = []
    try:
        for docs in args.docs:
            results.append(run(docs, args.workers, tmp))
            shutil.rmtree(tmp / f"out-{docs}", ignore_errors=True)
            if not (args.keep or args.tmp):
                shutil.rmtree(tmp / f"in-{docs}", ignore_errors=True)
                (tmp / f"in-{docs}.generated").unlink(missing_ok=True)
    finally:
        if not (args.keep or args.tmp):  # a folder given with --tmp is the caller's: keep its inputs
            shutil.rmtree(tmp, ignore_errors=True)
    if len(results) > 1:
        print(f"\n{'docs':>10} {'seconds':>9} {'docs/s':>8} {'x time':>7} {'x docs':>7} {'peak RSS MB':>12}")
        for previous, r in zip([None] + results, results):
            grow_time = f"{r['seconds'] / previous['seconds']:7.1f}" if previous else f"{'-':>7}"
            grow_docs = f"{r['docs'] / previous['docs']:7.1f}" if previous else f"{'-':>7}"
            print(f"{r['docs']:>10,} {r['seconds']:9.1f} {r['rate']:8,.0f} {grow_time} {grow_docs} {r['peak_rss_mb']:12,.0f}")


if __name__ == "__main__":
    main()
