"""One writer thread owns the write connection (Datasette's pattern).

SQLite allows one writer at a time; funnelling every write through a single
thread and connection turns "database is locked" races into an ordered queue,
while readers keep their own connections and never wait (WAL).
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from concurrent.futures import Future
from typing import Any, Callable

__all__ = ["Writer"]

_STOP = object()


class Writer:
    def __init__(self, connect: Callable[[], sqlite3.Connection]):
        self._connect = connect
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="khabar-writer", daemon=True)
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread.start()
        self._ready.wait()
        if self._error:
            raise self._error

    def _run(self) -> None:
        try:
            conn = self._connect()
        except BaseException as exc:  # surfaced to the constructor
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        while True:
            item = self._queue.get()
            if item is _STOP:
                conn.close()
                return
            fn, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                with conn:  # one transaction per call: all or nothing
                    result = fn(conn)
                future.set_result(result)
            except BaseException as exc:
                future.set_exception(exc)

    def execute(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run ``fn(conn)`` in the writer thread inside a transaction and return its result."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("Writer.execute called from the writer thread")
        future: Future = Future()
        self._queue.put((fn, future))
        return future.result()

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout=30)
