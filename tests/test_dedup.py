import dataclasses
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import article_body, write_articles

import builder
from builder import dedup
from builder.config import BuildConfig, NearDedupConfig, RunOptions
from builder.context import BuildContext
from builder.document import hash128
from builder.pipeline import row_facts
from builder.schema import document_schema
from builder.stages.exact_dedup import canonical_text, exact_key
from builder.storage import Storage

VOCAB = [f"{a}{b}{c}" for a in "bcdfglmnprst" for b in "aeiou" for c in "klmnrst"]


def story(seed: int, n_words: int = 400) -> str:
    rng = random.Random(seed)
    paragraphs = []
    while sum(len(p.split()) for p in paragraphs) < n_words:
        paragraphs.append(" ".join(rng.choice(VOCAB) for _ in range(40)) + ".")
    return "\n\n".join(paragraphs)


def edited(text: str, seed: int, rate: float = 0.02) -> str:
    rng = random.Random(seed)
    return " ".join(w if rng.random() > rate else rng.choice(VOCAB) for w in text.split(" "))


def placeholder(field: pa.Field):
    t = field.type
    if pa.types.is_struct(t):
        return {f.name: placeholder(f) for f in t}
    if pa.types.is_list(t):
        return []
    if field.nullable:
        return None
    if pa.types.is_string(t):
        return ""
    if pa.types.is_boolean(t):
        return False
    return 0


def write_docs(work: Path, shards: list[list[dict]]) -> None:
    schema = document_schema()
    for rank, docs in enumerate(shards):
        rows = []
        for doc in docs:
            row = {f.name: placeholder(f) for f in schema}
            row.update(doc)
            row.update(n_chars=len(doc["text"]), text_hash=hash128(doc["text"]), source_id=doc.get("source_id", "src-" + doc["id"]))
            rows.append(row)
        path = work / "docs" / f"{rank:05d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pylist(rows, schema=schema)
        pq.write_table(table, path)
        # The facts the process phase writes beside its rows.
        keys = [(exact_key(doc["text"]), len(canonical_text(doc["text"]))) for doc in docs]
        pq.write_table(row_facts(table, keys), path.with_suffix(".facts.parquet"))


def make_ctx(work: Path, n_shards: int, config: BuildConfig = BuildConfig(), previous: list[str] | None = None) -> BuildContext:
    return BuildContext(work=str(work), config=config, config_hash="test", version="1.0.0", pipeline_version="test",
                        n_shards=n_shards, previous_indexes=previous or [])


def run_all(ctx: BuildContext, reverse: bool = False) -> None:
    for _name, fn, n_tasks in dedup.plan(ctx):
        ranks = range(n_tasks)
        for rank in reversed(ranks) if reverse else ranks:
            fn(ctx, rank)


def removed_rows(work: Path) -> dict[str, dict]:
    return {r["id"]: r for r in pq.read_table(work / "dedup" / "removed.parquet").to_pylist()}


def corpus() -> list[list[dict]]:
    full = story(1)
    words = full.split(" ")
    truncated = " ".join(words[: int(len(words) * 0.6)])
    template = "The council of {p} voted {a} to {b} on Monday to approve a budget of {c} million dollars for roads and schools in the {p} district."
    reports = [" ".join(template.format(p=p, a=a, b=b, c=c) for _ in range(1)) + "\n\n" + story(50 + i, 120) for i, (p, a, b, c) in
               enumerate([("Arden", 5, 2, 14), ("Belmont", 6, 1, 22)])]
    return [
        [
            {"id": "a1", "text": full, "url": "https://www.example.com/a1?utm_source=x", "source": "example.com", "published": "2024-02-01"},
            {"id": "b1", "text": story(2), "url": "https://other.org/b1", "source": "other.org", "published": "2024-01-01"},
            {"id": "r1", "text": reports[0], "url": "https://example.com/r1", "source": "example.com", "published": "2024-01-03"},
        ],
        [
            {"id": "a2", "text": truncated, "url": "https://copy.net/a2", "source": "copy.net", "published": "2024-01-15"},
            {"id": "a3", "text": "  " + full.replace("\n\n", "\n\n\n"), "url": "https://mirror.net/a3", "source": "mirror.net", "published": "2024-03-01"},
            {"id": "b2", "text": edited(story(2), 9), "url": "https://third.io/b2", "source": "third.io", "published": "2024-01-02"},
            {"id": "r2", "text": reports[1], "url": "https://example.com/r2", "source": "example.com", "published": "2024-01-04"},
            {"id": "u1", "text": story(3), "url": "http://example.com/a1/", "source": "example.com", "published": "2024-02-02"},
        ],
    ]


