"""Benchmark: search by words against search by meaning too, on a proxy of judged search data.

usage: python bench/search_meaning.py DB [QRELS]
DB must hold the full SaudiNewsNet corpus with e5 vectors (`khabar import …`, `khabar embed`).

There are no judged search queries, so this borrows the related-articles judgments
(../shared/eval/dev-qrels.jsonl): each dev article's headline is a query, whole and cut to its
first three words (closer to what a reader types), and the articles judged against that
article are its judged results (gain 2^g - 1, copies 0). The article itself and its copies are
left out of the results: a headline finds its own article, which says nothing. So this is a
proxy: it asks "does a search for what an article is about find the articles about the same
thing", which is what a reader searching a story wants, and it cannot credit results never
judged (they count 0 for both modes). Prints nDCG@10 and latency (p50/p99) for both modes.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from khabar.eval.metrics import load_qrels, per_query_ndcg
from khabar.pipeline import load_engine
from khabar.settings import Settings
from khabar.store import open_store
from khabar.web.search import SearchRequest, search_page

QRELS = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev-qrels.jsonl"
K = 10


def main() -> None:
    db = sys.argv[1]
    qrels = load_qrels(sys.argv[2] if len(sys.argv) > 2 else QRELS)
    store = open_store(db)
    engine = load_engine(store, Settings(db=db), build=False)
    meaning = engine.meaning_ranker()
    if meaning is None:
        sys.exit("the database has no e5 vectors: run `khabar embed` first")
    ranker = engine.ranker
    meaning.order("تحمية", [])  # load the model outside the timings
    figures: dict[tuple[str, str], list[float]] = {}
    times: dict[str, list[float]] = {"words": [], "meaning": []}
    for query_url, judged in qrels.items():
        aid = store.article_id(query_url)
        if aid is None:
            continue
        title = store.get_article(aid).title
        own = ranker.group_of(aid)
        for shape, q in (("headline", title), ("3 words", " ".join(title.split()[:3]))):
            for mode, m in (("words", None), ("meaning", meaning)):
                t0 = time.perf_counter()
                data = search_page(store, SearchRequest(q, limit=K + 1), ranker, meaning=m)
                times[mode].append(time.perf_counter() - t0)
                urls = [r["url"] for r in data["results"] if ranker.group_of(r["id"]) != own]
                figures.setdefault((shape, mode), []).append(per_query_ndcg(judged, urls, K))
    print(f"{len(qrels)} queries (dev headlines), nDCG@{K} against the related-articles judgments (a proxy)")
    print(f"{'query':10} {'words':>8} {'meaning':>8}")
    for shape in ("headline", "3 words"):
        w, m = np.mean(figures[(shape, "words")]), np.mean(figures[(shape, "meaning")])
        print(f"{shape:10} {w:8.4f} {m:8.4f}")
    for mode, ts in times.items():
        ms = np.array(ts) * 1000
        print(f"latency {mode:8} p50 {np.percentile(ms, 50):6.1f} ms  p99 {np.percentile(ms, 99):6.1f} ms")


if __name__ == "__main__":
    main()
