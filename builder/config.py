"""Typed, seeded, recorded configuration: one frozen dataclass per stage.

Every field has a default and help text (`field(metadata={"help": ...})`). A build's resolved
config is written into its manifest together with `config_hash()`, which is also stamped on every
row's provenance. Settings that cannot change the output (worker count, executor, progress bars)
live in `RunOptions`, outside the hashed config, so that a build on 1 or 8 workers gives the same
bytes.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import xxhash

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib


class ConfigError(ValueError):
    """A bad configuration: reported before any work starts."""


def option(default: Any, help: str, hashed: bool = True) -> Any:
    """A config field with a default and help text (mutable defaults are copied per instance).
    `hashed=False` for a setting that only changes speed, never a row: it stays out of config_hash."""
    metadata = {"help": help, "hashed": hashed}
    if isinstance(default, (list, dict, set)):
        return field(default_factory=lambda: type(default)(default), metadata=metadata)
    return field(default=default, metadata=metadata)


OnBadInput = Literal["error", "warn", "skip"]


@dataclass(frozen=True)
class InputConfig:
    on_bad_input: OnBadInput = option(
        "warn",
        "What a bad input record does: 'error' stops the build at the first one, 'warn' prints a "
        "message naming the file and record and rejects it, 'skip' rejects it quietly. Every bad "
        "record is in reports/<version>/rejects.jsonl whatever the choice.",
    )
    encoding_errors: Literal["reject", "replace"] = option(
        "reject", "Invalid UTF-8: 'reject' the record with reason invalid_utf8, or 'replace' bad bytes with U+FFFD."
    )
    text_field: str = option("text", "JSONL/Parquet field holding the article text.")
    id_field: str = option("id", "Field holding the input record's own id.")
    url_field: str = option("url", "Field holding the page URL.")
    title_field: str = option("title", "Field holding the title.")
    author_field: str = option("author", "Field holding the author(s); a list of names is joined with ', '.")
    published_fields: list[str] = option(
        ["published", "date", "created", "publish_date"], "Fields tried in order for the publication date."
    )
    source_field: str = option("source", "Field holding the site or source name.")
    crawled_fields: list[str] = option(
        ["crawled", "scraped_at", "fetched", "added"], "Fields tried in order for the crawl date."
    )
    csv_text_column: str = option("content", "CSV column holding the article text (text_field is tried when absent).")
    html_field: str = option(
        "html", "Field (JSONL/CSV/Parquet) holding raw HTML, used for a record with no text: the HTML path extracts it."
    )
    fallback_fields: dict[str, list[str]] = option(
        {"url": ["metadata.url"], "title": ["metadata.title"], "author": ["authors"], "source": ["domain"]},
        "Other field names tried, in order, when a record lacks the configured one, keyed by what they hold "
        "(text, html, id, url, title, author, published, source, crawled). Every field name may be dotted "
        "('metadata.url') to reach into nested objects (Dolma) and struct columns (Parquet). A table given "
        "in a config file replaces this whole default.",
    )
    max_file_bytes_per_task: int = option(
        16 * 1024 * 1024,
        "Small input files are grouped into tasks of at most this many bytes (a task is the unit of "
        "parallel work: smaller tasks spread better over workers, larger ones cost less overhead).",
    )
    max_files_per_task: int = option(2000, "Small input files are grouped into tasks of at most this many files.")


@dataclass(frozen=True)
class NormalizeConfig:
    unicode_form: Literal["NFC", "NFKC"] = option("NFC", "Unicode normal form applied to every text.")
    strip_control: bool = option(True, "Drop control characters other than newline and tab.")
    max_blank_lines: int = option(1, "Runs of blank lines are collapsed to at most this many.")


@dataclass(frozen=True)
class MetadataConfig:
    enabled: bool = option(True, "Guess title, author, date and site from the text when the input lacks them.")
    title_from_first_line: bool = option(
        True, "With no heading, take a short first line without a full stop as the title.")
    html_favor_precision: bool = option(
        False, "HTML path: trafilatura's favor_precision instead of its default mode. Measured with the line rules "
        "(bench/boilerplate.py --extractor-modes): favor_precision gives body F1 0.961 but keeps 0.927 of the "
        "must-keep snippets; the default mode F1 0.958 and 0.951.")


@dataclass(frozen=True)
class BoilerplateConfig:
    enabled: bool = option(True, "Split the body from the boilerplate. Off: the whole text is the body.")
    template_min_docs: int = option(3, "A line is a site template line when seen in at least this many documents of its source...")
    template_min_share: float = option(0.10, "...and in at least this share of the source's documents.")
    template_min_chars: int = option(5, "Lines shorter than this (normalised: letters and digits only) are not counted as template lines.")
    template_prose_chars: int = option(
        200, "A template line this long (plain chars) is more likely a re-syndicated article than furniture...")
    template_prose_min_share: float = option(0.5, "...so it needs to be in at least this share of the source's documents.")
    body_format: Literal["text", "markdown"] = option(
        "text", "'text': markdown links reduced to their text, emphasis dropped; 'markdown' keeps the markup."
    )
    language: str = option(
        "auto", "Stop-word list for the stop-word density: a jusText list name ('English') or ISO 639-1 code; "
        "'auto' picks among stopword_languages by stop-word coverage of the first 120 words of prose (an earlier list wins within 20%).")
    stopword_languages: list[str] = option(
        ["en", "de", "fr", "es", "it", "pt", "nl", "pl", "ru", "sv", "da", "no", "fi", "cs", "tr", "ro", "hu", "uk", "el", "id"],
        "Candidate languages of language = 'auto'.")
    max_link_density: float = option(
        0.5, "A unit whose link text exceeds this share of its characters is boilerplate (jusText: 0.2; measured best "
        "on page text: 0.5).")
    length_low: int = option(70, "Units shorter than this (plain chars) are 'short': their neighbours decide (jusText).")
    length_high: int = option(150, "Units longer than this with enough stop words are prose (jusText: 200; news paragraphs are shorter).")
    stopwords_low: float = option(0.20, "Stop-word density below this: boilerplate (jusText uses 0.30; 0.20 measured better on page text).")
    stopwords_high: float = option(0.33, "Stop-word density at or above this: prose (jusText uses 0.32).")
    rule_max_chars: int = option(2000, "Hard phrase rules (copyright, disclaimer, fair use, ...) apply to units up to this long.")
    meta_max_chars: int = option(120, "Byline, dateline and taxonomy rules apply to units up to this long.")
    soft_max_chars: int = option(400, "Soft signals (subscribe, share, click here, ...) apply to units up to this long.")
    main_span: bool = option(True, "Keep only the main contiguous body (maximum-sum run of units) on the text path.")
    span_unit_cost: int = option(20, "Extra cost of each boilerplate unit inside the main body run (chars).")
    span_keep_share: float = option(
        1.0, "Other body runs weighing at least this share of the main run are kept too (1.0: the main run only).")
    prose_min_chars: int = option(
        100, "Units this long (or longer) that end a sentence and reach prose_min_stopwords are prose even below length_high.")
    prose_min_stopwords: float = option(0.40, "Stop-word density of prose_min_chars.")
    html_edge_max_chars: int = option(
        120, "HTML path: main-content units with a soft signal at either end of the body are boilerplate when shorter "
        "than this (the extractor already chose them: a long one is more likely article text).")
    dense_script_scale: float = option(
        3.0, "Lengths of units in Chinese, Japanese or Korean script count this many times (one character says "
        "about as much as a short word): the length thresholds hold for them too.")


@dataclass(frozen=True)
class LanguageConfig:
    enabled: bool = option(True, "Detect the language of every body. Off: every row is 'und'.")
    seed: int = option(0, "Seed of the language detector's random trials (langdetect is random otherwise); the same seed gives the same answers on any machine.")
    sample_chars: int = option(500, "Characters of the body the detector reads (the first ones, cut at a space): bounds the time per document.")
    engine: Literal["fast", "langdetect"] = option(
        "fast", "'fast': langdetect's model and algorithm vectorised with numpy, in batches of documents (over 20x faster, the same languages on our sets); 'langdetect': the library's own Detector, seeded, as the reference."
    )
    languages: list[str] = option([], "Keep only these ISO 639-1 languages (empty: keep all). Others become rejects with reason 'language'.")
    batch_docs: int = option(
        128, "Documents the fast engine detects together (one set of numpy operations for all): speed only, every answer is the same as alone.",
        hashed=False,
    )


@dataclass(frozen=True)
class LicensingConfig:
    enabled: bool = option(True, "Detect licences and copyright notices. Off: every row is 'unknown' with basis 'none'.")
    sources: dict[str, dict[str, str]] = option(
        {},
        "Per-source terms that win over what the page says, e.g. "
        '[licensing.sources."example.org"] license = "CC-BY-4.0", terms_url = "https://example.org/terms".',
    )
    allow_licenses: list[str] = option(
        [], "Only rows with one of these SPDX ids pass the policy (empty: any); rows with no licence fail it."
    )
    deny_nc: bool = option(False, "Reject rows whose licence forbids commercial use (CC NC).")
    deny_nd: bool = option(False, "Reject rows whose licence forbids derivatives (CC ND).")
    deny_unknown: bool = option(False, "Reject rows whose licence status is unknown.")
    deny_statuses: list[str] = option(
        [], "Reject rows with these licence statuses (licensed, public_domain, all_rights_reserved, unknown, conflicting)."
    )


@dataclass(frozen=True)
class PiiConfig:
    mode: Literal["keep", "redact", "drop", "off"] = option(
        "redact",
        "E-mails, phone numbers and IP addresses in body and boilerplate: 'redact' replaces them by <EMAIL>, "
        "<PHONE>, <IP> (also in the copyright notice and licence evidence); 'drop' rejects documents with any "
        "in the body (reason 'pii') and redacts the boilerplate; 'keep' only counts them; 'off' does not look.",
    )


@dataclass(frozen=True)
class QualityConfig:
    """Whole-document quality rules (builder/stages/quality.py). Published values: Gopher (Rae et
    al. 2021, datatrove GopherQuality/GopherRepetition defaults), C4 (TFDS c4_utils.py), FineWeb
    (datatrove FineWebQualityFilter). A dropped document's reason is quality:<rule>."""

    enabled: bool = option(True, "Apply the document quality rules.")
    disabled: list[str] = option(
        [],
        "Rules switched off, by name: min_words, max_words, mean_word_length, alpha_words, symbol_ratio, "
        "bullet_lines, ellipsis_lines, punct_lines, short_lines, lines_per_word, dup_lines, dup_line_chars, "
        "top_ngram_chars, dup_ngram_chars, stop_words, lorem_ipsum.",
    )
    min_words: int = option(50, "min_words: fewer whitespace words than this is not an article (Gopher: 50).")
    max_words: int = option(100_000, "max_words: more words than this (Gopher: 100,000).")
    min_mean_word_length: float = option(3.0, "mean_word_length: mean word length below this (Gopher: 3)...")
    max_mean_word_length: float = option(10.0, "...or above this (Gopher: 10), in characters, edge punctuation stripped.")
    min_alpha_words: float = option(0.8, "alpha_words: share of words with a letter in them below this (Gopher: 0.8); catches tables of numbers.")
    symbols: list[str] = option(
        ["#", "...", "\u2026", "|"],
        "Symbols counted by symbol_ratio. Gopher counts '#' and ellipses; '|' is added for text tables.",
    )
    max_symbol_ratio: float = option(0.1, "symbol_ratio: symbols per word above this (Gopher: 0.1).")
    max_bullet_lines: float = option(0.9, "bullet_lines: share of lines starting with a bullet above this (Gopher: 0.9).")
    max_ellipsis_lines: float = option(0.3, "ellipsis_lines: share of lines ending in an ellipsis above this (Gopher: 0.3).")
    min_punct_lines: float = option(
        0.12,
        "punct_lines: share of lines ending in punctuation (. ! ? : ; ... before closing quotes) below this "
        "(FineWeb: 0.12; C4's per-line version, which drops lines, is not used: it removes about 30% of tokens).",
    )
    min_lines: int = option(
        3,
        "The line-share rules (bullet_lines, ellipsis_lines, punct_lines, short_lines, dup_lines, dup_line_chars) "
        "apply to bodies of at least this many non-empty lines: below it one line decides the share "
        "(extractors that return a whole article as one line are common).",
    )
    short_line_chars: int = option(30, "A line of at most this many characters is short (FineWeb: 30).")
    max_short_lines: float = option(0.67, "short_lines: share of short lines above this (FineWeb: 0.67).")
    max_lines_per_word: float = option(0.3, "lines_per_word: lines per word above this (FineWeb's newline ratio: 0.3); catches lists.")
    max_dup_lines: float = option(0.3, "dup_lines: share of lines that repeat an earlier line above this (Gopher: 0.3).")
    max_dup_line_chars: float = option(
        0.2,
        "dup_line_chars: share of characters in lines that repeat an earlier line above this (Gopher: 0.2; "
        "FineWeb uses 0.01, which drops real news that repeats a heading or a quote).",
    )
    max_top_ngram_chars: dict[str, float] = option(
        {"2": 0.2, "3": 0.18, "4": 0.16},
        "top_ngram_chars: per n-gram size, share of characters in the most frequent word n-gram above this "
        "(Gopher: 2: 0.20, 3: 0.18, 4: 0.16); catches keyword spam.",
    )
    max_dup_ngram_chars: dict[str, float] = option(
        {"5": 0.40, "6": 0.39, "7": 0.38, "8": 0.37, "9": 0.36, "10": 0.35},
        "dup_ngram_chars: per n-gram size, share of characters inside word n-grams that occur more than once "
        "above this. Gopher uses 5: 0.15 down to 10: 0.10, which drops about 2% of real news (embedded posts "
        "repeat their byline, quotes are repeated); the 99.8th percentile of news is 0.35 (5) / 0.27 (10).",
    )
    min_stop_words: int = option(
        2,
        "stop_words: fewer occurrences of the language's most frequent function words than this (Gopher: 2 of "
        "the, be, to, of, and, that, have, with). Skipped, and counted, for a language without a list.",
    )
    placeholder_phrases: list[str] = option(
        ["lorem ipsum", "dolor sit amet", "consectetur adipiscing"],
        "lorem_ipsum: a body containing one of these phrases (case-insensitive) is placeholder text (C4 drops 'lorem ipsum').",
    )


