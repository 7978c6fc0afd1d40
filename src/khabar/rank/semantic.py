"""Search by meaning: word matches re-ranked with e5, fused with the word ranking.

Why not plain nearest neighbours of the query: e5-small on a two-word Arabic query has no
usable floor. Its cosines sit in a narrow band (0.84-0.92 for the best match), a nonsense
query's best match scores like a real one's, and short texts (a column's name, a caption)
are near everything. So the candidates are the articles sharing at least one of the query's
words (stems), and e5 only orders them: "تطعيم الأطفال" then finds "تحصين أطفال اللاجئين",
which holds one of the words and none of the phrasing, while "صدى" (a column's title, the
nearest vector to half the queries tried) never comes up.

The two orders are fused by reciprocal rank (k = 60): no score scales to reconcile, and an
article both orders like comes first. ``bench/search_meaning.py`` measures it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["MeaningRanker", "fuse_rankings", "RRF_K"]

RRF_K = 60  # reciprocal-rank constant: the usual 60 keeps one list's top from drowning the other's


def fuse_rankings(*rankings: list[int], k: int = RRF_K) -> list[tuple[int, float]]:
    """(id, score) by reciprocal-rank fusion, best first; ties keep the first ranking's order."""
    score: dict[int, float] = {}
    first_seen: dict[int, int] = {}
    for ranking in rankings:
        for rank, aid in enumerate(ranking):
            score[aid] = score.get(aid, 0.0) + 1.0 / (k + rank + 1)
            first_seen.setdefault(aid, len(first_seen))
    return sorted(score.items(), key=lambda x: (-x[1], first_seen[x[0]]))


@dataclass
class MeaningRanker:
    """Orders articles by the e5 cosine of their passage to a query.

    ``vectors`` are row-aligned unit vectors (zero rows where an article has none), ``row``
    maps an article id to its row, ``embed`` turns a query into a unit vector
    (``rank.dense.embed_query``; tests pass their own).
    """

    vectors: np.ndarray
    row: dict[int, int]
    embed: Callable[[str], np.ndarray]

    def order(self, query: str, ids: list[int]) -> list[int]:
        """``ids`` (best word match first) by meaning, closest first. An id without a vector
        (not embedded yet: ``khabar embed`` runs behind the crawl) keeps its place in ``ids``,
        its words standing in for its meaning, as in the related ranker: left out, it would
        score in one ranking only and fall behind every embedded article."""
        rows = np.array([self.row.get(a, -1) for a in ids], dtype=np.int64)
        has_vector = rows >= 0
        has_vector[has_vector] = np.linalg.norm(self.vectors[rows[has_vector]], axis=1) > 0
        embedded = np.asarray(ids, dtype=np.int64)[has_vector]
        if not len(embedded):
            return [int(a) for a in ids]
        cosine = self.vectors[rows[has_vector]] @ self.embed(query)
        ranked = [int(a) for a in embedded[np.argsort(-cosine, kind="stable")]]
        for place in np.flatnonzero(~has_vector):  # ascending, so earlier insertions hold their places
            ranked.insert(int(place), int(ids[place]))
        return ranked
