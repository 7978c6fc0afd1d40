"""Benchmark: latency of the similar-list computation, side by side with the Lucene peer.

usage: python bench/related.py DB [N_QUERIES]
DB must hold the full SaudiNewsNet corpus (`khabar --db DB import ../shared/corpus/saudinewsnet`).
Picks N (default 2,000) articles at random (fixed seed), times Khabar's related() in
process on a second pass after an untimed warm-up pass (as the peer's run.py does),
then runs ../shared/tools/lucene-mlt/run.py on the same queries and prints both
figures, plus peak RSS. Needs liblucene8-java and a JDK for the peer.
"""

from __future__ import annotations

import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from khabar.pipeline import load_engine
from khabar.settings import Settings
from khabar.store import open_store

PEER = Path(__file__).resolve().parents[1].parent / "shared" / "tools" / "lucene-mlt" / "run.py"


def main() -> None:
    db = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    store = open_store(db)
    engine = load_engine(store, Settings(db=db))
    rows = {r.id: r for r in store.iter_index_rows()}
    ids = sorted(rows)
    random.Random(7).shuffle(ids)
    ids = ids[:n]
    ranker = engine.ranker

    def one(aid):
        r = rows[aid]
        t = time.perf_counter()
        ranker.related(aid, r.title_terms, r.body_terms, 10)
        return time.perf_counter() - t

    for aid in ids:  # warm-up pass
        one(aid)
    lat = np.array([one(aid) for aid in ids]) * 1000
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"khabar  queries {len(ids)}  p50 {np.percentile(lat, 50):.2f} ms  p99 {np.percentile(lat, 99):.2f} ms"
          f"  (dense vectors: {'yes' if ranker.vectors is not None else 'no'})  peak RSS {rss:.0f} MiB")
    with tempfile.TemporaryDirectory() as tmp:
        queries = Path(tmp) / "queries.txt"
        queries.write_text("\n".join(rows[a].url for a in ids) + "\n", encoding="utf-8")
        if not PEER.exists():
            print("peer: ../shared/tools/lucene-mlt/run.py not found")
            return
        proc = subprocess.run([sys.executable, str(PEER), str(queries), "10", str(Path(tmp) / "peer.trec")],
                              capture_output=True, text=True)
        m = re.search(r"queries (\d+) p50 ([\d.]+) ms p99 ([\d.]+) ms", proc.stderr)
        if m:
            print(f"lucene  queries {m.group(1)}  p50 {m.group(2)} ms  p99 {m.group(3)} ms  (same machine, same run)")
        else:
            print("peer failed:", proc.stderr.strip()[-500:])
    store.close()


if __name__ == "__main__":
    main()
