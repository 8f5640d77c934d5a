"""A build is a list of phases; a phase is `fn(rank)` for each of its ranks, run by an executor.

Phases pass files in the work dir, never Python objects, and each finished task leaves a
completion marker holding its stats, so a killed build run again skips what is done and ends with
the same bytes. The per-shard phases have one rank per input task, fixed by the inputs (never by
the worker count), which is what makes the output independent of how many workers ran it.

    ingest    (per input task)  read -> normalize -> id -> metadata; line keys per source
    templates (1 task)          per-source template lines of the boilerplate splitter
    process   (per input task)  boilerplate -> language -> licensing -> pii -> labels -> quality -> tokens
    dedup ... (see dedup.py)    exact, URL and near duplicates
A build whose boilerplate splitter is off needs no templates, so nothing separates ingest from
process: one phase, ingest_process, runs both on each task without the work file between.
The publish step (publish/) then writes the release from the processed shards, dropping the
removed duplicates and stamping dup_count / dup_cluster on the way.
"""

from __future__ import annotations

import dataclasses
import json
import os
import resource
import signal
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import repeat
from operator import attrgetter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm

from builder import dedup
from builder.config import BuildConfig, InputConfig
from builder.context import BuildContext
from builder.document import Document, RawRecord, Reject, document_id, rows_table
from builder.memory import fewer_collections, use_build_allocator
from builder.readers import InputFile, read
from builder.stages import boilerplate, labels, language, licensing, metadata, normalize, pii, quality, tokens
from builder.stats import Stats


class BadInputError(RuntimeError):
    """Raised with on_bad_input='error' at the first bad record."""


@dataclass(frozen=True)
class Phase:
    name: str
    fn: Callable[[int], Stats]
    n_tasks: int


# ---------------------------------------------------------------- the work dir

# Columns of the ingest phase's output: the document as read, normalised and described.
INGEST_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("text", pa.string()),
        ("path", pa.string()),
        ("record", pa.int64()),
        ("raw_hash", pa.string()),
        ("html", pa.string()),
        ("html_body", pa.string()),
        ("title", pa.string()),
        ("url", pa.string()),
        ("source", pa.string()),
        ("author", pa.string()),
        ("published", pa.string()),
        ("source_id", pa.string()),
        ("crawled", pa.string()),
    ]
)
LINES_SCHEMA = pa.schema([("source", pa.string()), ("key", pa.int64()), ("df", pa.int64())])
SOURCES_SCHEMA = pa.schema([("source", pa.string()), ("n_docs", pa.int64())])


def rejects_text(rejects: list[Reject]) -> str:
    return "".join(json.dumps(r.to_json(), ensure_ascii=False, sort_keys=True) + "\n" for r in rejects)


def plan_tasks(files: list[InputFile], cfg: InputConfig) -> list[list[InputFile]]:
    """Group input files into tasks, in input order: a task closes at the byte or file limit."""
    tasks: list[list[InputFile]] = []
    current: list[InputFile] = []
    size = 0
    for file in files:
        if current and (size + file.size > cfg.max_file_bytes_per_task or len(current) >= cfg.max_files_per_task):
            tasks.append(current)
            current, size = [], 0
        current.append(file)
        size += file.size
    if current:
        tasks.append(current)
    return tasks


def load_tasks(ctx: BuildContext) -> list[list[InputFile]]:
    plan = ctx.store.read_json("plan.json")
    return [[InputFile(**f) for f in task] for task in plan["tasks"]]


# ---------------------------------------------------------------- ingest

def documents_from(
    records: Iterable[RawRecord | Reject], cfg: InputConfig, rejects: list[Reject], stats: Stats
) -> Iterator[Document]:
    """Documents from reader output; reader rejects go to `rejects` (and stop the build on 'error')."""
    for item in records:
        stats.inc("input.records")
        if isinstance(item, Reject):
            report_bad_input(item, cfg)
            rejects.append(item)
            stats.inc(f"reject.{item.reason}")
            continue
        # (the required fields as arguments, the rest set after: Document's keyword matching over
        # its forty parameters costs more than the whole document otherwise)
        doc = Document("", item.text or "", item.path, item.record, item.raw_hash)
        doc.html = item.html
        doc.title = item.title
        doc.url = item.url
        doc.source = item.source
        doc.author = item.author
        doc.published = item.published
        doc.source_id = item.source_id
        doc.crawled = item.crawled
        yield doc


def report_bad_input(reject: Reject, cfg: InputConfig) -> None:
    if cfg.on_bad_input == "error":
        raise BadInputError(reject.message())
    if cfg.on_bad_input == "warn":
        tqdm.write(f"warning: {reject.message()}")


