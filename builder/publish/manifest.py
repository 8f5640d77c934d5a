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

MANIFEST_VERSION = "1.0.0"
VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def manifest_path(release_root: Path, version: str) -> Path:
    return release_root / "manifests" / f"v{version}.json"


def list_versions(release_root: Path) -> list[str]:
    """Versions with a manifest in the release folder, oldest first."""
    folder = release_root / "manifests"
    if not folder.is_dir():
        return []
    versions = [p.stem[1:] for p in folder.glob("v*.json") if VERSION_RE.match(p.stem[1:])]
    return sorted(versions, key=version_key)


def load(release_root: Path, version: str) -> dict[str, Any]:
    return json.loads(manifest_path(release_root, version).read_text("utf-8"))


def load_all(release_root: Path) -> list[dict[str, Any]]:
    return [load(release_root, v) for v in list_versions(release_root)]


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