def test_phases_remove_exact_near_and_url_copies_with_traceability(tmp_path):
    write_docs(tmp_path, corpus())
    ctx = make_ctx(tmp_path, 2)
    run_all(ctx)
    removed = removed_rows(tmp_path)
    # Longest body kept: a1 (full story) over its truncated copy a2 and its whitespace copy a3;
    # u1 has a1's URL under tracking parameters; b2 is an edited copy of b1 (same length class).
    assert set(removed) - {"b1", "b2"} == {"a2", "a3", "u1"}
    b_copy = "b1" if "b1" in removed else "b2"
    assert removed[b_copy]["kept_id"] == ({"b1", "b2"} - {b_copy}).pop() and removed[b_copy]["method"] == "near"
    assert 0.6 < removed[b_copy]["similarity"] < 1.0
    assert removed["a2"]["kept_id"] == "a1" and removed["a2"]["method"] == "near"
    assert removed["a2"]["similarity"] > 0.95  # the truncated copy is fully contained
    assert removed["a3"] == {"id": "a3", "source_id": "src-a3", "url": "https://mirror.net/a3", "kept_id": "a1", "method": "exact", "similarity": 1.0}
    # Another text under the same URL: removed by the URL, with its measured (low) overlap.
    assert removed["u1"]["kept_id"] == "a1" and removed["u1"]["method"] == "url" and removed["u1"]["similarity"] < 0.1
    assert "r1" not in removed and "r2" not in removed  # templated reports with other names and numbers
    clusters = {r["id"]: r for r in pq.read_table(tmp_path / "dedup" / "clusters.parquet").to_pylist()}
    assert clusters["a1"] == {"id": "a1", "dup_count": 3, "dup_cluster": "a1"}
    assert sum(c["dup_count"] for c in clusters.values()) == len(removed)
    # The accounting: every input is kept or removed exactly once.
    all_ids = {d["id"] for shard in corpus() for d in shard}
    kept = all_ids - set(removed)
    assert len(kept) + len(removed) == len(all_ids)
    assert all(r["kept_id"] in kept for r in removed.values())


def test_keep_policy_is_applied(tmp_path):
    write_docs(tmp_path, corpus())
    config = dataclasses.replace(BuildConfig(), near_dedup=NearDedupConfig(keep="earliest"))
    run_all(make_ctx(tmp_path, 2, config))
    removed = removed_rows(tmp_path)
    assert removed["a1"]["kept_id"] == "a2"  # the truncated copy was published first
    assert removed["b2"]["kept_id"] == "b1"
    prio = dataclasses.replace(BuildConfig(), near_dedup=NearDedupConfig(keep="source_priority", source_priority=["mirror.net"]))
    run_all(make_ctx(tmp_path, 2, prio))
    assert removed_rows(tmp_path)["a1"]["kept_id"] == "a3"


def test_disabled_methods_remove_nothing_of_their_kind(tmp_path):
    write_docs(tmp_path, corpus())
    config = dataclasses.replace(BuildConfig(), near_dedup=NearDedupConfig(enabled=False))
    config = dataclasses.replace(config, url_dedup=dataclasses.replace(config.url_dedup, enabled=False))
    run_all(make_ctx(tmp_path, 2, config))
    assert {k: v["method"] for k, v in removed_rows(tmp_path).items()} == {"a3": "exact"}