def assign_ids(docs: Iterable[Document]) -> Iterator[Document]:
    """Stable ids from the source key (url, else input id, else input path) and the normalised input."""
    for doc in docs:
        if doc.reject is None:
            key = doc.url or doc.source_id or doc.path
            doc.id = document_id(key, doc.html if doc.html is not None else doc.text)
        yield doc


def collect(
    docs: Iterable[Document], rejects: list[Reject], stats: Stats, cfg: InputConfig, keep_text_for: set[str] = frozenset()
) -> Iterator[Document]:
    """Documents that survived; the dropped ones become rejects with their reason."""
    for doc in docs:
        if doc.reject is None:
            yield doc
            continue
        reject = doc.to_reject(keep_text=doc.reject in keep_text_for)
        if doc.reject in BAD_INPUT_REASONS:
            report_bad_input(reject, cfg)
        rejects.append(reject)
        stats.inc(f"reject.{doc.reject}")


# Drops that mean the input itself is bad (as opposed to a policy or quality decision).
BAD_INPUT_REASONS = {"empty_text", "missing_extra"}


def ingested(ctx: BuildContext, rank: int, rejects: list[Reject], stats: Stats) -> Iterator[Document]:
    """The documents of input task `rank`: read, normalised, with ids and metadata (rejects aside)."""
    cfg = ctx.config
    files = load_tasks(ctx)[rank]
    records = (item for file in files for item in read(file, cfg.input))
    docs = documents_from(records, cfg.input, rejects, stats)
    docs = normalize.run(docs, cfg.normalize, stats)
    docs = assign_ids(docs)
    docs = metadata.run(docs, cfg.metadata, stats)
    return collect(docs, rejects, stats, cfg.input)


def ingest(ctx: BuildContext, rank: int) -> Stats:
    """Ingest one input task and count its lines per source for the templates phase."""
    stats = Stats()
    rejects: list[Reject] = []
    docs = []
    # Per source: the line keys of each of its documents, one after the other (each document's
    # keys are distinct, so a key's count in the list is the number of documents it is in).
    source_keys: defaultdict[str, list[int]] = defaultdict(list)
    source_docs: Counter[str] = Counter()
    for doc in ingested(ctx, rank, rejects, stats):
        docs.append(doc)
        source = doc.source or ""
        source_docs[source] += 1
        source_keys[source].extend(boilerplate.line_keys(doc.source_text or doc.text))
    store = ctx.store
    store.write_parquet(ingest_table(docs), "ingest", f"{rank:05d}.parquet")
    store.write_parquet(line_counts_table(source_keys), "lines", f"{rank:05d}.parquet")
    store.write_parquet(
        pa.table([list(source_docs), list(source_docs.values())], schema=SOURCES_SCHEMA),
        "lines", f"{rank:05d}.sources.parquet",
    )
    store.write_text(rejects_text(rejects), "rejects", f"ingest-{rank:05d}.jsonl")
    stats.inc("ingest.documents", len(docs))
    return stats


def line_counts_table(source_keys: dict[str, list[int]]) -> pa.Table:
    """The line counts of one task as a LINES_SCHEMA table, sorted by source and key, given each
    source's line keys with a key listed once per document it is in. Counted by one numpy sort
    per source: a Counter updated per document grows a dict entry by entry, and cost several
    times as much."""
    parts = [LINES_SCHEMA.empty_table()]
    for source in sorted(source_keys):
        keys, df = np.unique(np.array(source_keys[source], dtype=np.int64), return_counts=True)
        parts.append(pa.table([pa.array([source] * len(keys), pa.string()), keys, df.astype(np.int64)], schema=LINES_SCHEMA))
    return pa.concat_tables(parts).combine_chunks()


# ---------------------------------------------------------------- templates

def check_config(cfg: BuildConfig) -> None:
    """Stage settings that can only be judged by the stages (rule names, tokenizer, label table):
    raise ConfigError before any work."""
    quality.validate(cfg.quality)
    tokens.validate(cfg.tokens)
    labels.parse_excludes(cfg.labels.exclude)
    labels.load_table(cfg.labels)


# Hashed line counters of the templates phase: 2**24 of them (64 MB), whatever the corpus size.
TEMPLATE_COUNTER_BITS = 24


