"""`manifests/vX.Y.Z.json`: what a release is (shards with rows, bytes and sha256), how it was
made (resolved config and its hash, pipeline and schema versions, tokenizer) and what happened
(every count, the accounting equation, composition, timings). Checked against
schemas/manifest.schema.json by `shardsmith validate`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from builder.schema import load_schema_json
from builder.storage import Storage, as_storage

MANIFEST_VERSION = "1.0.0"
VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def manifest_path(release_root: Path, version: str) -> Path:
    """The manifest of `version` in a local release folder."""
    return Path(release_root) / "manifests" / f"v{version}.json"


def manifest_parts(version: str) -> tuple[str, str]:
    """Where the manifest of `version` is, relative to the release root (any filesystem)."""
    return ("manifests", f"v{version}.json")


def list_versions(release_root: Path | str | Storage) -> list[str]:
    """Versions with a manifest in the release folder (a path or fsspec URL), oldest first.

    A version whose files are there but whose manifest is not (an interrupted publish) is no version."""
    names = as_storage(release_root).listdir("manifests")
    stems = [name[: -len(".json")] for name in names if name.startswith("v") and name.endswith(".json")]
    return sorted((stem[1:] for stem in stems if VERSION_RE.match(stem[1:])), key=version_key)


def load(release_root: Path | str | Storage, version: str) -> dict[str, Any]:
    return as_storage(release_root).read_json(*manifest_parts(version))


def load_all(release_root: Path | str | Storage) -> list[dict[str, Any]]:
    store = as_storage(release_root)
    return [load(store, v) for v in list_versions(store)]


def dump(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def validate_manifest(manifest: dict[str, Any]) -> list[str]:
    """Messages for every way the manifest breaks schemas/manifest.schema.json (empty: valid)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(load_schema_json("manifest"))
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in sorted(validator.iter_errors(manifest), key=lambda e: list(map(str, e.absolute_path)))
    ]