def outputs(work: Path) -> list[bytes]:
    files = ["removed.parquet", "clusters.parquet"] + sorted(str(p.relative_to(work / "dedup")) for p in (work / "dedup" / "index").rglob("*") if p.is_file())
    return [(work / "dedup" / f).read_bytes() for f in files]


def test_same_output_for_any_task_order_and_worker_count(tmp_path):
    shards = corpus()
    one, two = tmp_path / "one", tmp_path / "two"
    write_docs(one, shards)
    write_docs(two, shards)
    run_all(make_ctx(one, 2))
    # A second worker would run the same tasks in another order: the files must not change.
    run_all(make_ctx(two, 2), reverse=True)
    assert outputs(one) == outputs(two)
    from concurrent.futures import ProcessPoolExecutor

    three = tmp_path / "three"
    write_docs(three, shards)
    ctx = make_ctx(three, 2)
    with ProcessPoolExecutor(2) as pool:
        for _name, fn, n_tasks in dedup.plan(ctx):
            list(pool.map(fn, [ctx] * n_tasks, range(n_tasks)))
    assert outputs(one) == outputs(three)


def test_same_output_on_an_fsspec_work_dir_as_on_a_local_one(tmp_path):
    """The phases read and write only through the work dir's Storage: on fsspec's in-process
    memory:// filesystem (no local paths, no memory maps) they give the same bytes, and a later
    release reads an earlier index from there too."""
    local, remote = tmp_path / "local", f"memory://dedup-{tmp_path.name}/work"
    write_docs(local, corpus())
    store = Storage(remote)
    for rank in range(2):
        for name in (f"{rank:05d}.parquet", f"{rank:05d}.facts.parquet"):
            store.write_bytes((local / "docs" / name).read_bytes(), "docs", name)
    run_all(make_ctx(local, 2))
    run_all(make_ctx(remote, 2), reverse=True)
    files = ["removed.parquet", "clusters.parquet"] + sorted(str(p.relative_to(local / "dedup")) for p in (local / "dedup" / "index").rglob("*") if p.is_file())
    assert [store.read_bytes("dedup", f) for f in files] == outputs(local)
    assert not [f for f in store.fs.find(store.root) if f.endswith(".tmp")]
    assert removed_rows(local)["a2"]["method"] == "near"

    new_docs = [[{"id": "n1", "text": edited(story(1), 4, 0.01), "url": "https://new.com/n1", "source": "new.com", "published": "2024-05-01"},
                 {"id": "n3", "text": story(77), "url": "https://new.com/n3", "source": "new.com", "published": "2024-05-01"}]]
    second_local, second_remote = tmp_path / "second", f"memory://dedup-{tmp_path.name}/second"
    write_docs(second_local, new_docs)
    second = Storage(second_remote)
    for name in ("00000.parquet", "00000.facts.parquet"):
        second.write_bytes((second_local / "docs" / name).read_bytes(), "docs", name)
    run_all(make_ctx(second_local, 1, previous=[str(local / "dedup" / "index")]))
    run_all(make_ctx(second_remote, 1, previous=[f"{remote}/dedup/index"]))
    assert removed_rows(second_local)["n1"]["kept_id"] == "a1"
    assert second.read_bytes("dedup", "removed.parquet") == (second_local / "dedup" / "removed.parquet").read_bytes()
    store.remove()
    second.remove()


