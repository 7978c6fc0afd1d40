"""Benchmark: crawl-like rounds of new arrivals on top of the corpus, against a full rebuild.

usage: python bench/arrivals.py DB [SHARE] [ROUNDS] [--vectors-from DB2]
The corpus (../shared/corpus/saudinewsnet) is sorted by time; all but the last SHARE
(default 0.045) is imported and indexed into DB (created afresh), then the rest arrives in
ROUNDS (default 10) rounds, each imported and indexed the way `khabar crawl` does (only the
arrivals: appended to the lexical index, copies checked against their nearest). Prints each
round's seconds by stage and the gated dev figures (``khabar eval gate``) after the rounds,
then the same for one full rebuild of the same data, and peak RSS.

With ``--vectors-from DB2`` (a database of the same corpus after ``khabar embed``) the base
takes its e5 vectors from DB2 (by URL: embedding 30k articles here would take most of an
hour) and every round embeds its arrivals first (``khabar crawl --embed``), timed on its own.
With ``--embed-beside N`` as well, the base starts without vectors and the rounds do not
embed: before each round, N more indexed articles get their vectors from DB2, as a
``khabar embed`` running beside the crawler stores them; after the rounds, the build that
embed runs when it finishes is timed too.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from khabar.eval.gate import measure_gated
from khabar.ingest.bulk import BadRecord, ImportFileError, ImportOptions, expand_paths, import_paths, parse_time, read_records
from khabar.pipeline import build_indexes, index_arrivals
from khabar.rank.dense import MODEL_NAME, embed_missing
from khabar.settings import Settings
from khabar.store import open_store
from khabar.store.transfer import copy_vectors

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
CORPUS = SHARED / "corpus" / "saudinewsnet"
QRELS = SHARED / "eval" / "dev-qrels.jsonl"


def _records_by_time() -> list[dict]:
    records = []
    for path in expand_paths([CORPUS]):
        try:
            records += [r for r in read_records(path, ImportOptions()) if not isinstance(r, BadRecord)]
        except ImportFileError as exc:
            records += [r for r in getattr(exc, "records", []) if isinstance(r, dict)]
    def when(r: dict) -> float:
        t = parse_time(r.get("published")) or parse_time(r.get("date_extracted"))
        return t.timestamp() if t else 0.0
    return sorted(records, key=when)


def _figures(store, settings: Settings) -> str:
    measured = measure_gated(store, settings, QRELS)
    return ", ".join(f"{section} {metric} {value:.4f}" for section, m in measured.items() for metric, value in m.items())


def _copy_vectors(store, source_db: str, limit: int | None = None) -> int:
    """The stored vectors of ``source_db`` for the articles ``store`` holds, matched by URL;
    with ``limit``, for that many of those still without one (newest first, as embed goes)."""
    wanted = None if limit is None else set(store.ids_without_embedding(MODEL_NAME)[:limit])
    with open_store(source_db) as source:
        return copy_vectors(source, store, wanted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("db")
    parser.add_argument("share", nargs="?", type=float, default=0.045)
    parser.add_argument("rounds", nargs="?", type=int, default=10)
    parser.add_argument("--vectors-from", metavar="DB2")
    parser.add_argument("--embed-beside", metavar="N", type=int, default=0)
    args = parser.parse_args()
    db, share, rounds, vectors_from = args.db, args.share, args.rounds, args.vectors_from
    beside = args.embed_beside
    if beside and not vectors_from:
        parser.error("--embed-beside takes its vectors from --vectors-from DB2")
    records = _records_by_time()
    cut = int(len(records) * (1 - share))
    per = -(-(len(records) - cut) // rounds)
    for suffix in ("", "-wal", "-shm"):
        Path(db + suffix).unlink(missing_ok=True)
    settings = Settings(db=db)
    store = open_store(db)
    with tempfile.TemporaryDirectory() as tmp:
        def write(name: str, part: list[dict]) -> Path:
            path = Path(tmp) / name
            path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in part), encoding="utf-8")
            return path

        report = import_paths(store, [write("base.jsonl", records[:cut])])
        if vectors_from and not beside:
            print(f"base vectors copied from {vectors_from}: {_copy_vectors(store, vectors_from)}")
        t = time.perf_counter()
        build_indexes(store, settings, new_ids=report.new_ids)
        print(f"base: {report.new} articles indexed in {time.perf_counter() - t:.1f} s")
        for k in range(rounds):
            part = records[cut + k * per : cut + (k + 1) * per]
            if not part:
                break
            embed = ""
            if beside:
                embed = f"{_copy_vectors(store, vectors_from, beside)} indexed articles given vectors beside, "
            report = import_paths(store, [write(f"round{k}.jsonl", part)])
            t = time.perf_counter()
            if vectors_from and not beside:  # what index_arrivals does with IndexSettings.embed_arrivals, timed apart
                embed_missing(store, only_ids=report.new_ids)
                embed = f"embedding {time.perf_counter() - t:.2f} s, then "
                t = time.perf_counter()
            info = index_arrivals(store, settings, report.new_ids)
            mode = "appended" if info["lexical_appended"] else "full lexical build"
            mode += ", ANN appended" if info["ann_appended"] else ""
            stages = ", ".join(f"{name} {secs:.2f}" for name, secs in info["seconds"].items())
            print(f"round {k}: {report.new} arrivals, {embed}{time.perf_counter() - t:.2f} s "
                  f"({'incremental' if info['incremental'] else 'FULL'}; {mode}; {stages})")
    if beside:  # before the figures: measuring them brings the indexes up to date first
        t = time.perf_counter()
        info = build_indexes(store, settings)
        print(f"embed's build when it finishes: {time.perf_counter() - t:.2f} s "
              f"({'skipped' if info['skipped'] else 'incremental' if info['incremental'] else 'FULL'})")
    print("dev figures after the rounds:", _figures(store, settings))
    t = time.perf_counter()
    info = build_indexes(store, settings, force=True)
    stages = ", ".join(f"{name} {secs:.2f}" for name, secs in info["seconds"].items())
    print(f"full rebuild of the same {info['articles']} articles: {time.perf_counter() - t:.2f} s ({stages})")
    print("dev figures after the full rebuild:", _figures(store, settings))
    store.close()
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
