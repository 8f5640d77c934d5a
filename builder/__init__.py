"""shardsmith: package crawled articles into versioned, deduplicated Parquet training corpora.

The Python API; the CLI (`shardsmith`) is a thin layer on it.

    from builder import build
    result = build(["crawl/"], out="corpus/", version="1.0.0")
"""

from __future__ import annotations

__version__ = "0.1.0"

import importlib
import json
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.config import BuildConfig, ConfigError, RunOptions, config_hash
from builder.readers import InputError
from builder.storage import Storage


class BuildError(RuntimeError):
    """A build-level error (no inputs, version exists, unwritable output, bad config): nothing was done."""


@dataclass(frozen=True)
class BuildResult:
    release: Path | str  # the release folder: a local path, or the fsspec URL it was published to
    version: str
    manifest: dict[str, Any]
    seconds: float

    def summary(self) -> str:
        m = self.manifest
        acc = m["accounting"]
        rejects = {k[len("reject."):]: v for k, v in m["stats"].items() if k.startswith("reject.")}
        dups = {k[len("dedup."):]: v for k, v in m["stats"].items() if k in ("dedup.exact", "dedup.near", "dedup.url")}
        lines = [
            f"built {m['name']} v{m['version']} in {self.seconds:.1f}s -> {self.release}",
            f"  inputs {acc['inputs']:,} = rows {acc['rows']:,} + duplicates {acc['duplicates']:,} + rejects {acc['rejects']:,}"
            + ("" if acc["balanced"] else "  (DOES NOT BALANCE)"),
        ]
        if dups:
            lines.append("  duplicates: " + ", ".join(f"{k} {int(v):,}" for k, v in sorted(dups.items())))
        if rejects:
            lines.append("  rejects: " + ", ".join(f"{k} {int(v):,}" for k, v in sorted(rejects.items())))
        total_bytes = sum(s["bytes"] for s in m["shards"])
        lines.append(f"  shards {len(m['shards'])} ({total_bytes / 1e6:.2f} MB) in data/v{m['version']}/; serving {m['total_rows']:,} rows")
        if isinstance(self.release, Path):
            lines.append(f'  load: datasets.load_dataset("{self.release}", "v{m["version"]}")')
        else:  # datasets loads a release folder from the local disk or the Hub
            lines.append(f'  load: copy {self.release} to a folder or Hub dataset repo, then datasets.load_dataset(it, "v{m["version"]}")')
        return "\n".join(lines)


VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")


def build(
    inputs: list[str],
    out: str | Path,
    version: str,
    config: BuildConfig | None = None,
    run: RunOptions | None = None,
) -> BuildResult:
    """Build release `version` of the corpus in `out` from `inputs` (files and folders).

    When `out` already holds releases, this one is appended: only documents that are new (not
    exact or near copies of an earlier release's) are added, and earlier folders are untouched.
    Build-level errors raise BuildError before any work; bad input records become rejects.
    """
    import pyarrow as pa

    from builder import pipeline
    from builder.context import BuildContext
    from builder.executors import make_executor
    from builder.memory import use_build_allocator
    from builder.publish import manifest as manifests
    from builder.publish import release
    from builder.readers import discover
    from builder.stages import tokens

    started = time.perf_counter()
    config = config or BuildConfig()
    run = run or RunOptions()
    if not VERSION_RE.match(version.lstrip("v")):
        raise BuildError(f"version must look like 1.2.3, got {version!r}")
    version = version.lstrip("v")
    if run.workers < 1:
        raise BuildError("--workers must be at least 1")
    try:
        pipeline.check_config(config)
    except (ConfigError, OSError) as error:
        raise BuildError(f"bad config: {error}") from None
    try:
        files = discover(list(inputs))
    except InputError as error:
        raise BuildError(str(error)) from None
    if not files:
        raise BuildError(f"no input files found in {', '.join(map(str, inputs))}")
    try:
        release_root = release.open_output(out)
        taken = release.version_exists(release_root, version)
        existing = manifests.list_versions(release_root)
    except (release.OutputError, OSError) as error:
        raise BuildError(one_line(error)) from None
    if taken:
        raise BuildError(f"version {version} already exists in {release_root}; releases are never overwritten")
    if existing and manifests.version_key(version) <= manifests.version_key(existing[-1]):
        raise BuildError(f"version {version} must be newer than the latest release v{existing[-1]}")
    check_writable(release_root)
    parent = manifests.load(release_root, existing[-1]) if existing else None
    remote = not release.is_local(release_root)
    index_dirs = [m["reports"]["index"] for m in manifests.load_all(release_root) if m["reports"].get("index")]

    digest = config_hash(config)
    tasks = pipeline.plan_tasks(files, config.input)
    local_work = default_work_dir(release_root, version)
    work_url = run.work_dir or local_work
    work = Storage(work_url)
    # dedup reads earlier releases' near-dup indexes as local files (memory-mapped): a remote
    # release's are downloaded into a local cache (in the work dir when it is local).
    scratch = work.local_path() if work.local else Path(local_work)
    if remote:
        previous_indexes = [str(scratch / "previous" / folder) for folder in index_dirs]
    else:
        previous_indexes = [str(release_root / folder) for folder in index_dirs]
    plan = {
        "version": version,
        "config_hash": digest,
        "tasks": [[f.__dict__ for f in task] for task in tasks],
        "previous_indexes": previous_indexes,
    }
    if not work.exists("plan.json") or work.read_json("plan.json") != json.loads(json.dumps(plan)):
        # A different build was here (other inputs or config): start over.
        work.remove()
        work.write_json(plan, "plan.json")
    release.clear_leftovers(release_root, version, scratch)
    if remote:
        fetch_indexes(Storage(release_root), index_dirs, scratch / "previous")

    ctx = BuildContext(
        work=work_url,
        config=config,
        config_hash=digest,
        version=version,
        pipeline_version=__version__,
        n_shards=len(tasks),
        previous_indexes=previous_indexes,
    )
    executor = make_executor(run.executor, run.workers, run.scheduler)
    if run.workers > 1:
        # pyarrow imports pandas (about half a second) the first time this process converts Python
        # values, at the end of the first task it runs: import it beside that task instead.
        threading.Thread(target=importlib.import_module, args=("pandas",), daemon=True).start()
    caller_pool = use_build_allocator()  # the caller's pool comes back when the build ends
    try:
        stats, timings = pipeline.run_phases(ctx, executor, progress=run.progress)
        publish_started, publish_cpu = time.perf_counter(), time.process_time()
        pipeline.reset_peak_rss()  # publish runs in this process: its own peak, not the phases'
        version_manifest = release.publish(
            release_root=release_root,
            work=work,
            config=config,
            config_hash=digest,
            version=version,
            parent=parent,
            n_shards=len(tasks),
            stats=stats.to_dict(),
            timings=timings,
            pipeline_version=__version__,
            tokenizer=tokens.tokenizer_info(config.tokens),
            scratch=scratch,
        )
    except release.NothingToPublish as error:
        raise BuildError(str(error)) from None
    finally:
        executor.close()
        pa.set_memory_pool(caller_pool)
    timings["publish"] = {
        "wall_seconds": round(time.perf_counter() - publish_started, 3),
        "cpu_seconds": round(time.process_time() - publish_cpu, 3),
        "peak_rss_mb": round(pipeline.peak_rss_mb(), 1),
    }
    work.remove()
    if remote and scratch.exists():
        shutil.rmtree(scratch)
    if not remote:
        state = release_root / release.STATE_DIR
        if state.exists() and not any(state.iterdir()):
            state.rmdir()
    return BuildResult(release_root, version, version_manifest, time.perf_counter() - started)


