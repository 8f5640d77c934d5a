import random
import re

import numpy as np
import pytest

from builder.stages import near_dedup as nd

WORDS = [f"w{i}" for i in range(5000)]


def words(rng, n):
    return [rng.choice(WORDS) for _ in range(n)]


def test_tokens_follow_word_characters_and_fold_ascii_case():
    text = "Hello, World! don\u2019t stop\u2014now 42 times_x caf\u00e9 HELLO"
    starts, hashes, has_digit = nd.token_hashes(text.encode())
    assert len(hashes) == len(re.findall(r"\w+", text))  # curly quote and em dash split words
    assert hashes[0] == hashes[-1]  # Hello == HELLO
    assert has_digit.tolist() == [False] * 6 + [True] + [False] * 3
    assert len(set(hashes.tolist())) == len(hashes) - 1


def test_long_tokens_are_distinguished_by_their_ends():
    _, hashes, _ = nd.token_hashes(b"internationalisation internationalization internationalisation")
    assert hashes[0] == hashes[2] != hashes[1]


def test_bytes_between_flags_exactly_the_bytes_in_range_in_every_lane():
    values = np.arange(256, dtype=np.uint64)
    for lane in range(8):
        # The tested byte in one lane; in the others, bytes just outside the range and 0xFF.
        neighbours = 0x3A2FFF403A2FFF40 & ~(0xFF << (8 * lane))
        words = (values << np.uint64(8 * lane)) | np.uint64(neighbours)
        flags = nd.bytes_between(words, ord("0") - 1, ord("9") + 1)
        in_lane = (flags >> np.uint64(8 * lane)) & np.uint64(0xFF)
        assert [bool(v) for v in in_lane] == [chr(b).isdigit() and b < 128 for b in range(256)]


def test_long_tokens_fold_case_and_find_digits_at_both_ends():
    _, hashes, has_digit = nd.token_hashes(b"Internationalization INTERNATIONALIZATION internationalization9 7internationalization middleof1alongtokenword")
    assert hashes[0] == hashes[1] != hashes[2]
    assert has_digit.tolist() == [False, False, True, True, False]  # a digit only in the middle of a 20-byte token is not seen


def test_shingle_sets_are_sorted_unique_and_per_document():
    texts = ["a b c d e f g", "short text", "a b c d e f g h", ""]
    sets = nd.shingle_sets(texts, ngram=5, seed=1)
    assert sets.sizes.tolist() == [3, 0, 4, 0]
    assert set(sets.of(0).tolist()) < set(sets.of(2).tolist())
    for i in range(4):
        assert np.all(np.diff(sets.of(i).astype(np.int64)) > 0)
    other_seed = nd.shingle_sets(texts, ngram=5, seed=2)
    assert set(other_seed.of(0).tolist()) != set(sets.of(0).tolist())


def test_shingles_carry_a_digit_bit():
    sets = nd.shingle_sets(["one two three four five six", "one two 3 four five six"], ngram=5, seed=1)
    assert not np.any(sets.of(0) & 1)
    assert np.all(sets.of(1) & 1)  # every 5-gram of the second text holds the "3"


def test_many_chunks_give_the_same_sets_as_one():
    rng = random.Random(3)
    texts = [" ".join(words(rng, 300)) for _ in range(900)]  # more than one 1 MB chunk
    together = nd.shingle_sets(texts, 5, 1)
    for i in (0, 450, 899):
        alone = nd.shingle_sets([texts[i]], 5, 1)
        assert np.array_equal(alone.of(0), together.of(i))


def jaccard_pair(rng, jaccard, size=3000):
    """Two shingle sets of `size` random values with the given Jaccard similarity."""
    shared = int(round(2 * size * jaccard / (1 + jaccard)))
    values = np.array(rng.sample(range(1, 1 << 32), 2 * size - shared), dtype=np.uint64)
    a = np.sort(values[:size]).astype(np.uint32)
    b = np.sort(np.concatenate([values[:shared], values[size:]])).astype(np.uint32)
    return a, b