def test_a_killed_task_reruns_from_scratch(tmp_path):
    write_docs(tmp_path, corpus())
    ctx = make_ctx(tmp_path, 2)
    run_all(ctx)
    before = outputs(tmp_path)
    (tmp_path / "dedup" / "removed.parquet").unlink()
    for _name, fn, n_tasks in dedup.plan(ctx)[2:]:
        for rank in range(n_tasks):
            fn(ctx, rank)
    assert outputs(tmp_path) == before
    assert not list((tmp_path / "dedup").rglob("*.tmp"))


def test_later_release_is_deduplicated_against_the_earlier_index(tmp_path):
    first, second = tmp_path / "v1", tmp_path / "v2"
    write_docs(first, corpus())
    run_all(make_ctx(first, 2))
    index = first / "dedup" / "index"
    full = story(1)
    new_docs = [[
        {"id": "n1", "text": edited(full, 4, 0.01), "url": "https://new.com/n1", "source": "new.com", "published": "2024-05-01"},
        {"id": "n2", "text": story(2), "url": "https://new.com/n2", "source": "new.com", "published": "2024-05-01"},
        {"id": "n3", "text": story(77), "url": "https://new.com/n3", "source": "new.com", "published": "2024-05-01"},
        {"id": "n4", "text": story(77) + "\n\nMore at new.com.", "url": "https://new.com/n4", "source": "new.com", "published": "2024-05-02"},
        {"id": "n5", "text": story(78), "url": "https://copy.net/a2", "source": "copy.net", "published": "2024-05-02"},
    ]]
    write_docs(second, new_docs)
    run_all(make_ctx(second, 1, previous=[str(index)]))
    removed = removed_rows(second)
    assert removed["n1"]["kept_id"] == "a1" and removed["n1"]["method"] == "near"  # a longer new copy never replaces an old row
    assert removed["n2"]["kept_id"] in {"b1", "b2"}
    assert removed["n3"]["kept_id"] == "n4"  # both new: the keep policy decides
    assert "n5" not in removed  # a2 was removed in v1: its URL is not in the index, its text is new
    clusters = {r["id"] for r in pq.read_table(second / "dedup" / "clusters.parquet").to_pylist()}
    assert clusters <= {"n3", "n4"}  # old rows are never in this release's clusters


def test_incompatible_index_is_used_for_exact_and_url_only(tmp_path):
    first, second = tmp_path / "v1", tmp_path / "v2"
    write_docs(first, corpus())
    run_all(make_ctx(first, 2))
    write_docs(second, [[
        {"id": "n1", "text": edited(story(1), 4, 0.01), "url": "https://new.com/n1", "source": "new.com", "published": "2024-05-01"},
        {"id": "n2", "text": corpus()[0][2]["text"], "url": "https://new.com/n2", "source": "new.com", "published": "2024-05-01"},
    ]])
    config = dataclasses.replace(BuildConfig(), near_dedup=NearDedupConfig(seed=99))
    run_all(make_ctx(second, 1, config, previous=[str(first / "dedup" / "index")]))
    removed = removed_rows(second)
    assert "n1" not in removed  # signatures of another seed cannot be compared
    assert removed["n2"]["kept_id"] == "r1" and removed["n2"]["method"] == "exact"


def chain_corpus() -> list[list[dict]]:
    """A story, its truncated copy, a follow-up that reuses the story's background, and a cut copy
    of the follow-up. The truncated copy is mostly background, so it verifies against both the
    story and the follow-up: a chain story ~ truncated ~ follow-up that must not merge them."""
    background, news, update = story(10, 200), story(11, 220), story(12, 200)
    first_words = " ".join(news.split(" ")[:40])
    cut_update = " ".join(update.split(" ")[:160])
    return [
        [
            {"id": "s1", "text": background + "\n\n" + news, "url": "https://a.com/s1", "source": "a.com", "published": "2024-01-01"},
            {"id": "f1", "text": background + "\n\n" + update, "url": "https://a.com/f1", "source": "a.com", "published": "2024-01-09"},
        ],
        [
            {"id": "t1", "text": background + "\n\n" + first_words, "url": "https://b.com/t1", "source": "b.com", "published": "2024-01-02"},
            {"id": "f2", "text": background + "\n\n" + cut_update, "url": "https://b.com/f2", "source": "b.com", "published": "2024-01-10"},
        ],
    ]


