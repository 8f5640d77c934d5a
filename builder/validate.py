"""`shardsmith validate`: the CI gate that says, precisely and fast, whether a release is sound.

    report = validate(Path("corpus/"))          # every version
    report = validate(Path("corpus/"), "1.1.0") # one version (and that nothing before it changed)
    report.ok, report.findings, report.render("text" | "json" | "github")

Every finding names its check, the file (relative to the release folder) and, where it applies,
the row (0-based index in that shard: `pq.read_table(path).slice(row, 1)`). The checks:

| check | what |
|---|---|
| layout | data/ holds one folder per version with a manifest; shard names `train-NNNNN-of-NNNNN.parquet`; <= 10,000 files per folder |
| numbering | a folder's shards are numbered 0..N-1, all `-of-N` |
| empty_shard | no 0-row shard (`datasets` fails on one, in both modes) |
| parquet | the shard's footer and needed columns can be read |
| compression | every column chunk uses the configured codec (zstd); page index written |
| row_groups | row groups within the configured uncompressed bound (error above the Hub viewer's 300 MB) |
| schema | the shard's Arrow schema is exactly `builder.schema.document_schema()`: names, order, types, nullability, nested ones included |
| rows | footer rows == the manifest's rows for the shard |
| checksum | sha256 and bytes of the checked version's shards == its manifest |
| immutable | sha256 and bytes of every earlier version's shards == their own manifests (nothing old was touched) |
| files | shard files on disk == shard files in the manifests; every served file exists |
| manifest | manifests against schemas/manifest.schema.json; version, parent chain, served files, row totals |
| accounting | inputs = rows + duplicates + rejects, and the reports hold those counts |
| ids | ids well-formed and unique among the files a version serves (so across versions too) |
| removals | ids an earlier version served and this one does not are listed in its removals file |
| exact_dup | no two served rows have the same body (`text_hash`), within or across versions |
| near_dup | up to 200 rows of the version (from at most two row groups) against the earlier versions' stored near-dup index (`index/vX/near/`: MinHash signatures banded as the build does, candidates verified on the stored shingle sets with the build's rule) |
| license | statuses, bases, SPDX ids and evidence kinds valid; evidence where a licence is claimed; nc/nd/sa agree with the licence |
| license_policy | the licensing policy of the manifest's config (allow list, deny nc/nd/unknown/statuses) holds |
| provenance | URLs parse; published / crawled dates parse and are plausible (not in the future, not before 1800 / 1990); languages ISO 639-1 or `und` |
| card | README.md YAML parses (`DatasetCard.load`); one config per version, newest default; size_categories; languages; the changelog names every version |
| card_configs | each config, resolved by `datasets` itself (`load_dataset_builder(...).config.data_files`, no data read), is exactly the manifest's files |
| card_info | each config's dataset_info (num_examples, num_bytes, download_size, dataset_size, features) agrees with the manifests |
| croissant | croissant.json parses, lists every shard with its sha256, one FileSet (== served files) and RecordSet (== columns) per version; mlcroissant validates it when installed |
| smoke_load | every config loads with `datasets`, normal and streaming, on a bounded number of rows |

Speed: everything reads Parquet footers, manifests and a few narrow columns (`id`, `text_hash`,
the licence and provenance columns; never `text`, except the near-duplicate sample and the smoke
load's first rows), and the column checks are vectorised with pyarrow. The one full pass is
sha256 over every shard (that is what proves nothing changed), run on two threads.

The smoke load: a normal `load_dataset(folder, config)` prepares the whole config (converts every
shard to an Arrow cache, and `split="train[:N]"` still prepares everything first), which on a
1 GB release takes minutes and a copy on disk. So the normal load runs on a miniature of the
release: a temporary folder with the card as it is and, at each served file's path, that shard's
first N rows with its own schema (as read, so schema drift and empty shards still break it the
way they would break the real load); `verification_mode="no_checks"` because the miniature's row
counts are smaller than the card's. The streaming load runs on the real files (`take(N)` reads
only the first row group of the first shard). What the full normal load would also check, the
card's split sizes and features against the data, `card_info` checks exactly from the footers
and `load_dataset_builder`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.publish import manifest as manifests_io
from builder.schema import document_schema, schema_version

# --------------------------------------------------------------------------- vocabularies

# The licensing stage owns the licence vocabularies.
from builder.stages.licensing import BASES as LICENSE_BASES  # noqa: E402
from builder.stages.licensing import EVIDENCE_KINDS, EVIDENCE_WHERE, is_valid_license_id, license_flags  # noqa: E402
from builder.stages.licensing import STATUSES as LICENSE_STATUSES  # noqa: E402

# ISO 639-1 (the two-letter codes), plus "und" for undetermined.
ISO_639_1 = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da
    de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia
    id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt
    lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt
    qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to
    tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".split()
)
LANGUAGES = ISO_639_1 | {"und"}

SHARD_NAME = re.compile(r"^(?P<split>train)-(?P<index>\d{5})-of-(?P<count>\d{5})\.parquet$")
VERSION_DIR = re.compile(r"^v(?P<version>\d+\.\d+\.\d+)$")
ID_PATTERN = r"^[0-9a-f]{32}$"
URL_PATTERN = r"^https?://[^\s/?#@]+(:\d+)?([/?#][^\s]*)?$"
MAX_FILES_PER_FOLDER = 10_000  # the Hub's limit per folder
VIEWER_ROW_GROUP_BYTES = 300_000_000  # the Hub viewer's scan limit
EARLIEST_PUBLISHED = dt.datetime(1800, 1, 1, tzinfo=dt.timezone.utc)
EARLIEST_CRAWLED = dt.datetime(1990, 1, 1, tzinfo=dt.timezone.utc)  # before the web
MAX_FINDINGS_PER_FILE = 5  # per check and file; the rest are counted in one summary finding
NEAR_DUP_SAMPLE = 200
# The narrow columns the row checks read (never the text).
ROW_COLUMNS = (
    "id", "text_hash", "url", "published", "provenance.crawled", "language", "license", "license_status",
    "license_basis", "license_nc", "license_nd", "license_sa", "license_evidence",
)  # rows of a version checked against earlier versions' near-dup index

CHECKS = (
    "layout", "numbering", "empty_shard", "parquet", "compression", "row_groups", "schema", "rows",
    "checksum", "immutable", "files", "manifest", "accounting", "ids", "removals", "exact_dup",
    "near_dup", "license", "license_policy", "provenance", "card", "card_configs", "card_info",
    "croissant", "smoke_load",
)

# --------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class Finding:
    check: str
    message: str
    file: str | None = None  # relative to the release folder
    row: int | None = None  # 0-based row in the shard
    level: str = "error"  # error | warning

    def where(self) -> str:
        if self.file is None:
            return ""
        return self.file + (f" row {self.row}" if self.row is not None else "")

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "level": self.level, "file": self.file, "row": self.row, "message": self.message}


@dataclass
class Report:
    release: Path
    versions: list[str]
    findings: list[Finding] = field(default_factory=list)
    checks_run: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was not checked, and why
    timings: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def failed_checks(self) -> list[str]:
        failed = {f.check for f in self.errors}
        return [c for c in CHECKS if c in failed] + sorted(failed - set(CHECKS))

    def check_status(self) -> dict[str, str]:
        errors = {f.check for f in self.errors}
        warnings = {f.check for f in self.warnings}
        return {c: "fail" if c in errors else "warn" if c in warnings else "pass" for c in self.checks_run}

    def render(self, fmt: str = "text") -> str:
        if fmt == "json":
            return self.render_json()
        if fmt == "github":
            return self.render_github()
        if fmt == "text":
            return self.render_text()
        raise ValueError(f"unknown format {fmt!r} (text, json or github)")

    def headline(self) -> str:
        versions = ", ".join(f"v{v}" for v in self.versions) or "no versions"
        verdict = "OK" if self.ok else "FAILED"
        return (
            f"shardsmith validate {self.release} ({versions}): {verdict}: "
            f"{len(self.errors)} errors, {len(self.warnings)} warnings, {len(self.checks_run)} checks in {self.seconds:.1f}s"
        )

    def render_text(self) -> str:
        lines = [self.headline()]
        status = self.check_status()
        counts: dict[str, int] = {}
        for f in self.findings:
            counts[f.check] = counts.get(f.check, 0) + 1
        for check in self.checks_run:
            mark = {"pass": "ok  ", "warn": "warn", "fail": "FAIL"}[status[check]]
            lines.append(f"  {mark} {check}" + (f" ({counts[check]})" if check in counts else ""))
        for finding in self.findings:
            where = finding.where()
            lines.append(f"{finding.level.upper()} [{finding.check}] " + (f"{where}: " if where else "") + finding.message)
        for note in self.notes:
            lines.append(f"note: {note}")
        return "\n".join(lines)

    def render_json(self) -> str:
        return json.dumps(
            {
                "release": str(self.release),
                "versions": self.versions,
                "ok": self.ok,
                "errors": len(self.errors),
                "warnings": len(self.warnings),
                "seconds": round(self.seconds, 3),
                "checks": self.check_status(),
                "timings": {k: round(v, 3) for k, v in self.timings.items()},
                "findings": [f.to_json() for f in self.findings],
                "notes": self.notes,
            },
            indent=2,
        )

    def render_github(self) -> str:
        """GitHub Actions workflow commands: one annotation per finding, then the summary."""
        lines = []
        for finding in self.findings:
            properties = [f"title={_gh_property('shardsmith validate: ' + finding.check)}"]
            if finding.file:
                properties.insert(0, f"file={_gh_property(str(self.release / finding.file))}")
            message = finding.message + (f" (row {finding.row})" if finding.row is not None else "")
            lines.append(f"::{finding.level} {','.join(properties)}::{_gh_data(message)}")
        for note in self.notes:
            lines.append(f"::notice title=shardsmith validate::{_gh_data(note)}")
        lines.append(self.headline())
        return "\n".join(lines)


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


class Findings:
    """Collects findings, at most MAX_FINDINGS_PER_FILE per (check, file), and no duplicates."""

    def __init__(self) -> None:
        self.items: list[Finding] = []
        self.seen: set[tuple] = set()
        self.per_file: dict[tuple[str, str | None, str], int] = {}

    def add(self, check: str, message: str, file: str | None = None, row: int | None = None, level: str = "error") -> None:
        key = (check, file, row, message, level)
        if key in self.seen:
            return
        self.seen.add(key)
        count_key = (check, file, level)
        self.per_file[count_key] = self.per_file.get(count_key, 0) + 1
        if self.per_file[count_key] <= MAX_FINDINGS_PER_FILE or file is None:
            self.items.append(Finding(check, message, file, row, level))

    def count_more(self, check: str, file: str, n: int, level: str = "error") -> None:
        """Count `n` more findings of `check` in `file` without listing them."""
        key = (check, file, level)
        self.per_file[key] = max(self.per_file.get(key, 0), MAX_FINDINGS_PER_FILE) + n

    def finish(self) -> list[Finding]:
        out = list(self.items)
        for (check, file, level), n in self.per_file.items():
            if file is not None and n > MAX_FINDINGS_PER_FILE:
                out.append(Finding(check, f"... and {n - MAX_FINDINGS_PER_FILE} more in this file", file, None, level))
        return out


class UsageError(ValueError):
    """A usage error (not a release folder, unknown version): exit 2 on the command line."""


# --------------------------------------------------------------------------- the entry point


def validate(release_root: Path, version: str | None = None, smoke_rows: int = 20) -> Report:
    """Check the release folder `release_root`: every version, or `version` (and that nothing of the
    versions before it changed). Never raises on a broken release: every problem is a finding."""
    started = time.perf_counter()
    release_root = Path(release_root)
    if not release_root.is_dir():
        raise UsageError(f"{release_root} is not a folder")
    if smoke_rows < 1:
        raise UsageError("smoke_rows must be at least 1")
    out = Findings()
    versions = manifests_io.list_versions(release_root)
    report = Report(release_root, versions)
    if version is not None:
        version = version.lstrip("v")
        if version not in versions:
            known = ", ".join(f"v{v}" for v in versions) or "none"
            raise UsageError(f"version {version} has no manifest in {release_root} (versions: {known})")
    timer = Timer(report)

    with timer("manifests"):
        manifests = load_manifests(release_root, versions, out)
    if not manifests:
        out.add("layout", "no manifests/vX.Y.Z.json: not a release folder (or an empty one)", "manifests")
        report.checks_run = ["layout"]
        report.findings = out.finish()
        report.seconds = time.perf_counter() - started
        return report
    head = version or versions[-1]
    checked = [v for v in versions if v in manifests and (v == version if version else True)]
    upto = [v for v in versions if v in manifests and manifests_io.version_key(v) <= manifests_io.version_key(head)]
    report.versions = checked
    ctx = Context(release_root, manifests, checked, upto, head, out, report)

    with timer("manifests"):
        check_manifests(ctx)
        check_accounting(ctx)
    with timer("layout"):
        check_layout(ctx)
    with timer("footers"):
        check_footers(ctx)
    with timer("checksums"):
        check_checksums(ctx)
    with timer("rows"):
        check_ids_and_hashes(ctx)
        check_row_fields(ctx)
    with timer("near_dup"):
        check_near_duplicates(ctx)
    with timer("card"):
        check_card(ctx)
    with timer("croissant"):
        check_croissant(ctx)
    with timer("smoke_load"):
        check_smoke_load(ctx, smoke_rows)

    report.checks_run = list(CHECKS)
    report.findings = out.finish()
    report.seconds = time.perf_counter() - started
    return report


class Timer:
    def __init__(self, report: Report) -> None:
        self.report = report

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.report.timings[name] = self.report.timings.get(name, 0.0) + time.perf_counter() - started


@dataclass
class Context:
    root: Path
    manifests: dict[str, dict[str, Any]]  # version -> manifest (those that parse)
    checked: list[str]  # versions whose own shards and rows are checked
    upto: list[str]  # every version up to the newest checked one (immutability, served files)
    head: str  # the newest checked version
    out: Findings
    report: Report
    footers: dict[str, pq.FileMetaData | None] = field(default_factory=dict)
    schemas: dict[str, pa.Schema] = field(default_factory=dict)
    tables: dict[str, dict[str, pa.ChunkedArray] | None] = field(default_factory=dict)
    builders: dict[str, Any] = field(default_factory=dict)  # version -> datasets builder of its config

    def own_shards(self, version: str) -> list[dict[str, Any]]:
        return list(self.manifests[version].get("shards") or [])

    def served(self, version: str) -> list[str]:
        return [f["path"] for f in self.manifests[version].get("files") or [] if isinstance(f, dict) and "path" in f]

    def config(self, version: str, section: str) -> dict[str, Any]:
        value = (self.manifests[version].get("config") or {}).get(section) or {}
        return value if isinstance(value, dict) else {}

    def footer(self, path: str) -> pq.FileMetaData | None:
        """The shard's footer, or None (and a `parquet` finding) when it cannot be read."""
        if path not in self.footers:
            try:
                handle = pq.ParquetFile(self.root / path)
                self.footers[path] = handle.metadata
                self.schemas[path] = handle.schema_arrow
            except FileNotFoundError:
                self.footers[path] = None
            except Exception as error:  # any damage: a truncated file, a bad footer
                self.footers[path] = None
                self.out.add("parquet", f"cannot read the Parquet footer: {error}", path)
        return self.footers[path]

    def column(self, path: str, name: str) -> pa.ChunkedArray | None:
        """One column of a shard (a dotted name is a struct member), or None when unreadable.

        The first request for a shard reads all the narrow columns the checks use, in one pass.
        """
        if path not in self.tables:
            self.tables[path] = None
            if self.footer(path) is not None:
                names = self.schemas[path].names
                wanted = [c for c in ROW_COLUMNS if c.split(".")[0] in names]
                try:
                    table = pq.read_table(self.root / path, columns=wanted)
                    self.tables[path] = {c: table.column(c.split(".")[-1]) for c in wanted}
                except Exception as error:  # damaged data pages
                    self.out.add("parquet", f"cannot read the columns {', '.join(wanted)}: {_short(error)}", path)
        table = self.tables[path]
        return None if table is None else table.get(name)