@dataclass(frozen=True)
class TokensConfig:
    tokenizer: str = option(
        "auto",
        "Tokenizer for n_tokens, named in the manifest: 'auto' (cl100k_base when the rs-bpe package is "
        "installed, else 'words'), 'cl100k_base' or 'o200k_base' (OpenAI BPE vocabularies shipped inside "
        "rs-bpe: no download), 'tiktoken:<encoding>' (tiktoken, for an encoding it can load offline), or "
        "'words' (words plus punctuation marks, no dependency), or 'whitespace' (whitespace-separated "
        "words: the cheapest, n_tokens = n_words).",
    )


@dataclass(frozen=True)
class LabelsConfig:
    """Per-source labels (builder/stages/labels.py), matched on the registered domain: `www.` and
    subdomains folded, the most specific entry winning; an entry may carry a path (cato.org/blog)."""

    sources: dict[str, dict[str, str]] = option(
        {}, 'Labels per source domain, e.g. [labels.sources."example.org"] type = "reliable". Wins over the file.'
    )
    file: str = option(
        "",
        "CSV/TSV or JSONL file (optionally .gz) of source labels, one row per domain; every named column other "
        "than domain_column is a label, empty cells are skipped. A relative path is taken from the config file's "
        "folder when the build has one, else from the working directory.",
    )
    domain_column: str = option(
        "domain", "Column of the labels file naming the domain (FakeNewsCorpus websites.csv: 'url')."
    )
    label_columns: list[str] = option([], "Columns of the labels file kept as labels (empty: all the others).")
    exclude: list[str] = option(
        [],
        "Reject documents whose source has one of these labels, as 'key=value' (e.g. 'type=fake'); the reject "
        "reason is label:<key>=<value>.",
    )