def test_a_chain_through_a_truncated_copy_does_not_merge_two_stories(tmp_path):
    from builder.stages import near_dedup as nd

    shards = chain_corpus()
    texts = {d["id"]: d["text"] for shard in shards for d in shard}
    sets = nd.shingle_sets(list(texts.values()), 5, 1)
    index = {k: i for i, k in enumerate(texts)}
    def duplicate(a, b):
        return nd.is_duplicate(nd.overlap(sets.of(index[a]), sets.of(index[b])))
    # The premise: the truncated copy links both stories, which do not verify against each other.
    assert duplicate("t1", "s1") and duplicate("t1", "f1") and duplicate("f2", "f1")
    assert not duplicate("s1", "f1") and not duplicate("f2", "s1")

    write_docs(tmp_path, shards)
    run_all(make_ctx(tmp_path, 2))
    removed = removed_rows(tmp_path)
    assert set(removed) == {"t1", "f2"}  # the follow-up is kept...
    assert removed["t1"]["kept_id"] == "s1" and removed["t1"]["method"] == "near"
    assert removed["f2"]["kept_id"] == "f1"  # ...and its own copy is re-attached to it
    for row in removed.values():  # the measured overlap with the kept document
        kept = nd.overlap(sets.of(index[row["id"]]), sets.of(index[row["kept_id"]]))
        assert row["similarity"] == pytest.approx(kept.containment, abs=1e-6)
    clusters = {r["id"]: r["dup_count"] for r in pq.read_table(tmp_path / "dedup" / "clusters.parquet").to_pylist()}
    assert clusters == {"s1": 1, "f1": 1}


