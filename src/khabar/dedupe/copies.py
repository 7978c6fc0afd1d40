"""Copies: exact duplicates (content hash) and near-duplicates (shingle containment).

Why containment and not Jaccard: wire copies here are press releases with a new
first line, trimmed or lightly reworded. Trimming halves Jaccard but leaves
containment (overlap / the shorter text's shingles) high. On the dev judgments,
word-3-shingle containment ≥ 0.48 gives F1 ≈ 0.91 where whole-body 5-shingle
Jaccard tops out at ≈ 0.78.

Candidates come from an exact sparse overlap product (doc × shingle matrix
times its transpose, on shingles shared by 2..``MAX_DF`` documents), so no copy
is lost to hashing luck; phrases shared by more documents are boilerplate.
Why not MinHash LSH (datasketch): ``bench/minhash.py`` on the full corpus finds
49–58 of the 64 judged dev copy pairs among Jaccard-LSH candidates (which ones
varies from run to run) against 59 for exact containment, and LSH Ensemble (the
containment variant) needs ~76 s to index and query (and finds 52), beyond the 60 s budget for
copies + stories; the exact product takes ~3 s after shingling.

Groups form in time order: an article joins the group of the earliest-formed
group it copies, whose canonical is that group's first article (the original).
A crawl round's few arrivals are checked against their nearest articles only
(``find_arrival_copy_links``), with the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import sparse

from ..settings import DedupeSettings
from ..store.base import IndexRow
from ..text import tokenize

__all__ = ["ShingleIndex", "build_shingles", "find_copy_links", "find_copy_pairs", "find_arrival_copy_links",
           "find_arrival_copies", "ArrivalCopies", "find_copies_of_text", "containment"]

MAX_DF = 400
ARRIVAL_CANDIDATES = 100  # an arrival is checked against this many nearest articles (TF-IDF cosine)...
ARRIVAL_MIN_COSINE = 0.15  # ... those at least this close (see find_arrival_copy_links)
MEMBERS_CHECKED = 10  # a newcomer is checked against this many of a group's latest members
CANDIDATE_FRACTION = 0.5  # bound on low-df overlap before the exact check
_P1, _P2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F)


@dataclass
class ShingleIndex:
    ids: np.ndarray
    matrix: sparse.csr_matrix  # binary doc × shingle (shingles with 2..MAX_DF docs)
    sizes: np.ndarray  # total distinct shingles per doc
    hashes: list[np.ndarray]  # sorted distinct shingle hashes per doc
    hash_key: np.ndarray  # content hash per doc


def _doc_shingles(body_norm: str, k: int) -> np.ndarray:
    toks = tokenize(body_norm)
    if len(toks) < k:
        return np.zeros(0, dtype=np.uint64)
    # Token hashes (process-local, which is all shingles need) via a C-level map: a
    # vocabulary dict lookup per token cost most of the dedupe time on the full corpus.
    ids = np.fromiter(map(hash, toks), dtype=np.int64, count=len(toks)).view(np.uint64)
    with np.errstate(over="ignore"):
        h = ids[: len(ids) - k + 1].copy()
        for j in range(1, k):
            h = h * (_P1 if j % 2 else _P2) + ids[j : len(ids) - k + 1 + j]
    return np.unique(h)


def build_shingles(rows: list[IndexRow], settings: DedupeSettings) -> ShingleIndex:
    hashes = []
    for r in rows:
        h = _doc_shingles(r.body_norm, settings.shingle_words)
        if len(h) < settings.min_body_words:
            h = np.zeros(0, dtype=np.uint64)  # too short to tell a copy from boilerplate
        hashes.append(h)
    sizes = np.array([len(h) for h in hashes], dtype=np.float32)
    n = len(rows)
    if n == 0 or not sizes.any():
        matrix = sparse.csr_matrix((n, 0), dtype=np.float32)
    else:
        allh = np.concatenate(hashes)
        uniq, col, df = np.unique(allh, return_inverse=True, return_counts=True)
        keep = (df[col] >= 2) & (df[col] <= MAX_DF)
        row = np.repeat(np.arange(n), [len(h) for h in hashes])
        matrix = sparse.csr_matrix(
            (np.ones(int(keep.sum()), dtype=np.float32), (row[keep], col[keep])), shape=(n, len(uniq))
        )
    return ShingleIndex(
        ids=np.array([r.id for r in rows], dtype=np.int64),
        matrix=matrix,
        sizes=sizes,
        hashes=hashes,
        hash_key=np.array([r.content_hash for r in rows], dtype=object),
    )


def containment(a: np.ndarray, b: np.ndarray) -> float:
    """Shared shingles over the shorter document's shingles (0 when either is empty)."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    return len(np.intersect1d(a, b, assume_unique=True)) / min(len(a), len(b))


