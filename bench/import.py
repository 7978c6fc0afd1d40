"""Benchmark: import the full SaudiNewsNet corpus into a fresh database (indexes included).

Prints articles/s and peak RSS. Not a test: run it by hand (`python bench/import.py [CORPUS] [--db URL]`;
by default a fresh SQLite file; ``--db postgresql:///NAME`` measures an empty PostgreSQL database).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from khabar.ingest.bulk import import_paths
from khabar.pipeline import build_indexes
from khabar.settings import Settings
from khabar.store import open_store

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "saudinewsnet"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=CORPUS)
    parser.add_argument("--db", metavar="URL", help="an empty database (default: a fresh SQLite file)")
    args = parser.parse_args()
    url, corpus = args.db, args.corpus
    if not corpus.exists():
        sys.exit(f"{corpus}: no such file or directory (the corpus is ../shared/corpus/saudinewsnet)")
    with tempfile.TemporaryDirectory() as tmp:
        db = url or str(Path(tmp) / "bench.db")
        store = open_store(db)
        if store.stats()["articles"]:
            sys.exit(f"{db} is not empty: the benchmark measures a fresh import")
        t0 = time.perf_counter()
        report = import_paths(store, [corpus])
        t1 = time.perf_counter()
        info = build_indexes(store, Settings(db=db))
        t2 = time.perf_counter()
        again = import_paths(store, [corpus])
        store.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"articles: {report.new}  exact duplicates: {report.exact_duplicates}  skipped: {dict(report.skipped)}")
    print(f"import: {t1 - t0:.1f} s  ({report.new / (t1 - t0):.0f} articles/s)")
    print(f"indexes (copies, stories, lexical): {t2 - t1:.1f} s  {info.get('seconds')}")
    print(f"total: {t2 - t0:.1f} s  ({report.new / (t2 - t0):.0f} articles/s end to end)  peak RSS: {rss:.0f} MiB")
    print(f"second run: {again.new} new, {again.existing} already stored")


if __name__ == "__main__":
    main()