def load_manifests(root: Path, versions: list[str], out: Findings) -> dict[str, dict[str, Any]]:
    manifests = {}
    for v in versions:
        path = manifests_io.manifest_path(root, v)
        rel = path.relative_to(root).as_posix()
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as error:
            out.add("manifest", f"cannot read the manifest: {error}", rel)
            continue
        if not isinstance(data, dict):
            out.add("manifest", "the manifest is not a JSON object", rel)
            continue
        manifests[v] = data
    return manifests


def manifest_file(version: str) -> str:
    return f"manifests/v{version}.json"


# --------------------------------------------------------------------------- manifests


def check_manifests(ctx: Context) -> None:
    previous: str | None = None
    for v in ctx.upto:
        m = ctx.manifests[v]
        rel = manifest_file(v)
        for message in manifests_io.validate_manifest(m):
            ctx.out.add("manifest", f"against schemas/manifest.schema.json: {message}", rel)
        if m.get("version") != v:
            ctx.out.add("manifest", f"version field {m.get('version')!r} but the file is named for {v}", rel)
        if m.get("parent") != previous:
            ctx.out.add("manifest", f"parent is {m.get('parent')!r}, the previous version is {previous!r}", rel)
        if v in ctx.checked and m.get("document_schema_version") != schema_version():
            ctx.out.add(
                "manifest", f"document_schema_version {m.get('document_schema_version')!r}, this shardsmith has {schema_version()!r}",
                rel, level="warning",
            )
        shards = [s for s in m.get("shards") or [] if isinstance(s, dict)]
        files = [f for f in m.get("files") or [] if isinstance(f, dict)]
        for s in shards:
            if not str(s.get("path", "")).startswith(f"data/v{v}/"):
                ctx.out.add("manifest", f"shard {s.get('path')} is not in this version's folder data/v{v}/", rel)
        if _ints(s.get("rows") for s in shards) and m.get("rows") != sum(s["rows"] for s in shards):
            ctx.out.add("manifest", f"rows is {m.get('rows')}, its shards hold {sum(s['rows'] for s in shards)}", rel)
        if _ints(f.get("rows") for f in files) and m.get("total_rows") != sum(f["rows"] for f in files):
            ctx.out.add("manifest", f"total_rows is {m.get('total_rows')}, its files hold {sum(f['rows'] for f in files)}", rel)
        # Served files: this version's shards, and files an earlier version served (minus removals).
        known = {s.get("path"): s for u in ctx.upto[: ctx.upto.index(v) + 1] for s in ctx.manifests[u].get("shards") or [] if isinstance(s, dict)}
        parent_files = set(ctx.served(previous)) if previous else set()
        served = [f.get("path") for f in files]
        for s in shards:
            if s.get("path") not in served:
                ctx.out.add("manifest", f"its shard {s.get('path')} is not among the files it serves", rel)
        for f in files:
            path = f.get("path")
            own = path in {s.get("path") for s in shards}
            if not own and path not in parent_files:
                ctx.out.add("manifest", f"serves {path}, which is neither its own shard nor served by its parent", rel)
            shard = known.get(path)
            if shard is not None:
                for key in ("rows", "uncompressed_bytes"):
                    if f.get(key) != shard.get(key):
                        ctx.out.add("manifest", f"serves {path} with {key} {f.get(key)}, its shard entry says {shard.get(key)}", rel)
        if len(set(served)) != len(served):
            ctx.out.add("manifest", "serves a file twice", rel)
        previous = v


