"""Benchmark of the dedup phases on the synthetic news corpus of bench/news.py, against datasketch.

    /work/venv/bin/python bench/dedup.py --n 20000 [--mode body|page] [--workers 2] [--shards 4]

Runs the dedup phases (builder/dedup.py) on a process pool, as the pipeline would, then
datasketch's MinHashLSH (threshold 0.7, 128 permutations, word 5-grams, first copy kept) on
the same texts in the same run, and prints removal precision / recall / F1, stories lost,
hard negatives merged, recall per kind, seconds per phase, docs/s of both, their ratio, peak RSS
and the machine's load average before and after (other work on the machine slows both).
A removal is correct when the kept document is a copy of the same story.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import re
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import news  # noqa: E402

from builder import dedup, pipeline  # noqa: E402
from builder.config import BuildConfig  # noqa: E402
from builder.context import BuildContext  # noqa: E402
from builder.document import hash128  # noqa: E402
from builder.schema import document_schema  # noqa: E402
from builder.stages.exact_dedup import word_measures  # noqa: E402


def default_value(field: pa.Field):
    """A placeholder for a column the benchmark does not care about."""
    t = field.type
    if pa.types.is_struct(t):
        return {f.name: default_value(f) for f in t}
    if pa.types.is_list(t):
        return []
    if pa.types.is_string(t):
        return "" if not field.nullable else None
    if pa.types.is_boolean(t):
        return None if field.nullable else False
    if pa.types.is_floating(t) or pa.types.is_integer(t):
        return None if field.nullable else 0
    raise TypeError(t)


def write_shards(records: list[dict], work: Path, n_shards: int, text_field: str) -> None:
    schema = document_schema()
    per = -(-len(records) // n_shards)
    for rank in range(n_shards):
        rows = []
        for r in records[rank * per: (rank + 1) * per]:
            row = {f.name: default_value(f) for f in schema}
            text = r[text_field]
            row.update(id=r["id"], text=text, url=r["url"], source=r["source"], published=r["published"], title=r["title"],
                       source_id=r["id"], n_chars=len(text), text_hash=hash128(text))
            rows.append(row)
        path = work / "docs" / f"{rank:05d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pylist(rows, schema=schema)
        pq.write_table(table, path)
        # The facts the process phase writes beside its rows: each text's exact key and hashed length.
        keys = [word_measures(row["text"])[1:] for row in rows]
        pq.write_table(pipeline.row_facts(table, keys), path.with_suffix(".facts.parquet"))


def _run(args):
    """One task; returns its Stats and the peak RSS (MB) of the process while it ran (measured as
    the pipeline does: the peak is reset before the task, so earlier phases do not count)."""
    fn, ctx, rank = args
    pipeline.reset_peak_rss()
    stats = fn(ctx, rank)
    return stats, pipeline.peak_rss_mb()


def _warm(_: int) -> None:
    """Import the phase code in a worker (a pipeline's pool has run earlier phases already)."""
    import builder.dedup  # noqa: F401


def run_phases(ctx: BuildContext, pool: ProcessPoolExecutor | None) -> tuple[dict[str, float], dict[str, float]]:
    """Run the phases like the pipeline; (seconds per phase, peak RSS MB of a process per phase)."""
    timings, rss = {}, {}
    for name, fn, n_tasks in dedup.plan(ctx):
        start = time.perf_counter()
        tasks = [(fn, ctx, rank) for rank in range(n_tasks)]
        results = list(pool.map(_run, tasks)) if pool else [_run(t) for t in tasks]
        timings[name] = time.perf_counter() - start
        rss[name] = max(r for _, r in results)
    return timings, rss


def datasketch_dedup(records: list[dict], text_field: str) -> tuple[dict[str, str], float]:
    """Removed id -> kept id with datasketch MinHashLSH (threshold 0.7, word 5-grams, first copy kept)."""
    from datasketch import MinHash, MinHashLSH

    start = time.perf_counter()
    lsh = MinHashLSH(threshold=0.7, num_perm=128)
    word = re.compile(r"\w+")
    removed = {}
    for r in records:
        tokens = word.findall(r[text_field].lower())
        shingles = {" ".join(tokens[i: i + 5]) for i in range(max(1, len(tokens) - 4))}
        m = MinHash(num_perm=128)
        m.update_batch([s.encode("utf-8") for s in shingles])
        hits = lsh.query(m)
        if hits:
            removed[r["id"]] = min(hits)
        else:
            lsh.insert(r["id"], m)
    return removed, time.perf_counter() - start


def score(removed: dict[str, str], records: list[dict], truth: dict[str, tuple[str, str]]) -> dict:
    story_records = collections.defaultdict(list)
    for r in records:
        story_records[truth[r["id"]][0]].append(r["id"])
    tp = sum(1 for d, k in removed.items() if truth[d][0] == truth[k][0])
    n_dups = len(records) - len(story_records)
    lost = [s for s, ids in story_records.items() if all(i in removed for i in ids)]
    # Per kind: every record but the one kept for its story should be removed (correctly).
    expected = collections.Counter()
    hit = collections.Counter()
    for story, ids in story_records.items():
        kept = [i for i in ids if i not in removed]
        designated = kept[0] if kept else None
        for i in kept:
            if truth[i][1] in ("original", "templated", "followup"):
                designated = i
        for i in ids:
            if i == designated:
                continue
            kind = truth[i][1]
            expected[kind] += 1
            if i in removed and truth[removed[i]][0] == story:
                hit[kind] += 1
    merged = collections.Counter(truth[d][1] for d, k in removed.items() if truth[d][0] != truth[k][0])
    precision = tp / len(removed) if removed else 1.0
    recall = tp / n_dups if n_dups else 1.0
    return {
        "removed": len(removed), "true_removals": tp, "duplicates": n_dups,
        "precision": precision, "recall": recall, "f1": 2 * precision * recall / (precision + recall) if tp else 0.0,
        "stories_lost": len(lost), "wrong_by_kind": dict(merged),
        "recall_by_kind": {k: (hit[k] / expected[k], expected[k]) for k in sorted(expected)},
    }


def show(name: str, s: dict) -> None:
    print(f"{name}: removed {s['removed']} of {s['duplicates']} planted copies | precision {s['precision']:.4f} "
          f"recall {s['recall']:.4f} F1 {s['f1']:.4f} | stories lost {s['stories_lost']} | wrong removals by kind {s['wrong_by_kind']}")
    print("  recall by kind: " + ", ".join(f"{k} {r:.3f} (n={n})" for k, (r, n) in s["recall_by_kind"].items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mode", choices=["body", "page"], default="body", help="dedup the extracted body or the page with its header and footer")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs of both (medians are reported)")
    parser.add_argument("--no-peer", action="store_true", help="skip datasketch (e.g. for memory runs at 100k+)")
    args = parser.parse_args()
    text_field = "text" if args.mode == "body" else "page"

    print("load average before (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    t0 = time.perf_counter()
    records, truth = news.generate(args.n, args.seed)
    print(f"corpus: {len(records)} records, {len({s for s, _ in truth.values()})} stories, "
          f"{sum(len(r[text_field]) for r in records) / len(records):.0f} chars/doc ({args.mode}), generated in {time.perf_counter() - t0:.1f} s")
    print("  kinds:", dict(collections.Counter(k for _, k in truth.values())))

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_shards(records, work, args.shards, text_field)
        ctx = BuildContext(work=str(work), config=BuildConfig(), config_hash="bench", version="1.0.0", pipeline_version="bench", n_shards=args.shards)
        runs, peer_runs = [], []
        for _ in range(args.repeat):
            # Interleaved with the peer, so that both see the same machine load. A fresh pool per
            # run (forkserver: workers do not inherit this process's corpus, their RSS is their
            # own), started before the clock as in a running pipeline.
            with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
                list(pool.map(_warm, range(args.workers)))
                start = time.perf_counter()
                timings, rss = run_phases(ctx, pool)
                runs.append((time.perf_counter() - start, timings, rss))
            if not args.no_peer:
                peer_runs.append(datasketch_dedup(records, text_field))
        ours_s, timings, rss = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
        table = pq.read_table(work / "dedup" / "removed.parquet")
        removed = dict(zip(table["id"].to_pylist(), table["kept_id"].to_pylist()))
        methods = collections.Counter(table["method"].to_pylist())

    print("load average after the runs (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    ours = score(removed, records, truth)
    print(f"\nshardsmith dedup phases ({args.workers} processes, {args.shards} shards, median of {args.repeat}: "
          + ", ".join(f"{r[0]:.2f}" for r in runs) + f" s): {ours_s:.2f} s, {len(records) / ours_s:,.0f} docs/s; "
          + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()))
    print(f"  methods: {dict(methods)}; peak RSS of a worker per phase: " + ", ".join(f"{k} {v:.0f} MB" for k, v in rss.items()))
    show("  shardsmith", ours)
    if args.no_peer:
        return
    peer_removed, peer_s = sorted(peer_runs, key=lambda r: r[1])[len(peer_runs) // 2]
    peer = score(peer_removed, records, truth)
    print(f"\ndatasketch MinHashLSH (threshold 0.7, 128 perms, 1 process, median of {len(peer_runs)}: "
          + ", ".join(f"{r[1]:.2f}" for r in peer_runs) + f" s): {peer_s:.2f} s, {len(records) / peer_s:,.0f} docs/s")
    show("  datasketch", peer)
    print(f"\nspeed ratio (shardsmith docs/s / datasketch docs/s): {peer_s / ours_s:.2f}x")
    print(f"peak RSS of this process (corpus in memory + datasketch): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