def one_line(error: BaseException) -> str:
    """An error's message on one line (an OSError's reason without its errno)."""
    text = (error.strerror if isinstance(error, OSError) and error.strerror else str(error)) or type(error).__name__
    return " ".join(text.split())


def check_writable(release_root: Path | str) -> None:
    """Write and delete a probe file in the release folder (created when missing), or BuildError."""
    store = Storage(str(release_root))
    try:
        store.write_bytes(b"", ".shardsmith-write-test")
        store.remove(".shardsmith-write-test")
    except Exception as error:  # a filesystem says "no" in its own way: permissions, credentials, read-only
        raise BuildError(f"cannot write to {release_root}: {one_line(error)}") from None


def default_work_dir(release_root: Path | str, version: str) -> str:
    """Inside a local release folder; for a remote one, a local folder named after its URL, so
    that a killed build resumes from it (phases read and write work files many times, and dedup
    memory-maps them)."""
    from builder.publish.release import STATE_DIR

    if isinstance(release_root, Path):
        return str(release_root / STATE_DIR / f"work-v{version}")
    import xxhash

    name = f"work-{xxhash.xxh3_64_hexdigest(str(release_root).encode('utf-8'))}-v{version}"
    return str(Path(tempfile.gettempdir()) / "shardsmith" / name)


def fetch_indexes(target: Storage, folders: list[str], cache: Path) -> None:
    """Download the near-dup index folders of earlier releases into `cache` (kept between runs of
    a resumed build: a folder is fetched once, then marked complete)."""
    for folder in folders:
        local = cache / folder
        done = local / ".fetched"
        if done.exists():
            continue
        if local.exists():
            shutil.rmtree(local)
        target.get_tree(local, folder)
        done.write_text("")


# The API functions below share their names with the modules that implement them. Importing
# the modules first means that defining the functions afterwards leaves `builder.validate`
# (and explain, remove) bound to the function, whatever is imported later.
from builder import explain as _explain_module  # noqa: E402
from builder import remove as _remove_module  # noqa: E402
from builder import validate as _validate_module  # noqa: E402


def remove(release: str | Path, ids: list[str], version: str, reason: str) -> dict[str, Any]:
    """Publish `version` of a release without the documents `ids` (takedown requests); see builder.remove."""
    from builder.publish.release import OutputError, open_output

    try:
        root = open_output(release)
    except OutputError as error:
        raise BuildError(one_line(error)) from None
    return _remove_module.remove(root, ids, version.lstrip("v"), reason)


def validate(release: str | Path, version: str | None = None, **options: Any):
    """Check a release folder; returns a report with `.ok` and `.render(format)`. See builder.validate."""
    return _validate_module.validate(Path(release), version=version, **options)


def explain(release: str | Path, doc_id: str) -> str:
    """A published document line by line, body or boilerplate and why, and its duplicate cluster."""
    return _explain_module.explain(Path(release), doc_id)


__all__ = ["build", "remove", "validate", "explain", "BuildConfig", "RunOptions", "BuildError", "ConfigError", "BuildResult"]