@pytest.mark.parametrize("jaccard", [0.2, 0.5, 0.8])
def test_signature_agreement_estimates_jaccard(jaccard):
    rng = random.Random(7)
    agreements = []
    for _ in range(40):
        a, b = jaccard_pair(rng, jaccard)
        sets = nd.ShingleSets(np.array([0, len(a), len(a) + len(b)]), np.concatenate([a, b]))
        sig = nd.signatures(sets, 128)
        agreements.append(nd.estimated_jaccard(sig[:1], sig[1:])[0])
    assert abs(np.mean(agreements) - jaccard) < 0.03


@pytest.mark.parametrize("jaccard", [0.15, 0.3, 0.5])
def test_band_collision_rate_follows_the_s_curve(jaccard):
    rng = random.Random(11)
    bands, rows = 8, 2
    trials, hits = 300, 0
    for _ in range(trials):
        a, b = jaccard_pair(rng, jaccard, size=800)
        sets = nd.ShingleSets(np.array([0, len(a), len(a) + len(b)]), np.concatenate([a, b]))
        keys = nd.band_keys(nd.signatures(sets, bands * rows), bands, rows)
        hits += bool(np.any(keys[0] == keys[1]))
    expected = nd.collision_probability(jaccard, bands, rows)
    assert abs(hits / trials - expected) < 0.08, (hits / trials, expected)


def test_densification_fills_empty_bins_consistently():
    rng = random.Random(5)
    a, _ = jaccard_pair(rng, 0.5, size=20)  # 20 shingles cannot fill 64 bins
    sets = nd.ShingleSets(np.array([0, 20, 40]), np.concatenate([a, a]))
    sig = nd.signatures(sets, 64)
    assert not np.any(sig == nd.EMPTY)
    assert np.array_equal(sig[0], sig[1])
    empty_doc = nd.signatures(nd.ShingleSets(np.array([0, 0]), np.zeros(0, np.uint32)), 64)
    assert np.all(empty_doc == nd.EMPTY)


def test_bands_and_rows_from_threshold():
    assert nd.bands_rows(0.18, 64) == (32, 2)
    bands, rows = nd.bands_rows(0.8, 128)
    assert bands * rows <= 128 and abs((1 / bands) ** (1 / rows) - 0.8) < 0.05
    assert nd.collision_probability(0.9, 32, 2) > 0.999
    assert nd.collision_probability(0.05, 32, 2) < 0.1


def test_bucket_pairs_all_pairs_in_small_buckets_and_bounded_in_large_ones():
    keys = np.array([7, 7, 7, 9, 9, 5], dtype=np.int64)
    docs = np.array([4, 1, 2, 3, 0, 6], dtype=np.int64)
    pairs = nd.unique_pairs(nd.bucket_pairs(keys, docs, window=8))
    assert pairs.tolist() == [[0, 3], [1, 2], [1, 4], [2, 4]]
    big = nd.unique_pairs(nd.bucket_pairs(np.zeros(100, np.int64), np.arange(100), window=3))
    assert len(big) == 97 + 98 + 99
    assert np.all(big[:, 1] - big[:, 0] <= 3)


def test_overlap_and_verification_rule():
    a = np.arange(0, 200, 2, dtype=np.uint32)  # even values: no digit bit
    truncated = a[:60]
    o = nd.overlap(a, truncated)
    assert o.containment == 1.0 and o.jaccard == pytest.approx(0.6)
    assert nd.is_duplicate(o)
    # A follow-up that reuses a third of a story: contained at 0.6 but Jaccard too low.
    follow = np.concatenate([a[:30], np.arange(1000, 1040, 2, dtype=np.uint32)])
    o = nd.overlap(a, follow)
    assert o.containment == 0.6 and o.jaccard < 0.3
    assert not nd.is_duplicate(o)
    # The same overlap ratios on a short document need more evidence.
    short = nd.overlap(a[:25], np.concatenate([a[:16], np.arange(1001, 1020, 2, dtype=np.uint32)]))
    assert short.containment == 0.64 and short.jaccard > 0.45
    assert not nd.is_duplicate(short)
    assert nd.is_duplicate(short, nd.VerifyRule(short_doc_shingles=0))


