"""`shardsmith validate` on a ~1 GB two-release corpus, beside the naive gate (a full `datasets` load).

    python bench/validate.py --docs 300000            # assemble a release, validate, compare
    python bench/validate.py --docs 300000 --build    # the same corpus through builder.build (slow)
    python bench/validate.py --release /path/corpus  # validate an existing release

The corpus has N synthetic ~3 KB articles, 85% in v1.0.0 and 15% appended as v1.1.0. By default it
is assembled: `builder.build` makes a real two-release corpus of 1,000 articles, then each
version's rows are multiplied up to its share of N (fresh ids, urls and ~3 KB bodies cut from a
random-word text, so ids and text_hash stay unique), re-sharded with the publisher's
`write_shards`, and the manifests (shards, files, rows, accounting, composition), card and
croissant.json rewritten from them, as a build of those rows would. `--build` runs the whole
corpus through `builder.build` instead (about 100 docs/s here, so ~50 minutes for 300k).
Prints the release size, validate's wall time per phase, then the peer: a normal
`load_dataset(release, newest_config)` (what a CI that just "tries to load it" would run), and the ratio.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import builder
from builder.config import RunOptions, from_dict
from builder.validate import validate

FAST_PATH = {
    "metadata": {"enabled": False},
    "boilerplate": {"enabled": False},
    "language": {"engine": "fast"},
    "pii": {"mode": "keep"},
    "quality": {"enabled": False},
    "tokens": {"tokenizer": "words"},
    "near_dedup": {"enabled": False},
    "url_dedup": {"enabled": False},
}
WORDS = (
    "the of and to in a is that for on with as by at from was were it its this be are have has had not but "
    "council harbour minister report river budget school bridge court market ferry farmers nurses museum "
    "city region plan contract village station festival library hospital election vote storm season "
    "announced approved rejected delayed questioned reviewed funded expanded criticised defended opened"
).split()


def article(rng: random.Random, size: int) -> str:
    words, length = [], 0
    while length < size:
        word = rng.choice(WORDS)
        words.append(word)
        length += len(word) + 1
    return " ".join(words)


def generate(folder: Path, first: int, count: int, size: int, files: int) -> int:
    rng = random.Random(first)
    folder.mkdir(parents=True, exist_ok=True)
    handles = [open(folder / f"part-{i:03d}.jsonl", "w", encoding="utf-8") for i in range(files)]
    for i in range(first, first + count):
        record = {"id": f"doc-{i}", "url": f"https://site{i % 17}.example.org/news/{i}", "title": f"Story {i}",
                  "published": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", "text": article(rng, size)}
        handles[i % files].write(json.dumps(record) + "\n")
    for handle in handles:
        handle.close()
    return sum(p.stat().st_size for p in folder.iterdir())


def build_release(root: Path, docs: int, size: int, workers: int) -> Path:
    out = root / "corpus"
    first = int(docs * 0.85)
    config = from_dict(FAST_PATH)
    run = RunOptions(workers=workers, progress=False)
    for version, start, count in (("1.0.0", 0, first), ("1.1.0", first, docs - first)):
        started = time.perf_counter()
        megabytes = generate(root / f"in-{version}", start, count, size, files=8) / 1e6
        result = builder.build([str(root / f"in-{version}")], out, version, config, run)
        print(f"built v{version}: {count:,} docs ({megabytes:,.0f} MB of JSONL) in {time.perf_counter() - started:.0f}s")
        del result
        shutil.rmtree(root / f"in-{version}")
    return out


def random_text_blob(rng: np.random.Generator, chars: int) -> str:
    """A long text of random words from a 20,000-word vocabulary (zstd compresses it about as much as prose)."""
    letters = np.array(list("etaoinshrdlcumwfgypbvkjxqz"))
    weights = np.array([12, 9, 8, 7.5, 7, 6.7, 6.3, 6, 6, 4.3, 4, 2.8, 2.8, 2.4, 2.4, 2.2, 2, 2, 1.9, 1.5, 1, .8, .2, .2, .1, .1])
    lengths = rng.integers(2, 10, 20_000)
    pool = rng.choice(letters, size=int(lengths.sum()), p=weights / weights.sum())
    vocabulary = np.array(["".join(w) for w in np.split(pool, np.cumsum(lengths)[:-1])])
    words = vocabulary[rng.integers(0, len(vocabulary), size=chars // 5)]
    return " ".join(words.tolist())[:chars]


def scale_version(release: Path, manifest: dict, parent: dict | None, target_rows: int, blob: str, rng) -> dict:
    """Replace a version's shards by `target_rows` rows made from its own, and rewrite its manifest."""
    from builder.config import from_dict as config_from_dict
    from builder.document import hash128
    from builder.publish import composition, release as releases
    from builder.publish.parquet import write_shards

    version = manifest["version"]
    source = pa.concat_tables([pq.read_table(release / s["path"]) for s in manifest["shards"]])
    work = release / ".bench" / version
    work.mkdir(parents=True)
    batch_rows, written, parts = 20_000, 0, []
    while written < target_rows:
        n = min(batch_rows, target_rows - written)
        rows = source.take(pa.array(np.arange(written, written + n) % source.num_rows))
        offsets = rng.integers(0, len(blob) - 3200, n)
        texts = [f"Report {version}-{written + i}. " + blob[o:o + 3000] for i, o in enumerate(offsets.tolist())]
        ids = [hash128(f"{version}-{written + i}") for i in range(n)]
        replace = {
            "id": pa.array(ids),
            "text": pa.array(texts),
            "text_hash": pa.array([hash128(t) for t in texts]),
            "url": pa.array([f"https://site{(written + i) % 17}.example.org/{version}/{written + i}" for i in range(n)]),
            "n_chars": pa.array([len(t) for t in texts], pa.int64()),
            "n_words": pa.array([t.count(" ") + 1 for t in texts], pa.int64()),
            "dup_count": pa.array([0] * n, pa.int32()),
            "dup_cluster": pa.array([None] * n, pa.string()),
        }
        for name, values in replace.items():
            index = rows.schema.get_field_index(name)
            rows = rows.set_column(index, rows.schema.field(name), values)
        part = work / f"{len(parts):05d}.parquet"
        pq.write_table(rows, part)
        parts.append(part)
        written += n
    shutil.rmtree(release / "data" / f"v{version}")
    config = config_from_dict(manifest["config"])
    shards = [s.to_json() for s in write_shards(parts, release, f"data/v{version}", config.publish)]
    shutil.rmtree(work)
    files = releases.served_files(parent, shards)
    manifest.update(
        shards=shards, files=files, rows=target_rows, total_rows=sum(f["rows"] for f in files),
        composition=composition.summarize([release / f["path"] for f in files]),
        added_composition=composition.summarize([release / s["path"] for s in shards]),
    )
    acc = manifest["accounting"]
    acc.update(rows=target_rows, inputs=target_rows + acc["duplicates"] + acc["rejects"])
    manifest["changelog"] = releases.changelog(manifest)
    return manifest


