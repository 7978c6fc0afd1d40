"""The lexical index: BM25 document weights and TF-IDF vectors over analyzed stems.

Kept as sparse matrices (SciPy) in memory and persisted as one blob inside the
database, so ``related`` answers in a few milliseconds without touching FTS:
a more-like-this query is a sparse vector, its scores one column-sliced product.
"""

from __future__ import annotations

import io
import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
from scipy import sparse

from ..store.base import IndexRow

__all__ = ["LexicalIndex", "build_lexical_index", "days_since_epoch", "extend_lexical_index"]

K1, B = 1.2, 0.75
TITLE_WEIGHT = 3  # a title term counts as this many body occurrences
VECTOR_TERMS = 60  # terms kept per document vector (the most distinctive ones)


@dataclass
class LexicalIndex:
    ids: np.ndarray  # article ids, row order = time order (then arrival order for rows appended since)
    times: np.ndarray  # float days since epoch (nan when unknown)
    outlets: np.ndarray  # outlet key per row
    vocab: dict[str, int]
    idf: np.ndarray
    bm25: sparse.csc_matrix  # N×V BM25 weights (column slices for queries)
    vectors: sparse.csr_matrix  # N×V L2-normalized TF-IDF, top VECTOR_TERMS terms per doc
    title_vectors: sparse.csr_matrix  # N×V L2-normalized title TF-IDF
    avgdl: float = 1.0  # mean weighted document length at the last full build (BM25 length norm)
    base_size: int = 0  # rows at the last full build; the rest were appended (``extend_lexical_index``)

    @property
    def size(self) -> int:
        return len(self.ids)

    def row_of(self) -> dict[int, int]:
        return {int(a): i for i, a in enumerate(self.ids)}

    # --- persistence ---------------------------------------------------------------
    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        terms = np.array(sorted(self.vocab, key=self.vocab.get), dtype=object)
        np.savez(
            buf,
            ids=self.ids,
            times=self.times,
            outlets=self.outlets.astype(str),
            terms=terms.astype(str),
            idf=self.idf,
            stats=np.array([self.avgdl, self.base_size], dtype=np.float64),
            **_pack("bm25", self.bm25.tocsr()),
            **_pack("vec", self.vectors),
            **_pack("tvec", self.title_vectors),
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "LexicalIndex":
        z = np.load(io.BytesIO(data), allow_pickle=False)
        terms = z["terms"].tolist()
        # Blobs written before appending existed lack the build stats: they load, never extend.
        avgdl, base_size = z["stats"].tolist() if "stats" in z.files else (float("nan"), len(z["ids"]))
        return cls(
            ids=z["ids"],
            times=z["times"],
            outlets=z["outlets"].astype(object),
            vocab={t: i for i, t in enumerate(terms)},
            idf=z["idf"],
            bm25=_unpack(z, "bm25").tocsc(),
            vectors=_unpack(z, "vec"),
            title_vectors=_unpack(z, "tvec"),
            avgdl=float(avgdl),
            base_size=int(base_size),
        )

    # --- queries ------------------------------------------------------------------------
    def query_vector(self, title_terms: list[str], body_terms: list[str], n_terms: int) -> tuple[np.ndarray, np.ndarray]:
        """More-like-this query: the document's ``n_terms`` most distinctive known terms.

        Never empty for a document with any known term (no min-term-frequency cut,
        MoreLikeThis's failure on short texts), weighted by tf-idf.
        """
        col, _, _, w, _ = self._distinctive_terms(title_terms, body_terms, n_terms, unseen_idf=None)
        return col, w

    def text_query(self, title_terms: list[str], body_terms: list[str], n_terms: int) -> tuple[np.ndarray, np.ndarray, float]:
        """``query_vector`` for a text that is not stored, and the score it would give itself.

        The self-score is the scale a stored article's scores are shares of (it meets itself
        among its candidates). Terms the index has never seen count as a term of document
        frequency 0 would: in the choice of distinctive terms, the weights' norm and the
        self-score, though no stored article can match them. So a text sharing one word with
        the corpus scores a sliver of itself, not the full share of its best match.
        """
        unseen_idf = math.log(1.0 + (self.size + 0.5) / 0.5)
        col, tf, idf, w, length = self._distinctive_terms(title_terms, body_terms, n_terms, unseen_idf)
        avgdl = self.avgdl if np.isfinite(self.avgdl) and self.avgdl else 1.0
        norm = K1 * (1 - B + B * length / avgdl)
        self_score = float((idf * tf * (K1 + 1) / (tf + norm)) @ w)
        known = col >= 0
        return col[known], w[known], self_score

    def _distinctive_terms(self, title_terms: list[str], body_terms: list[str], n_terms: int, unseen_idf: float | None):
        """The ``n_terms`` terms of highest tf-idf (title counted ``TITLE_WEIGHT`` times): columns
        (-1 for a term the index never saw, weighted with ``unseen_idf``, or dropped when it is
        None), term counts, idf, L2-normalized float32 weights, and the weighted text length."""
        counts = Counter(body_terms)
        for t in title_terms:
            counts[t] += TITLE_WEIGHT
        terms = [t for t in counts if unseen_idf is not None or t in self.vocab]
        if not terms:
            empty = np.zeros(0, dtype=np.float32)
            return np.zeros(0, dtype=np.int64), empty, empty, empty, 0
        tf = np.array([counts[t] for t in terms], dtype=np.float32)
        col = np.array([self.vocab.get(t, -1) for t in terms], dtype=np.int64)
        idf = np.where(col >= 0, self.idf[np.maximum(col, 0)], unseen_idf or 0.0).astype(np.float32)
        w = (1.0 + np.log(tf.astype(np.float64))).astype(np.float32) * idf
        if len(w) > n_terms:
            keep = np.argpartition(-w, n_terms)[:n_terms]
            tf, col, idf, w = tf[keep], col[keep], idf[keep], w[keep]
        return col, tf, idf, w / (np.linalg.norm(w) or 1.0), sum(counts.values())

    def bm25_scores(self, cols: np.ndarray, weights: np.ndarray) -> np.ndarray:
        if len(cols) == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.bm25[:, cols] @ weights).ravel()


