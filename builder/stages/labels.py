"""Per-source labels: a table mapping a source (domain) to labels (`type = "conspiracy"`,
`bias = "right"`, any keys), carried to the `source_labels` column and usable as a filter.

The table comes from config (`[labels.sources."example.org"]`) and/or a CSV or JSONL file with
one row per domain (`labels.file`, `labels.domain_column`; every other named column is a label,
empty cells are skipped). FakeNewsCorpus's websites.csv loads with `domain_column = "url"`.

Matching folds `www.` and subdomains: a document from `news.example.co.uk` gets the labels of
`example.co.uk`. The most specific entry wins: hosts are tried from the full host down to the
registered domain (never further: `co.uk` is not a site), and an entry may carry a path
(`cato.org/blog`), which then matches only URLs under that path. The registered domain comes from
the public-suffix list shipped inside the `tld` package (no download); without `tld`, the last two
labels are taken, or three when the second-to-last is a generic second level (`co.uk`, `com.au`).
"""

from __future__ import annotations

import csv
import gzip
import io
import ipaddress
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from builder.config import ConfigError, LabelsConfig
from builder.document import Document
from builder.stats import Stats

LabelTable = dict[str, dict[str, str]]

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_WWW = re.compile(r"^www\d*\.")
_QUERY_OR_FRAGMENT = re.compile(r"[?#]")
# Second-level labels under a country code that are public suffixes in practice (co.uk, com.au).
_GENERIC_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go", "gob", "nic"})
# Path segments of a URL tried against entries that carry a path.
_MAX_PATH_SEGMENTS = 3

try:  # the public-suffix list shipped inside `tld`
    from tld import get_fld as _get_fld
except ImportError:  # without the package: the heuristic in registered_domain()
    _get_fld = None


def split_source(source_or_url: str) -> tuple[str, list[str]]:
    """(host, path segments) of a URL, a bare domain or a 'domain/path' entry: lowercased, without
    scheme, user, port, `www.`, query or fragment. ('', []) when there is no host."""
    text = (source_or_url or "").strip().lower()
    text = _SCHEME.sub("", text)
    text = _QUERY_OR_FRAGMENT.split(text, maxsplit=1)[0]
    host, _, path = text.partition("/")
    host = host.rsplit("@", 1)[-1]
    if not host.startswith("["):  # keep IPv6 literals whole
        host = host.split(":", 1)[0]
    host = _WWW.sub("", host.strip(".").strip())
    segments = [segment for segment in path.split("/") if segment]
    return host, segments


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@lru_cache(maxsize=65536)
def registered_domain(host: str) -> str:
    """The registered domain of a host (`news.example.co.uk` -> `example.co.uk`); the host itself
    for an IP address, a single label, or a host under no known suffix."""
    if not host or _is_ip(host) or "." not in host:
        return host
    if _get_fld is not None:
        return _get_fld(host, fix_protocol=True, fail_silently=True, search_private=True) or host
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _GENERIC_SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


@lru_cache(maxsize=65536)  # a site's host recurs on every page (and _is_ip raises for every name)
def _candidate_hosts(host: str) -> tuple[str, ...]:
    """The host, then each parent down to its registered domain (most specific first)."""
    if _is_ip(host):
        return (host,)
    floor = registered_domain(host)
    hosts = [host]
    while host != floor and "." in host:
        host = host.split(".", 1)[1]
        hosts.append(host)
        if not host.endswith(floor):  # the host is not under its own registered domain: stop
            break
    return tuple(hosts)


def match(source_or_url: str | None, table: Mapping[str, Mapping[str, str]]) -> tuple[str | None, dict[str, str]]:
    """(the table entry that matches, its labels), or (None, {}): the most specific entry wins."""
    if not source_or_url or not table:
        return None, {}
    host, segments = split_source(source_or_url)
    if not host:
        return None, {}
    for candidate in _candidate_hosts(host):
        for depth in range(min(len(segments), _MAX_PATH_SEGMENTS), 0, -1):
            key = candidate + "/" + "/".join(segments[:depth])
            if key in table:
                return key, dict(table[key])
        if candidate in table:
            return candidate, dict(table[candidate])
    return None, {}