def templates(ctx: BuildContext, rank: int) -> Stats:
    """Merge the line counts of every shard and keep each source's template lines.

    Two passes over the shards' counts keep memory bounded. The first adds every (source, line)
    count into a fixed array of hashed counters; a counter is never below the true count of any
    line hashed to it (other lines only add to it). The second keeps the lines whose counter
    reaches their source's threshold and counts those exactly, so the result is exact."""
    stats = Stats()
    store = ctx.store
    cfg = ctx.config.boilerplate
    sources = pa.concat_tables([store.read_parquet("lines", f"{r:05d}.sources.parquet") for r in range(ctx.n_shards)])
    n_docs = {s: n for s, n in zip(*sources.group_by("source").aggregate([("n_docs", "sum")]).to_pydict().values())}
    source_names = sorted(n_docs)
    names = pa.array(source_names, pa.string())
    # A line seen once in the whole input can never be a template line.
    need = np.array([max(2, cfg.template_min_docs, cfg.template_min_share * n_docs[s]) for s in source_names])
    mask = np.uint64((1 << TEMPLATE_COUNTER_BITS) - 1)

    def counted(r: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(source number, line key, count, counter slot) of shard r's line counts."""
        lines = store.read_parquet("lines", f"{r:05d}.parquet")
        source = pc.index_in(lines["source"], value_set=names).to_numpy(zero_copy_only=False).astype(np.int64)
        key = lines["key"].to_numpy()
        slot = (key.view(np.uint64) ^ (source.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))) & mask
        return source, key, lines["df"].to_numpy(), slot.astype(np.int64)

    counters = np.zeros(1 << TEMPLATE_COUNTER_BITS, dtype=np.uint32)
    for r in range(ctx.n_shards):
        _, _, df, slot = counted(r)
        np.add.at(counters, slot, df.astype(np.uint32))
    candidates = []
    for r in range(ctx.n_shards):
        source, key, df, slot = counted(r)
        keep = counters[slot] >= need[source]
        candidates.append(pa.table({"source": source[keep], "key": key[keep], "df": df[keep]}))
    del counters
    exact = pa.concat_tables(candidates).group_by(["source", "key"]).aggregate([("df", "sum")])
    per_source: dict[int, dict[int, int]] = {}
    for source, key, count in zip(exact["source"].to_pylist(), exact["key"].to_pylist(), exact["df_sum"].to_pylist()):
        per_source.setdefault(source, {})[key] = count
    rows = []
    for i, source in enumerate(source_names):
        chosen = boilerplate.select_templates(n_docs[source], per_source.get(i, {}), cfg)
        stats.inc("boilerplate.template_lines", len(chosen))
        rows.extend({"source": source, "key": k, "df": n} for k, n in sorted(chosen.items()))
    store.write_parquet(pa.Table.from_pylist(rows, schema=LINES_SCHEMA), "templates", "lines.parquet")
    store.write_parquet(
        pa.table([source_names, [n_docs[s] for s in source_names]], schema=SOURCES_SCHEMA),
        "templates", "sources.parquet",
    )
    return stats


def load_templates(ctx: BuildContext) -> dict[str, tuple[int, dict[int, int]]]:
    sources = ctx.store.read_parquet("templates", "sources.parquet").to_pydict()
    index: dict[str, tuple[int, dict[int, int]]] = {s: (n, {}) for s, n in zip(sources["source"], sources["n_docs"])}
    lines = ctx.store.read_parquet("templates", "lines.parquet").to_pydict()
    for source, key, count in zip(lines["source"], lines["key"], lines["df"]):
        index[source][1][key] = count
    return index


# ---------------------------------------------------------------- process

def processed(ctx: BuildContext, docs: Iterable[Document], rejects: list[Reject], stats: Stats,
              templates: dict[str, tuple[int, dict[int, int]]]) -> Iterator[Document]:
    """The straight-through stages over ingested documents; drops go to `rejects`."""
    cfg = ctx.config
    docs = boilerplate.run(docs, cfg.boilerplate, stats, templates)
    docs = language.run(docs, cfg.language, stats)
    docs = licensing.run(docs, cfg.licensing, stats)
    docs = pii.run(docs, cfg.pii, stats)
    docs = labels.run(docs, cfg.labels, stats, labels.load_table(cfg.labels))
    docs = quality.run(docs, cfg.quality, stats)
    docs = tokens.run(docs, cfg.tokens, stats)  # last: only documents that stay are tokenised
    return collect(docs, rejects, stats, cfg.input, keep_text_for={"no_body"})


# What later phases need to know of each row without reading its texts.
FACTS_SCHEMA = pa.schema([
    ("id", pa.string()),  # the row's id (publish's shard plan: which rows dedup removed)
    ("text_key", pa.int64()),  # exact-dedup key of the text (dedup)
    ("n_chars", pa.int64()),  # length of the text that key hashes (dedup)
    ("text_bytes", pa.int64()),  # UTF-8 bytes of text and boilerplate (publish's shard plan)
])


