from pathlib import Path

import pytest

from builder import config


def test_defaults_are_typed_and_documented():
    rows = config.describe()
    keys = [key for key, _, _ in rows]
    assert "near_dedup.seed" in keys and "input.on_bad_input" in keys
    missing_help = [key for key, _, help_text in rows if not help_text]
    assert missing_help == []


def test_toml_file_and_overrides(tmp_path: Path):
    path = tmp_path / "build.toml"
    path.write_text('name = "news"\n[input]\non_bad_input = "skip"\n[publish]\ntarget_shard_bytes = 1000\n')
    cfg = config.load(path, {"language.languages": ["en", "fr"]})
    assert cfg.name == "news"
    assert cfg.input.on_bad_input == "skip"
    assert cfg.publish.target_shard_bytes == 1000
    assert cfg.language.languages == ["en", "fr"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("[input]\nnot_a_key = 1\n", "unknown config key input.'not_a_key'"),
        ("[publish]\ntarget_shard_bytes = 'big'\n", "publish.target_shard_bytes must be int"),
        ("name = \n", "not valid TOML"),
        ("input = 3\n", "config section input must be a table"),
        ("[pii]\nmode = 'hide'\n", "pii.mode must be one of"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, message: str):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(config.ConfigError, match=message.replace("(", r"\(").replace("'", ".")):
        config.load(path)


def test_missing_config_file(tmp_path: Path):
    with pytest.raises(config.ConfigError, match="cannot read config file"):
        config.load(tmp_path / "absent.toml")


def test_config_hash_changes_with_output_settings_only():
    base = config.BuildConfig()
    assert config.config_hash(base) == config.config_hash(config.BuildConfig())
    changed = config.from_dict({"near_dedup": {"seed": 7}})
    assert config.config_hash(changed) != config.config_hash(base)
    # How a build runs, the dataset's name and the shard layout change no row: not hashed.
    assert "workers" not in config.to_dict(base)
    relabelled = config.from_dict({"name": "other", "publish": {"target_shard_bytes": 10}})
    assert config.config_hash(relabelled) == config.config_hash(base)
    # Nor do settings marked speed-only (still recorded in the manifest's config).
    batched = config.from_dict({"language": {"batch_docs": 7}})
    assert config.config_hash(batched) == config.config_hash(base)
    assert config.to_dict(batched)["language"]["batch_docs"] == 7
    assert config.config_hash(config.from_dict({"language": {"sample_chars": 400}})) != config.config_hash(base)


def test_labels_file_is_relative_to_the_config_file(tmp_path: Path):
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "build.toml").write_text('[labels]\nfile = "sites.csv"\n')
    cfg = config.load(folder / "build.toml")
    assert Path(cfg.labels.file) == folder / "sites.csv"
