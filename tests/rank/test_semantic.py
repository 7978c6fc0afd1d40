"""Search by meaning: reciprocal-rank fusion, the e5 order of word matches, and what it may
bring up (only articles holding one of the words)."""

from datetime import datetime

import numpy as np

from khabar.dedupe.groups import CopyGroups
from khabar.models import Article, analyze_article
from khabar.rank.semantic import RRF_K, MeaningRanker, fuse_rankings
from khabar.web.search import SearchRequest, search_page


def test_fusion_puts_what_both_rankings_like_first():
    fused = fuse_rankings([1, 2, 3], [3, 4, 1])
    assert [a for a, _ in fused] == [1, 3, 2, 4]  # 1 and 3 are in both; 1 ranks higher there on the whole
    assert dict(fused)[1] == 1 / (RRF_K + 1) + 1 / (RRF_K + 3)
    assert [a for a, _ in fuse_rankings([5, 6], [6, 5])] == [5, 6]  # a tie keeps the first ranking's order
    assert fuse_rankings() == [] and fuse_rankings([], [7]) == [(7, 1 / (RRF_K + 1))]


def _unit(*xs):
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_meaning_orders_by_cosine_and_an_article_without_a_vector_keeps_its_word_rank():
    vectors = np.stack([_unit(1, 0, 0), _unit(0, 1, 0), np.zeros(3, dtype=np.float32), _unit(1, 1, 0)])
    ranker = MeaningRanker(vectors, {10: 0, 11: 1, 12: 2, 13: 3}, embed=lambda q: _unit(0, 1, 0))
    assert ranker.order("سؤال", [10, 11, 13]) == [11, 13, 10]
    # 12 has no vector yet and 99 is not indexed: each keeps its place among the word matches.
    assert ranker.order("سؤال", [12, 10, 11, 99, 13]) == [12, 11, 13, 99, 10]
    assert ranker.order("سؤال", [12, 99]) == [12, 99] and ranker.order("سؤال", []) == []


def _articles():
    def art(n, title, body, day):
        return Article(url=f"https://x.test/{n}", outlet=f"o{n}", title=title, body=[body],
                       published=datetime(2026, 1, day, 12))

    return [
        art(1, "حملة تطعيم الأطفال ضد الحصبة", "بدأت اليوم حملة تطعيم الأطفال ضد الحصبة في المدارس.", 3),
        art(2, "تحصين آلاف الأطفال اللاجئين", "أعلنت الوزارة تحصين آلاف الأطفال اللاجئين ضد الأمراض المعدية.", 4),
        art(3, "ملاعب جديدة للأطفال في الحدائق", "افتتحت البلدية ملاعب جديدة للأطفال في حدائق المدينة.", 5),
        art(4, "لقاحات موسمية في المراكز الصحية", "توفر المراكز الصحية لقاحات الإنفلونزا الموسمية مجاناً.", 6),
    ]


def test_meaning_brings_up_a_word_match_in_other_words_never_an_article_without_the_words(store):
    arts = _articles()
    store.add_articles([(a, analyze_article(a)) for a in arts])
    ids = [store.article_id(a.url) for a in arts]
    # A stand-in for e5 that finds the vaccination article nearest the query: the refugees'
    # immunization (2) next, the playgrounds (3) far, and the flu shots (4) nearest of all;
    # but 4 holds neither "تطعيم" nor "الأطفال".
    vectors = np.stack([_unit(1, 0.1, 0), _unit(1, 0.3, 0), _unit(0, 0, 1), _unit(1, 0, 0)])
    meaning = MeaningRanker(vectors, {aid: i for i, aid in enumerate(ids)}, embed=lambda q: _unit(1, 0, 0))

    words = search_page(store, SearchRequest("تطعيم الأطفال", limit=10), CopyGroups({}))
    assert [r["id"] for r in words["results"]] == [ids[0]] and words["total"] == 1 and not words["semantic"]

    both = search_page(store, SearchRequest("تطعيم الأطفال", limit=10), CopyGroups({}), meaning=meaning)
    assert both["semantic"]
    found = [r["id"] for r in both["results"]]
    assert found[:2] == [ids[0], ids[1]]  # the full match first, then the same thing in other words
    assert set(found) == {ids[0], ids[1], ids[2]}  # every article holding a word; never the flu shots
    assert both["total"] == 3  # what holds any of the words

    paged = search_page(store, SearchRequest("تطعيم الأطفال", limit=1, offset=1), CopyGroups({}), meaning=meaning)
    assert [r["id"] for r in paged["results"]] == [ids[1]] and paged["has_more"]

    newest = search_page(store, SearchRequest("تطعيم الأطفال", limit=10, newest_first=True), CopyGroups({}),
                         meaning=meaning)
    assert not newest["semantic"]  # a time order stays with the words
    assert [r["id"] for r in newest["results"]] == [ids[0]]

    outlet = search_page(store, SearchRequest("تطعيم الأطفال", outlet="o3", limit=10), CopyGroups({}),
                         meaning=meaning)
    assert [r["id"] for r in outlet["results"]] == [ids[2]]  # filters hold for meaning's candidates too