def row_facts(table: pa.Table, keys: list[tuple[int, int]]) -> pa.Table:
    """The facts of the rows of `table`, given their (exact key, hashed length) in row order."""
    text_bytes = pc.add(pc.binary_length(table["text"]), pc.binary_length(table["boilerplate"])).cast(pa.int64())
    return pa.table([table["id"], [k for k, _ in keys], [n for _, n in keys], text_bytes], schema=FACTS_SCHEMA)


def ingest_record(doc: Document) -> dict:
    """What the ingest phase writes of a document: its work file's columns."""
    return {name: getattr(doc, name) for name in INGEST_SCHEMA.names}


def ingest_table(docs: list[Document]) -> pa.Table:
    """The ingest work file of `docs`: the table of their ingest records, built column by column."""
    return pa.Table.from_arrays(
        [pa.array(list(map(attrgetter(f.name), docs)), f.type) for f in INGEST_SCHEMA], schema=INGEST_SCHEMA
    )


# Document's fields up to the last one the work file holds, in order: a work-file column, the
# source text (the text column again) or, in between, a field at its plain default (boilerplate).
_DOCUMENT_FIELDS = dataclasses.fields(Document)
_LEADING_FIELDS = _DOCUMENT_FIELDS[: 1 + max(i for i, f in enumerate(_DOCUMENT_FIELDS) if f.name in INGEST_SCHEMA.names)]


def documents_from_columns(columns: dict[str, list]) -> Iterator[Document]:
    """The documents the process phase starts from, given the ingest work file's columns: each
    row's record, its text as the source text too. Document is called with positional arguments
    straight from the columns (a dict and keywords per row cost twice as much as building it)."""
    arguments = [
        columns[f.name] if f.name in columns else columns["text"] if f.name == "source_text" else repeat(f.default)
        for f in _LEADING_FIELDS
    ]
    return map(Document, *arguments)


def as_ingested(doc: Document) -> Document:
    """A fresh document holding exactly what the process phase would read of it from the ingest
    phase's work file."""
    return next(documents_from_columns({name: [value] for name, value in ingest_record(doc).items()}))


# The fields a document read back from the ingest work file has at their defaults: all but the
# work file's columns, source_text (its text) and the caches that do not take part in comparisons.
_NOT_IN_WORK_FILE = attrgetter(*(
    f.name for f in dataclasses.fields(Document) if f.compare and f.name not in INGEST_SCHEMA.names and f.name != "source_text"
))
_DEFAULTS_NOT_IN_WORK_FILE = _NOT_IN_WORK_FILE(Document(id="", text="", path="", record=0, raw_hash=""))


def is_as_ingested(doc: Document) -> bool:
    """Whether `doc` already equals `as_ingested(doc)`: its source text is its text and every field
    the work file does not keep is at its default. The ingest stages set only work-file fields, so
    this holds for their documents, and checking it costs a tenth of copying them."""
    return doc.source_text == doc.text and _NOT_IN_WORK_FILE(doc) == _DEFAULTS_NOT_IN_WORK_FILE


def write_docs(ctx: BuildContext, rank: int, docs: Iterable[Document], rejects: list[Reject], stats: Stats) -> None:
    """The task's rows as a docs work file, their facts beside it (see `row_facts`), and its rejects."""
    ignore_whitespace = ctx.config.exact_dedup.ignore_whitespace
    docs = list(docs)
    table = rows_table(docs, ctx.pipeline_version, ctx.config_hash)
    keys = [doc.exact_key(ignore_whitespace) for doc in docs]
    ctx.store.write_parquet(table, "docs", f"{rank:05d}.parquet")
    ctx.store.write_parquet(row_facts(table, keys), "docs", f"{rank:05d}.facts.parquet")
    ctx.store.write_text(rejects_text(rejects), "rejects", f"process-{rank:05d}.jsonl")
    stats.inc("process.documents", len(docs))


def process(ctx: BuildContext, rank: int) -> Stats:
    """The straight-through stages over one ingested task, with the site templates."""
    stats = Stats()
    rejects: list[Reject] = []
    docs = documents_from_columns(ctx.store.read_parquet("ingest", f"{rank:05d}.parquet").to_pydict())
    write_docs(ctx, rank, processed(ctx, docs, rejects, stats, load_templates(ctx)), rejects, stats)
    return stats