def find_copy_links(
    index: ShingleIndex, settings: DedupeSettings, existing: dict[int, int] | None = None, only_rows=None
) -> list[tuple[int, int, float, str]]:
    """Copy links (article_id, canonical_id, score, kind) for rows in time order.

    ``existing`` maps already-linked article ids to their canonical; ``only_rows``
    restricts the check to those row positions (incremental arrival).
    """
    canonical: dict[int, int] = dict(existing or {})
    links: list[tuple[int, int, float, str]] = []
    n = len(index.ids)
    rows = range(n) if only_rows is None else sorted(only_rows)
    first_by_hash: dict[str, int] = {}
    for i in range(n):
        if index.sizes[i] > 0:
            first_by_hash.setdefault(index.hash_key[i], i)
    mat = index.matrix
    row_of = {int(a): r for r, a in enumerate(index.ids)}
    members: dict[int, list[int]] = {}  # canonical row → member rows, in time order
    for aid, root in sorted(canonical.items(), key=lambda x: row_of.get(x[0], -1)):
        if aid in row_of and root in row_of:
            members.setdefault(row_of[root], []).append(row_of[aid])
    mat_t = mat.T.tocsr() if mat.shape[1] else None
    block = 1024
    rows = list(rows)
    for start in range(0, len(rows), block):
        chunk = rows[start : start + block]
        overlap = (mat[chunk] @ mat_t).tocsr() if mat_t is not None else None
        for ci, i in enumerate(chunk):
            aid = int(index.ids[i])
            if aid in canonical or index.sizes[i] == 0:
                continue
            first = first_by_hash.get(index.hash_key[i])
            if first is not None and first < i:
                links.append(_link(canonical, aid, int(index.ids[first]), 1.0, "exact"))
                members.setdefault(row_of[links[-1][1]], []).append(i)
                continue
            if overlap is None:
                continue
            s, e = overlap.indptr[ci], overlap.indptr[ci + 1]
            cols, shared = overlap.indices[s:e], overlap.data[s:e]
            earlier = cols < i
            cols, shared = cols[earlier], shared[earlier]
            if len(cols) == 0:
                continue
            # Cheap bound first (shared low-df shingles), then the exact containment.
            denom = np.minimum(index.sizes[i], index.sizes[cols])
            maybe = cols[shared / np.maximum(denom, 1) >= settings.threshold * CANDIDATE_FRACTION]
            best_root, best_score = None, 0.0
            for j in maybe[np.argsort(maybe)]:
                root_row = row_of[canonical.get(int(index.ids[j]), int(index.ids[j]))]
                # Star groups: an article joins a group only if it copies the group's
                # canonical itself, so template-alike articles do not chain together...
                score = containment(index.hashes[i], index.hashes[root_row])
                if score >= settings.threshold and score > best_score and _agrees_with_members(
                    index, i, members.get(root_row, []), settings.member_floor
                ):
                    best_root, best_score = root_row, score
            if best_root is not None:
                links.append(_link(canonical, aid, int(index.ids[best_root]), best_score, "near"))
                members.setdefault(best_root, []).append(i)
    return links