@dataclass(frozen=True)
class ExactDedupConfig:
    enabled: bool = option(True, "Remove documents whose normalised body is identical to an earlier one.")
    ignore_whitespace: bool = option(
        True, "Bodies that differ only in spaces and line breaks count as identical (the key hashes the words joined by single spaces)."
    )


@dataclass(frozen=True)
class NearDedupConfig:
    enabled: bool = option(True, "Remove re-syndicated, edited and truncated copies (MinHash LSH + verification).")
    seed: int = option(1, "Seed of the shingle hashes (and so of the MinHash permutations). Indexes of earlier releases are only comparable with the same seed, ngram and num_perm.")
    ngram: int = option(5, "Words per shingle. 5 keeps templated reports apart without the digit rule; smaller n needs it and gives more candidates.")
    num_perm: int = option(64, "MinHash bins per signature (one-permutation hashing).")
    lsh_threshold: float = option(
        0.18,
        "Jaccard similarity at the middle of the LSH S-curve: bands x rows are derived from it (0.18 with 64 bins: 32 x 2). "
        "Low on purpose: truncated and re-syndicated copies have a low Jaccard, verification removes the false candidates.",
    )
    bands: int = option(0, "Bands of the signature (0: derived from lsh_threshold).")
    rows: int = option(0, "Rows per band (0: derived from lsh_threshold).")
    bands_per_task: int = option(8, "Bands handled by one candidate task (the task count of that phase is bands / this).")
    bucket_window: int = option(32, "Each document of a band bucket is paired with this many following members (all pairs in smaller buckets).")
    min_estimated_jaccard: float = option(0.15, "Candidates whose signature agreement is below this are dropped before the exact check.")
    min_containment: float = option(0.6, "A pair is a duplicate only if this share of the smaller document's shingles is in the other...")
    min_jaccard: float = option(0.3, "...and their Jaccard similarity is at least this (containment alone merges follow-up stories).")
    short_doc_shingles: int = option(150, "When the smaller document of a pair has fewer shingles than this, the short_* floors apply instead...")
    short_min_containment: float = option(0.65, "...containment floor for short documents (a few chance matches move a short document's ratios a lot)...")
    short_min_jaccard: float = option(0.35, "...and Jaccard floor for short documents.")
    digit_rule: bool = option(
        True,
        "When both documents have enough digit-bearing shingles, those must overlap too (at least digit_ratio times the "
        "overlap of the other shingles): templated reports differ in their numbers.",
    )
    digit_min_shingles: int = option(5, "Digit-bearing shingles each document needs for the digit rule to apply.")
    digit_ratio: float = option(0.3, "See digit_rule.")
    novel_run_shingles: int = option(
        25,
        "A run of this many consecutive shingles (in text order) of the smaller document that are missing from the larger one is new "
        "text (a passage, not scattered edits)...",
    )
    max_novel_share: float = option(
        0.1,
        "...and a pair is a duplicate only if at most this share of the smaller document is such new text: a copy adds a credit line, "
        "a follow-up story that reuses background paragraphs adds whole paragraphs (1.0 switches the check off). Needs the smaller "
        "document's text order, so it applies when that document is of this build, not of an earlier release's index.",
    )
    keep: Literal["first", "longest", "earliest", "source_priority"] = option(
        "longest",
        "Which member of a duplicate cluster (exact, URL or near) is kept. 'longest' (default): the longest body, so a "
        "truncated or cut copy never wins over the full story and the most text is kept; 'first': input order; "
        "'earliest': earliest published date (missing dates last); 'source_priority': the first source of "
        "source_priority, then longest. Ties always go to input order, so the choice is deterministic. A document of an "
        "earlier release always wins (releases are never changed).",
    )
    source_priority: list[str] = option([], "Sources (the `source` column), most preferred first, for keep = 'source_priority'.")


