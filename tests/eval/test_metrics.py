import math

import pytest

from khabar.eval.metrics import Judgment, pair_metrics, read_also_metrics, related_metrics

QRELS = {
    "q1": {"a": Judgment(3, False), "b": Judgment(2, False), "c": Judgment(3, True), "d": Judgment(0, False)},
    "q2": {"x": Judgment(1, False)},
}


def test_perfect_list_scores_one():
    m = related_metrics({"q1": QRELS["q1"]}, {"q1": ["a", "b"]})
    assert m["ndcg@10"] == pytest.approx(1.0)
    assert m["p@10"] == pytest.approx(0.2)
    assert m["copies@10"] == 0 and m["judged@10"] == 1.0


def test_dup_has_zero_gain_and_counts_as_copy():
    m = related_metrics({"q1": QRELS["q1"]}, {"q1": ["c", "a", "b"]})
    ideal = 7 + 3 / math.log2(3)
    got = 7 / math.log2(3) + 3 / math.log2(4)
    assert m["ndcg@10"] == pytest.approx(got / ideal)
    assert m["copies@10"] == 1


def test_unjudged_is_zero_and_lowers_judged_share():
    m = related_metrics({"q2": QRELS["q2"]}, {"q2": ["zz", "x"]})
    assert m["ndcg@10"] == pytest.approx((1 / math.log2(3)) / 1.0)
    assert m["judged@10"] == 0.5
    assert related_metrics({"q2": QRELS["q2"]}, {})["ndcg@10"] == 0


def test_pair_metrics_dups_and_stories():
    same = lambda a, b: b in ("a", "c")  # noqa: E731
    d = pair_metrics({"q1": QRELS["q1"]}, same, "dups")
    assert (d["tp"], d["fp"], d["fn"]) == (1, 1, 0)
    s = pair_metrics({"q1": QRELS["q1"]}, same, "stories")
    assert (s["tp"], s["fp"], s["fn"]) == (2, 0, 0)  # b (g=2) is not counted


def test_read_also_metrics_by_the_judgments():
    picks = {"q1": "b", "q2": "unjudged", "q3": None}
    m = read_also_metrics({**QRELS, "q3": {}}, picks)
    assert m["picks"] == 2  # q3 got no pick and is not counted
    assert m["judged"] == 0.5 and m["same_story"] == 0.5 and m["copies"] == 0.0
    assert m["mean_gain"] == pytest.approx((3 + 0) / 2)
    assert read_also_metrics(QRELS, {"q1": "c"})["copies"] == 1.0  # a copy is no next read
    assert read_also_metrics(QRELS, {})["picks"] == 0


def test_bootstrap_intervals_hold_the_figure_and_shrink_with_agreement():
    from khabar.eval.metrics import bootstrap_f1, bootstrap_mean

    assert bootstrap_mean([0.5] * 30) == (0.5, 0.5)  # every query agrees: no spread
    lo, hi = bootstrap_mean([0.0, 1.0] * 30)
    assert lo < 0.5 < hi and hi - lo < 0.4
    assert bootstrap_mean([]) == (0.0, 0.0)
    # Pairs per query (tp, fp, fn); summed: 80, 20, 40, so P 0.8, R 0.667, F1 0.727.
    per_query = {f"q{i}": (3, 1, 0) if i % 2 else (1, 0, 2) for i in range(40)}
    lo, hi = bootstrap_f1(per_query)
    assert lo < 2 * 0.8 * (80 / 120) / (0.8 + 80 / 120) < hi
    assert bootstrap_f1(per_query) == (lo, hi)  # a fixed seed: the same report twice
    assert bootstrap_f1({q: (2, 0, 0) for q in per_query}) == (1.0, 1.0)
    assert pair_metrics({"q1": QRELS["q1"]}, lambda a, b: True, "dups")["per_query"] == {"q1": (1, 3, 0)}


def test_judgments_added_since_count_but_never_override_the_first_file(tmp_path):
    from khabar.eval.metrics import load_qrels

    official, added = tmp_path / "dev.jsonl", tmp_path / "added.jsonl"
    official.write_text('{"q": "q1", "d": "a", "g": 3, "dup": false}\n{"q": "q1", "d": "b", "g": 0, "dup": false}\n',
                        encoding="utf-8")
    added.write_text('{"q": "q1", "d": "b", "g": 3, "dup": false}\n{"q": "q1", "d": "z", "g": 2, "dup": false}\n'
                     '{"q": "q9", "d": "y", "g": 1, "dup": true}\n', encoding="utf-8")
    qrels = load_qrels(official, added)
    assert qrels["q1"] == {"a": Judgment(3, False), "b": Judgment(0, False), "z": Judgment(2, False)}
    assert qrels["q9"] == {"y": Judgment(1, True)}
    assert load_qrels(official) == {"q1": {"a": Judgment(3, False), "b": Judgment(0, False)}}
    # What was unjudged (gain 0) counts once judged.
    before = related_metrics(load_qrels(official), {"q1": ["z", "a"]})
    after = related_metrics({"q1": qrels["q1"]}, {"q1": ["z", "a"]})
    assert before["judged@10"] == 0.5 and after["judged@10"] == 1.0
    assert before["ndcg@10"] == pytest.approx((7 / math.log2(3)) / 7)
    assert after["ndcg@10"] == pytest.approx((3 + 7 / math.log2(3)) / (7 + 3 / math.log2(3)))
