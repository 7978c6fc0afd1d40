"""Load benchmark: concurrent requests on loopback against the related and search endpoints.

usage: python bench/serve.py DB [SECONDS] [CONCURRENCY]
Starts `khabar serve` on the given database (e.g. the full corpus), warms it up, then
for SECONDS (default 60) sends requests from CONCURRENCY threads (default 8):
half to /api/articles/{id}/related, half to /api/search?q=... Prints requests/s,
p50/p99 per endpoint and the error count. Bounded in time; loopback only.
"""

from __future__ import annotations

import random
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np

QUERIES = ["الأسرى", "اسعار النفط", "الهلال", "وزارة الصحة", "كورونا", "اليمن", "الدفاع المدني", "الامطار",
           "السعودية", "التعليم", "الاسهم", "عدن", "الحوثيين", "المملكه", "جامعة", "الرياض"]


def main() -> None:
    db = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    ids = [r[0] for r in sqlite3.connect(db).execute("SELECT id FROM articles ORDER BY random() LIMIT 5000")]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    khabar = Path(sys.executable).with_name("khabar")
    proc = subprocess.Popen([str(khabar), "--db", db, "serve", "--port", str(port)], stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                httpx.get(base + "/api/outlets", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        t = time.perf_counter()
        httpx.get(f"{base}/api/articles/{ids[0]}/related", timeout=300)  # loads the indexes
        print(f"warm-up (index load): {time.perf_counter() - t:.1f} s")
        lat: dict[str, list[float]] = {"related": [], "search": []}
        errors = [0]
        stop = time.monotonic() + seconds
        lock = threading.Lock()

        def worker(seed: int) -> None:
            rnd = random.Random(seed)
            with httpx.Client(base_url=base, timeout=30) as client:
                while time.monotonic() < stop:
                    if rnd.random() < 0.5:
                        kind, path = "related", f"/api/articles/{rnd.choice(ids)}/related"
                    else:
                        kind, path = "search", f"/api/search?q={rnd.choice(QUERIES)}"
                    t0 = time.perf_counter()
                    try:
                        ok = client.get(path).status_code == 200
                    except httpx.HTTPError:
                        ok = False
                    dt = time.perf_counter() - t0
                    with lock:
                        lat[kind].append(dt)
                        errors[0] += not ok

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - t
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    total = sum(len(v) for v in lat.values())
    print(f"{total} requests in {elapsed:.1f} s from {workers} threads: {total / elapsed:.1f} req/s, errors: {errors[0]}")
    for kind, values in lat.items():
        if values:
            a = np.array(values) * 1000
            print(f"{kind:8} n={len(a):6}  {len(a) / elapsed:7.1f} req/s  p50 {np.percentile(a, 50):7.1f} ms  p99 {np.percentile(a, 99):7.1f} ms")


if __name__ == "__main__":
    main()