@dataclass(frozen=True)
class UrlDedupConfig:
    enabled: bool = option(True, "Remove documents whose normalised URL was seen on an earlier document.")
    tracking_params: list[str] = option(
        ["utm_*", "sr", "linkid", "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "ref", "ref_src", "adkey", "cmpid", "ncid", "ocid", "_ga"],
        "Query parameters dropped when URLs are compared (case-insensitive; a trailing * matches a prefix).",
    )
    drop_query: bool = option(False, "Drop the whole query string (only for sites whose query never names the article).")
    strip_index_pages: bool = option(True, "A path ending in /index.html, /index.htm or /index.php is the same page as its folder.")


@dataclass(frozen=True)
class PublishConfig:
    target_shard_bytes: int = option(256 * 1024 * 1024, "Target uncompressed size of a Parquet shard.")
    max_row_group_bytes: int = option(100 * 1024 * 1024, "Upper bound of a row group, uncompressed (the Hub viewer needs <= 100-300 MB).")
    compression: str = option("zstd", "Parquet compression codec.")
    compression_level: int = option(3, "Compression level.")
    license: str = option("", "Licence of the dataset as a whole for the card (an id of the Hub's licence list); empty: derived from the rows.")
    pretty_name: str = option("", "Human name of the dataset for the card; empty: the build name.")
    contact: str = option("", "Where removal requests go (shown in the card).")


@dataclass(frozen=True)
class BuildConfig:
    """The whole resolved config of a build. Everything here can change the output."""

    name: str = option("corpus", "Dataset name (card, manifest).")
    input: InputConfig = field(default_factory=InputConfig)
    normalize: NormalizeConfig = field(default_factory=NormalizeConfig)
    metadata: MetadataConfig = field(default_factory=MetadataConfig)
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)
    language: LanguageConfig = field(default_factory=LanguageConfig)
    licensing: LicensingConfig = field(default_factory=LicensingConfig)
    pii: PiiConfig = field(default_factory=PiiConfig)
    quality: QualityConfig = field(default_factory=QualityConfig)
    tokens: TokensConfig = field(default_factory=TokensConfig)
    labels: LabelsConfig = field(default_factory=LabelsConfig)
    exact_dedup: ExactDedupConfig = field(default_factory=ExactDedupConfig)
    near_dedup: NearDedupConfig = field(default_factory=NearDedupConfig)
    url_dedup: UrlDedupConfig = field(default_factory=UrlDedupConfig)
    publish: PublishConfig = field(default_factory=PublishConfig)