def _pack(prefix: str, m: sparse.csr_matrix) -> dict:
    return {f"{prefix}_data": m.data, f"{prefix}_indices": m.indices, f"{prefix}_indptr": m.indptr,
            f"{prefix}_shape": np.array(m.shape)}


def _unpack(z, prefix: str) -> sparse.csr_matrix:
    return sparse.csr_matrix(
        (z[f"{prefix}_data"], z[f"{prefix}_indices"], z[f"{prefix}_indptr"]), shape=tuple(z[f"{prefix}_shape"])
    )


def days_since_epoch(t: datetime | None) -> float:
    """The index's time scale (``LexicalIndex.times``): days since the epoch, NaN when unknown.
    Query times and story state are compared on it, so they are converted here too. A naive
    time is UTC, as stored (``datetime.timestamp`` would read it in the machine's zone, and a
    fetched page's aware time would then sit hours off the stored ones outside UTC)."""
    if t is None:
        return float("nan")
    return (t if t.tzinfo else t.replace(tzinfo=timezone.utc)).timestamp() / 86400.0


def build_lexical_index(rows: list[IndexRow]) -> LexicalIndex:
    """Build BM25 weights and TF-IDF vectors for ``rows`` (already in time order)."""
    vocab: dict[str, int] = {}
    tf, titles, lengths = _count_terms(rows, vocab)
    n = len(rows)
    df = np.bincount(tf.indices, minlength=tf.shape[1]).astype(np.float32)
    idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
    avgdl = float(lengths.mean()) if n else 1.0
    bm25, vectors, title_vectors = _weigh(tf, titles, lengths, idf, avgdl)
    return LexicalIndex(
        ids=np.array([r.id for r in rows], dtype=np.int64),
        times=np.array([days_since_epoch(r.time) for r in rows], dtype=np.float64),
        outlets=np.array([r.outlet for r in rows], dtype=object),
        vocab=vocab,
        idf=idf,
        bm25=bm25.tocsc(),
        vectors=vectors,
        title_vectors=title_vectors,
        avgdl=avgdl,
        base_size=n,
    )


