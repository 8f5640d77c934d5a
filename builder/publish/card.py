"""The dataset card (README.md): Hub YAML front matter and datasheet sections, rendered from the
manifests of every version with huggingface_hub's DatasetCard and the template in cards/.

The YAML's `configs` block has one config per version, each listing exactly the shard files that
version serves, the newest `default: true` (without it `datasets` would merge all folders).
`dataset_info` is generated from the same manifests, never edited by hand, so the counts the card
declares are the counts on disk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from builder.publish.composition import LENGTH_BUCKETS, length_bucket
from builder.schema import load_schema_json, package_file
from builder.storage import Storage, as_storage

SPLIT = "train"


def size_category(rows: int) -> str:
    """The Hub's size_categories bucket for a row count."""
    bounds = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
              (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B")]
    for bound, name in bounds:
        if rows < bound:
            return name
    return "1B<n<10B"


def config_entries(manifests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    entries = []
    for i, m in enumerate(manifests):
        entry: dict[str, Any] = {
            "config_name": f"v{m['version']}",
            "data_files": [{"split": SPLIT, "path": [f["path"] for f in m["files"]]}],
        }
        if i == len(manifests) - 1:
            entry["default"] = True
        entries.append(entry)
    return entries


def dataset_info_entries(manifests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The YAML `dataset_info` of every version: features, the train split's rows and bytes."""
    features = [yaml_feature(c["name"], c["type"]) for c in load_schema_json("document")["columns"]]
    shard_bytes = {s["path"]: s["bytes"] for m in manifests for s in m["shards"]}
    entries = []
    for m in manifests:
        num_bytes = sum(f["uncompressed_bytes"] for f in m["files"])
        entries.append({
            "config_name": f"v{m['version']}",
            "features": features,
            "splits": [{"name": SPLIT, "num_bytes": num_bytes, "num_examples": m["total_rows"]}],
            "download_size": sum(shard_bytes.get(f["path"], 0) for f in m["files"]),
            "dataset_size": num_bytes,
        })
    return entries


def yaml_feature(name: str, spec: Any) -> dict[str, Any]:
    """A schema column in the YAML form `datasets` gives its features in a card (the form
    `DatasetInfo` writes; a test compares the two). Written out here because importing `datasets`
    to produce it costs a build 0.2-0.3 s, more on a loaded machine."""
    if isinstance(spec, str):
        return {"name": name, "dtype": spec}
    if "struct" in spec:
        return {"name": name, "struct": [yaml_feature(c["name"], c["type"]) for c in spec["struct"]]}
    item = spec["list"]
    if isinstance(item, str):
        return {"name": name, "list": item}
    if "struct" in item:
        return {"name": name, "list": yaml_feature(name, item)["struct"]}
    raise ValueError(f"no card form for a column of type {spec!r}")


def type_name(spec: Any) -> str:
    if isinstance(spec, str):
        return spec
    if "list" in spec:
        return f"list<{type_name(spec['list'])}>"
    return "struct<" + ", ".join(f"{c['name']}: {type_name(c['type'])}" for c in spec["struct"]) + ">"


def card_license(manifest: dict[str, Any]) -> dict[str, str]:
    """The card's licence fields: the configured licence, else derived from the rows' licences."""
    configured = manifest["config"]["publish"].get("license")
    if configured:
        return {"license": configured}
    from builder.stages import licensing

    counts = {(None if k == "(none)" else k): v["docs"] for k, v in manifest["composition"]["by_license"].items()}
    return licensing.card_license(counts)


def import_libraries() -> None:
    """Import what rendering a card needs (huggingface_hub's card classes and their templating)."""
    import huggingface_hub.repocard  # noqa: F401
    import jinja2  # noqa: F401


def render(release_root: Path, manifests: list[dict[str, Any]], charts: list[dict[str, str]] | None = None) -> str:
    """README.md text for a release folder whose versions are `manifests` (oldest first)."""
    # Imported when a card is written, not when the package is: build workers never need it.
    from huggingface_hub import DatasetCard, DatasetCardData

    latest = manifests[-1]
    composition = latest["composition"]
    languages = sorted(k for k in composition["by_language"] if k != "und")
    license_fields = card_license(latest)
    pretty_name = latest["config"]["publish"].get("pretty_name") or latest["name"]
    card_data = DatasetCardData(
        pretty_name=pretty_name,
        language=languages or None,
        size_categories=[size_category(latest["total_rows"])],
        task_categories=["text-generation"],
        tags=["news", "shardsmith"],
        configs=config_entries(manifests),
        dataset_info=dataset_info_entries(manifests),
        **license_fields,
    )
    removed = [(f"rejected: {k}", v) for k, v in sorted(latest["stats"].items()) if k.startswith("reject.")]
    removed = [(k.replace("reject.", ""), v) for k, v in removed]
    removed += [(f"duplicate ({k.split('.', 1)[1]})", v) for k, v in sorted(latest["stats"].items())
                if k.startswith("dedup.") and k.split(".", 1)[1] in ("exact", "near", "url")]
    length = composition["length_words"]
    order = [length_bucket(b - 1) for b in LENGTH_BUCKETS] + [length_bucket(LENGTH_BUCKETS[-1])]
    columns = [
        {"name": c["name"], "type": type_name(c["type"]), "description": c.get("description", "").replace("|", "\\|")}
        for c in load_schema_json("document")["columns"]
    ]
    mixed = license_fields.get("license") == "other"
    card = DatasetCard.from_template(
        card_data,
        template_str=package_file("cards", "dataset_card.md"),
        pretty_name=pretty_name,
        latest=latest,
        versions_desc=list(reversed(manifests)),
        totals=composition["totals"],
        composition=composition,
        length_rows=[(k, length[k]) for k in order if k in length],
        columns=columns,
        charts=charts or [],
        inputs_total=latest["accounting"]["inputs"],
        pii_mode=latest["config"]["pii"].get("mode", "redact"),
        removed_rows=removed,
        license_summary=(license_fields.get("license_name", "mixed") if mixed else f"`{license_fields['license']}`"),
        contact=latest["config"]["publish"].get("contact", ""),
        motivation=motivation(latest),
    )
    return str(card)


def motivation(manifest: dict[str, Any]) -> str:
    return (
        f"`{manifest['name']}` packages crawled articles as a training corpus that can be traced and "
        "cleared: every row says where it came from, what was cut from it and why, and what licence "
        "terms were found on it, and every input that did not become a row is listed with its reason."
    )


def read_card_yaml(release_root: Path | str | Storage) -> dict[str, Any]:
    """The parsed YAML front matter of a release's README.md (offline; a path or fsspec URL)."""
    from huggingface_hub import DatasetCard

    return DatasetCard(as_storage(release_root).read_text("README.md")).data.to_dict()


def write(release_root: Path | str | Storage, text: str) -> None:
    """README.md of the release folder, replaced whole (a path or fsspec URL)."""
    as_storage(release_root).write_text(text, "README.md")

