"""Related stories: a running story's developments linked as a timeline, not merged."""

import json

from khabar.pipeline import build_indexes, load_engine
from khabar.rank.related import RelatedResult, Scored
from khabar.settings import StorySettings
from khabar.stories.related import pick_probes, rank_related_stories
from khabar.web.views import story_page

FLOOD = {"https://marsad.example/news/6101", "https://alofoq.example/news/2102", "https://bawaba.example/news/7101",
         "https://nahar.example/news/3102", "https://marsad.example/news/6106", "https://sahel.example/news/4102",
         "https://alofoq.example/news/2103"}


def test_probes_spread_over_the_story_first_and_last_included():
    assert pick_probes([1, 2, 3], 8) == [1, 2, 3]
    assert pick_probes(list(range(100)), 5) == [0, 25, 50, 74, 99]
    assert pick_probes(list(range(10)), 1) == [0]


def test_scores_are_means_over_probes_self_excluded_and_weak_stories_dropped():
    story_of = {10: 1, 11: 2, 12: 2, 13: 3, 14: 4, 15: 5}.get
    results = [
        RelatedResult(0, Scored(14, 0.3), [Scored(10, 0.9), Scored(11, 0.8), Scored(12, 0.7), Scored(13, 0.2)]),
        RelatedResult(1, None, [Scored(11, 0.6), Scored(15, 0.12), Scored(99, 0.5)]),
    ]
    s = StorySettings(related_floor=0.1, related_min_share=0.5, related_limit=5)
    # Story 1 is this story; story 2 counts its best item once per probe: (0.8 + 0.6) / 2.
    assert rank_related_stories(1, results, story_of, s) == [(2, 0.7)]
    loose = StorySettings(related_floor=0.0, related_min_share=0.0, related_limit=2)
    assert rank_related_stories(1, results, story_of, loose) == [(2, 0.7), (4, 0.15)]
    assert rank_related_stories(1, [], story_of, s) == []


def test_the_flood_story_pages_link_the_other_flood_stories(demo_store, settings):
    build_indexes(demo_store, settings)
    engine = load_engine(demo_store, settings, use_dense=False)
    urls = {a.id: a.url for a in demo_store.list_articles(limit=100)}
    flood_stories = {sid for aid, sid in demo_store.story_members() if urls[aid] in FLOOD}
    assert len(flood_stories) > 1  # the developments are events of their own
    linked = 0
    for sid in flood_stories:
        page = story_page(demo_store, sid, engine)
        related = page["related_stories"]
        assert related, page["label"]
        assert {r["id"] for r in related} <= flood_stories - {sid}, (page["label"], [r["label"] for r in related])
        assert [r["first_time"] for r in related] == sorted(r["first_time"] for r in related)
        linked += len(related)
    assert linked >= 2 * len(flood_stories)


def test_story_links_are_measured_by_grade_against_judgments(demo_store, settings, tmp_path):
    from khabar.eval.report import evaluate_story_links

    build_indexes(demo_store, settings)
    rescue, roads = "https://bawaba.example/news/7101", "https://alofoq.example/news/2102"
    judged = [(rescue, roads, 2, False), (rescue, "https://wahanews.example/news/5001", 0, False),
              (rescue, "https://marsad.example/news/6106", 3, True),  # a copy: not a link question
              ("https://marsad.example/news/6101", "https://nahar.example/news/3102", 2, False)]
    qrels = tmp_path / "qrels.jsonl"
    qrels.write_text("\n".join(json.dumps({"q": q, "d": d, "g": g, "dup": dup}) for q, d, g, dup in judged))
    report = evaluate_story_links(demo_store, settings, qrels)
    assert report["by_grade"][0] == {"pairs": 1, "linked": 0}
    assert report["by_grade"][3]["pairs"] == 0 and report["by_grade"][2]["pairs"] == 2
    assert report["by_grade"][2]["linked"] >= 1 and report["unrelated_share"] == 0.0
