"""Similar articles and the read-also pick for one article.

The recipe (``Ranker.related``):
1. lexical candidates: a more-like-this query from the article's most distinctive
   stems, scored by BM25 (title counted ``TITLE_WEIGHT`` times);
2. dense evidence where vectors exist (e5 cosine above what the article shares with any
   article), and dense candidates from the ANN index;
3. fusion: normalized lexical score + dense cosine + time proximity;
4. exclusions: the article itself and its copies (shown as "also reported by"): its copy
   group, and the articles it copies across groups;
5. diversification (MMR): an item too close to one already listed is a rewording of
   it, and copies of one another (one group, or a pair across groups) never both appear;
6. read-also: the next read, picked from the weaker half of the list's k + 1 items: a
   later same-story item from another outlet, else any same-story item from another
   outlet, else the weakest item of the pool still scoring at least ``read_also_min_share`` of
   the best; it is then not in the list, which keeps k items.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..dedupe.groups import CopyGroups
from ..settings import RelatedSettings
from .lexical import LexicalIndex

__all__ = ["Ranker", "RelatedResult", "Scored"]

SPREAD_ROWS = 1000  # rows spread over the index that stand for "an arbitrary article"
MIN_SPREAD_ROWS = 20  # ... when the index has at least this many


def _spread(rows: np.ndarray, n: int) -> np.ndarray | None:
    """Up to ``n`` of ``rows`` spread evenly over them (time order), or None when there are too
    few to say what an arbitrary article is like (they may all be related) or ``n`` is 0."""
    if n <= 0 or len(rows) < MIN_SPREAD_ROWS:
        return None
    return rows[np.linspace(0, len(rows) - 1, min(n, len(rows))).astype(np.int64)]


@dataclass
class Scored:
    id: int
    score: float


@dataclass
class RelatedResult:
    article_id: int | None  # None: a text that is not stored
    read_also: Scored | None
    similar: list[Scored]
    copies: list[int] = field(default_factory=list)  # "also reported by"


class Ranker:
    def __init__(
        self,
        index: LexicalIndex,
        settings: RelatedSettings,
        copies: CopyGroups | dict[int, int] | None = None,  # or a dict: article id → canonical id
        story_of: dict[int, int] | None = None,  # article id → story id
        vectors: np.ndarray | None = None,  # row-aligned unit vectors (zeros when missing)
        ann=None,
    ):
        self.index = index
        self.settings = settings
        self.row = index.row_of()
        self.copies = copies if isinstance(copies, CopyGroups) else CopyGroups(copies)
        self.story_of = story_of or {}
        self.vectors = vectors
        self.has_vec = None if vectors is None else np.linalg.norm(vectors, axis=1) > 0
        self.ann = ann
        self._terms: dict[int, str] | None = None  # column → stem, built when ``explain`` first needs it
        # What "an arbitrary article" scores against a query, lexically and (among the articles
        # with vectors) in e5 cosine: the floors below which a score says nothing.
        self.spread_rows = _spread(np.arange(index.size), SPREAD_ROWS)
        self.background = None if vectors is None else _spread(np.flatnonzero(self.has_vec), settings.dense_background)

    def _dense_floor(self, qv: np.ndarray) -> float:
        """The e5 cosine that is no evidence for this article: the fixed floor, or its median
        cosine to arbitrary articles when higher (``RelatedSettings.dense_background``)."""
        floor = self.settings.dense_floor
        if self.background is not None:
            floor = max(floor, float(np.median(self.vectors[self.background] @ qv)))
        return min(floor, 0.99)

    def _typical_share(self, lex: np.ndarray, top: float) -> float:
        """The median article's lexical score as a share of ``top``: what sharing a few common
        words is worth for this article (``RelatedSettings.lexical_background``). Taken over
        rows spread through the index: the median of all 31k scores costs 1.4 ms, of 1,000 0.03."""
        if top <= 0 or self.spread_rows is None:
            return 0.0
        return float(np.median(lex[self.spread_rows])) / top

    def group_of(self, aid: int) -> int:
        return self.copies.group_of(aid)

    def copies_of(self, aid: int) -> list[int]:
        return self.copies.copies_of(aid)

    def partners_of(self, aid: int):
        return self.copies.partners_of(aid)

    def related(self, aid: int | None, title_terms: list[str], body_terms: list[str], k: int | None = None,
                query_vector: np.ndarray | None = None, copies: list[int] | None = None,
                time_days: float | None = None) -> RelatedResult:
        """``aid``: a stored article; or None for a text that is not stored (``Engine.related_to_text``),
        which brings its own e5 ``query_vector`` (if any), the stored ``copies`` of it, and its
        time (days since the epoch) if it has one."""
        s = self.settings
        k = k or s.k
        idx = self.index
        i = self.row.get(aid) if aid is not None else None
        if i is not None:
            cols, w = idx.query_vector(title_terms, body_terms, s.mlt_terms)
            self_score = 0.0  # the article meets itself among its candidates
            time_days = idx.times[i]
        else:
            cols, w, self_score = idx.text_query(title_terms, body_terms, s.mlt_terms)
        lex = idx.bm25_scores(cols, w)
        n_cand = min(s.candidates, idx.size)
        cand = np.argpartition(-lex, n_cand - 1)[:n_cand] if idx.size else np.zeros(0, dtype=np.int64)
        qv = query_vector
        if qv is None and self.vectors is not None and i is not None and self.has_vec[i]:
            qv = self.vectors[i]
        dense = None
        if self.vectors is not None and qv is not None:
            if self.ann is not None:
                cand = np.union1d(cand, self.ann(qv, n_cand))
            dense = self.vectors[cand] @ qv
            dense = np.where(self.has_vec[cand], dense, np.nan)
        cand_lex = lex[cand]
        top = cand_lex.max() if len(cand) else 0.0
        top = max(top, self_score)  # scores are shares of the text's match with itself
        lex_n = cand_lex / top if top > 0 else cand_lex
        fused = lex_n.copy()
        if dense is not None:
            # Where a candidate has no vector, its lexical score stands in for the dense one.
            floor = self._dense_floor(qv)
            d = np.where(np.isnan(dense), lex_n, np.clip((dense - floor) / (1.0 - floor), 0, 1))
            fused = (1 - s.dense_weight) * lex_n + s.dense_weight * d
        if time_days is not None and not np.isnan(time_days):
            dt = np.abs(np.nan_to_num(idx.times[cand] - time_days, nan=365.0))
            fused = fused * (1 - s.time_weight + s.time_weight * np.exp(-dt / s.time_scale_days))
        min_score = max(s.min_score if dense is None else s.dense_min_score,
                        s.lexical_background * self._typical_share(lex, top))
        order = np.argsort(-fused)
        if copies is None:
            copies = self.copies_of(aid) if aid is not None else []
            excluded = {self.group_of(aid)} if aid is not None else set()
        else:
            excluded = {self.group_of(c) for c in copies}
        copy_ids = set(copies)  # a copy across groups is excluded by itself, not by its group
        ranked: list[Scored] = []
        seen_groups: set[int] = set()
        for j in order:
            other = int(idx.ids[cand[j]])
            if fused[j] < min_score:
                break  # ordered: everything after is weaker still (loosely related at best)
            group = self.group_of(other)
            if other == aid or other in copy_ids or group in excluded:
                continue
            if s.one_copy_per_list:
                # A list shows one copy of a text, its best-scoring one: the others would only
                # fill the capped pool below (a wire story republished by 11 outlets left a
                # pool of 44 with six distinct texts, and a list of six).
                if group in seen_groups:
                    continue
                seen_groups.add(group)
            if ranked and fused[j] < s.min_share_of_best * ranked[0].score:
                break  # the list has tailed off into barely related items
            ranked.append(Scored(other, float(fused[j])))
            if len(ranked) >= 5 * k:
                break
        # One more than the list holds: the read-also pick comes out of these k + 1, so the
        # list keeps k items and never repeats the pick.
        pool = self._diversify(ranked, k + 1)
        read_also = self._pick_read_also(aid, pool)
        similar = [r for r in pool if read_also is None or r.id != read_also.id][:k]
        return RelatedResult(aid, read_also, similar, copies)

    def explain(self, aid: int, title_terms: list[str], body_terms: list[str], others: list[int],
                terms: int = 5) -> dict[int, dict]:
        """Why each of ``others`` relates to the stored article ``aid``, in the ranker's own terms:
        its lexical score as a share of the best candidate's (the article's match with itself),
        its e5 cosine (where both have a vector), the days between them, and the query's
        distinctive stems it shares (the heaviest first). For an editor asking why an item is
        listed, and for tuning."""
        idx = self.index
        cols, w = idx.query_vector(title_terms, body_terms, self.settings.mlt_terms)
        lex = idx.bm25_scores(cols, w)
        top = float(lex.max()) if len(lex) else 0.0
        i = self.row.get(aid)
        if self._terms is None:
            self._terms = {c: t for t, c in idx.vocab.items()}
        by_weight = cols[np.argsort(-w)]
        out: dict[int, dict] = {}
        for other in others:
            j = self.row.get(other)
            if j is None:
                continue
            held = np.asarray(idx.bm25[j, by_weight].todense()).ravel() > 0  # column slices: the index is CSC
            cosine = None
            if self.vectors is not None and i is not None and self.has_vec[i] and self.has_vec[j]:
                cosine = round(float(self.vectors[i] @ self.vectors[j]), 4)
            dt = idx.times[j] - idx.times[i] if i is not None else float("nan")
            out[other] = {
                "lexical_share": round(float(lex[j]) / top, 4) if top > 0 else 0.0,
                "e5_cosine": cosine,
                "days_apart": None if np.isnan(dt) else round(float(dt), 2),
                "shared_terms": [self._terms[int(c)] for c in by_weight[held][:terms]],
            }
        return out

    def _pick_read_also(self, aid: int, pool: list[Scored]) -> Scored | None:
        """The next read: in the weaker half of the pool, the strongest same-story item from
        another outlet that came later (a development of the story), else any same-story
        item from another outlet, else a good read that disturbs the list least (a featured
        pick must not be the barely related tail of a long pool)."""
        if not pool:
            return None
        i = self.row.get(aid)
        outlet = self.index.outlets[i] if i is not None else None
        t0 = self.index.times[i] if i is not None else np.nan
        story = self.story_of.get(aid)
        # Only the weaker half is eligible: the list keeps its strongest items.
        weaker = pool[len(pool) // 2:]
        same_story = [r for r in weaker if story is not None and self.story_of.get(r.id) == story
                      and self.index.outlets[self.row[r.id]] != outlet]
        later = [r for r in same_story if not np.isnan(t0) and self.index.times[self.row[r.id]] > t0]
        if later:
            return later[0]
        if same_story:
            return same_story[0]
        # Otherwise the weakest item that is still a good read: from the weaker half when it
        # holds one (the list keeps its strong items), else from the stronger half. A featured
        # pick from a tail of barely related items would be worse than a list one item shorter
        # at the top (on the demo: a flood warning's pick was a desalination plant).
        good = [r for r in pool if r.score >= self.settings.read_also_min_share * pool[0].score]
        return good[-1]

    def _diversify(self, ranked: list[Scored], k: int) -> list[Scored]:
        """MMR: relevance minus redundancy with what is already listed; copies never twice
        (``ranked`` holds one copy per group already: here, copy pairs across groups)."""
        s = self.settings
        pool = ranked[: 4 * k]
        if not pool:
            return []
        rows = [self.row[c.id] for c in pool]
        sub = self.index.vectors[rows]
        sim = (sub @ sub.T).toarray()  # one small dense matrix instead of a product per pair
        top = pool[0].score or 1.0
        chosen: list[int] = []
        listed: set[int] = set()
        remaining = list(range(len(pool)))
        while remaining and len(chosen) < k:
            best, best_val = None, -1e9
            for c in remaining:
                if s.one_copy_per_list and not self.copies.partners_of(pool[c].id).isdisjoint(listed):
                    continue
                redundancy = float(sim[c, chosen].max()) if chosen else 0.0
                if redundancy >= s.near_dup_in_list:
                    continue  # a rewording of a listed item
                val = s.mmr_lambda * pool[c].score / top - (1 - s.mmr_lambda) * redundancy
                if val > best_val:
                    best, best_val = c, val
            if best is None:
                break
            remaining.remove(best)
            chosen.append(best)
            listed.add(pool[best].id)
        return [pool[c] for c in chosen]