def _ints(values) -> bool:
    values = list(values)
    return all(isinstance(x, int) for x in values)


def check_accounting(ctx: Context) -> None:
    for v in ctx.checked:
        m = ctx.manifests[v]
        rel = manifest_file(v)
        acc = m.get("accounting")
        if not isinstance(acc, dict) or not _ints(acc.get(k) for k in ("inputs", "rows", "duplicates", "rejects")):
            ctx.out.add("accounting", "no accounting with integer inputs, rows, duplicates and rejects", rel)
            continue
        if acc["inputs"] != acc["rows"] + acc["duplicates"] + acc["rejects"]:
            ctx.out.add(
                "accounting",
                f"inputs {acc['inputs']} != rows {acc['rows']} + duplicates {acc['duplicates']} + rejects {acc['rejects']}",
                rel,
            )
        if acc.get("balanced") is not True:
            ctx.out.add("accounting", "accounting.balanced is not true", rel)
        if acc["rows"] != m.get("rows"):
            ctx.out.add("accounting", f"accounting.rows {acc['rows']} != rows {m.get('rows')}", rel)
        reports = m.get("reports") or {}
        dup_path = reports.get("duplicates")
        if dup_path:
            try:
                n = pq.ParquetFile(ctx.root / dup_path).metadata.num_rows
                if n != acc["duplicates"]:
                    ctx.out.add("accounting", f"the duplicates report has {n} rows, the accounting says {acc['duplicates']}", dup_path)
            except Exception as error:
                ctx.out.add("accounting", f"cannot read the duplicates report: {error}", dup_path)
        rej_path = reports.get("rejects")
        if rej_path:
            try:
                with open(ctx.root / rej_path, "rb") as handle:
                    n = sum(1 for line in handle if line.strip())
                if n != acc["rejects"]:
                    ctx.out.add("accounting", f"the rejects report has {n} lines, the accounting says {acc['rejects']}", rej_path)
            except OSError as error:
                ctx.out.add("accounting", f"cannot read the rejects report: {error.strerror or error}", rej_path)


# --------------------------------------------------------------------------- layout and files


def check_layout(ctx: Context) -> None:
    data = ctx.root / "data"
    in_manifests = {s.get("path") for v in ctx.manifests for s in ctx.own_shards(v) if isinstance(s, dict)}
    on_disk: set[str] = set()
    if not data.is_dir():
        ctx.out.add("layout", "no data/ folder", "data")
    else:
        for item in sorted(data.iterdir()):
            rel = item.relative_to(ctx.root).as_posix()
            match = VERSION_DIR.match(item.name)
            if not item.is_dir() or not match:
                ctx.out.add("layout", "data/ holds only one folder per version, named vX.Y.Z", rel)
                if item.is_file():
                    on_disk.add(rel)
                continue
            if match["version"] not in ctx.manifests:
                ctx.out.add("layout", f"folder of version {match['version']}, which has no manifest", rel)
            entries = sorted(item.rglob("*"))
            files = [p for p in entries if p.is_file()]
            if len(files) > MAX_FILES_PER_FOLDER:
                ctx.out.add("layout", f"{len(files)} files in one folder (the Hub allows {MAX_FILES_PER_FOLDER})", rel)
            numbered: list[tuple[int, int, str]] = []
            for p in files:
                frel = p.relative_to(ctx.root).as_posix()
                on_disk.add(frel)
                name = SHARD_NAME.match(p.name)
                if p.parent != item or not name:
                    ctx.out.add("layout", "not a shard name data/vX.Y.Z/train-NNNNN-of-NNNNN.parquet", frel)
                    continue
                numbered.append((int(name["index"]), int(name["count"]), frel))
            check_numbering(ctx, rel, numbered)
    for path in sorted(on_disk - in_manifests):
        ctx.out.add("files", "file on disk that no manifest lists (an extra shard)", path)
    for path in sorted(p for p in in_manifests - on_disk if p):
        ctx.out.add("files", "shard listed in a manifest is missing on disk", path)
    for v in ctx.checked:
        for path in ctx.served(v):
            if path not in in_manifests:
                ctx.out.add("files", f"version {v} serves a file that is no version's shard", path)


