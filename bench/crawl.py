"""Benchmark: crawl a loopback site of 2,000 article pages in 20 feeds, end to end.

Politeness limits are set high (no per-host delay); the pages are generated from
templates (no corpus text). Prints pages/s and peak RSS. Run by hand:

    python bench/crawl.py [LATENCY_MS [WORKERS]]

LATENCY_MS (default 0) delays every response, as a distant server would; WORKERS (default
``crawl_once``'s) is how many sources are polled at once.
"""

from __future__ import annotations

import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from khabar.ingest.fetch import Fetcher, FetchOptions
from khabar.ingest.live import CRAWL_WORKERS, crawl_once
from khabar.models import Source
from khabar.settings import Settings
from khabar.store import SQLiteStore
from khabar.testing import serve_loopback

FEEDS, PER_FEED = 20, 100
WORDS = ("الوزارة أعلنت اليوم مشروع جديد المدينة السكان خدمات الطرق المياه الكهرباء التعليم الصحة "
         "المستشفى المدارس الطلاب الأسواق الأسعار النفط الاقتصاد الرياضة المباراة الفريق الملعب").split()


def page(n: int) -> bytes:
    rnd = random.Random(n)
    paras = "".join(f"<p>{' '.join(rnd.choice(WORDS) for _ in range(40))}.</p>" for _ in range(6))
    title = " ".join(rnd.choice(WORDS) for _ in range(7))
    return (f'<!doctype html><html lang="ar"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><article><h1>{title} {n}</h1>{paras}</article></body></html>").encode()


def feed(host: str, f: int) -> bytes:
    items = "".join(f"<item><title>خبر {n}</title><link>http://{host}/a/{n}.html</link></item>"
                    for n in range(f * PER_FEED, (f + 1) * PER_FEED))
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>f{f}</title>{items}</channel></rss>'.encode()


def main() -> None:
    latency = float(sys.argv[1]) / 1000 if len(sys.argv) > 1 else 0.0
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else CRAWL_WORKERS
    host_holder = {}

    def respond(handler):
        path = handler.path
        time.sleep(latency)
        if path.startswith("/feed/"):
            return 200, {"Content-Type": "application/rss+xml"}, feed(host_holder["host"], int(path.split("/")[2].split(".")[0]))
        if path.startswith("/a/"):
            return 200, {"Content-Type": "text/html; charset=utf-8"}, page(int(path.split("/")[2].split(".")[0]))
        return 404, {}, b""

    server, host_holder["host"] = serve_loopback(respond)
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "crawl.db")
        store = SQLiteStore(db)
        for f in range(FEEDS):
            store.add_source(Source(url=f"http://{host_holder['host']}/feed/{f}.xml", name=f"feed {f}", kind="feed"))
        fetcher = Fetcher(FetchOptions(per_host_delay=0.0, per_host_concurrency=8, allow_loopback=True))
        t = time.perf_counter()
        reports = crawl_once(store, Settings(db=db), fetcher, workers=workers)
        elapsed = time.perf_counter() - t
        new = sum(r.new for r in reports)
        errors = sum(len(r.errors) for r in reports)
        t2 = time.perf_counter()
        again = crawl_once(store, Settings(db=db), fetcher, workers=workers)
        second = time.perf_counter() - t2
        store.close()
        fetcher.close()
    server.shutdown()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"latency {latency * 1000:.0f} ms a response, {workers} source(s) at once")
    print(f"pages stored: {new} of {FEEDS * PER_FEED}  errors: {errors}")
    print(f"end to end (fetch, extract, clean, store, copies, stories, index): {elapsed:.1f} s = {new / elapsed:.1f} pages/s")
    print(f"second round: {sum(r.new for r in again)} new in {second:.1f} s")
    print(f"peak RSS: {rss:.0f} MiB")


if __name__ == "__main__":
    sys.exit(main())