def test_digit_rule_keeps_templated_reports_apart():
    text_shingles = np.arange(0, 400, 2, dtype=np.uint32)
    numbers_a = np.arange(1001, 1041, 2, dtype=np.uint32)  # odd: digit-bearing
    numbers_b = np.arange(2001, 2041, 2, dtype=np.uint32)
    report_a = np.sort(np.concatenate([text_shingles, numbers_a]))
    report_b = np.sort(np.concatenate([text_shingles, numbers_b]))
    o = nd.overlap(report_a, report_b)
    assert o.digit_containment == 0.0 and o.text_containment == 1.0
    assert not nd.is_duplicate(o)
    assert nd.is_duplicate(o, nd.VerifyRule(digit_ratio=None))  # without the rule they would merge
    copy = nd.overlap(report_a, report_a[:150])
    assert nd.is_duplicate(copy)


def test_union_find_roots_are_smallest_members_whatever_the_order():
    edges = [(5, 3), (3, 8), (1, 2), (8, 0)]
    results = []
    for order in (edges, edges[::-1]):
        uf = nd.UnionFind(10)
        for a, b in order:
            uf.union(a, b)
        results.append(uf.roots().tolist())
    assert results[0] == results[1] == [0, 1, 1, 0, 4, 0, 6, 7, 0, 9]
    assert not nd.UnionFind(3).union(1, 1)


def test_keep_policies():
    n_chars = np.array([100, 300, 300, 50])
    published = ["2024-03-02", None, "2024-01-05", "2024-01-05"]
    sources = ["b.com", "a.com", "c.com", "a.com"]
    assert nd.keep_order("first", n_chars, published, sources).tolist() == [0, 1, 2, 3]
    assert nd.keep_order("longest", n_chars, published, sources).tolist() == [2, 0, 1, 3]
    assert nd.keep_order("earliest", n_chars, published, sources).tolist() == [2, 3, 0, 1]
    ranks = nd.keep_order("source_priority", n_chars, published, sources, ["a.com", "b.com"])
    assert ranks.tolist() == [2, 0, 3, 1]
    with pytest.raises(ValueError, match="keep policy"):
        nd.keep_order("random", n_chars, published, sources)


def test_pair_overlaps_match_the_single_pair_overlap():
    rng = random.Random(21)
    base = words(rng, 400)
    texts = [" ".join(base), " ".join(base[:250]), " ".join(words(rng, 300)), "too short",
             " ".join(base[100:] + words(rng, 50)), " ".join(w if rng.random() > 0.05 else "x9" for w in base)]
    sets = nd.shingle_sets(texts, 5, 1)
    pairs = [(a, b) for a in range(len(texts)) for b in range(len(texts)) if a != b]
    many = nd.pair_overlaps(sets, [a for a, _ in pairs], sets, [b for _, b in pairs])
    mask = nd.duplicate_mask(many)
    for i, (a, b) in enumerate(pairs):
        one = nd.overlap(sets.of(a), sets.of(b))
        assert many.intersection[i] == one.intersection and many.digit_common[i] == one.digit_common
        assert many.containment[i] == pytest.approx(one.containment) and many.jaccard[i] == pytest.approx(one.jaccard)
        assert mask[i] == nd.is_duplicate(one)
    assert mask[pairs.index((1, 0))] and not mask[pairs.index((2, 0))] and not mask[pairs.index((3, 0))]