@dataclass(frozen=True)
class RunOptions:
    """How a build runs, not what it produces: never part of the config hash."""

    workers: int = 1
    executor: Literal["local", "dask"] = "local"
    scheduler: str | None = None
    progress: bool = True
    work_dir: str | None = None


def to_dict(config: Any) -> dict[str, Any]:
    return dataclasses.asdict(config)


# Labels and shard layout: they change no row's content, so they stay out of the hash stamped on rows.
UNHASHED = ("name", "publish")


def config_hash(config: BuildConfig) -> str:
    """Stable hash (16 hex chars) of every setting that can change a row's content."""
    values = {k: v for k, v in to_dict(config).items() if k not in UNHASHED}
    for name, section in values.items():
        if isinstance(section, dict):
            for f in dataclasses.fields(getattr(config, name)):
                if not f.metadata.get("hashed", True):
                    section.pop(f.name)
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"))
    return xxhash.xxh3_64_hexdigest(canonical.encode("utf-8"))


def _build(cls: type, values: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"unknown config key {where}{key!r}; known: {', '.join(sorted(known))}")
        default = known[key].default_factory() if known[key].default_factory is not dataclasses.MISSING else known[key].default
        if dataclasses.is_dataclass(default):
            if not isinstance(value, dict):
                raise ConfigError(f"config section {where}{key} must be a table")
            kwargs[key] = _build(type(default), value, f"{where}{key}.")
        else:
            if default is not None and not isinstance(value, type(default)) and not (
                isinstance(default, float) and isinstance(value, int)
            ):
                raise ConfigError(
                    f"config key {where}{key} must be {type(default).__name__}, got {type(value).__name__} {value!r}"
                )
            choices = typing.get_args(hints[key]) if typing.get_origin(hints[key]) is Literal else ()
            if choices and value not in choices:
                raise ConfigError(f"config key {where}{key} must be one of {', '.join(map(repr, choices))}, got {value!r}")
            kwargs[key] = value
    return cls(**kwargs)


