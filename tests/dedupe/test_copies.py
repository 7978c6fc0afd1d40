from datetime import datetime

import numpy as np

from khabar.dedupe.copies import build_shingles, containment, find_copy_links
from khabar.settings import DedupeSettings
from khabar.store.base import IndexRow
from khabar.text import normalize_arabic

WORDS = ("الوزير افتتح اليوم مشروعا جديدا للمياه في المدينة بتكلفة كبيرة وقال ان المشروع سيخدم الاف السكان "
         "في القري المجاوره خلال السنوات المقبله وان العمل بدا قبل ثلاث سنوات بمشاركه شركات محليه ودوليه").split()


def _row(i, words, day=1):
    body = normalize_arabic(" ".join(words))
    return IndexRow(id=i, url=f"u{i}", outlet=f"o{i}", time=datetime(2026, 1, day), content_hash=str(hash(body)),
                    title_terms=[], body_terms=[], title_norm="", body_norm=body)


def _other(n):
    return [f"كلمه{n}_{j}" for j in range(len(WORDS))]


def test_threshold_edges():
    s = DedupeSettings(min_body_words=5)
    base = _row(1, WORDS)
    a = build_shingles([base], s).hashes[0]
    n = len(a)
    # Keep the first m shingles' worth of words, replace the rest: containment ≈ m / n.
    for keep, expect in ((n, True), (int(n * 0.7), True), (int(n * 0.3), False)):
        words = WORDS[: keep + 2] + _other(9)[keep + 2 :]
        idx = build_shingles([base, _row(2, words, day=2)], s)
        score = containment(idx.hashes[0], idx.hashes[1])
        links = find_copy_links(idx, s)
        assert (len(links) == 1) == (score >= s.threshold) == expect, (keep, score)


def test_exact_threshold_value_is_inclusive():
    s = DedupeSettings(min_body_words=5)
    idx = build_shingles([_row(1, WORDS), _row(2, WORDS[:20] + _other(3)[20:], day=2)], s)
    score = containment(idx.hashes[0], idx.hashes[1])
    at = DedupeSettings(min_body_words=5, threshold=score)
    above = DedupeSettings(min_body_words=5, threshold=score + 1e-6)
    assert len(find_copy_links(idx, at)) == 1
    assert len(find_copy_links(idx, above)) == 0


def test_short_bodies_are_never_copies():
    s = DedupeSettings()
    idx = build_shingles([_row(1, WORDS[:8]), _row(2, WORDS[:8], day=2)], s)
    assert find_copy_links(idx, s) == []


