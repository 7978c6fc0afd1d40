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
