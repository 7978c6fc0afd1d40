"""A story's label: the headline that says best what its articles share.

The first article's headline is often the thinnest ("Warning issued", "Breaking"),
and a story's id is not something a reader can scan. The label is the member
headline closest to the centroid of the story's headline TF-IDF vectors (a
medoid): the headline whose terms recur most across the story. Ties go to the
earliest article, so a two-article story keeps its first headline.
"""

from __future__ import annotations

import re

import numpy as np
from scipy import sparse

__all__ = ["label_text", "pick_label_rows", "text_label"]

TEXT_LABEL_CHARS = 80  # characters of an article's text that stand in for a missing headline

# The Saudi Press Agency heads its wire items with their desk: "عام / …", "اقتصادي / …" (1.2% of
# the corpus's headlines). An outlet's desk is not what the story is about, so a label drops it.
_DESK = re.compile(r"^\s*(?:عام|سياسي|[اإ]قتصادي|ثقافي|رياضي|[اإ]جتماعي|محلي|دولي|تقرير|صحي)\s*/\s*")


def label_text(headline: str) -> str:
    """A member headline as a story label: without a wire desk prefix ("عام / ")."""
    return _DESK.sub("", headline, count=1).strip() or headline


def text_label(text: str, chars: int = TEXT_LABEL_CHARS) -> str:
    """The start of a text where there is no headline (67 of the corpus's records have none):
    whole words up to ``chars``, then "…"; "" for no text."""
    text = " ".join(text.split())
    if len(text) > chars:
        return text[:chars].rsplit(" ", 1)[0] + "…"
    return text


def pick_label_rows(title_vectors: sparse.csr_matrix, story_of: dict[int, int]) -> dict[int, int]:
    """Story id → index row of its representative headline (rows in time order)."""
    if not story_of:
        return {}
    rows = np.array(sorted(story_of), dtype=np.int64)
    sids = np.array([story_of[r] for r in rows], dtype=np.int64)
    uniq, member_of = np.unique(sids, return_inverse=True)
    indicator = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (member_of, rows)),
                                  shape=(len(uniq), title_vectors.shape[0]))
    centroids = (indicator @ title_vectors).tocsr()
    # Each member's agreement with its own story's centroid, all at once.
    score = np.asarray(title_vectors[rows].multiply(centroids[member_of]).sum(axis=1)).ravel()
    best: dict[int, int] = {}
    best_score: dict[int, float] = {}
    for r, sid, s in zip(rows.tolist(), sids.tolist(), score.tolist()):
        # Rows ascend in time: ties keep the earlier. float32 sums differ in the last bits with the
        # vocabulary order (a two-article story ties exactly in exact arithmetic), hence the margin.
        if sid not in best or s > best_score[sid] + 1e-5:
            best[sid], best_score[sid] = r, s
    return best