def from_dict(values: dict[str, Any]) -> BuildConfig:
    """A BuildConfig from nested dicts (TOML tables); unknown keys and wrong types are ConfigErrors."""
    return _build(BuildConfig, values, "")


def load(path: str | Path | None, overrides: dict[str, Any] | None = None) -> BuildConfig:
    """Read a TOML config file (or none) and apply nested overrides (e.g. from the CLI)."""
    values: dict[str, Any] = {}
    if path is not None:
        try:
            with open(path, "rb") as handle:
                values = tomllib.load(handle)
        except OSError as error:
            raise ConfigError(f"cannot read config file {path}: {error.strerror}") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"config file {path} is not valid TOML: {error}") from None
    labels_file = values.get("labels", {}).get("file")
    if path is not None and isinstance(labels_file, str) and labels_file and not Path(labels_file).is_absolute():
        # A file named in a config file is relative to that config file.
        values["labels"]["file"] = str(Path(path).parent / labels_file)
    for dotted, value in (overrides or {}).items():
        target = values
        *parents, last = dotted.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = value
    return from_dict(values)


def describe(config_class: type = BuildConfig, prefix: str = "") -> list[tuple[str, Any, str]]:
    """(dotted key, default, help) for every option: used by `shardsmith config` and the docs."""
    rows = []
    for f in dataclasses.fields(config_class):
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        if dataclasses.is_dataclass(default):
            rows.extend(describe(type(default), f"{prefix}{f.name}."))
        else:
            rows.append((f"{prefix}{f.name}", default, f.metadata.get("help", "")))
    return rows
