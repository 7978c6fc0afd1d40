"""The quality gate: comparison edges on toy figures, and the CLI end to end on the demo corpus."""

import json

import pytest
from typer.testing import CliRunner

from khabar.cli import app
from khabar.eval.gate import BASELINE_PATH, GATED, compare_to_baseline, load_baseline

BASE = {"related": {"ndcg@10": 0.6, "p@10": 0.3, "copies@10": 0.1}, "dups": {"f1": 0.9}, "stories": {"f1": 0.8}}


def _with(section, metric, value):
    measured = json.loads(json.dumps(BASE))
    measured[section][metric] = value
    return measured


def test_equal_figures_pass_and_every_gated_metric_is_checked():
    rows = compare_to_baseline(BASE, BASE, tolerance=0.0)
    assert all(r.ok for r in rows) and [(r.section, r.metric) for r in rows] == [g[:2] for g in GATED]


@pytest.mark.parametrize("section,metric", [("related", "ndcg@10"), ("related", "p@10"), ("dups", "f1"), ("stories", "f1")])
def test_a_drop_beyond_the_tolerance_fails_and_within_it_passes(section, metric):
    base = BASE[section][metric]
    assert all(r.ok for r in compare_to_baseline(_with(section, metric, base - 0.004), BASE, 0.005))
    failed = [r for r in compare_to_baseline(_with(section, metric, base - 0.006), BASE, 0.005) if not r.ok]
    assert [(r.section, r.metric) for r in failed] == [(section, metric)]


def test_more_copies_in_lists_fail_fewer_pass():
    assert all(r.ok for r in compare_to_baseline(_with("related", "copies@10", 0.0), BASE, 0.005))
    failed = [r for r in compare_to_baseline(_with("related", "copies@10", 0.11), BASE, 0.005) if not r.ok]
    assert [r.metric for r in failed] == ["copies@10"]


def test_the_packaged_baseline_holds_every_gated_figure():
    stored = load_baseline()
    assert BASELINE_PATH.exists()
    for section, metric, _ in GATED:
        assert 0.0 <= stored[section][metric] <= 1.0


def test_gate_cli_passes_on_its_own_figures_and_fails_on_a_higher_bar(tmp_path, demo_path):
    runner = CliRunner()
    db = str(tmp_path / "k.db")
    assert runner.invoke(app, ["--db", db, "import", str(demo_path)]).exit_code == 0
    # Toy judgments on the demo: the desalination copies and the flood story.
    desal = [json.loads(line)["url"] for line in demo_path.read_text(encoding="utf-8").splitlines()[:4]]
    flood = [json.loads(line)["url"] for line in demo_path.read_text(encoding="utf-8").splitlines()[4:10]]
    qrels = tmp_path / "qrels.jsonl"
    with qrels.open("w", encoding="utf-8") as f:
        for d in desal[1:]:
            f.write(json.dumps({"q": desal[0], "d": d, "g": 3, "dup": True}) + "\n")
        for d in flood[1:]:
            f.write(json.dumps({"q": flood[0], "d": d, "g": 2, "dup": False}) + "\n")
        f.write(json.dumps({"q": flood[0], "d": desal[0], "g": 0, "dup": False}) + "\n")
    baseline = tmp_path / "baseline.json"
    r = runner.invoke(app, ["--db", db, "eval", "gate", "--qrels", str(qrels), "--baseline", str(baseline), "--update", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["passed"] is True
    stored = json.loads(baseline.read_text(encoding="utf-8"))
    stored["stories"]["f1"] = min(1.0, stored["stories"]["f1"] + 0.5)
    stored["related"]["ndcg@10"] = stored["related"]["ndcg@10"] + 0.5
    baseline.write_text(json.dumps(stored), encoding="utf-8")
    r = runner.invoke(app, ["--db", db, "eval", "gate", "--qrels", str(qrels), "--baseline", str(baseline)])
    assert r.exit_code == 1 and "quality gate failed" in r.output and "related ndcg@10" in r.output