def find_copy_pairs(
    index: ShingleIndex, settings: DedupeSettings, canonical: dict[int, int], only_rows=None
) -> list[tuple[int, int, float]]:
    """Copy pairs across groups: (article_id, other_id, containment) for two articles in
    different copy groups (``canonical``: article id → canonical id) whose containment is at
    least ``DedupeSettings.pair_threshold``.

    Why: groups are stars around an original, so that template-alike texts do not chain
    together. That keeps some plain copies apart: a trimmed copy of a copy whose group's
    original was itself reworded (it does not copy the original), and two digests of the same
    two releases that joined the group of a different one. A reader must still never see both
    in one list. ``only_rows`` (positions) restricts the check to those articles (arrivals),
    against every other article; otherwise each pair is found once.
    """
    mat = index.matrix
    if not mat.shape[1] or len(index.ids) == 0:
        return []
    group = [canonical.get(int(a), int(a)) for a in index.ids]
    rows = list(range(len(index.ids))) if only_rows is None else sorted(only_rows)
    arrivals = np.array(rows if only_rows is not None else [], dtype=np.int64)
    mat_t = mat.T.tocsr()
    pairs = []
    for start in range(0, len(rows), 1024):
        chunk = rows[start : start + 1024]
        overlap = (mat[chunk] @ mat_t).tocsr()
        for ci, i in enumerate(chunk):
            s, e = overlap.indptr[ci], overlap.indptr[ci + 1]
            cols, shared = overlap.indices[s:e], overlap.data[s:e]
            # Each pair once: the later article finds the earlier, an arrival every non-arrival.
            keep = cols < i
            if only_rows is not None:
                keep |= ~np.isin(cols, arrivals)
            cols, shared = cols[keep], shared[keep]
            denom = np.maximum(np.minimum(index.sizes[i], index.sizes[cols]), 1)
            for j in cols[shared / denom >= settings.pair_threshold * CANDIDATE_FRACTION]:
                if group[i] == group[j]:
                    continue
                score = containment(index.hashes[i], index.hashes[j])
                if score >= settings.pair_threshold:
                    pairs.append((int(index.ids[i]), int(index.ids[j]), round(score, 4)))
    return pairs


def _agrees_with_members(index: ShingleIndex, row: int, members: list[int], floor: float) -> bool:
    """...and shares at least ``floor`` with the group's latest members too. A digest that
    strings two press releases together is the canonical of copies of either: without this,
    the copies of one release and of the other became one group (pairs sharing nothing)."""
    return all(containment(index.hashes[row], index.hashes[m]) >= floor for m in members[-MEMBERS_CHECKED:])


def _link(canonical: dict[int, int], aid: int, other: int, score: float, kind: str):
    root = canonical.get(other, other)
    canonical[aid] = root
    return (aid, root, round(score, 4), kind)


def find_arrival_copy_links(
    rows: list[IndexRow], vectors: sparse.csr_matrix, new_rows: list[int], existing: dict[int, int],
    settings: DedupeSettings, with_texts: Callable[[list[IndexRow]], list[IndexRow]] | None = None,
) -> list[tuple[int, int, float, str]]:
    """The copy links of ``find_arrival_copies``."""
    return find_arrival_copies(rows, vectors, new_rows, existing, settings, with_texts).links


@dataclass
class ArrivalCopies:
    links: list[tuple[int, int, float, str]]  # (article, canonical, score, kind), as find_copy_links
    pairs: list[tuple[int, int, float]]  # (article, other, containment), as find_copy_pairs