def check_numbering(ctx: Context, folder: str, numbered: list[tuple[int, int, str]]) -> None:
    if not numbered:
        ctx.out.add("numbering", "a version folder without shards", folder)
        return
    counts = {count for _, count, _ in numbered}
    indices = sorted(index for index, _, _ in numbered)
    if len(counts) > 1:
        ctx.out.add("numbering", f"shards disagree on their count (-of-{sorted(counts)})", folder)
    expected = max(counts)
    if indices != list(range(len(numbered))) or len(numbered) != expected:
        missing = sorted(set(range(max(expected, len(numbered)))) - set(indices))
        ctx.out.add(
            "numbering",
            f"shards are not numbered 0..{expected - 1} of {expected}: found {len(numbered)}"
            + (f", missing {missing[:10]}" if missing else "")
            + (", numbers repeat" if len(set(indices)) != len(indices) else ""),
            folder,
        )


# --------------------------------------------------------------------------- footers


def check_footers(ctx: Context) -> None:
    expected = document_schema()
    for v in ctx.checked:
        publish = ctx.config(v, "publish")
        codec = str(publish.get("compression") or "zstd").upper()
        max_group = int(publish.get("max_row_group_bytes") or 100 * 1024 * 1024)
        if codec != "ZSTD":
            ctx.out.add("compression", f"the config asks for {codec.lower()}; zstd is the recommended codec", manifest_file(v), level="warning")
        for shard in ctx.own_shards(v):
            path = shard.get("path")
            if not (ctx.root / path).exists():
                continue
            meta = ctx.footer(path)
            if meta is None:
                continue
            if meta.num_rows == 0:
                ctx.out.add("empty_shard", "the shard has 0 rows (datasets cannot load it)", path)
            if meta.num_rows != shard.get("rows"):
                ctx.out.add("rows", f"the footer says {meta.num_rows} rows, the manifest {shard.get('rows')}", path)
            check_schema(ctx, path, ctx.schemas[path], expected)
            bad_codecs: set[str] = set()
            no_page_index = False
            for g in range(meta.num_row_groups):
                group = meta.row_group(g)
                if group.num_rows == 0:
                    ctx.out.add("row_groups", f"row group {g} is empty", path)
                size = group.total_byte_size
                if size > VIEWER_ROW_GROUP_BYTES:
                    ctx.out.add("row_groups", f"row group {g} is {size:,} bytes uncompressed (the Hub viewer reads at most {VIEWER_ROW_GROUP_BYTES:,})", path)
                elif size > max_group * 1.5:
                    ctx.out.add("row_groups", f"row group {g} is {size:,} bytes uncompressed (configured bound {max_group:,})", path, level="warning")
                for c in range(group.num_columns):
                    chunk = group.column(c)
                    if chunk.compression != codec:
                        bad_codecs.add(f"{chunk.path_in_schema}={chunk.compression}")
                    no_page_index = no_page_index or not chunk.has_offset_index
            if bad_codecs:
                ctx.out.add("compression", f"columns not compressed with {codec.lower()}: {', '.join(sorted(bad_codecs)[:6])}", path)
            if no_page_index:
                ctx.out.add("compression", "no page index (write_page_index=True): the Hub viewer reads it", path, level="warning")


def check_schema(ctx: Context, path: str, actual: pa.Schema, expected: pa.Schema) -> None:
    if actual.equals(expected):
        return
    names, wanted = actual.names, expected.names
    missing = [n for n in wanted if n not in names]
    extra = [n for n in names if n not in wanted]
    if missing:
        ctx.out.add("schema", f"missing columns: {', '.join(missing)}", path)
    if extra:
        ctx.out.add("schema", f"columns not in the document schema: {', '.join(extra)}", path)
    common = [n for n in names if n in wanted]
    if not missing and not extra and names != wanted:
        ctx.out.add("schema", f"columns out of order: {', '.join(names)}", path)
    elif common != [n for n in wanted if n in names]:
        ctx.out.add("schema", "columns out of order", path)
    for name in common:
        have, want = actual.field(name), expected.field(name)
        if have.type != want.type:
            ctx.out.add("schema", f"column {name} is {have.type}, the schema says {want.type}", path)
        elif have.nullable != want.nullable:
            ctx.out.add("schema", f"column {name} is {'nullable' if have.nullable else 'not nullable'}, the schema says {'nullable' if want.nullable else 'not null'}", path)


# --------------------------------------------------------------------------- checksums