def test_trimmed_copy_with_new_first_line_is_found_and_canonical_is_earliest():
    s = DedupeSettings(min_body_words=5)
    rows = [_row(1, WORDS), _row(2, ["الرياض", "واس"] + WORDS[: len(WORDS) * 2 // 3], day=2), _row(3, _other(1), day=2)]
    links = find_copy_links(build_shingles(rows, s), s)
    assert [(a, c, k) for a, c, _, k in links] == [(2, 1, "near")]


def test_incremental_arrival_matches_bulk():
    s = DedupeSettings(min_body_words=5)
    rows = [_row(1, WORDS), _row(2, _other(1)), _row(3, WORDS[2:], day=3)]
    idx = build_shingles(rows, s)
    bulk = find_copy_links(idx, s)
    first = find_copy_links(idx, s, only_rows=[0, 1])
    later = find_copy_links(idx, s, existing={a: c for a, c, _, _ in first}, only_rows=[2])
    assert first + later == bulk == [(3, 1, bulk[0][2], "near")]
    assert np.isclose(bulk[0][2], 1.0, atol=0.1)


def test_copies_of_two_halves_of_a_digest_are_not_one_group():
    """A digest strings two press releases together; each release is copied by another outlet.
    Both copies copy the digest, yet share nothing with each other: they must not be one group."""
    s = DedupeSettings(min_body_words=5)
    first, second = WORDS, _other(7)
    rows = [_row(1, first + second), _row(2, first, day=2), _row(3, second, day=3), _row(4, first[:-2], day=4)]
    links = {a: c for a, c, _, _ in find_copy_links(build_shingles(rows, s), s)}
    assert links[2] == 1 and links[4] == 1  # copies of the first half join the digest's group
    assert links.get(3) != 1  # the copy of the second half shares nothing with them
    # Without the member check, the digest would bridge them.
    loose = DedupeSettings(min_body_words=5, member_floor=0.0)
    assert {a: c for a, c, _, _ in find_copy_links(build_shingles(rows, loose), loose)}[3] == 1


def test_member_check_survives_incremental_arrival():
    s = DedupeSettings(min_body_words=5)
    first, second = WORDS, _other(7)
    rows = [_row(1, first + second), _row(2, first, day=2), _row(3, second, day=3)]
    idx = build_shingles(rows, s)
    existing = {a: c for a, c, _, _ in find_copy_links(idx, s, only_rows=[0, 1])}
    assert existing == {2: 1}
    added = find_copy_links(idx, s, existing=existing, only_rows=[2])
    assert all(a != 3 or c != 1 for a, c, _, _ in added)


def _corpus(n=120, seed=7):
    """Random texts, some of them copied (trimmed, new first line) or exactly repeated later."""
    rng = np.random.default_rng(seed)
    vocab = [f"كلمه{j}" for j in range(400)]
    texts = []
    for i in range(n):
        if i > 10 and rng.random() < 0.25:
            src = texts[int(rng.integers(0, i))]
            cut = int(len(src) * rng.uniform(0.5, 1.0))
            texts.append(src if rng.random() < 0.3 else ["خبر", "عاجل"] + src[:cut])
        else:
            texts.append([vocab[j] for j in rng.integers(0, len(vocab), 40)])
    rows = []
    for i, words in enumerate(texts):
        r = _row(i + 1, words, day=1 + i // 10)
        r.body_terms = words  # the lexical index (nearest articles) reads the terms
        rows.append(r)
    return rows


def test_arrivals_checked_against_their_nearest_find_what_the_full_check_finds(monkeypatch):
    from khabar.dedupe import copies
    from khabar.rank.lexical import build_lexical_index

    s = DedupeSettings(min_body_words=5)
    rows = _corpus()
    vectors = build_lexical_index(rows).vectors
    bulk = find_copy_links(build_shingles(rows, s), s)
    monkeypatch.setattr(copies, "ARRIVAL_CANDIDATES", 5)  # a real subset, not the whole corpus
    for first_new in (60, 100, 115):
        existing = {a: c for a, c, _, _ in bulk if a <= first_new}
        got = copies.find_arrival_copy_links(rows, vectors, list(range(first_new, len(rows))), existing, s)
        assert sorted(got) == sorted(link for link in bulk if link[0] > first_new)
    assert any(k == "exact" for *_, k in bulk) and any(k == "near" for *_, k in bulk)


def test_an_arrival_nearest_to_a_groups_members_joins_the_group_not_a_member(monkeypatch):
    """The arrival's nearest are trimmed copies; the original (the group's canonical) is
    farther. It must still be checked, and the arrival linked to it."""
    from khabar.dedupe import copies
    from khabar.rank.lexical import build_lexical_index

    s = DedupeSettings(min_body_words=5)
    original = WORDS + _other(50)  # the copies below keep its first half only
    rows = [_row(1, original)] + [_row(i, original[: 34 - i], day=2) for i in range(2, 9)]
    rows += [_row(20 + i, _other(i), day=2) for i in range(5)] + [_row(30, original[:25], day=3)]
    for r in rows:
        r.body_terms = r.body_norm.split()
    bulk = find_copy_links(build_shingles(rows, s), s)
    assert {a: c for a, c, _, _ in bulk}[30] == 1
    monkeypatch.setattr(copies, "ARRIVAL_CANDIDATES", 2)
    existing = {a: c for a, c, _, _ in bulk if a != 30}
    got = copies.find_arrival_copy_links(rows, build_lexical_index(rows).vectors, [len(rows) - 1], existing, s)
    assert got == [link for link in bulk if link[0] == 30]


def test_an_arrival_shingles_only_its_close_neighbours(monkeypatch):
    """Of an arrival's nearest articles, those sharing only a word or two (TF-IDF cosine below
    ``ARRIVAL_MIN_COSINE``) are not read and shingled: they cannot be copies."""
    from khabar.dedupe import copies
    from khabar.rank.lexical import build_lexical_index

    s = DedupeSettings(min_body_words=5)
    story = WORDS + _other(50)
    # 80 articles sharing one word with the arrival (the topic), one trimmed copy, then the arrival.
    rows = [_row(100 + i, [WORDS[0], *_other(i)]) for i in range(80)]
    rows += [_row(1, story[:40], day=2), _row(2, story[:30], day=3)]
    for r in rows:
        r.body_terms = r.body_norm.split()
    vectors = build_lexical_index(rows).vectors
    asked = []

    def with_texts(heads):
        asked.extend(h.id for h in heads)
        return heads

    monkeypatch.setattr(copies, "ARRIVAL_CANDIDATES", 30)  # fewer than half the corpus: a real subset
    got = copies.find_arrival_copy_links(rows, vectors, [len(rows) - 1], {}, s, with_texts=with_texts)
    assert [(a, c) for a, c, _, _ in got] == [(2, 1)]
    assert sorted(asked) == [1, 2]  # none of the topical nearest was read
    monkeypatch.setattr(copies, "ARRIVAL_MIN_COSINE", 0.0)
    asked.clear()
    assert copies.find_arrival_copy_links(rows, vectors, [len(rows) - 1], {}, s, with_texts=with_texts) == got
    assert len(asked) > 30  # without the floor, every one of the nearest was


def _part(n, size=30):
    return [f"جزء{n}_{j}" for j in range(size)]


def _copy_of_a_copy():
    """A = P1 P2 (the original); B = P2 P3 copies more than half of A, so it joins A's group; C = most of
    P3 copies B whole but shares nothing with A, so the star rule keeps it out of A's group."""
    return [_row(1, _part(1) + _part(2, 40)), _row(2, _part(2, 40) + _part(3), day=2), _row(3, _part(3)[:25], day=3),
            _row(4, _part(4), day=3)]


def test_copy_pairs_find_a_copy_the_groups_keep_apart():
    from khabar.dedupe.copies import find_copy_pairs

    s = DedupeSettings(min_body_words=5)
    idx = build_shingles(_copy_of_a_copy(), s)
    links = find_copy_links(idx, s)
    assert [(a, c) for a, c, _, _ in links] == [(2, 1)]  # C is in no group
    pairs = find_copy_pairs(idx, s, {a: c for a, c, _, _ in links})
    assert [(a, b) for a, b, _ in pairs] == [(3, 2)] and pairs[0][2] == 1.0
    # A pair inside one group is no news, and below the pair threshold there is none.
    assert find_copy_pairs(idx, s, {2: 1, 3: 1}) == []
    assert find_copy_pairs(idx, DedupeSettings(min_body_words=5, pair_threshold=1.01), {2: 1}) == []
    # An arrival is checked against every other article, earlier or later in the index.
    assert [(a, b) for a, b, _ in find_copy_pairs(idx, s, {2: 1}, only_rows=[1])] == [(2, 3)]


def test_arrival_copies_bring_their_pairs():
    from scipy import sparse

    from khabar.dedupe.copies import find_arrival_copies

    s = DedupeSettings(min_body_words=5)
    rows = _copy_of_a_copy()
    vectors = sparse.csr_matrix(np.ones((len(rows), 1), dtype=np.float32))  # everything is near everything
    found = find_arrival_copies(rows, vectors, [2], {2: 1}, s)
    assert found.links == [] and [(a, b) for a, b, _ in found.pairs] == [(3, 2)]


def test_indexing_stores_the_pairs_and_an_arrival_adds_its_own(store, settings):
    """End to end: a full build stores the copy of a copy as a pair across groups, and a later
    copy of it arriving in a crawl round adds its pair without a full build."""
    from khabar.models import Article, analyze_article
    from khabar.pipeline import build_indexes, index_arrivals, load_engine

    def art(n, words, day):
        a = Article(url=f"https://x.test/{n}", outlet=f"o{n}", title=f"عنوان {n}", body=[" ".join(words)],
                    published=datetime(2026, 1, day, 12))
        return a, analyze_article(a)

    texts = [w for w in ([r.body_norm.split() for r in _copy_of_a_copy()])]
    store.add_articles([art(n + 1, words, n + 1) for n, words in enumerate(texts)])
    build_indexes(store, settings, force=True)
    url = {store.article_id(f"https://x.test/{n}"): n for n in range(1, 5)}
    assert [(url[a], url[b]) for a, b, _ in store.cross_copies()] == [(3, 2)]
    added = store.add_articles([art(5, _part(3)[:24], 5)])
    index_arrivals(store, settings, added.new_ids)
    url[store.article_id("https://x.test/5")] = 5
    assert sorted((url[a], url[b]) for a, b, _ in store.cross_copies()) == [(3, 2), (5, 2)]
    engine = load_engine(store, settings, use_dense=False)
    assert engine.ranker.copies.same_text(store.article_id("https://x.test/5"), store.article_id("https://x.test/2"))
    # ``khabar dups`` lists them after the pairs inside groups.
    from khabar.pipeline import copy_pairs

    listed = [(a[-1], b[-1]) for a, b, _ in copy_pairs(store, settings)]
    assert listed[:2] == [("1", "2"), ("3", "5")] and sorted(listed[2:]) == [("3", "2"), ("5", "2")]
