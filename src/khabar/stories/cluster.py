"""Stories: articles assigned to events in time order, as they arrive.

Each article is compared with the stories still open (an article seen within
``window_days``): the story score is the article's best similarity to a member
(TF-IDF cosine of body + title, the dense cosine when both have embeddings),
checked against the story's centroid so one loose link does not chain two
events. Above ``join_threshold`` it joins, else it opens a new story. Copies
always join their canonical's story. The same function serves a bulk import
(sorted by time) and a handful of new arrivals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from ..rank.lexical import LexicalIndex
from ..settings import StorySettings

__all__ = ["StoryState", "assign_stories", "similarity_matrix"]


@dataclass
class StoryState:
    """Story id per index row, plus each story's centroid (sum of member vectors)."""

    story_of: dict[int, int] = field(default_factory=dict)  # row → story id
    centroids: dict[int, sparse.csr_matrix] = field(default_factory=dict)
    last_seen: dict[int, float] = field(default_factory=dict)
    next_id: int = 1


def similarity_matrix(index: LexicalIndex, rows: list[int], title_weight: float = 0.3) -> sparse.csr_matrix:
    """Cosine similarities of ``rows`` to every indexed article (sparse, body + title blend)."""
    body = index.vectors[rows] @ index.vectors.T
    title = index.title_vectors[rows] @ index.title_vectors.T
    return ((1 - title_weight) * body + title_weight * title).tocsr()


def assign_stories(
    index: LexicalIndex,
    settings: StorySettings,
    copy_of: dict[int, int] | None = None,
    state: StoryState | None = None,
    only_rows: list[int] | None = None,
) -> StoryState:
    """Assign index rows (time order) to stories; ``copy_of`` maps row → canonical row."""
    state = state or StoryState()
    copy_of = copy_of or {}
    times = np.nan_to_num(index.times, nan=np.nanmax(index.times) if index.size and not np.isnan(index.times).all() else 0.0)
    rows = list(range(index.size)) if only_rows is None else sorted(only_rows)
    block = 512
    for start in range(0, len(rows), block):
        chunk = rows[start : start + block]
        sims = similarity_matrix(index, chunk)
        for ci, i in enumerate(chunk):
            if i in state.story_of:
                continue
            canonical = copy_of.get(i)
            if canonical is not None and canonical in state.story_of:
                _join(state, index, i, state.story_of[canonical])
                continue
            s, e = sims.indptr[ci], sims.indptr[ci + 1]
            cols, vals = sims.indices[s:e], sims.data[s:e]
            ok = (vals >= settings.join_threshold) & (np.abs(times[cols] - times[i]) <= settings.window_days)
            ok &= np.array([c != i and c in state.story_of for c in cols], dtype=bool) if len(cols) else ok
            best_story, best = None, 0.0
            for c in cols[ok][np.argsort(-vals[ok])][:10]:
                sid = state.story_of[int(c)]
                if times[i] - state.last_seen.get(sid, times[i]) > settings.window_days:
                    continue  # the story has closed
                centroid = state.centroids[sid]
                cos = float((index.vectors[i] @ centroid.T).toarray()[0, 0]) / (sparse.linalg.norm(centroid) or 1.0)
                score = 0.5 * float(vals[cols == c][0]) + 0.5 * cos
                if score > best:
                    best_story, best = sid, score
            if best_story is not None and best >= settings.join_threshold:
                _join(state, index, i, best_story)
            else:
                sid = state.next_id
                state.next_id += 1
                state.centroids[sid] = index.vectors[i].copy()
                state.story_of[i] = sid
                state.last_seen[sid] = times[i]
    return state


def _join(state: StoryState, index: LexicalIndex, row: int, sid: int) -> None:
    state.story_of[row] = sid
    state.centroids[sid] = state.centroids[sid] + index.vectors[row]
    t = index.times[row]
    if not np.isnan(t):
        state.last_seen[sid] = max(state.last_seen.get(sid, t), t)
