"""Metrics exactly as defined in shared/eval/README.md.

- nDCG@10: gain 2^g − 1 (0 for a ``dup`` candidate), discount log2(rank + 1), ideal =
  the query's judged candidates sorted by gain, unjudged = gain 0, mean over queries.
- P@10: share of the top 10 with g ≥ 2 and not dup.
- copies@10: dup candidates in the top 10, mean per query.
- judged@10: share of the top 10 that is judged.
- pairwise precision/recall/F1 over judged pairs, for copies and for stories.

Khabar's own additions (no definition in the README, so reported apart): how good the
read-also picks are, by the same judgments; and how far each figure could move on another
60 queries drawn the same way (a bootstrap over queries), since the held-out half is judged
like the dev half but is not the dev half.
"""

from __future__ import annotations

import json
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Judgment", "EvalInputError", "load_qrels", "load_run", "related_metrics", "read_also_metrics", "pair_metrics", "per_query_ndcg",
           "bootstrap_mean", "bootstrap_f1"]

BOOTSTRAP_SAMPLES = 2000
BOOTSTRAP_LEVEL = 0.9


@dataclass(frozen=True)
class Judgment:
    grade: int
    dup: bool

    @property
    def gain(self) -> float:
        return 0.0 if self.dup else float(2**self.grade - 1)


Qrels = dict[str, dict[str, Judgment]]


class EvalInputError(ValueError):
    """A judgments or run file that cannot be read as one (the file, the line, what is wrong),
    or a file the evaluation writes that cannot be written."""


def _read_lines(path: str | Path) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalInputError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None


def load_qrels(*paths: str | Path) -> Qrels:
    """Judgments from one file, or several: the official judgments first, then judgments added
    since (of new retrievals, ``khabar eval related --unjudged``). A pair keeps the judgment of
    the first file that has it, so an addition never overrides what was judged before."""
    qrels: Qrels = defaultdict(dict)
    for path in paths:
        for n, line in enumerate(_read_lines(path), start=1):
            if line.strip():
                try:
                    r = json.loads(line)
                    qrels[r["q"]].setdefault(r["d"], Judgment(int(r["g"]), bool(r.get("dup", False))))
                except (ValueError, KeyError, TypeError) as exc:
                    raise EvalInputError(f"{path}:{n}: not a judgment {{\"q\", \"d\", \"g\", \"dup\"}} ({exc})") from None
    return dict(qrels)


def load_run(path: str | Path) -> dict[str, list[str]]:
    """A TREC run: ``query Q0 doc rank score tag`` → docs per query in rank order."""
    ranked: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for n, line in enumerate(_read_lines(path), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) < 6 or not parts[3].isdigit():
            raise EvalInputError(f"{path}:{n}: not a TREC run line (query Q0 doc rank score tag)")
        ranked[parts[0]].append((int(parts[3]), parts[2]))
    return {q: [d for _, d in sorted(docs)] for q, docs in ranked.items()}


def _dcg(gains: list[float]) -> float:
    return sum(g / math.log2(rank + 1) for rank, g in enumerate(gains, start=1))


def per_query_ndcg(judged: dict[str, Judgment], docs: list[str], k: int = 10) -> float:
    gains = [judged[d].gain if d in judged else 0.0 for d in docs[:k]]
    ideal = sorted((j.gain for j in judged.values()), reverse=True)[:k]
    best = _dcg(ideal)
    return _dcg(gains) / best if best > 0 else 0.0


def related_metrics(qrels: Qrels, run: dict[str, list[str]], k: int = 10) -> dict:
    """Mean nDCG@k, P@k, copies@k, judged@k over the queries of ``qrels``."""
    ndcg = p = copies = judged = 0.0
    per_query = {}
    for q, judged_q in qrels.items():
        docs = run.get(q, [])[:k]
        n = per_query_ndcg(judged_q, docs, k)
        per_query[q] = n
        ndcg += n
        p += sum(1 for d in docs if d in judged_q and judged_q[d].grade >= 2 and not judged_q[d].dup) / k
        copies += sum(1 for d in docs if d in judged_q and judged_q[d].dup)
        judged += (sum(1 for d in docs if d in judged_q) / len(docs)) if docs else 0.0
    n_q = max(len(qrels), 1)
    return {
        "ndcg@10": ndcg / n_q,
        "p@10": p / n_q,
        "copies@10": copies / n_q,
        "judged@10": judged / n_q,
        "queries": len(qrels),
        "per_query": per_query,
    }


def read_also_metrics(qrels: Qrels, picks: dict[str, str | None]) -> dict:
    """Read-also picks by the judgments: share judged, share same story or event (g ≥ 2, not a
    copy), share copies, mean gain (unjudged = 0), over the queries that got a pick."""
    got = [(judged_q.get(picks[q]) if picks.get(q) else None, q) for q, judged_q in qrels.items() if picks.get(q)]
    n = len(got)
    if not n:
        return {"picks": 0, "judged": 0.0, "same_story": 0.0, "copies": 0.0, "mean_gain": 0.0}
    return {
        "picks": n,
        "judged": sum(j is not None for j, _ in got) / n,
        "same_story": sum(j is not None and j.grade >= 2 and not j.dup for j, _ in got) / n,
        "copies": sum(j is not None and j.dup for j, _ in got) / n,
        "mean_gain": sum(j.gain if j is not None else 0.0 for j, _ in got) / n,
    }


def pair_metrics(qrels: Qrels, same: callable, kind: str) -> dict:
    """Pairwise precision/recall/F1 over judged pairs.

    ``kind='dups'``: positive when dup. ``kind='stories'``: positive when g == 3,
    negative when g ≤ 1, g == 2 not counted. ``same(a, b)`` is the system's prediction.
    """
    per_query: dict[str, tuple[int, int, int]] = {}
    for q, judged in qrels.items():
        tp = fp = fn = 0
        for d, j in judged.items():
            if kind == "dups":
                truth = j.dup
            else:
                if j.grade == 2:
                    continue
                truth = j.grade == 3
            pred = same(q, d)
            tp += truth and pred
            fp += (not truth) and pred
            fn += truth and not pred
        per_query[q] = (tp, fp, fn)
    tp, fp, fn = (sum(c[i] for c in per_query.values()) for i in range(3))
    return {**_prf(tp, fp, fn), "tp": tp, "fp": fp, "fn": fn, "per_query": per_query}


def _prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def _resamples(n: int, seed: int):
    rng = random.Random(seed)
    for _ in range(BOOTSTRAP_SAMPLES):
        yield [rng.randrange(n) for _ in range(n)]


def _interval(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    tail = (1 - BOOTSTRAP_LEVEL) / 2
    return values[int(tail * (len(values) - 1))], values[int(round((1 - tail) * (len(values) - 1)))]


def bootstrap_mean(values: list[float], seed: int = 0) -> tuple[float, float]:
    """The ``BOOTSTRAP_LEVEL`` interval of a mean over queries, queries drawn with replacement."""
    if not values:
        return (0.0, 0.0)
    return _interval([sum(values[i] for i in idx) / len(values) for idx in _resamples(len(values), seed)])


def bootstrap_f1(per_query: dict[str, tuple[int, int, int]], seed: int = 0) -> tuple[float, float]:
    """The interval of pairwise F1 when the queries (each with its judged pairs) are redrawn."""
    counts = list(per_query.values())
    if not counts:
        return (0.0, 0.0)
    f1s = []
    for idx in _resamples(len(counts), seed):
        tp, fp, fn = (sum(counts[i][k] for i in idx) for k in range(3))
        f1s.append(_prf(tp, fp, fn)["f1"])
    return _interval(f1s)