def assemble_release(root: Path, docs: int, workers: int) -> Path:
    from builder.publish import manifest as manifests
    from builder.publish import release as releases

    small = 1000
    out = build_release(root, small, 3000, workers)
    started = time.perf_counter()
    rng = np.random.default_rng(0)
    blob = random_text_blob(rng, 64_000_000)
    parent = None
    for m in manifests.load_all(out):
        share = 0.85 if m["version"] == "1.0.0" else 0.15
        m = scale_version(out, m, parent, int(docs * share), blob, rng)
        manifests.manifest_path(out, m["version"]).write_text(manifests.dump(m), encoding="utf-8")
        parent = m
    shutil.rmtree(out / ".bench", ignore_errors=True)
    releases.write_metadata(out)
    print(f"assembled {docs:,} docs from the {small:,}-doc build in {time.perf_counter() - started:.0f}s")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=300_000)
    parser.add_argument("--size", type=int, default=3000, help="characters per article")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--build", action="store_true", help="build the whole corpus with builder.build (slow)")
    parser.add_argument("--release", type=Path, help="validate this release instead of building one")
    parser.add_argument("--no-peer", action="store_true", help="skip the full datasets load")
    parser.add_argument("--keep", action="store_true", help="keep the built release (its path is printed)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="shardsmith-validate-bench-"))
    try:
        if args.release:
            release = args.release
        elif args.build:
            release = build_release(tmp, args.docs, args.size, args.workers)
        else:
            release = assemble_release(tmp, args.docs, args.workers)
        shards = sorted((release / "data").rglob("*.parquet"))
        total = sum(p.stat().st_size for p in shards)
        manifests = sorted((release / "manifests").glob("v*.json"))
        rows = json.loads(manifests[-1].read_text())["total_rows"]
        text_bytes = sum(pq.ParquetFile(p).metadata.row_group(g).total_byte_size for p in shards for g in range(pq.ParquetFile(p).metadata.num_row_groups))
        print(f"release {release}: {len(shards)} shards, {total / 1e9:.2f} GB on disk ({text_bytes / 1e9:.2f} GB uncompressed), "
              f"{rows:,} rows served by the newest version")

        for attempt in ("cold", "warm"):
            report = validate(release)
            phases = ", ".join(f"{k} {v:.2f}" for k, v in report.timings.items())
            print(f"validate ({attempt}): {report.seconds:.1f}s, ok={report.ok} ({len(report.errors)} errors); {phases}")
        if not report.ok:
            print(report.render("text"))

        if not args.no_peer:
            import datasets

            datasets.disable_progress_bars()
            started = time.perf_counter()
            loaded = datasets.load_dataset(str(release), split="train", cache_dir=str(tmp / "hf-cache"))
            peer = time.perf_counter() - started
            print(f"peer: load_dataset(release) of the default config, {len(loaded):,} rows: {peer:.1f}s")
            print(f"ratio peer / validate: {peer / report.seconds:.1f}x")
        if args.keep and not args.release:
            kept = Path(tempfile.gettempdir()) / "shardsmith-validate-bench-release"
            shutil.rmtree(kept, ignore_errors=True)
            shutil.move(str(release), kept)
            print(f"kept the release in {kept}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
