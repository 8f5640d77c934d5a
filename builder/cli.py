"""The `shardsmith` command: click commands over the Python API, nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

import click

import builder
from builder import config as configuration


@click.group()
@click.version_option(builder.__version__, prog_name="shardsmith")
def main() -> None:
    """Package crawled articles into versioned, deduplicated Parquet training corpora."""


@main.command()
@click.argument("inputs", nargs=-1, type=click.Path())
@click.option("--out", required=True, help="Release folder: a path or fsspec URL (s3://, gs://, ...; created, or appended to).")
@click.option("--name", default=None, help="Dataset name (card, manifest). Default: from the config, else the folder name.")
@click.option("--version", "version", default="1.0.0", show_default=True, help="Version of this release, X.Y.Z.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="TOML config file.")
@click.option("--demo", is_flag=True, help="Build the bundled demo corpus (no INPUTS needed).")
@click.option("--workers", default=1, show_default=True, type=int, help="Worker processes (the output does not depend on it).")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True)
@click.option("--scheduler", default=None, help="Dask scheduler address tcp://HOST:PORT (default: a loopback LocalCluster).")
@click.option("--on-bad-input", type=click.Choice(["error", "warn", "skip"]), default=None, help="What a bad input record does (default warn).")
@click.option("--languages", default=None, help="Keep only these languages, e.g. en,fr.")
@click.option("--allow-license", "allow_license", multiple=True, help="Keep only rows with this SPDX licence (repeatable).")
@click.option("--deny-nc", is_flag=True, default=None, help="Reject rows whose licence forbids commercial use.")
@click.option("--deny-nd", is_flag=True, default=None, help="Reject rows whose licence forbids derivatives.")
@click.option("--deny-unknown", is_flag=True, default=None, help="Reject rows whose licence status is unknown.")
@click.option("--pii", type=click.Choice(["keep", "redact", "drop"]), default=None, help="Personal data handling (default redact).")
@click.option("--labels-file", default=None, type=click.Path(dir_okay=False), help="CSV/JSONL of source labels.")
@click.option("--exclude-label", multiple=True, help="Reject documents whose source has this label, key=value (repeatable).")
@click.option("--work-dir", default=None, type=click.Path(file_okay=False), help="Where intermediate files go (default: inside --out; for a URL --out, a local folder under the system temp dir).")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def build(inputs, out, name, version, config_file, demo, workers, executor, scheduler, on_bad_input, languages,
          allow_license, deny_nc, deny_nd, deny_unknown, pii, labels_file, exclude_label, work_dir, quiet) -> None:
    """Build release VERSION of a corpus in OUT from INPUTS (files and folders, walked recursively)."""
    if demo:
        from builder.demo import demo_inputs

        inputs = tuple(demo_inputs()) + tuple(inputs)
    if not inputs:
        raise click.UsageError("give INPUTS or --demo")
    overrides = {
        "name": name,
        "input.on_bad_input": on_bad_input,
        "language.languages": [x.strip() for x in languages.split(",") if x.strip()] if languages else None,
        "licensing.allow_licenses": list(allow_license) or None,
        "licensing.deny_nc": deny_nc,
        "licensing.deny_nd": deny_nd,
        "licensing.deny_unknown": deny_unknown,
        "pii.mode": pii,
        "labels.file": labels_file,
        "labels.exclude": list(exclude_label) or None,
    }
    overrides = {k: v for k, v in overrides.items() if v is not None}
    try:
        cfg = configuration.load(config_file, overrides)
    except configuration.ConfigError as error:
        raise click.ClickException(str(error)) from None
    if name is None and cfg.name == "corpus":
        cfg = configuration.from_dict({**configuration.to_dict(cfg), "name": "shardsmith-demo" if demo else Path(out).resolve().name})
    run = configuration.RunOptions(workers=workers, executor=executor, scheduler=scheduler, progress=not quiet, work_dir=work_dir)
    try:
        result = builder.build(list(inputs), out, version, cfg, run)
    except builder.BuildError as error:
        raise click.ClickException(str(error)) from None
    click.echo(result.summary())


@main.command()
@click.argument("release", type=click.Path(exists=True, file_okay=False))
@click.option("--version", "version", default=None, help="Check this version (default: all).")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "github"]), default="text", show_default=True)
@click.option("--smoke-rows", default=20, show_default=True, help="Rows read by the smoke load of each config.")
def validate(release, version, output_format, smoke_rows) -> None:
    """Check a release folder: exit 0 when sound, 1 when not (2 on usage errors)."""
    from builder.validate import UsageError

    try:
        report = builder.validate(release, version=version, smoke_rows=smoke_rows)
    except UsageError as error:
        raise click.UsageError(str(error)) from None
    click.echo(report.render(output_format))
    sys.exit(0 if report.ok else 1)


@main.command()
@click.argument("release", type=click.Path(exists=True, file_okay=False))
@click.argument("doc_id")
def explain(release, doc_id) -> None:
    """Show document DOC_ID line by line: body or boilerplate, and why; and its duplicates."""
    try:
        click.echo(builder.explain(release, doc_id))
    except KeyError as error:
        raise click.ClickException(str(error.args[0])) from None


@main.command()
@click.argument("release")
@click.option("--ids", "ids_file", required=True, type=click.Path(exists=True, dir_okay=False),
              help="File of ids to remove: one per line, or JSON lines with an id field.")
@click.option("--version", "version", required=True, help="The new version, X.Y.Z (newer than the latest).")
@click.option("--reason", required=True, help="Why (recorded with every removed id and in the card).")
def remove(release, ids_file, version, reason) -> None:
    """Publish a new version of RELEASE that no longer serves the given ids (takedown requests)."""
    from builder.remove import read_ids

    try:
        m = builder.remove(release, read_ids(Path(ids_file)), version, reason)
    except builder.BuildError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"v{m['version']}: {m['changelog']}")
    if m["removals"]["not_found"]:
        click.echo(f"  not served by v{m['parent']} (nothing to do): {', '.join(m['removals']['not_found'])}")


@main.command(name="config")
def show_config() -> None:
    """List every config option with its default and help text (TOML keys)."""
    for key, default, help_text in configuration.describe():
        click.echo(f"{key} = {default!r}\n    {help_text}")


if __name__ == "__main__":  # pragma: no cover
    main()