def ingest_and_process(ctx: BuildContext, rank: int) -> Stats:
    """Ingest and process in one pass, for builds that need no site templates (no barrier
    between the two): the same documents as the two phases give, without the work file between."""
    stats = Stats()
    ingest_rejects: list[Reject] = []
    docs = [doc if is_as_ingested(doc) else as_ingested(doc) for doc in ingested(ctx, rank, ingest_rejects, stats)]
    stats.inc("ingest.documents", len(docs))
    ctx.store.write_text(rejects_text(ingest_rejects), "rejects", f"ingest-{rank:05d}.jsonl")
    rejects: list[Reject] = []
    write_docs(ctx, rank, processed(ctx, docs, rejects, stats, {}), rejects, stats)
    return stats


def needs_templates(cfg: BuildConfig) -> bool:
    """Whether the boilerplate splitter uses per-source template lines (a pass over all input first)."""
    return cfg.boilerplate.enabled


# ---------------------------------------------------------------- running

# Fault injection for the resume tests: "phase:rank" kills the process right after that task's
# outputs are written but before its completion marker (..._BEFORE_MARKER), or right after the
# marker (..._AFTER_MARKER), exactly as a SIGKILL from outside would.
FAULT_BEFORE_MARKER = "SHARDSMITH_FAULT_KILL_BEFORE_MARKER"
FAULT_AFTER_MARKER = "SHARDSMITH_FAULT_KILL_AFTER_MARKER"


def _maybe_die(variable: str, name: str, rank: int) -> None:
    if os.environ.get(variable) == f"{name}:{rank}":
        os.kill(os.getpid(), signal.SIGKILL)


def reset_peak_rss() -> None:
    """Start a new peak-RSS measurement for this process (Linux: writing 5 to clear_refs resets
    VmHWM), so a worker that ran earlier phases reports the peak of this task alone."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass


def peak_rss_mb() -> float:
    """Peak resident memory of this process since the last reset (else since it started)."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_task(name: str, fn: Callable[[BuildContext, int], Stats], ctx: BuildContext, rank: int) -> dict:
    """Run one task and leave its completion marker (stats, seconds, peak memory), written aside and renamed."""
    started, cpu_started = time.perf_counter(), time.process_time()
    reset_peak_rss()
    use_build_allocator()  # in whichever process runs the task: a pool worker, a Dask worker, this one
    with fewer_collections():
        stats = fn(ctx, rank)
    _maybe_die(FAULT_BEFORE_MARKER, name, rank)
    result = {
        "stats": stats.to_dict(),
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "peak_rss_mb": peak_rss_mb(),
    }
    ctx.store.write_json(result, "completions", name, f"{rank:05d}.json")
    _maybe_die(FAULT_AFTER_MARKER, name, rank)
    return result


def phases(ctx: BuildContext) -> list[tuple[str, Callable[[BuildContext, int], Stats], int]]:
    """The build's phases, in order, as (name, fn(ctx, rank), number of tasks)."""
    if needs_templates(ctx.config):
        straight = [("ingest", ingest, ctx.n_shards), ("templates", templates, 1), ("process", process, ctx.n_shards)]
    else:
        straight = [("ingest_process", ingest_and_process, ctx.n_shards)]
    return [*straight, *dedup.plan(ctx)]


def run_phases(ctx: BuildContext, executor, progress: bool = True) -> tuple[Stats, dict[str, dict]]:
    """Run every phase whose tasks are not all complete.

    Returns the merged stats of all tasks and, per phase, its wall time in this run, the summed
    task time and the peak RSS of the processes that ran its tasks.
    """
    total = Stats()
    timings: dict[str, dict] = {}
    for name, fn, n_tasks in phases(ctx):
        done = {int(f[:-5]) for f in ctx.store.listdir("completions", name) if f.endswith(".json")}
        pending = [rank for rank in range(n_tasks) if rank not in done]
        started = time.perf_counter()
        with tqdm(total=n_tasks, initial=n_tasks - len(pending), desc=f"{name:>16}", unit="task", disable=not progress) as bar:
            for _ in executor.map(partial(run_task, name, fn, ctx), pending):
                bar.update(1)
        results = [ctx.store.read_json("completions", name, f"{r:05d}.json") for r in range(n_tasks)]
        for result in results:
            total.merge(Stats(result["stats"]))
        timings[name] = {
            "wall_seconds": round(time.perf_counter() - started, 3),
            "task_seconds": round(sum(r["seconds"] for r in results), 3),
            "cpu_seconds": round(sum(r.get("cpu_seconds", 0.0) for r in results), 3),
            "peak_rss_mb": round(max(r["peak_rss_mb"] for r in results), 1),
            "tasks": n_tasks,
            "resumed_tasks": n_tasks - len(pending),
        }
    return total, timings