def extend_lexical_index(index: LexicalIndex, rows: list[IndexRow]) -> LexicalIndex:
    """``index`` with ``rows`` (new arrivals, in time order) appended after its rows.

    Why not rebuild: a full build re-reads and re-weighs every article (~8 s and most of a
    crawl round's memory on the 31k corpus) to add a handful. The known terms keep the IDF
    and the BM25 length norm of the last full build; a term first seen now gets its IDF from
    the arrivals. The drift is small while arrivals are few, and the caller rebuilds in full
    once they are not (``IndexSettings.rebuild_share``).
    """
    if not rows:
        return index
    if not math.isfinite(index.avgdl):
        raise ValueError("this index predates appending: build it in full")
    vocab = dict(index.vocab)
    tf, titles, lengths = _count_terms(rows, vocab)
    n_total = index.size + len(rows)
    old_v, new_v = len(index.idf), len(vocab)
    df_new = np.bincount(tf.indices, minlength=new_v)[old_v:].astype(np.float32)
    idf = np.concatenate([index.idf, np.log(1.0 + (n_total - df_new + 0.5) / (df_new + 0.5)).astype(np.float32)])
    bm25, vectors, title_vectors = _weigh(tf, titles, lengths, idf, index.avgdl)

    def stack(old: sparse.spmatrix, new: sparse.csr_matrix) -> sparse.csr_matrix:
        old = old.tocsr()
        old = sparse.csr_matrix((old.data, old.indices, old.indptr), shape=(old.shape[0], new_v))  # wider vocabulary
        return sparse.vstack([old, new], format="csr")

    return LexicalIndex(
        ids=np.concatenate([index.ids, [r.id for r in rows]]).astype(np.int64),
        times=np.concatenate([index.times, [days_since_epoch(r.time) for r in rows]]).astype(np.float64),
        outlets=np.concatenate([index.outlets, np.array([r.outlet for r in rows], dtype=object)]),
        vocab=vocab,
        idf=idf,
        bm25=stack(index.bm25, bm25).tocsc(),
        vectors=stack(index.vectors, vectors),
        title_vectors=stack(index.title_vectors, title_vectors),
        avgdl=index.avgdl,
        base_size=index.base_size,
    )


def _count_terms(rows: list[IndexRow], vocab: dict[str, int]):
    """Term counts (title terms weighted), title term sets and weighted lengths of ``rows``;
    unseen terms are added to ``vocab``."""
    indptr, indices, tfs, title_ind, title_ptr = [0], [], [], [], [0]
    lengths = []
    for r in rows:
        counts = Counter(r.body_terms)
        for t in r.title_terms:
            counts[t] += TITLE_WEIGHT
        for term, tf in counts.items():
            indices.append(vocab.setdefault(term, len(vocab)))
            tfs.append(tf)
        indptr.append(len(indices))
        lengths.append(sum(counts.values()))
        for term in dict.fromkeys(r.title_terms):  # ordered: column ids must not depend on string hashing
            title_ind.append(vocab.setdefault(term, len(vocab)))
        title_ptr.append(len(title_ind))
    n, v = len(rows), max(len(vocab), 1)
    tf = sparse.csr_matrix((np.array(tfs, dtype=np.float32), np.array(indices, dtype=np.int32), np.array(indptr)), shape=(n, v))
    titles = sparse.csr_matrix(
        (np.ones(len(title_ind), dtype=np.float32), np.array(title_ind, dtype=np.int32), np.array(title_ptr)), shape=(n, v)
    )
    return tf, titles, np.array(lengths, dtype=np.float32)


def _weigh(tf: sparse.csr_matrix, titles: sparse.csr_matrix, lengths: np.ndarray, idf: np.ndarray, avgdl: float):
    """BM25 weights, pruned L2 TF-IDF vectors and L2 title vectors from raw counts."""
    row_of_entry = np.repeat(np.arange(tf.shape[0]), np.diff(tf.indptr))
    norm = K1 * (1 - B + B * lengths[row_of_entry] / (avgdl or 1.0))
    bm = tf.copy()
    bm.data = idf[tf.indices] * tf.data * (K1 + 1) / (tf.data + norm)

    # TF-IDF vectors, pruned to the most distinctive terms, L2-normalized.
    vec = tf.copy()
    vec.data = (1.0 + np.log(vec.data)) * idf[vec.indices]
    vec = _prune_rows(vec, VECTOR_TERMS)
    tvec = titles.copy()
    tvec.data = tvec.data * idf[tvec.indices]
    return bm, _l2(vec), _l2(tvec)


def _prune_rows(m: sparse.csr_matrix, k: int) -> sparse.csr_matrix:
    data, indices, indptr = [], [], [0]
    for i in range(m.shape[0]):
        s, e = m.indptr[i], m.indptr[i + 1]
        d, j = m.data[s:e], m.indices[s:e]
        if e - s > k:
            keep = np.argpartition(-d, k)[:k]
            d, j = d[keep], j[keep]
        data.append(d)
        indices.append(j)
        indptr.append(indptr[-1] + len(d))
    return sparse.csr_matrix(
        (np.concatenate(data) if data else np.zeros(0, np.float32), np.concatenate(indices) if indices else np.zeros(0, np.int32), np.array(indptr)),
        shape=m.shape,
    )


def _l2(m: sparse.csr_matrix) -> sparse.csr_matrix:
    m = m.tocsr().astype(np.float32)
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms).dot(m).tocsr()