def sha256_of(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def check_checksums(ctx: Context) -> None:
    """sha256 + bytes of the head version's shards (`checksum`) and of every earlier one (`immutable`)."""
    jobs = []
    for v in ctx.upto:
        check = "checksum" if v == ctx.head else "immutable"
        for shard in ctx.own_shards(v):
            path = ctx.root / str(shard.get("path"))
            if path.is_file():
                jobs.append((check, v, shard, path))
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        digests = pool.map(lambda job: sha256_of(job[3]), jobs)
        for (check, v, shard, path), digest in zip(jobs, digests):
            rel = shard["path"]
            size = path.stat().st_size
            what = "this version's shard" if check == "checksum" else f"a shard of earlier release v{v}"
            if size != shard.get("bytes"):
                ctx.out.add(check, f"{what} is {size} bytes, its manifest says {shard.get('bytes')}", rel)
            if digest != shard.get("sha256"):
                ctx.out.add(check, f"{what} changed: sha256 {digest[:16]}..., its manifest says {str(shard.get('sha256'))[:16]}...", rel)


# --------------------------------------------------------------------------- ids and hashes


def check_ids_and_hashes(ctx: Context) -> None:
    """Ids and body hashes unique among the files each checked version serves."""
    own = {s.get("path") for v in ctx.checked for s in ctx.own_shards(v)}
    for path in sorted(p for p in own if p):
        ids = ctx.column(path, "id")
        if ids is None:
            continue
        bad = pc.invert(pc.fill_null(pc.match_substring_regex(ids, ID_PATTERN), False))
        flag_rows(ctx, "ids", path, bad, lambda row: f"malformed id {ids[row].as_py()!r} (32 lower-case hex characters)")
    versions_of = {s.get("path"): u for u in ctx.manifests for s in ctx.own_shards(u)}
    served_sets = {v: [p for p in ctx.served(v) if (ctx.root / p).is_file()] for v in ctx.checked}
    for v in ctx.checked:
        served = served_sets[v]
        # A version whose files a later checked version all serves (an append) is covered by that one.
        if not any(w != v and set(served) <= set(served_sets[w]) and manifests_io.version_key(w) > manifests_io.version_key(v) for w in ctx.checked):
            for column, check in (("id", "ids"), ("text_hash", "exact_dup")):
                for path, row, other, other_row, value in repeated_values(ctx, served, column):
                    where = "earlier in this shard" if other == path else (
                        f"in {other} row {other_row}" + (f" (release v{versions_of[other]})" if versions_of.get(other) != versions_of.get(path) else "")
                    )
                    what = f"id {value} is repeated: also {where}" if column == "id" else f"body duplicates the row {where} (text_hash {value})"
                    ctx.out.add(check, what, path, row)
        check_removals(ctx, v, served)


def repeated_values(ctx: Context, paths: list[str], column: str) -> list[tuple[str, int, str, int, str]]:
    """(path, row, first path, first row, value) for every repeat of a value of `column` across
    the shards `paths` (in their order), found by sorting in Arrow, not a Python set of millions."""
    parts, files, rows = [], [], []
    for i, path in enumerate(paths):
        values = ctx.column(path, column)
        if values is None:
            continue
        parts.append(values)
        files.append(pa.array(np.full(len(values), i, dtype=np.int32)))
        rows.append(pa.array(np.arange(len(values), dtype=np.int64)))
    if not parts:
        return []
    table = pa.table({"value": pa.chunked_array([c for p in parts for c in p.chunks], pa.string()),
                      "file": pa.chunked_array(files), "row": pa.chunked_array(rows)})
    table = table.filter(pc.is_valid(table["value"]))
    counts = pc.value_counts(table["value"])
    repeated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    if len(repeated) == 0:
        return []
    table = table.filter(pc.is_in(table["value"], repeated)).sort_by([("value", "ascending"), ("file", "ascending"), ("row", "ascending")])
    out, first = [], {}
    for value, file, row in zip(table["value"].to_pylist(), table["file"].to_pylist(), table["row"].to_pylist()):
        if value in first:
            other_file, other_row = first[value]
            out.append((paths[file], row, paths[other_file], other_row, value))
        else:
            first[value] = (file, row)
    return sorted(out, key=lambda item: (paths.index(item[0]), item[1]))


def check_removals(ctx: Context, version: str, served: list[str]) -> None:
    parent = ctx.manifests[version].get("parent")
    if not parent or parent not in ctx.manifests:
        return
    served_set = set(served)
    parent_paths = [p for p in ctx.served(parent) if (ctx.root / p).is_file()]
    dropped_paths = [p for p in parent_paths if p not in served_set]
    if not dropped_paths:
        return
    now_ids: set[str] = set()
    for path in served:
        values = ctx.column(path, "id")
        if values is not None:
            now_ids.update(values.to_pylist())
    gone: dict[str, str] = {}
    for path in dropped_paths:
        values = ctx.column(path, "id")
        if values is not None:
            gone.update({i: path for i in values.to_pylist() if i not in now_ids})
    removals = ctx.manifests[version].get("removals") or {}
    listed: set[str] = set()
    if isinstance(removals, dict) and removals.get("path"):
        try:
            for line in (ctx.root / removals["path"]).read_text("utf-8").splitlines():
                if line.strip():
                    listed.add(json.loads(line).get("id"))
        except (OSError, ValueError) as error:
            ctx.out.add("removals", f"cannot read the removals list: {error}", removals["path"])
    for doc_id, path in sorted(gone.items()):
        if doc_id not in listed:
            ctx.out.add("removals", f"id {doc_id} of {path} (served by v{parent}) is no longer served by v{version} and not in its removals list", manifest_file(version))
    for doc_id in sorted(listed & now_ids):
        ctx.out.add("removals", f"id {doc_id} is in the removals list but still served", manifest_file(version))


def flag_rows(ctx: Context, check: str, path: str, mask, message) -> None:
    """One finding per row where the boolean `mask` is true (the first few; the rest counted)."""
    indices = pc.indices_nonzero(pc.fill_null(mask, False))
    for row in indices.slice(0, MAX_FINDINGS_PER_FILE).to_pylist():
        ctx.out.add(check, message(row), path, row)
    if len(indices) > MAX_FINDINGS_PER_FILE:
        ctx.out.count_more(check, path, len(indices) - MAX_FINDINGS_PER_FILE)


# --------------------------------------------------------------------------- licence and provenance columns


def check_row_fields(ctx: Context) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    for v in ctx.checked:
        licensing_cfg = ctx.config(v, "licensing")
        created = _parse_date(str(ctx.manifests[v].get("created") or "")) or now
        latest_ok = max(created, now) + dt.timedelta(days=1)
        for shard in ctx.own_shards(v):
            path = shard.get("path")
            if not path or ctx.footer(path) is None:
                continue
            check_license_columns(ctx, path, licensing_cfg)
            check_provenance_columns(ctx, path, latest_ok)


def check_license_columns(ctx: Context, path: str, policy: dict[str, Any]) -> None:
    status = ctx.column(path, "license_status")
    basis = ctx.column(path, "license_basis")
    license_ = ctx.column(path, "license")
    evidence = ctx.column(path, "license_evidence")
    flags = {name: ctx.column(path, f"license_{name}") for name in ("nc", "nd", "sa")}
    if status is not None:
        flag_rows(ctx, "license", path, pc.invert(pc.is_in(status, pa.array(LICENSE_STATUSES))),
                  lambda row: f"unknown license_status {status[row].as_py()!r} (one of {', '.join(LICENSE_STATUSES)})")
    if basis is not None:
        flag_rows(ctx, "license", path, pc.invert(pc.is_in(basis, pa.array(LICENSE_BASES))),
                  lambda row: f"unknown license_basis {basis[row].as_py()!r} (one of {', '.join(LICENSE_BASES)})")
    if license_ is not None:
        distinct = [x for x in pc.unique(license_).to_pylist() if x is not None]
        invalid = [x for x in distinct if not is_valid_license_id(x)]
        if invalid:
            flag_rows(ctx, "license", path, pc.is_in(license_, pa.array(invalid, pa.string())),
                      lambda row: f"license {license_[row].as_py()!r} is not an SPDX id this project knows (or LicenseRef-...)")
        # nc / nd / sa must say what the licence says.
        for lic in distinct:
            rows_of = pc.equal(license_, lic)
            for name, want in zip(("nc", "nd", "sa"), license_flags(lic)):
                column = flags[name]
                if column is None or want is None:
                    continue
                wrong = pc.and_(rows_of, pc.fill_null(pc.not_equal(column, want), True))
                flag_rows(ctx, "license", path, wrong,
                          lambda row, name=name, lic=lic, want=want, column=column: f"license_{name} is {column[row].as_py()} but {lic} says {want}")
    if status is not None and license_ is not None:
        flag_rows(ctx, "license", path, pc.and_(pc.equal(status, "licensed"), pc.is_null(license_)),
                  lambda row: "license_status is licensed but license is null")
        flag_rows(ctx, "license", path,
                  pc.and_(pc.is_valid(license_), pc.invert(pc.is_in(status, pa.array(["licensed", "public_domain"])))),
                  lambda row: f"license {license_[row].as_py()} with license_status {status[row].as_py()}")
    if evidence is not None and status is not None and basis is not None and license_ is not None:
        # A licence, a public-domain status, a permission or a fair-use claim needs its evidence.
        claimed = pc.or_(
            pc.or_(pc.is_valid(license_), pc.is_in(status, pa.array(["licensed", "public_domain"]))),
            pc.is_in(basis, pa.array(["permission", "fair_use_claimed"])),
        )
        empty = pc.equal(pc.fill_null(pc.list_value_length(evidence), 0), 0)
        flag_rows(ctx, "license", path, pc.and_(claimed, empty),
                  lambda row: f"no license_evidence for license {license_[row].as_py()}, status {status[row].as_py()}, basis {basis[row].as_py()}")
        flat = pc.list_flatten(evidence)
        if len(flat):
            parents = pc.list_parent_indices(evidence)
            for member, allowed in (("kind", EVIDENCE_KINDS), ("where", EVIDENCE_WHERE)):
                values = pc.struct_field(flat, member)
                bad = pc.indices_nonzero(pc.fill_null(pc.invert(pc.is_in(values, pa.array(allowed))), True))
                for i in bad.slice(0, MAX_FINDINGS_PER_FILE).to_pylist():
                    ctx.out.add("license", f"license_evidence {member} {values[i].as_py()!r} (one of {', '.join(allowed)})",
                                path, parents[i].as_py())
    check_license_policy(ctx, path, policy, status, license_, flags)


def check_license_policy(ctx: Context, path: str, policy: dict[str, Any], status, license_, flags) -> None:
    """The licensing policy recorded in the manifest's config holds for every row."""
    if status is not None:
        denied = list(policy.get("deny_statuses") or []) + (["unknown"] if policy.get("deny_unknown") else [])
        if denied:
            flag_rows(ctx, "license_policy", path, pc.is_in(status, pa.array(denied, pa.string())),
                      lambda row: f"license_status {status[row].as_py()} is denied by the config")
    if license_ is not None and policy.get("allow_licenses"):
        allowed = pa.array(list(policy["allow_licenses"]), pa.string())
        flag_rows(ctx, "license_policy", path, pc.invert(pc.fill_null(pc.is_in(license_, allowed), False)),
                  lambda row: f"license {license_[row].as_py()} is not in the config's allow_licenses")
    for name in ("nc", "nd"):
        if policy.get(f"deny_{name}") and flags.get(name) is not None:
            flag_rows(ctx, "license_policy", path, flags[name],
                      lambda row, name=name: f"license_{name} is true and the config sets deny_{name}")


def _parse_date(value: str) -> dt.datetime | None:
    """An ISO 8601 date or timestamp as an aware datetime (naive ones are UTC), or None."""
    text = value.strip()
    if not text:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def check_dates(ctx: Context, path: str, values: pa.ChunkedArray, name: str, earliest: dt.datetime, latest: dt.datetime) -> None:
    """Each distinct date parses and lies between `earliest` and `latest`."""
    bad: dict[str, str] = {}
    for value in pc.unique(pc.drop_null(values)).to_pylist():
        parsed = _parse_date(value)
        if parsed is None:
            bad[value] = f"{name} {value!r} is not an ISO 8601 date"
        elif parsed > latest:
            bad[value] = f"{name} {value} is in the future"
        elif parsed < earliest:
            bad[value] = f"{name} {value} is implausibly early (before {earliest.year})"
    if bad:
        flag_rows(ctx, "provenance", path, pc.is_in(values, pa.array(list(bad), pa.string())),
                  lambda row: bad[values[row].as_py()])


def url_problem(value: str) -> str:
    try:
        parts = urlsplit(value)
    except ValueError as error:
        return str(error)
    if parts.scheme not in ("http", "https"):
        return "no http(s) scheme"
    if not parts.hostname:
        return "no host"
    return "does not parse as a URL"


def check_provenance_columns(ctx: Context, path: str, latest: dt.datetime) -> None:
    urls = ctx.column(path, "url")
    if urls is not None:
        bad = pc.invert(pc.fill_null(pc.match_substring_regex(urls, URL_PATTERN), True))
        flag_rows(ctx, "provenance", path, bad, lambda row: f"url {urls[row].as_py()!r}: {url_problem(urls[row].as_py())}")
    published = ctx.column(path, "published")
    if published is not None:
        check_dates(ctx, path, published, "published", EARLIEST_PUBLISHED, latest)
    crawled = ctx.column(path, "provenance.crawled")
    if crawled is not None:
        check_dates(ctx, path, crawled, "provenance.crawled", EARLIEST_CRAWLED, latest)
    languages = ctx.column(path, "language")
    if languages is not None:
        invalid = [x for x in pc.unique(languages).to_pylist() if x not in LANGUAGES]
        if invalid:
            flag_rows(ctx, "provenance", path, pc.fill_null(pc.is_in(languages, pa.array(invalid, pa.string())), True),
                      lambda row: f"language {languages[row].as_py()!r} is not an ISO 639-1 code or 'und'")


# --------------------------------------------------------------------------- near duplicates


def check_near_duplicates(ctx: Context) -> None:
    """A sample of each checked version's rows against the earlier versions' stored near-dup index.

    The index (`index/vX/`, written by builder/dedup.py) holds per part the kept documents' ids,
    MinHash signatures and shingle sets. The sample's signatures are banded as the build bands
    them; a candidate that shares a band is verified on the exact shingle sets with the build's
    own rule, so a finding is a pair the build itself should have removed.
    """
    from builder import dedup
    from builder.config import ConfigError, NearDedupConfig, from_dict
    from builder.stages import near_dedup as nd

    for v in ctx.checked:
        earlier = [u for u in ctx.upto if manifests_io.version_key(u) < manifests_io.version_key(v)]
        indexes = [(u, ctx.root / str((ctx.manifests[u].get("reports") or {}).get("index") or "")) for u in earlier]
        indexes = [(u, p) for u, p in indexes if p != ctx.root and (p / "near").is_dir()]
        if not indexes:
            if earlier:
                ctx.report.notes.append(f"near_dup: no near-duplicate index of the releases before v{v}; not sampled")
            continue
        try:
            cfg = from_dict(ctx.manifests[v].get("config") or {}).near_dedup
        except (ConfigError, TypeError, ValueError):
            cfg = NearDedupConfig()
        sample = near_dup_sample(ctx, v)
        if not sample:
            continue
        paths, rows, ids, texts = zip(*sample)
        sets = nd.shingle_sets(list(texts), cfg.ngram, cfg.seed)
        sig = nd.signatures(sets, cfg.num_perm)
        bands, band_rows = dedup.lsh_shape(cfg)
        has_shingles = sets.sizes > 0
        keys = nd.band_keys(sig, bands, band_rows)
        rule = dedup.verify_rule(cfg)
        checked_parts = 0
        for u, index in indexes:
            settings = json.loads((index / "config.json").read_text()).get("near") if (index / "config.json").exists() else None
            if settings != dedup.index_settings(cfg):
                ctx.report.notes.append(f"near_dup: the index of v{u} was made with other shingle settings; v{v} not compared with it")
                continue
            for meta_path in sorted((index / "near").glob("*.meta.parquet")):
                stem = meta_path.name[: -len(".meta.parquet")]
                stored = np.load(meta_path.with_name(stem + ".sig.npy")).astype(np.uint64)
                stored[stored == np.uint64(dedup.NO_SIGNATURE)] = nd.EMPTY
                stored_keys = nd.band_keys(stored, bands, band_rows)
                checked_parts += 1
                candidates = sorted({(i, j) for b in range(bands) for i, j in _band_matches(keys[:, b], stored_keys[:, b]) if has_shingles[i]})
                candidates = [(i, j) for i, j in candidates if nd.estimated_jaccard(sig[i:i + 1], stored[j:j + 1])[0] >= cfg.min_estimated_jaccard]
                if not candidates:
                    continue
                old_sets = dedup.load_shingles(meta_path.with_name(stem + ".shingles.npz"))
                old_ids = pq.read_table(meta_path, columns=["id"])["id"].to_pylist()
                for i, j in candidates:
                    o = nd.overlap(old_sets.of(j), sets.of(i), cfg.digit_min_shingles)
                    if nd.is_duplicate(o, rule) and old_ids[j] != ids[i]:
                        ctx.out.add("near_dup", f"near duplicate of {old_ids[j]} of release v{u} (containment {o.containment:.2f}, "
                                                f"jaccard {o.jaccard:.2f})", paths[i], rows[i])
        ctx.report.notes.append(f"near_dup: {len(sample)} rows of v{v} compared with {checked_parts} index parts of earlier releases")


def near_dup_sample(ctx: Context, version: str) -> list[tuple[str, int, str, str]]:
    """(path, row, id, text) of up to NEAR_DUP_SAMPLE rows of a version: evenly spaced rows of the
    first row group of its first and last shards (so at most two row groups of text are read)."""
    shards = [s["path"] for s in ctx.own_shards(version) if ctx.footer(s.get("path")) is not None]
    picked = sorted(set(shards[:1] + shards[-1:]))
    out = []
    for path in picked:
        meta = ctx.footer(path)
        if meta.num_row_groups == 0 or meta.row_group(0).num_rows == 0:
            continue
        try:
            group = pq.ParquetFile(ctx.root / path).read_row_group(0, columns=["id", "text"])
        except Exception as error:
            ctx.out.add("parquet", f"cannot read the text of row group 0: {_short(error)}", path)
            continue
        want = max(1, NEAR_DUP_SAMPLE // len(picked))
        rows = sorted({int(r) for r in np.linspace(0, group.num_rows - 1, min(want, group.num_rows))})
        ids, texts = group["id"].to_pylist(), group["text"].to_pylist()
        out += [(path, r, ids[r], texts[r]) for r in rows if texts[r] is not None]
    return out


def _band_matches(sample_keys: np.ndarray, stored_keys: np.ndarray) -> list[tuple[int, int]]:
    """(sample row, stored row) pairs that share a band key."""
    hits = np.flatnonzero(np.isin(stored_keys, sample_keys))
    by_key: dict[int, list[int]] = {}
    for i, key in enumerate(sample_keys.tolist()):
        by_key.setdefault(key, []).append(i)
    return [(i, int(j)) for j in hits for i in by_key[int(stored_keys[j])]]


# --------------------------------------------------------------------------- the card


def check_card(ctx: Context) -> None:
    from builder.publish.card import size_category

    readme = ctx.root / "README.md"
    if not readme.is_file():
        ctx.out.add("card", "no README.md (the dataset card)", "README.md")
        return
    try:
        from huggingface_hub import DatasetCard

        card = DatasetCard.load(readme)
        data = card.data.to_dict()
        text = card.text
    except Exception as error:
        ctx.out.add("card", f"the card's YAML does not parse: {error}", "README.md")
        return
    latest = ctx.manifests[ctx.upto[-1]]
    configs = data.get("configs") or []
    if not isinstance(configs, list):
        ctx.out.add("card", "configs is not a list", "README.md")
        configs = []
    by_name = {c.get("config_name"): c for c in configs if isinstance(c, dict)}
    all_versions = [v for v in ctx.manifests]
    for v in all_versions:
        if f"v{v}" not in by_name:
            ctx.out.add("card_configs", f"no config v{v}: datasets would not serve that version", "README.md")
    for name in by_name:
        if not (isinstance(name, str) and name.startswith("v") and name[1:] in ctx.manifests):
            ctx.out.add("card_configs", f"config {name!r} names no version with a manifest", "README.md")
    defaults = [c.get("config_name") for c in configs if isinstance(c, dict) and c.get("default")]
    newest = f"v{list(ctx.manifests)[-1]}"
    if defaults != [newest]:
        ctx.out.add("card_configs", f"the default config is {defaults or 'none'}; it must be the newest version {newest} alone", "README.md")
    sizes = data.get("size_categories")
    wanted_size = size_category(int(latest.get("total_rows") or 0))
    if sizes != [wanted_size]:
        ctx.out.add("card", f"size_categories is {sizes}, {latest.get('total_rows')} rows is {wanted_size}", "README.md")
    languages = data.get("language") or []
    languages = [languages] if isinstance(languages, str) else languages
    present = [k for k in (latest.get("composition") or {}).get("by_language", {}) if k != "und"]
    missing = sorted(set(present) - set(languages))
    if missing:
        ctx.out.add("card", f"language does not list {', '.join(missing)}, which the rows have", "README.md")
    changelog = text.split("## Changelog", 1)[1] if "## Changelog" in text else ""
    if not changelog:
        ctx.out.add("card", "no ## Changelog section", "README.md")
    for v in all_versions:
        if changelog and not re.search(rf"^###\s+v{re.escape(v)}\b", changelog, re.MULTILINE):
            ctx.out.add("card", f"the changelog has no section for v{v}", "README.md")
    check_card_configs(ctx, [v for v in all_versions if f"v{v}" in by_name])


@contextmanager
def quiet_datasets() -> Iterator[Any]:
    """Import datasets with its progress bars and info logging off (restored afterwards)."""
    import datasets

    bars = datasets.is_progress_bar_enabled()
    level = datasets.logging.get_verbosity()
    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    try:
        yield datasets
    finally:
        datasets.logging.set_verbosity(level)
        if bars:
            datasets.enable_progress_bars()


def check_card_configs(ctx: Context, versions: list[str]) -> None:
    from builder.schema import features

    expected_features = features()
    shard_bytes = {s.get("path"): s.get("bytes") for v in ctx.manifests for s in ctx.own_shards(v)}
    # A private cache: datasets keeps the info of splits it once prepared in its cache and would
    # report that instead of what the card declares.
    with quiet_datasets() as datasets, tempfile.TemporaryDirectory(prefix="shardsmith-validate-") as cache:
        for v in versions:
            name = f"v{v}"
            m = ctx.manifests[v]
            try:
                builder = datasets.load_dataset_builder(str(ctx.root), name, cache_dir=cache)
                ctx.builders[v] = builder
            except Exception as error:
                ctx.out.add("card_configs", f"config {name} does not resolve: {type(error).__name__}: {error}", "README.md")
                continue
            resolved = builder.config.data_files or {}
            splits = sorted(resolved)
            if splits != ["train"]:
                ctx.out.add("card_configs", f"config {name} has splits {splits}, expected train", "README.md")
            got = [Path(p).resolve() for p in resolved.get("train", [])]
            want = [(ctx.root / p).resolve() for p in ctx.served(v)]
            missing = sorted(set(want) - set(got))
            for folder in sorted({p.parent for p in missing}):
                in_folder = [p for p in missing if p.parent == folder]
                if len(in_folder) == len([p for p in want if p.parent == folder]) and len(in_folder) > 1:
                    ctx.out.add("card_configs", f"config {name} misses the folder {_rel(ctx, folder)}/ ({len(in_folder)} files v{v} serves)", "README.md")
                else:
                    for path in in_folder:
                        ctx.out.add("card_configs", f"config {name} misses {_rel(ctx, path)}, which v{v} serves", "README.md")
            for path in sorted(set(got) - set(want)):
                ctx.out.add("card_configs", f"config {name} resolves to {_rel(ctx, path)}, which v{v} does not serve", "README.md")
            if len(got) != len(set(got)):
                ctx.out.add("card_configs", f"config {name} lists a file twice", "README.md")
            info = builder.info
            split = (info.splits or {}).get("train") if info.splits else None
            files = m.get("files") or []
            num_bytes = sum(int(f.get("uncompressed_bytes") or 0) for f in files)
            expect = {
                "num_examples": m.get("total_rows"),
                "num_bytes": num_bytes,
                "download_size": sum(int(shard_bytes.get(f.get("path")) or 0) for f in files),
                "dataset_size": num_bytes,
            }
            actual = {
                "num_examples": split.num_examples if split else None,
                "num_bytes": split.num_bytes if split else None,
                "download_size": info.download_size,
                "dataset_size": info.dataset_size,
            }
            if split is None:
                ctx.out.add("card_info", f"config {name} declares no train split in dataset_info", "README.md")
            for key in expect:
                if actual[key] != expect[key] and not (split is None and key in ("num_examples", "num_bytes")):
                    ctx.out.add("card_info", f"config {name}: dataset_info {key} is {actual[key]}, the manifest says {expect[key]}", "README.md")
            if info.features is None:
                ctx.out.add("card_info", f"config {name} declares no features (datasets would take them from the first file)", "README.md")
            elif info.features != expected_features:
                diff = [k for k in set(expected_features) | set(info.features) if info.features.get(k) != expected_features.get(k)]
                ctx.out.add("card_info", f"config {name}: features differ from the document schema for {', '.join(sorted(diff)) or 'the column order'} (the card's features win and silently cast)", "README.md")


def _rel(ctx: Context, path: Path) -> str:
    try:
        return path.relative_to(ctx.root.resolve()).as_posix()
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- croissant


def check_croissant(ctx: Context) -> None:
    from builder.publish import croissant
    from builder.schema import load_schema_json

    path = ctx.root / "croissant.json"
    if not path.is_file():
        ctx.out.add("croissant", "no croissant.json", "croissant.json")
        return
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        ctx.out.add("croissant", f"croissant.json does not parse: {error}", "croissant.json")
        return
    distribution = [d for d in doc.get("distribution") or [] if isinstance(d, dict)]
    objects = {d.get("@id"): d for d in distribution if d.get("@type") == "cr:FileObject"}
    sets = {d.get("@id"): d for d in distribution if d.get("@type") == "cr:FileSet"}
    record_sets = {r.get("@id"): r for r in doc.get("recordSet") or [] if isinstance(r, dict)}
    for v, m in ctx.manifests.items():
        for shard in m.get("shards") or []:
            entry = objects.get(shard.get("path"))
            if entry is None:
                ctx.out.add("croissant", f"no FileObject for shard {shard.get('path')}", "croissant.json")
            elif entry.get("sha256") != shard.get("sha256"):
                ctx.out.add("croissant", f"the FileObject of {shard.get('path')} has another sha256 than the manifest", "croissant.json")
        file_set = sets.get(croissant.file_set_id(v))
        if file_set is None:
            ctx.out.add("croissant", f"no FileSet {croissant.file_set_id(v)} for version {v}", "croissant.json")
        elif sorted(file_set.get("includes") or []) != sorted(ctx.served(v)):
            ctx.out.add("croissant", f"FileSet {croissant.file_set_id(v)} does not list exactly the files v{v} serves", "croissant.json")
        record_set = record_sets.get(croissant.record_set_id(v))
        columns = [c["name"] for c in load_schema_json("document")["columns"]]
        if record_set is None:
            ctx.out.add("croissant", f"no RecordSet v{v}", "croissant.json")
        else:
            names = [str(f.get("@id", "")).split("/", 1)[-1] for f in record_set.get("field") or [] if isinstance(f, dict)]
            if names != columns:
                ctx.out.add("croissant", f"RecordSet v{v} fields differ from the document columns", "croissant.json")
    for object_id in sorted(set(objects) - {s.get("path") for m in ctx.manifests.values() for s in m.get("shards") or []}):
        ctx.out.add("croissant", f"FileObject {object_id} is no shard of any manifest", "croissant.json")
    if str(doc.get("version")) != list(ctx.manifests)[-1]:
        ctx.out.add("croissant", f"version is {doc.get('version')!r}, the newest release is {list(ctx.manifests)[-1]}", "croissant.json")
    validate_with_mlcroissant(ctx, path)


def validate_with_mlcroissant(ctx: Context, path: Path) -> None:
    try:
        errors, warnings = mlcroissant_issues(str(path.resolve()), path.read_text("utf-8"))
    except ImportError:
        ctx.report.notes.append("croissant.json checked structurally; install the `croissant` extra (mlcroissant) to validate it against the spec")
        return
    for error in errors:
        ctx.out.add("croissant", f"mlcroissant: {error}", "croissant.json")
    for warning in warnings:
        ctx.out.add("croissant", f"mlcroissant: {warning}", "croissant.json", level="warning")


@lru_cache(maxsize=8)
def mlcroissant_issues(path: str, text: str) -> tuple[list[str], list[str]]:
    """(errors, warnings) of mlcroissant's validation of a croissant.json (cached on its text)."""
    import mlcroissant as mlc
    from absl import logging as absl_logging

    verbosity = absl_logging.get_verbosity()
    absl_logging.set_verbosity(absl_logging.ERROR)
    try:
        dataset = mlc.Dataset(jsonld=path)
        return [], sorted(dataset.metadata.ctx.issues.warnings)
    except mlc.ValidationError as error:
        listed = [line.strip()[1:].strip() for line in str(error).splitlines() if line.strip().startswith("-")]
        return listed or [_short(error)], []
    except Exception as error:  # mlcroissant fails on some inputs instead of reporting them
        return [f"cannot read it: {type(error).__name__}: {_short(error)}"], []
    finally:
        absl_logging.set_verbosity(verbosity)


# --------------------------------------------------------------------------- smoke load


def check_smoke_load(ctx: Context, n: int) -> None:
    """Every checked config loads with datasets: normal (on a miniature of the release) and streaming."""
    if not (ctx.root / "README.md").is_file():
        return
    with quiet_datasets() as datasets, tempfile.TemporaryDirectory(prefix="shardsmith-validate-") as tmp:
        mini = Path(tmp) / "release"
        mini.mkdir()
        shutil.copy2(ctx.root / "README.md", mini / "README.md")
        first_rows: dict[str, pa.Table | None] = {}
        for v in ctx.checked:
            for path in ctx.served(v):
                if path in first_rows or not (ctx.root / path).is_file():
                    continue
                first_rows[path] = None
                try:
                    handle = pq.ParquetFile(ctx.root / path)
                    batch = next(handle.iter_batches(batch_size=n), None)
                    table = pa.Table.from_batches([batch] if batch is not None else [], schema=handle.schema_arrow)
                except Exception as error:
                    ctx.out.add("smoke_load", f"cannot read the first {n} rows: {error}", path)
                    continue
                first_rows[path] = table
                target = mini / path
                target.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(table, target)
        for v in ctx.checked:
            name = f"v{v}"
            served = [p for p in ctx.served(v) if first_rows.get(p) is not None]
            if not served:
                continue
            # Each miniature file holds min(n, rows) rows, so the first n rows of the config are a prefix of these.
            expected_ids = [i for p in served for i in _ids_of(first_rows[p])]
            try:
                ds = datasets.load_dataset(str(mini), name, split="train", cache_dir=str(Path(tmp) / "cache"),
                                           verification_mode="no_checks")
                if ds["id"] != expected_ids:
                    ctx.out.add("smoke_load", f"config {name}: the normal load's rows differ from the shards' first rows", "README.md")
            except Exception as error:
                ctx.out.add("smoke_load", f"config {name}: load_dataset fails: {type(error).__name__}: {_short(error)}", "README.md")
            try:
                # What load_dataset(folder, name, streaming=True) does, on the builder the card check resolved.
                builder = ctx.builders.get(v) or datasets.load_dataset_builder(str(ctx.root), name)
                stream = builder.as_streaming_dataset(split="train")
                rows = list(islice(stream, n))
                if len(rows) < min(n, int(ctx.manifests[v].get("total_rows") or 0)):
                    ctx.out.add("smoke_load", f"config {name}: streaming gave only {len(rows)} rows", "README.md")
                elif [r.get("id") for r in rows] != expected_ids[: len(rows)]:
                    ctx.out.add("smoke_load", f"config {name}: the streamed rows differ from the shards' first rows", "README.md")
            except Exception as error:
                ctx.out.add("smoke_load", f"config {name}: streaming load fails: {type(error).__name__}: {_short(error)}", "README.md")


def _ids_of(table: pa.Table) -> list:
    return table.column("id").to_pylist() if "id" in table.column_names else [None] * table.num_rows


def _short(error: Exception, limit: int = 300) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[:limit] + "..."