def find_arrival_copies(
    rows: list[IndexRow], vectors: sparse.csr_matrix, new_rows: list[int], existing: dict[int, int],
    settings: DedupeSettings, with_texts: Callable[[list[IndexRow]], list[IndexRow]] | None = None,
) -> ArrivalCopies:
    """Copy links for a few arrivals (``new_rows``, positions in ``rows``) without re-shingling
    the corpus: ``find_copy_links`` on the arrivals, their ``ARRIVAL_CANDIDATES`` nearest
    articles by TF-IDF cosine (``vectors``, row-aligned), the first article of each of their
    content hashes, and the whole copy groups those belong to.

    Why: shingling every article is most of a crawl round's work at 31k articles (6 s) to
    check five. A copy shares most of the arrival's distinctive terms, so its group is among
    its nearest: on the corpus, for all but 5 of the 8,251 near-copy links (templated daily
    reports, mostly) a member of the group is among the 100 nearest earlier articles, and
    the last 2,000 articles arriving this way get exactly the links of the full check. A
    miss is found at the next full build. The other difference: phrases shared by more than
    ``MAX_DF`` articles cannot be told apart here, and only narrow the candidates there.

    Of those nearest, only articles at TF-IDF cosine ≥ ``ARRIVAL_MIN_COSINE`` (and their groups)
    are shingled: most of the 100 share only the topic, and shingling them was most of a
    round (2.1 of 3.1 s for 140 arrivals at 30k articles; 0.8 s with the floor). For 7 of the
    8,251 links no earlier member of the group is that close; the last 2,100 articles arriving
    in rounds of 140 get 765 of the full check's 766 links (all 766 without the floor, in 2.6×
    the time).

    ``rows`` may be heads only (no texts) but for the arrivals: ``with_texts`` then gives the
    rows to shingle their texts (the caller reads them), in the same order.
    """
    if not new_rows:
        return ArrivalCopies([], [])
    ids = [r.id for r in rows]
    members: dict[int, list[int]] = {}
    for aid, root in existing.items():
        members.setdefault(root, []).append(aid)
    row_of = {aid: i for i, aid in enumerate(ids)}
    first_of_hash: dict[str, int] = {}
    for i, r in enumerate(rows):
        first_of_hash.setdefault(r.content_hash, i)
    keep = set(new_rows)
    # Many arrivals (a first import): their candidates would cover much of the corpus anyway.
    many = len(new_rows) * (ARRIVAL_CANDIDATES + 1) > len(rows) // 2
    for start in range(0, 0 if many else len(new_rows), 256):
        block = new_rows[start : start + 256]
        sims = (vectors[block] @ vectors.T).toarray()
        for bi, i in enumerate(block):
            near = np.argpartition(-sims[bi], min(ARRIVAL_CANDIDATES, len(ids) - 1))[: ARRIVAL_CANDIDATES + 1]
            near = near[sims[bi][near] >= ARRIVAL_MIN_COSINE]
            for j in [*near.tolist(), first_of_hash[rows[i].content_hash]]:
                root = existing.get(ids[j], ids[j])
                keep.update(row_of[a] for a in [root, *members.get(root, [])] if a in row_of)
    # Index order, so "earlier" keeps its meaning; past half the corpus, shingling it all costs no more.
    subset = sorted(keep) if not many and len(keep) <= len(rows) // 2 else list(range(len(rows)))
    position = {i: p for p, i in enumerate(subset)}
    in_subset = {ids[i] for i in subset}
    known = {a: c for a, c in existing.items() if a in in_subset and c in in_subset}
    checked = [rows[i] for i in subset]
    shingles = build_shingles(with_texts(checked) if with_texts else checked, settings)
    arriving = [position[i] for i in new_rows]
    links = find_copy_links(shingles, settings, known, only_rows=arriving)
    canonical = {**known, **{a: c for a, c, _, _ in links}}
    return ArrivalCopies(links, find_copy_pairs(shingles, settings, canonical, only_rows=arriving))


def find_copies_of_text(body_norm: str, candidates: list[IndexRow], settings: DedupeSettings) -> list[tuple[int, float]]:
    """(id, containment) of the ``candidates`` (stored articles, with texts) that a text which
    is not stored copies, by the rule stored articles follow (``DedupeSettings.threshold`` on
    word-shingle containment; texts too short to tell are never copies)."""
    mine = _doc_shingles(body_norm, settings.shingle_words)
    if len(mine) < settings.min_body_words:
        return []
    found = []
    for r in candidates:
        theirs = _doc_shingles(r.body_norm, settings.shingle_words)
        if len(theirs) >= settings.min_body_words and (score := containment(mine, theirs)) >= settings.threshold:
            found.append((r.id, score))
    return found
