"""Benchmark: MinHash LSH (datasketch) against Khabar's exact containment candidates.

usage: pip install datasketch; python bench/minhash.py DB [QRELS]
(DB holds the imported corpus; QRELS defaults to ../shared/eval/dev-qrels.jsonl)

The near-duplicate issue asked for MinHash LSH. This script keeps the comparison
that decided against it reproducible: for each configuration it prints the time to
sign and index every article, the candidates per article, and how many judged copy
pairs come out as candidates at all, beside the exact containment test
(``khabar.dedupe.copies``) that Khabar uses.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from khabar.dedupe.copies import build_shingles, containment
from khabar.eval.metrics import load_qrels
from khabar.settings import DedupeSettings
from khabar.store import open_store

CONFIGS = [  # (index, num_perm, threshold)
    ("lsh", 64, 0.2),
    ("lsh", 128, 0.2),
    ("lsh", 128, 0.3),
    ("ensemble", 128, 0.4),
]


def _identity(x):
    return x  # shingles are already 64-bit hashes


def _signatures(hashes: list[np.ndarray], num_perm: int):
    from datasketch import MinHash

    proto = MinHash(num_perm=num_perm, hashfunc=_identity)
    sigs = []
    for h in hashes:
        if len(h) == 0:
            sigs.append(None)
            continue
        m = MinHash(num_perm=num_perm, hashfunc=_identity, permutations=proto.permutations, scheme=proto.scheme)
        m.update_batch(h)
        sigs.append(m)
    return sigs


def _candidates(kind: str, sigs, sizes, num_perm: int, threshold: float) -> dict[int, set[int]]:
    from datasketch import MinHashLSH, MinHashLSHEnsemble

    if kind == "lsh":
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        found = {}
        for i, m in enumerate(sigs):  # time order: query the earlier articles, then join them
            if m is not None:
                found[i] = set(lsh.query(m))
                lsh.insert(i, m)
        return found
    ens = MinHashLSHEnsemble(threshold=threshold, num_perm=num_perm, num_part=16)
    ens.index([(i, m, int(sizes[i])) for i, m in enumerate(sigs) if m is not None])
    return {i: {j for j in ens.query(m, int(sizes[i])) if j < i} for i, m in enumerate(sigs) if m is not None}


def main() -> None:
    db = sys.argv[1]
    qrels = load_qrels(sys.argv[2] if len(sys.argv) > 2 else "../shared/eval/dev-qrels.jsonl")
    store = open_store(db)
    rows = list(store.iter_index_rows())
    store.close()
    settings = DedupeSettings()
    t = time.perf_counter()
    shingles = build_shingles(rows, settings)
    print(f"{len(rows)} articles, shingles in {time.perf_counter() - t:.1f} s")
    row_of = {r.url: i for i, r in enumerate(rows)}
    pairs = [(row_of[q], row_of[d]) for q, judged in qrels.items() for d, j in judged.items()
             if j.dup and q in row_of and d in row_of]
    exact = sum(containment(shingles.hashes[a], shingles.hashes[b]) >= settings.threshold for a, b in pairs)
    print(f"judged copy pairs: {len(pairs)}; exact containment ≥ {settings.threshold} finds {exact}")
    for kind, num_perm, threshold in CONFIGS:
        t = time.perf_counter()
        sigs = _signatures(shingles.hashes, num_perm)
        signed = time.perf_counter() - t
        t = time.perf_counter()
        found = _candidates(kind, sigs, shingles.sizes, num_perm, threshold)
        indexed = time.perf_counter() - t
        hits = sum(min(a, b) in found.get(max(a, b), ()) for a, b in pairs)
        per = np.mean([len(v) for v in found.values()]) if found else 0.0
        print(f"{kind:8s} perm {num_perm:3d} threshold {threshold}: sign {signed:.1f} s, index+query {indexed:.1f} s, "
              f"{per:.1f} candidates/article, judged copy pairs among candidates {hits}/{len(pairs)}")


if __name__ == "__main__":
    main()
