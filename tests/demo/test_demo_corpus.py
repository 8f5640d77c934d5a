"""The bundled demo corpus and its truth.json agree with each other and have what the demo needs:
enough articles, sites and languages, repeated site furniture, licence notices, duplicates of every
kind with their originals, and look-alikes that are really different stories."""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from builder.demo import CORPUS_DIR, DEMO_DIR, TRUTH_PATH, demo_inputs, load_truth
from builder.readers import discover

SEED = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora" / "seed" / "000_a3ddcd177ba57d1d.txt"
DUPLICATE_KINDS = {"exact", "resyndicated", "edited", "truncated"}
LICENCE_STATUSES = {"licensed", "public_domain", "all_rights_reserved", "unknown", "conflicting"}
LICENCE_BASES = {"license", "permission", "fair_use_claimed", "none"}
# SPDX id -> the creativecommons.org licence path its notice must link to
CC_PATHS = {"CC-BY-4.0": "licenses/by/4.0", "CC-BY-NC-ND-4.0": "licenses/by-nc-nd/4.0"}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


# ---------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def truth() -> dict:
    return load_truth()


@pytest.fixture(scope="module")
def articles(truth) -> dict[str, dict]:
    return {a["key"]: a for a in truth["articles"]}


def jsonl_records(rel: str) -> list[dict]:
    lines = (CORPUS_DIR / rel).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def page_text(article: dict) -> str:
    """The whole input text of an article: the markdown file, or the JSONL record's text."""
    if article["input"].endswith(".jsonl"):
        return jsonl_records(article["input"])[article["record"] - 1]["text"]
    return (CORPUS_DIR / article["input"]).read_text(encoding="utf-8")


def blocks(text: str) -> list[str]:
    return [b.strip() for b in re.split(r"\n[ \t]*\n", text.strip()) if b.strip()]


def split_page(article: dict) -> tuple[list[str], list[str]]:
    """(body paragraphs, boilerplate blocks) of a page, using truth's body_starts in order."""
    starts = list(article["body_starts"])
    body, boilerplate = [], []
    for block in blocks(page_text(article)):
        if starts and block.startswith(starts[0]):
            body.append(block)
            starts.pop(0)
        else:
            boilerplate.append(block)
    assert not starts, f"{article['key']}: body paragraphs not found in order: {starts}"
    return body, boilerplate


def shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def containment_and_jaccard(a: str, b: str) -> tuple[float, float]:
    sa, sb = shingles(a), shingles(b)
    common = len(sa & sb)
    return common / min(len(sa), len(sb)), common / len(sa | sb)


def body_text(article: dict) -> str:
    return "\n\n".join(split_page(article)[0])


# ---------------------------------------------------------------- the package and the files


def test_demo_inputs_is_the_corpus_folder_inside_the_package():
    assert (DEMO_DIR / "__init__.py").is_file() and DEMO_DIR.name == "demo"
    assert demo_inputs() == [str(CORPUS_DIR)]
    assert CORPUS_DIR.is_dir() and TRUTH_PATH.is_file()


def test_every_input_file_has_a_reader_and_is_in_truth(truth):
    found = discover(demo_inputs())
    assert {f.format for f in found} == {"text", "jsonl"}, "the demo mixes markdown and JSONL inputs"
    assert all(f.rel.endswith(".md") or f.rel.endswith(".jsonl") for f in found)
    assert {f.rel for f in found} == {a["input"] for a in truth["articles"]}


def test_every_record_of_every_file_is_in_truth_once(truth):
    expected = set()
    for path in sorted(CORPUS_DIR.rglob("*")):
        if path.is_file():
            rel = path.relative_to(CORPUS_DIR).as_posix()
            if rel.endswith(".jsonl"):
                expected |= {f"{rel}#{line}" for line in range(1, len(jsonl_records(rel)) + 1)}
            else:
                expected.add(rel)
    keys = [a["key"] for a in truth["articles"]]
    assert len(keys) == len(set(keys))
    assert set(keys) == expected


