"""The quality gate: today's dev figures must not fall below the stored baseline.

Trafilatura's habit: an evaluation step in CI that fails when quality drops. The
baseline (``baseline.json`` beside this module) holds the lexical-path figures of
the full SaudiNewsNet corpus on the dev qrels, because that path needs no
embedding run; with vectors the figures only go up. A change that improves them
should raise the baseline in the same commit (``khabar eval gate --update``), so
the next regression is caught against the new level.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..settings import Settings
from ..store import Store
from .report import evaluate_pairs, evaluate_related

__all__ = ["BASELINE_PATH", "GATED", "GateRow", "measure_gated", "compare_to_baseline", "load_baseline", "write_baseline"]

BASELINE_PATH = Path(__file__).with_name("baseline.json")

# (section, metric, direction): "up" must not fall, "down" must not rise.
GATED = (
    ("related", "ndcg@10", "up"),
    ("related", "p@10", "up"),
    ("related", "copies@10", "down"),
    ("dups", "f1", "up"),
    ("stories", "f1", "up"),
)


@dataclass
class GateRow:
    section: str
    metric: str
    baseline: float
    measured: float
    direction: str
    ok: bool


def measure_gated(store: Store, settings: Settings, qrels_path) -> dict[str, dict[str, float]]:
    """The gated figures on this database: related lists on the lexical path, copies and stories as indexed."""
    related = evaluate_related(store, settings, qrels_path, use_dense=False)["khabar"]
    figures = {"related": {m: float(related[m]) for m in ("ndcg@10", "p@10", "copies@10", "judged@10")}}
    for kind in ("dups", "stories"):
        pairs = evaluate_pairs(store, settings, qrels_path, kind)
        figures[kind] = {m: float(pairs[m]) for m in ("precision", "recall", "f1")}
    return figures


def compare_to_baseline(measured: dict, baseline: dict, tolerance: float) -> list[GateRow]:
    """One row per gated metric; ``tolerance`` absorbs one judged pair's worth of noise."""
    rows = []
    for section, metric, direction in GATED:
        base = float(baseline[section][metric])
        value = float(measured[section][metric])
        ok = value >= base - tolerance if direction == "up" else value <= base + tolerance
        rows.append(GateRow(section, metric, base, value, direction, ok))
    return rows


def load_baseline(path: Path | None = None) -> dict:
    return json.loads(Path(path or BASELINE_PATH).read_text(encoding="utf-8"))


def write_baseline(measured: dict, path: Path | None = None, note: str = "") -> None:
    rounded = {section: {m: round(v, 4) for m, v in figures.items()} for section, figures in measured.items()}
    data = {"note": note or "lexical path, full SaudiNewsNet corpus, dev qrels", **rounded}
    Path(path or BASELINE_PATH).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
