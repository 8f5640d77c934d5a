"""JSONL reader speed: records/s of `builder.readers.jsonl` on synthetic ~3 KB article lines.

Usage: python bench/readers.py [--lines 20000] [--repeat 3]

Generates the lines in a temporary folder (plain and .gz), reads them with the reader and, as
the peer, with the bare minimum any JSONL reader does (a line loop with json.loads), and prints
records per second of CPU time (one core; less disturbed than wall time on a busy machine)
and of wall time for both, and their ratio. The reader does more per line (UTF-8 check, field mapping,
xxh3 hash of the raw line, the RawRecord), so a ratio near 1 means that extra work is cheap.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import pyarrow as pa

from builder.config import InputConfig
from builder.readers import discover
from builder.readers.jsonl import read

WORDS = (
    "the council said on monday that its plan for the river crossing would cost more than "
    "expected while residents asked for a public meeting before any work starts in the spring"
).split()


def article(rng: random.Random, n: int) -> dict:
    text = []
    while sum(len(p) for p in text) < 3000:
        text.append(" ".join(rng.choice(WORDS) for _ in range(60)).capitalize() + ".")
    return {
        "id": f"doc-{n:07d}",
        "url": f"https://news.example.org/{n}",
        "title": " ".join(rng.choice(WORDS) for _ in range(8)),
        "author": "A. Writer",
        "published": "2024-05-01",
        "text": "\n\n".join(text),
    }


def write_inputs(folder: Path, lines: int) -> list[Path]:
    rng = random.Random(7)
    data = "".join(json.dumps(article(rng, n)) + "\n" for n in range(lines)).encode("utf-8")
    plain = folder / "articles.jsonl"
    plain.write_bytes(data)
    packed = folder / "articles.jsonl.gz"
    with pa.output_stream(str(packed), compression="gzip") as out:
        out.write(data)
    return [plain, packed]


def time_reader(path: Path) -> tuple[int, float, float]:
    """(records, CPU seconds, wall seconds)."""
    file = discover([str(path)])[0]
    cpu, wall = time.process_time(), time.perf_counter()
    count = sum(1 for _ in read(file, InputConfig()))
    return count, time.process_time() - cpu, time.perf_counter() - wall


def time_peer(path: Path) -> tuple[int, float, float]:
    """The bare minimum: iterate lines, json.loads each (plain files only)."""
    cpu, wall = time.process_time(), time.perf_counter()
    count = 0
    with open(path, "rb") as handle:
        for line in handle:
            json.loads(line)
            count += 1
    return count, time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plain, packed = write_inputs(Path(tmp), args.lines)
        mb = plain.stat().st_size / 1e6
        print(f"{args.lines:,} lines, {mb:.1f} MB ({plain.stat().st_size / args.lines:,.0f} bytes/line)")
        peer = min((time_peer(plain) for _ in range(args.repeat)), key=lambda r: r[1])
        ours = min((time_reader(plain) for _ in range(args.repeat)), key=lambda r: r[1])
        gz = min((time_reader(packed) for _ in range(args.repeat)), key=lambda r: r[1])
        assert ours[0] == gz[0] == peer[0] == args.lines
        print(f"{'':32s} {'records/CPU-s':>14s} {'MB/CPU-s':>9s} {'records/s wall':>15s}")
        for label, (count, cpu, wall) in [
            ("jsonl reader, .jsonl", ours),
            ("jsonl reader, .jsonl.gz", gz),
            ("peer: line loop + json.loads", peer),
        ]:
            print(f"{label:32s} {count / cpu:>14,.0f} {mb / cpu:>9.1f} {count / wall:>15,.0f}")
        print(f"reader / peer speed (plain, CPU time): {peer[1] / ours[1]:.2f}")


if __name__ == "__main__":
    main()