def test_novel_runs_tell_new_paragraphs_from_scattered_edits():
    rng = random.Random(8)
    story = words(rng, 600)
    edited = list(story)
    for i in range(0, 600, 40):  # one changed word every 40: scattered, 5 shingles each
        edited[i] = "changed"
    follow_up = story[:400] + words(rng, 150)  # reuses background, adds a new passage
    texts = [" ".join(story), " ".join(edited), " ".join(follow_up)]
    sets, sequences = nd.shingles_and_sequences(texts, 5, 1)
    assert np.array_equal(nd.sort_unique(sequences.of(2).astype(np.uint64)).astype(np.uint32), sets.of(2))
    shares = nd.novel_run_shares(sequences, [1, 2, 0], sets, [0, 0, 0], min_run=25)
    assert shares[0] == 0.0  # edits leave runs of 5 missing shingles at most
    assert shares[1] == pytest.approx(150 / (len(follow_up) - 4), abs=0.01)  # the new passage (and its seam)
    assert shares[2] == 0.0  # a document against itself
    # Below the run length, scattered edits count too.
    assert nd.novel_run_shares(sequences, [1], sets, [0], min_run=5)[0] > 0.05


def test_stable_order_is_lexsort_with_ties_in_input_order():
    rng = np.random.default_rng(7)
    later = rng.integers(0, 20, 500)  # many ties: their input order must be kept
    earlier = rng.integers(0, 5, 500)
    assert np.array_equal(nd.stable_order(later), np.lexsort((later,)))
    assert np.array_equal(nd.stable_order(earlier, later), np.lexsort((earlier, later)))
    wide = later * 100_000  # beyond 16 bits: sorted as packed (value, position) keys
    assert np.array_equal(nd.stable_order(earlier, wide), np.lexsort((earlier, wide)))
    negative = later - 10  # outside the packed range: numpy's lexsort answers
    assert np.array_equal(nd.stable_order(negative), np.lexsort((negative,)))
    assert len(nd.stable_order(np.zeros(0, dtype=np.int64))) == 0


def test_bucket_pairs_leaves_out_single_document_buckets():
    keys = np.array([5, 9, 5, 7, 9, 5, 3], dtype=np.int64)
    docs = np.array([10, 11, 12, 13, 14, 15, 16], dtype=np.int64)
    pairs = nd.bucket_pairs(keys, docs, window=1)
    # bucket 5: 10, 12, 15 (each with the next); bucket 9: 11, 14; buckets 7 and 3 hold one document
    assert pairs.tolist() == [[10, 12], [12, 15], [11, 14]]  # by key, then document
    assert nd.bucket_pairs(np.array([1, 2, 3]), np.array([0, 1, 2]), window=4).shape == (0, 2)


def test_bucket_pairs_find_every_repeated_hash_key():
    rng = np.random.default_rng(11)
    keys = rng.integers(0, 2**63 - 1, 3000, dtype=np.int64)
    copies = rng.choice(3000, size=(60, 2), replace=False)
    keys[copies[:, 1]] = keys[copies[:, 0]]  # 60 planted buckets of two (or more) documents
    docs = np.arange(3000, dtype=np.int64) * 7
    expected = set()
    for key in np.unique(keys):
        members = sorted(docs[keys == key].tolist())
        expected |= {(a, b) for i, a in enumerate(members) for b in members[i + 1:]}
    pairs = nd.bucket_pairs(keys, docs, window=8)
    assert len(expected) >= 60
    assert sorted(map(tuple, pairs.tolist())) == sorted(expected)
    assert all(keys[a // 7] == keys[b // 7] for a, b in pairs.tolist())


def test_splitmix64_is_the_reference_generator_and_mix64_its_finaliser():
    # The first outputs of Vigna's splitmix64 generator seeded with 0: the state steps by the
    # golden-ratio increment and each output is the finaliser of the state.
    states = np.arange(1, 3, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    assert [hex(v) for v in nd.mix64(states).tolist()] == ["0xe220a8397b1dcdaf", "0x6e789e6aa1b965f4"]
    x = np.array([0, 1, 2**63, 2**64 - 1], dtype=np.uint64)
    kept = x.copy()
    assert nd.splitmix64(x - np.uint64(0x9E3779B97F4A7C15)).tolist() == nd.mix64(x).tolist()
    assert x.tolist() == kept.tolist()  # neither changes its argument