def test_chain_results_do_not_depend_on_task_order(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    for work in (one, two):
        write_docs(work, chain_corpus())
    run_all(make_ctx(one, 2))
    run_all(make_ctx(two, 2), reverse=True)
    assert outputs(one) == outputs(two)


def test_a_new_copy_that_fails_the_old_keeper_is_not_removed_by_a_chain(tmp_path):
    """Against an earlier release: the old story is kept; the new follow-up reached only through
    a new truncated copy stays."""
    first, second = tmp_path / "v1", tmp_path / "v2"
    shards = chain_corpus()
    write_docs(first, [[shards[0][0]]])
    run_all(make_ctx(first, 1))
    write_docs(second, [[shards[1][0], shards[0][1]]])
    run_all(make_ctx(second, 1, previous=[str(first / "dedup" / "index")]))
    removed = removed_rows(second)
    assert set(removed) == {"t1"} and removed["t1"]["kept_id"] == "s1"


def test_a_build_with_a_memory_work_dir_gives_the_same_shards(tmp_path):
    """A whole build (near dedup on) whose work dir is an fsspec URL publishes the same shards as
    one on the local disk."""
    folder = tmp_path / "in"
    write_articles(folder, 10)
    body = article_body(4).split("\n\n")
    (folder / "edited-copy.md").write_text("# A copy\n\n" + "\n\n".join(body[:-1]) + "\n\nShared by the Bay Courier.\n", encoding="utf-8")
    work = f"memory://build-{tmp_path.name}/work"
    local = builder.build([str(folder)], tmp_path / "local", "1.0.0", BuildConfig(), RunOptions(progress=False))
    remote = builder.build([str(folder)], tmp_path / "remote", "1.0.0", BuildConfig(), RunOptions(progress=False, work_dir=work))
    assert local.manifest["stats"].get("dedup.near", 0) >= 1
    shards = [s["sha256"] for s in local.manifest["shards"]]
    assert shards == [s["sha256"] for s in remote.manifest["shards"]]
    assert (tmp_path / "local" / "reports" / "v1.0.0" / "duplicates.parquet").read_bytes() == (tmp_path / "remote" / "reports" / "v1.0.0" / "duplicates.parquet").read_bytes()
    assert not Storage(work).exists()


def smallest_member_by_union_find(n: int, edges: list[tuple[int, int]]) -> list[int]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        parent[max(ra, rb)] = min(ra, rb)
    return [find(x) for x in range(n)]


def test_component_labels_are_the_smallest_member_of_each_component():
    import numpy as np

    rng = random.Random(3)
    for trial in range(200):
        n = rng.randint(1, 30)
        if trial % 2:  # stars: what same-key links give (each copy to the first of its key)
            keys = [rng.randint(0, 6) for _ in range(n)]
            edges = [(keys.index(k), i) for i, k in enumerate(keys) if keys.index(k) != i]
        else:
            edges = [(rng.randrange(n), rng.randrange(n)) for _ in range(rng.randint(0, n))]
        a = np.array([e[0] for e in edges], dtype=np.int64)
        b = np.array([e[1] for e in edges], dtype=np.int64)
        assert dedup.component_labels(n, a, b).tolist() == smallest_member_by_union_find(n, edges)
        if trial % 2:
            assert dedup.is_star_forest(a, b)
    assert not dedup.is_star_forest(np.array([0, 1]), np.array([1, 2]))  # a chain
    assert not dedup.is_star_forest(np.array([0, 1]), np.array([2, 2]))  # a leaf with two centres


def test_shingles_from_an_arrow_column_equal_those_from_strings():
    from builder.stages import near_dedup as nd

    texts = ["", "Café — naïve “quotes” and 12 numbers in one line here", "tab\there\r\nCRLF line\u00a0NBSP one two three",
             "中文 العربية עברית emoji 😀 one two three four five", "x" * 5000 + " long token then words a b c d e"]
    column = pa.chunked_array([pa.array(["skipped"] + texts[:2])[1:], pa.array(texts[2:], pa.string())])
    chunks = list(dedup.utf8_chunks(column, chunk_bytes=100))  # small chunks: several texts per chunk, and one alone
    assert 1 < len(chunks) < len(texts)
    assert b"".join(data for data, _ in chunks) == "".join(t + "\n" for t in texts).encode("utf-8")
    assert sum(len(lengths) for _, lengths in chunks) == len(texts)
    from_column = nd.shingles_of_chunks(chunks, len(texts), 5, 1)
    from_strings = nd.shingles_and_sequences(texts, 5, 1)
    for got, expected in zip(from_column, from_strings):
        assert got.offsets.tolist() == expected.offsets.tolist()
        assert got.values.tolist() == expected.values.tolist()
    assert from_strings[0].sizes[0] == 0 and from_strings[0].sizes[1] > 0
    with pytest.raises(ValueError):
        list(dedup.utf8_chunks(pa.array(["text", None])))


def test_source_rows_follow_a_meta_file_written_again(tmp_path, monkeypatch):
    from builder.storage import Storage

    store = Storage(str(tmp_path))
    footers_read = []
    read_footer = store.parquet_num_rows
    monkeypatch.setattr(store, "parquet_num_rows", lambda *parts: footers_read.append(parts) or read_footer(*parts))
    source = dedup.Source("shard 0", store, dedup.shard_stem(0), 0, True)
    dedup.write_table(store, pa.table({"id": ["a", "b", "c"]}), source.meta)
    assert dedup.source_rows(source) == 3
    assert dedup.source_rows(source) == 3
    assert len(footers_read) == 1  # remembered: the same file
    dedup.write_table(store, pa.table({"id": ["a", "b", "c", "d", "e"]}), source.meta)
    assert dedup.source_rows(source) == 5
    assert len(footers_read) == 2
    assert dedup.source_offsets([source, source]).tolist() == [0, 5, 10]
