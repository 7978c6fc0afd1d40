"""Benchmark: copies + stories over the full corpus (lexical path, plus dense if vectors are stored).

usage: python bench/dedupe.py DB   (DB holds the imported corpus)
Prints articles/s for each stage and peak RSS.
"""

from __future__ import annotations

import resource
import sys
import time

from khabar.pipeline import build_indexes
from khabar.settings import Settings
from khabar.store import open_store


def main() -> None:
    db = sys.argv[1]
    store = open_store(db)
    t = time.perf_counter()
    info = build_indexes(store, Settings(db=db), force=True)
    elapsed = time.perf_counter() - t
    store.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = info["articles"]
    secs = info["seconds"]
    print(f"articles {n}: copy links {info['copy_links']}, stories {info['stories']}")
    print(f"copies  {secs['copies']:.1f} s ({n / secs['copies']:.0f} articles/s)")
    print(f"stories {secs['stories']:.1f} s ({n / secs['stories']:.0f} articles/s)")
    print(f"dedupe + stories {secs['copies'] + secs['stories']:.1f} s; whole index build {elapsed:.1f} s; peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