def test_corpus_size_counts_and_languages(truth):
    total_bytes = sum(p.stat().st_size for p in DEMO_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    assert total_bytes < 400_000
    arts = truth["articles"]
    assert len(arts) >= 40
    assert len({a["site"] for a in arts}) >= 4
    languages = Counter(a["language"] for a in arts)
    assert len(languages) >= 2
    assert sum(n for lang, n in languages.items() if lang != "en") >= 8
    assert set(truth["sites"]) == {a["site"] for a in arts}
    for article in arts:
        site = truth["sites"][article["site"]]
        assert article["input"].startswith(article["site"] + "/")
        assert article["input"].endswith("." + site["format"])
        assert article["language"] == site["language"]


def test_languages_in_truth_are_what_langdetect_finds(truth):
    from langdetect import DetectorFactory, detect

    DetectorFactory.seed = 0
    for article in truth["articles"]:
        assert detect(body_text(article)) == article["language"], article["key"]


def test_metadata_in_truth_matches_the_page(truth):
    for article in truth["articles"]:
        text = page_text(article)
        site = truth["sites"][article["site"]]
        if article["input"].endswith(".jsonl"):
            record = jsonl_records(article["input"])[article["record"] - 1]
            assert set(record) == {"id", "url", "title", "author", "published", "text"}
            assert record["id"] == article["source_id"]
            assert record["url"] == article["url"]
            assert (record["title"], record["author"], record["published"]) == (
                article["title"], article["author"], article["published"]
            )
            assert site["domain"] in record["url"]
        else:
            assert article["source_id"] is None and article["record"] == 1
            assert text.count(f"# {article['title']}\n") == 1
            assert re.search(rf"^(By|Par|Von) \[{re.escape(article['author'])}\]\(#\)$", text, re.M)
            # dateline "Site, <date>" with the published day and year
            year, _, day = article["published"].split("-")
            dateline = re.search(rf"^{re.escape(site['name'])}, (.+)$", text, re.M)
            assert dateline and year in dateline.group(1) and str(int(day)) in dateline.group(1), article["key"]


# ---------------------------------------------------------------- body and boilerplate


def test_bodies_are_150_to_600_words_and_match_truth(truth):
    for article in truth["articles"]:
        body, boilerplate = split_page(article)
        assert len(body) == article["body_paragraphs"]
        assert sum(len(p.split()) for p in body) == article["body_words"]
        assert 150 <= article["body_words"] <= 600, article["key"]
        assert boilerplate, f"{article['key']} has no furniture"
        # a body start is not also the start of a furniture block
        assert not any(b.startswith(tuple(article["body_starts"])) for b in boilerplate)


def test_each_site_repeats_its_header_and_footer_furniture(truth):
    for site in truth["sites"]:
        pages = [a for a in truth["articles"] if a["site"] == site]
        counts = Counter(b for a in pages for b in set(split_page(a)[1]))
        repeated = [b for b, n in counts.items() if n >= 0.8 * len(pages)]
        assert len(repeated) >= 3, f"{site}: furniture repeated on most pages: {repeated}"
        # and no body paragraph is repeated furniture
        bodies = Counter(p for a in pages if not a["duplicate_of"] for p in split_page(a)[0])
        assert max(bodies.values()) == 1, site


def test_bylines_datelines_and_author_bios_are_boilerplate(truth):
    for article in truth["articles"]:
        body, boilerplate = split_page(article)
        assert not any(p.startswith(("By [", "Par [", "Von [")) for p in body)
        assert any(article["author"] in b for b in boilerplate), article["key"]


# ---------------------------------------------------------------- licences and personal data


def test_licence_fields_are_consistent_and_backed_by_the_page(truth):
    for article in truth["articles"]:
        assert article["license_status"] in LICENCE_STATUSES
        assert article["license_basis"] in LICENCE_BASES
        _, boilerplate = split_page(article)
        furniture = "\n".join(boilerplate)
        plain = MARKDOWN_LINK.sub(r"\1", furniture)
        if article["license"]:
            assert article["license_status"] == "licensed" and article["license_basis"] == "license"
            assert f"creativecommons.org/{CC_PATHS[article['license']]}/" in furniture, article["key"]
        else:
            assert "creativecommons.org" not in furniture
        if article["copyright_notice"]:
            assert article["copyright_notice"] in plain, article["key"]
            assert str(article["copyright_year"]) in article["copyright_notice"]
            assert all(h in article["copyright_notice"] for h in article["copyright_holders"])
        if article["fair_use_claimed"]:
            assert "fair use" in plain.lower()
        if article["repost_permission"]:
            assert "may repost" in plain.lower()
        if article["license_status"] == "unknown":
            assert not re.search(r"©|copyright|licen[cs]e|droits|lizenz", plain, re.I), article["key"]


def test_required_licence_situations_are_present(truth):
    sites = truth["sites"].values()
    assert any(s["license"] == "CC-BY-4.0" for s in sites)
    seed_like = [s for s in sites if s["fair_use_claimed"] and s["repost_permission"]]
    assert seed_like and all(s["license"] is None and s["license_status"] == "all_rights_reserved" for s in seed_like)
    assert any(s["license_status"] == "unknown" for s in sites)


def test_emails_in_truth_are_all_the_emails_on_the_page(truth):
    emails_seen = 0
    for article in truth["articles"]:
        body, boilerplate = split_page(article)
        assert set(EMAIL.findall("\n".join(body))) == set(article["emails"]["body"]), article["key"]
        assert set(EMAIL.findall("\n".join(boilerplate))) == set(article["emails"]["boilerplate"]), article["key"]
        emails_seen += len(article["emails"]["body"]) + len(article["emails"]["boilerplate"])
        assert all(e.endswith(".example") for e in EMAIL.findall(page_text(article)))
        for phone in article["phones"]["boilerplate"]:
            assert phone in "\n".join(boilerplate) and phone not in "\n".join(body)
    assert emails_seen >= 2
    assert any(a["emails"]["body"] for a in truth["articles"])


# ---------------------------------------------------------------- duplicates and hard negatives


def test_duplicates_point_at_earlier_originals(truth, articles):
    order = [a["key"] for a in truth["articles"]]  # truth lists articles in input order
    discovered = [f.rel for f in discover(demo_inputs())]
    assert list(dict.fromkeys(a["input"] for a in truth["articles"])) == discovered, "truth is not in input order"
    assert [a["record"] for a in truth["articles"] if a["input"].endswith(".jsonl")] == sorted(
        a["record"] for a in truth["articles"] if a["input"].endswith(".jsonl")
    )
    for article in truth["articles"]:
        if article["duplicate_of"] is None:
            assert article["duplicate_kind"] is None
            continue
        assert article["duplicate_kind"] in DUPLICATE_KINDS
        original = articles[article["duplicate_of"]]
        assert original["duplicate_of"] is None, "a duplicate copies an original, not another copy"
        # the original comes first, so "keep the first in input order" keeps the original
        assert order.index(original["key"]) < order.index(article["key"])
    kinds = Counter(a["duplicate_kind"] for a in truth["articles"] if a["duplicate_kind"])
    assert set(kinds) == DUPLICATE_KINDS
    assert sum(kinds.values()) >= 6


def test_each_duplicate_is_the_kind_of_copy_truth_says(truth, articles):
    for article in truth["articles"]:
        kind = article["duplicate_kind"]
        if kind is None:
            continue
        original = articles[article["duplicate_of"]]
        body, furniture = split_page(article)
        original_body, original_furniture = split_page(original)
        if kind == "exact":
            assert page_text(article) == page_text(original)
            if not article["input"].endswith(".jsonl"):
                assert (CORPUS_DIR / article["input"]).read_bytes() == (CORPUS_DIR / original["input"]).read_bytes()
            else:
                assert article["source_id"] != original["source_id"] and article["url"] != original["url"]
        elif kind == "resyndicated":
            assert body == original_body
            assert article["site"] != original["site"] and furniture != original_furniture
        elif kind == "truncated":
            assert body == original_body[: len(body)]
            assert 0.6 <= len(body) / len(original_body) <= 0.8, article["key"]
        elif kind == "edited":
            assert len(body) == len(original_body) and body != original_body
            words, original_words = " ".join(body).split(), " ".join(original_body).split()
            matcher = difflib.SequenceMatcher(None, words, original_words, autojunk=False)
            changed = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")
            assert 1 <= changed <= 12, f"{article['key']}: {changed} words changed"


def test_hard_negatives_are_kept_and_really_differ(truth, articles):
    assert {h["kind"] for h in truth["hard_negatives"]} == {"templated", "follow_up"}
    for group in truth["hard_negatives"]:
        first, second = (articles[k] for k in group["articles"])
        assert first["duplicate_of"] is None and second["duplicate_of"] is None
        assert first["site"] == second["site"] and first["title"] != second["title"]
        containment, jaccard = containment_and_jaccard(body_text(first), body_text(second))
        assert containment < 0.4 and jaccard < 0.25, (group["articles"], containment, jaccard)
        if group["kind"] == "templated":
            # the same sentences with other figures: alike once the numbers are masked
            masked = [re.sub(r"\d+(?:[.,]\d+)*", "0", body_text(a)).split() for a in (first, second)]
            assert difflib.SequenceMatcher(None, *masked, autojunk=False).ratio() > 0.7
            assert first["body_paragraphs"] == second["body_paragraphs"]


def test_near_duplicates_overlap_far_more_than_hard_negatives(truth, articles):
    """On bodies, every copy shares most of its 5-word shingles with its original; no hard negative does."""
    for article in truth["articles"]:
        if article["duplicate_kind"] in {"resyndicated", "edited", "truncated"}:
            containment, jaccard = containment_and_jaccard(body_text(article), body_text(articles[article["duplicate_of"]]))
            assert containment >= 0.8 and jaccard >= 0.6, (article["key"], containment, jaccard)


# ---------------------------------------------------------------- originality


def test_no_text_from_the_seed_article():
    if not SEED.is_file():
        pytest.skip(f"the seed article is not available at {SEED}")
    seed = {s for s in shingles(SEED.read_text(encoding="utf-8"), 8)}
    for path in CORPUS_DIR.rglob("*"):
        if path.is_file():
            shared = seed & shingles(path.read_text(encoding="utf-8"), 8)
            assert not shared, f"{path.name} shares text with the seed: {sorted(shared)[:3]}"