def label_for(source_or_url: str | None, table: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """The labels of a URL or domain, {} when no entry matches."""
    return match(source_or_url, table)[1]


def table_key(domain: str) -> str:
    """The key a table entry is stored under: host (and path, when the entry has one), normalised."""
    host, segments = split_source(domain)
    return "/".join([host, *segments]) if host else ""


def _clean_labels(row: Mapping[str, Any], skip: set[str], only: list[str]) -> dict[str, str]:
    labels = {}
    for key, value in row.items():
        if not key or key in skip or (only and key not in only) or value is None:
            continue
        value = str(value).strip()
        if value:
            labels[str(key)] = value
    return labels


def _read_rows(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    """(column names, rows) of a CSV/TSV or JSONL file, optionally gzip-compressed."""
    name = path.name.lower().removesuffix(".gz")
    raw = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8-sig")
    if name.endswith((".jsonl", ".ndjson", ".json")):
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as error:
                    raise ConfigError(f"labels file {path}:{number}: not valid JSON: {error.msg}") from None
                if not isinstance(row, dict):
                    raise ConfigError(f"labels file {path}:{number}: each line must be a JSON object")
                rows.append(row)
        columns = sorted({key for row in rows for key in row})
        return columns, rows
    if name.endswith((".csv", ".tsv")):
        reader = csv.DictReader(io.StringIO(text), delimiter="\t" if name.endswith(".tsv") else ",")
        return list(reader.fieldnames or []), list(reader)
    raise ConfigError(f"labels file {path}: unknown format (expected .csv, .tsv, .jsonl, .ndjson or .json, optionally .gz)")


def load_table(cfg: LabelsConfig, base_dir: str | Path | None = None) -> LabelTable:
    """The label table: the rows of `cfg.file` (relative to `base_dir`, or the working directory),
    then `cfg.sources`, which wins for a domain in both. Keys are normalised with `table_key`."""
    table: LabelTable = {}
    if cfg.file:
        path = Path(cfg.file)
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
        if not path.is_file():
            raise ConfigError(f"labels file {path} not found")
        columns, rows = _read_rows(path)
        if cfg.domain_column not in columns:
            named = ", ".join(repr(c) for c in columns if c)
            raise ConfigError(f"labels file {path} has no column {cfg.domain_column!r} (labels.domain_column); its columns: {named}")
        missing = [c for c in cfg.label_columns if c not in columns]
        if missing:
            raise ConfigError(f"labels file {path} has no column(s) {', '.join(map(repr, missing))} (labels.label_columns)")
        for row in rows:
            key = table_key(str(row.get(cfg.domain_column) or ""))
            if key:
                table.setdefault(key, {}).update(_clean_labels(row, {cfg.domain_column}, cfg.label_columns))
    for domain, labels in cfg.sources.items():
        if not isinstance(labels, Mapping):
            raise ConfigError(f"labels.sources.{domain!r} must be a table of labels, e.g. type = \"reliable\"")
        key = table_key(domain)
        if key:
            table.setdefault(key, {}).update(_clean_labels(labels, set(), []))
    return table


def parse_excludes(exclude: Iterable[str]) -> set[tuple[str, str]]:
    """'type=fake' -> ('type', 'fake'); a ConfigError for anything without a key and a value."""
    pairs = set()
    for item in exclude:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(f"labels.exclude: {item!r} is not 'key=value'")
        pairs.add((key.strip(), value.strip()))
    return pairs


def as_rows(labels: Mapping[str, str]) -> list[dict[str, str]]:
    """The `source_labels` column value: [{"key", "value"}] sorted by key."""
    return [{"key": key, "value": labels[key]} for key in sorted(labels)]


def run(docs: Iterable[Document], cfg: LabelsConfig, stats: Stats, table: LabelTable) -> Iterator[Document]:
    excludes = parse_excludes(cfg.exclude)
    for doc in docs:
        if doc.reject is None and table:
            entry, labels = match(doc.url, table)
            if entry is None:
                entry, labels = match(doc.source, table)
            doc.source_labels = as_rows(labels)
            stats.inc("labels.matched" if entry is not None else "labels.unmatched")
            hit = sorted((key, value) for key, value in labels.items() if (key, value) in excludes)
            if hit:
                key, value = hit[0]
                stats.inc(f"labels.excluded.{key}={value}")
                doc.drop(f"label:{key}={value}", f"source {entry} is labelled {key}={value} (labels.exclude)")
        yield doc
