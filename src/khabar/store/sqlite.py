"""SQLite implementation of the store: one file, WAL, one writer thread, FTS5.

Readers get one connection per thread; every write goes through ``Writer``.
All SQL is parameterized; FTS queries are built only from analyzer stems, each
quoted, so user input never reaches FTS syntax.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from pathlib import Path
from typing import Iterable, Iterator

from ..models import Analysis, Article, Source
from .base import AddResult, IndexRow, SearchHit, Store, StoreUnavailable
from .rows import (ARTICLE_COLS, INDEX_ORDER, INDEX_ROW_HEAD_SELECT, INDEX_ROW_SELECT, SOURCE_COLS, SQLITE_INDEX_ORDER,
                   analysis_values, article_filters, article_from_row, article_values, chunks, index_row_from_row,
                   row_ids, source_from_row, source_update_values, story_dict, text_revision_suffix, text_values, top_stories_sql,
                   top_story_dict, undated_last, window_start, TEXT_REVISION)
from .schema import MIGRATIONS
from .writer import Writer

__all__ = ["SQLiteStore"]

def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _fts_values(analysis: tuple) -> tuple:
    """The FTS row of an ``analysis_values`` tuple: (rowid, title, body, author) stems."""
    return (analysis[0], analysis[1], analysis[2], analysis[5])


class SQLiteStore(Store):
    def __init__(self, path: str | Path):
        path = str(path)
        if path == ":memory:":
            # A private shared-cache memory database, so the writer and readers see the same data.
            self._uri = f"file:khabar-{uuid.uuid4().hex}?mode=memory&cache=shared"
            self._keepalive = sqlite3.connect(self._uri, uri=True, check_same_thread=False)
        else:
            self._uri = Path(path).absolute().as_uri()
            self._keepalive = None
        self.path = path
        self._local = threading.local()
        self._readers: list[tuple[threading.Thread, sqlite3.Connection]] = []  # each reader and its thread
        self._readers_lock = threading.Lock()
        try:
            if self._keepalive is None:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._writer = Writer(self._connect_writer)
        except (sqlite3.Error, OSError) as e:
            # Not a database, an unwritable folder, a locked file: one line for the user, not a traceback.
            raise StoreUnavailable(f"cannot open SQLite store {path}: {e}") from e
        self._outlet_ids: dict[str, int] = {}

    # --- connections ----------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._uri, uri=True, timeout=30, check_same_thread=False)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 30000")
        return conn

    def _connect_writer(self) -> sqlite3.Connection:
        conn = self._connect()
        try:
            if self._keepalive is None:
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            self._migrate(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreUnavailable(
                f"the database has schema version {version}, newer than this Khabar knows ({len(MIGRATIONS)}): upgrade Khabar"
            )
        for number, sql in enumerate(MIGRATIONS[version:], start=version + 1):
            conn.executescript("BEGIN;" + sql + f"; PRAGMA user_version = {number}; COMMIT;")

    @property
    def _db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            with self._readers_lock:
                self._readers = [(t, c) for t, c in self._readers if t.is_alive()]  # see PostgresStore._db
                self._readers.append((threading.current_thread(), conn))
        return conn

    def close(self) -> None:
        self._writer.close()
        with self._readers_lock:
            for _, conn in self._readers:
                try:
                    conn.close()
                except sqlite3.ProgrammingError:
                    pass  # created in another thread that is gone
            self._readers.clear()
        if self._keepalive is not None:
            self._keepalive.close()

    def write(self, fn):
        """Run ``fn(conn)`` as one transaction on the writer thread."""
        return self._writer.execute(fn)

    # --- articles -------------------------------------------------------------
    @staticmethod
    def _outlet_id(conn: sqlite3.Connection, cache: dict, key: str) -> int:
        oid = cache.get(key)
        if oid is None:
            conn.execute("INSERT OR IGNORE INTO outlets(key, name) VALUES (?, ?)", (key, key))
            oid = conn.execute("SELECT id FROM outlets WHERE key = ?", (key,)).fetchone()[0]
            cache[key] = oid
        return oid

    def set_outlet_names(self, names: dict[str, str]) -> None:
        def fn(conn):
            conn.executemany(
                "INSERT INTO outlets(key, name) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET name = excluded.name",
                list(names.items()),
            )

        self.write(fn)

    def add_articles(self, items: Iterable[tuple[Article, Analysis]]) -> AddResult:
        items = list(items)

        def fn(conn: sqlite3.Connection) -> AddResult:
            result = AddResult()
            cache: dict[str, int] = {}
            for art, ana in items:
                if conn.execute("SELECT 1 FROM tombstones WHERE url = ?", (art.url,)).fetchone():
                    result.tombstoned += 1
                    continue
                if conn.execute("SELECT 1 FROM articles WHERE url = ?", (art.url,)).fetchone():
                    result.existing += 1
                    continue
                if conn.execute("SELECT 1 FROM articles WHERE content_hash = ? LIMIT 1", (art.content_hash,)).fetchone():
                    result.exact_duplicates += 1
                cur = conn.execute(
                    "INSERT INTO articles(url, outlet_id, title, body, subheadings, source_attribution, author,"
                    " published, extracted, time, language, content_hash, extras)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    article_values(art, self._outlet_id(conn, cache, art.outlet)),
                )
                aid = cur.lastrowid
                analysis = analysis_values(aid, ana)
                conn.execute(
                    "INSERT INTO analysis(article_id, title, body, title_norm, body_norm, author) VALUES (?,?,?,?,?,?)",
                    analysis,
                )
                conn.execute("INSERT INTO fts(rowid, title, body, author) VALUES (?,?,?,?)", _fts_values(analysis))
                art.id = aid
                result.new += 1
                result.new_ids.append(aid)
            return result

        return self.write(fn)

    def update_texts(self, items, stale_vectors):
        def fn(conn):
            for art, ana in items:
                old = conn.execute("SELECT title, body, author FROM analysis WHERE article_id = ?", (art.id,)).fetchone()
                if old is None:
                    continue  # deleted meanwhile
                values = analysis_values(art.id, ana)
                # External-content FTS5: the old entry is removed by replaying its values.
                conn.execute("INSERT INTO fts(fts, rowid, title, body, author) VALUES ('delete', ?, ?, ?, ?)",
                             (art.id, *old))
                conn.execute("INSERT INTO fts(rowid, title, body, author) VALUES (?,?,?,?)", _fts_values(values))
                conn.execute("UPDATE analysis SET title = ?, body = ?, title_norm = ?, body_norm = ?, author = ?"
                             " WHERE article_id = ?", (*values[1:], art.id))
                conn.execute("UPDATE articles SET title = ?, author = ?, source_attribution = ?, body = ?, "
                             "subheadings = ?, content_hash = ? WHERE id = ?",
                             text_values(art))
            dropped = conn.executemany("DELETE FROM embeddings WHERE article_id = ?", [(i,) for i in stale_vectors])
            _bump_text_revision(conn)
            return max(dropped.rowcount, 0)

        return self.write(fn)

    def get_article(self, article_id: int) -> Article | None:
        return self.get_articles([article_id]).get(article_id)

    def get_articles(self, ids: list[int]) -> dict[int, Article]:
        return self._by_ids(f"SELECT {ARTICLE_COLS} FROM articles a JOIN outlets o ON o.id = a.outlet_id WHERE a.id",
                            ids, article_from_row)

    def _by_ids(self, select_where: str, ids, decode) -> dict:
        """``select_where`` (ending in the id column) IN ``ids``, 500 at a time (SQLite's bound
        on variables), decoded and keyed by the first column."""
        out = {}
        for chunk in chunks(row_ids(ids), 500):
            for row in self._db.execute(f"{select_where} IN ({','.join('?' * len(chunk))})", chunk):
                out[row[0]] = decode(row)
        return out

    def article_id(self, url: str) -> int | None:
        row = self._db.execute("SELECT id FROM articles WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    def list_articles(self, outlet=None, since=None, until=None, limit=50, offset=0) -> list[Article]:
        where, args = article_filters(outlet, since, until)
        rows = self._db.execute(
            f"SELECT {ARTICLE_COLS} FROM articles a JOIN outlets o ON o.id = a.outlet_id {where}"
            " ORDER BY a.time DESC, a.id DESC LIMIT ? OFFSET ?",
            (*args, int(limit), int(offset)),
        )
        return [article_from_row(r) for r in rows]

    def count_articles(self, outlet=None, since=None, until=None) -> int:
        where, args = article_filters(outlet, since, until)
        return self._db.execute(
            f"SELECT count(*) FROM articles a JOIN outlets o ON o.id = a.outlet_id {where}", args
        ).fetchone()[0]

    def delete_article(self, url: str) -> bool:
        def fn(conn):
            row = conn.execute(
                "SELECT a.id, a.content_hash, n.title, n.body, n.author FROM articles a"
                " JOIN analysis n ON n.article_id = a.id WHERE a.url = ?",
                (url,),
            ).fetchone()
            if not row:
                return False
            aid, chash, title, body, author = row
            # External-content FTS5: the index entry is removed by replaying the old values.
            conn.execute("INSERT INTO fts(fts, rowid, title, body, author) VALUES ('delete', ?, ?, ?, ?)",
                         (aid, title, body, author))
            # Copies that pointed at the deleted article lose their canonical: drop those links.
            conn.execute("DELETE FROM copies WHERE article_id = ? OR canonical_id = ?", (aid, aid))
            conn.execute("DELETE FROM story_articles WHERE article_id = ?", (aid,))
            conn.execute("DELETE FROM articles WHERE id = ?", (aid,))
            conn.execute("INSERT OR REPLACE INTO tombstones(url, content_hash) VALUES (?, ?)", (url, chash))
            return True

        return self.write(fn)

    def known_urls(self, urls):
        known: dict[str, str] = {}
        for chunk in chunks(list(dict.fromkeys(urls)), 500):
            marks = ",".join("?" * len(chunk))
            known.update((r[0], "deleted") for r in self._db.execute(f"SELECT url FROM tombstones WHERE url IN ({marks})", chunk))
            known.update((r[0], "stored") for r in self._db.execute(f"SELECT url FROM articles WHERE url IN ({marks})", chunk))
        return known

    def tombstones(self) -> list[tuple[str, str]]:
        return [tuple(r) for r in self._db.execute("SELECT url, content_hash FROM tombstones ORDER BY url")]

    def add_tombstones(self, rows: list[tuple[str, str]]) -> None:
        self.write(lambda conn: conn.executemany("INSERT OR IGNORE INTO tombstones(url, content_hash) VALUES (?, ?)", rows))

    def iter_index_rows(self, ids: list[int] | None = None, heads_only: bool = False) -> Iterator[IndexRow]:
        sql = INDEX_ROW_HEAD_SELECT if heads_only else INDEX_ROW_SELECT
        # A private connection for full scans (the caller may interleave other reads);
        # the thread's reader for a handful of ids (the related hot path).
        private = ids is None or len(ids) > 500
        conn = self._connect() if private else self._db
        try:
            if ids is None:
                batches = [conn.execute(sql + SQLITE_INDEX_ORDER)]
            else:
                batches = (
                    conn.execute(sql + f" WHERE a.id IN ({','.join('?' * len(c))}){SQLITE_INDEX_ORDER}", c)
                    for c in chunks(list(ids), 500)
                )
            for cursor in batches:
                yield from undated_last(map(index_row_from_row, cursor))
        finally:
            if private:
                conn.close()

    def stats(self) -> dict:
        db = self._db
        articles, hashes, first, last = db.execute(
            "SELECT count(*), count(DISTINCT content_hash), min(time), max(time) FROM articles"
        ).fetchone()
        outlets = db.execute("SELECT count(DISTINCT outlet_id) FROM articles").fetchone()[0]
        near = db.execute("SELECT count(*) FROM copies WHERE kind = 'near'").fetchone()[0]
        stories = db.execute("SELECT count(*) FROM stories").fetchone()[0]
        tomb = db.execute("SELECT count(*) FROM tombstones").fetchone()[0]
        return {
            "articles": articles,
            "outlets": outlets,
            "duplicates": articles - hashes,
            "near_duplicates": near,
            "stories": stories,
            "tombstones": tomb,
            "first": first,
            "last": last,
        }

    def outlets(self) -> list[dict]:
        rows = self._db.execute(
            "SELECT o.id, o.key, o.name, count(a.id), min(a.time), max(a.time) FROM outlets o"
            " LEFT JOIN articles a ON a.outlet_id = o.id GROUP BY o.id ORDER BY count(a.id) DESC, o.key"
        )
        return [
            {"id": r[0], "key": r[1], "name": r[2], "articles": r[3], "first": r[4], "last": r[5]} for r in rows
        ]

    # --- search ---------------------------------------------------------------
    def search(self, terms, outlet=None, since=None, until=None, limit=20, offset=0, match_all=True, newest_first=False):
        terms = list(dict.fromkeys(t for t in terms if t))
        if not terms:
            return [], 0
        query = (" AND " if match_all else " OR ").join(_fts_phrase(t) for t in terms)
        where, args = article_filters(outlet, since, until)
        where = where.replace("WHERE", "AND") if where else ""
        base = (
            "FROM fts JOIN articles a ON a.id = fts.rowid JOIN outlets o ON o.id = a.outlet_id"
            f" WHERE fts MATCH ? {where}"
        )
        total = self._db.execute(f"SELECT count(*) {base}", (query, *args)).fetchone()[0]
        newest = self._db.execute("SELECT max(time) FROM articles").fetchone()[0]
        # BM25 with a recency component: up to +50% for today's news, fading over weeks; none for
        # an article without a time (a bulk record with no date), which keeps its BM25 score.
        rows = self._db.execute(
            "SELECT a.id, -bm25(fts, 3.0, 1.0, 1.2)"
            " * coalesce(1.0 + 0.5 / (1.0 + max(0.0, julianday(?) - julianday(a.time)) / 7.0), 1.0) AS s"
            f" {base} ORDER BY {'a.time DESC, a.id DESC' if newest_first else 's DESC, a.id'} LIMIT ? OFFSET ?",
            (newest, query, *args, int(limit), int(offset)),
        )
        return [SearchHit(r[0], r[1]) for r in rows], total

    # --- copies and stories ------------------------------------------------------
    def replace_copies(self, rows):
        def fn(conn):
            conn.execute("DELETE FROM copies")
            conn.executemany("INSERT OR REPLACE INTO copies VALUES (?,?,?,?)", rows)

        self.write(fn)

    def add_copies(self, rows):
        self.write(lambda conn: conn.executemany("INSERT OR REPLACE INTO copies VALUES (?,?,?,?)", rows))

    def copy_links(self):
        return [tuple(r) for r in self._db.execute("SELECT article_id, canonical_id, score, kind FROM copies")]

    def replace_cross_copies(self, pairs):
        def fn(conn):
            conn.execute("DELETE FROM cross_copies")
            conn.executemany("INSERT OR REPLACE INTO cross_copies VALUES (?,?,?)", pairs)

        self.write(fn)

    def add_cross_copies(self, pairs):
        self.write(lambda conn: conn.executemany("INSERT OR REPLACE INTO cross_copies VALUES (?,?,?)", pairs))

    def cross_copies(self):
        return [tuple(r) for r in self._db.execute("SELECT article_id, other_id, score FROM cross_copies")]

    def replace_stories(self, stories, members):
        def fn(conn):
            conn.execute("DELETE FROM story_articles")
            conn.execute("DELETE FROM stories")
            conn.executemany(
                "INSERT INTO stories(id, label, first_time, last_time, article_count, outlet_count)"
                " VALUES (:id, :label, :first_time, :last_time, :article_count, :outlet_count)",
                stories,
            )
            conn.executemany("INSERT INTO story_articles(article_id, story_id, score) VALUES (?,?,?)", members)

        self.write(fn)

    def upsert_stories(self, stories, members):
        # An upsert, not INSERT OR REPLACE: a replaced story row would cascade its members away.
        def fn(conn):
            conn.executemany(
                "INSERT INTO stories(id, label, first_time, last_time, article_count, outlet_count)"
                " VALUES (:id, :label, :first_time, :last_time, :article_count, :outlet_count)"
                " ON CONFLICT(id) DO UPDATE SET label = excluded.label, first_time = excluded.first_time,"
                " last_time = excluded.last_time, article_count = excluded.article_count,"
                " outlet_count = excluded.outlet_count",
                stories,
            )
            conn.executemany(
                "INSERT INTO story_articles(article_id, story_id, score) VALUES (?,?,?)"
                " ON CONFLICT(article_id) DO UPDATE SET story_id = excluded.story_id, score = excluded.score",
                members,
            )

        self.write(fn)

    def story_members(self, stories=None):
        if stories is None:
            return [tuple(r) for r in self._db.execute("SELECT article_id, story_id FROM story_articles")]
        return [tuple(r) for chunk in chunks(list(dict.fromkeys(int(s) for s in stories)), 500)
                for r in self._db.execute("SELECT article_id, story_id FROM story_articles"
                                          f" WHERE story_id IN ({','.join('?' * len(chunk))})", chunk)]

    def list_stories(self, limit=50, offset=0):
        rows = self._db.execute(
            "SELECT id, label, first_time, last_time, article_count, outlet_count FROM stories"
            " ORDER BY last_time DESC, article_count DESC LIMIT ? OFFSET ?",
            (int(limit), int(offset)),
        )
        return [story_dict(r) for r in rows]

    def top_stories(self, window_days=1.0, limit=30):
        newest = self._db.execute("SELECT max(time) FROM articles").fetchone()[0]
        if not newest:
            return []
        rows = self._db.execute(top_stories_sql("?"), (window_start(newest, window_days), int(limit)))
        return [top_story_dict(r) for r in rows]

    def get_stories(self, ids):
        return self._by_ids("SELECT id, label, first_time, last_time, article_count, outlet_count FROM stories WHERE id",
                            ids, story_dict)

    def get_story(self, story_id):
        if not row_ids([story_id]):
            return None
        row = self._db.execute(
            "SELECT id, label, first_time, last_time, article_count, outlet_count FROM stories WHERE id = ?",
            (int(story_id),),
        ).fetchone()
        if not row:
            return None
        story = story_dict(row)
        story["article_ids"] = [
            r[0]
            for r in self._db.execute(
                "SELECT s.article_id FROM story_articles s JOIN articles a ON a.id = s.article_id"
                f" WHERE s.story_id = ?{INDEX_ORDER}",
                (int(story_id),),
            )
        ]
        return story

    # --- embeddings, blobs, meta -------------------------------------------------
    def put_embeddings(self, model, rows):
        self.write(
            lambda conn: conn.executemany(
                "INSERT OR REPLACE INTO embeddings(article_id, model, vec) VALUES (?,?,?)",
                [(aid, model, vec) for aid, vec in rows],
            )
        )

    def embeddings(self, model):
        yield from self._db.execute("SELECT article_id, vec FROM embeddings WHERE model = ? ORDER BY article_id", (model,))

    def count_embeddings(self) -> int:
        return self._db.execute("SELECT count(*) FROM embeddings").fetchone()[0]

    def ids_without_embedding(self, model):
        return [
            r[0]
            for r in self._db.execute(
                "SELECT a.id FROM articles a LEFT JOIN embeddings e ON e.article_id = a.id AND e.model = ?"
                " WHERE e.article_id IS NULL ORDER BY a.time DESC, a.id",
                (model,),
            )
        ]

    def put_blob(self, name, version, data):
        self.write(lambda conn: conn.execute("INSERT OR REPLACE INTO blobs VALUES (?,?,?)", (name, version, data)))

    def get_blob(self, name):
        row = self._db.execute("SELECT version, data FROM blobs WHERE name = ?", (name,)).fetchone()
        return (row[0], bytes(row[1])) if row else None

    def get_meta(self, key):
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key, value):
        self.write(lambda conn: conn.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", (key, value)))

    def data_version(self) -> str:
        """Changes whenever articles are added or deleted or vectors added (derived indexes key on it)."""
        n, m = self._db.execute("SELECT count(*), coalesce(max(id), 0) FROM articles").fetchone()
        t = self._db.execute("SELECT count(*) FROM tombstones").fetchone()[0]
        return f"{n}:{m}:{t}:{self.count_embeddings()}" + text_revision_suffix(self.get_meta(TEXT_REVISION))

    # --- sources ---------------------------------------------------------------
    def add_source(self, source: Source) -> Source:
        def fn(conn):
            conn.execute(
                "INSERT INTO sources(url, name, kind, allow_private, enabled, every_minutes) VALUES (?,?,?,?,?,?)"
                " ON CONFLICT(url) DO UPDATE SET name = excluded.name, kind = excluded.kind,"
                " allow_private = excluded.allow_private, every_minutes = coalesce(excluded.every_minutes, sources.every_minutes)",
                (source.url, source.name, source.kind, int(source.allow_private), int(source.enabled), source.every_minutes),
            )
            return conn.execute("SELECT id FROM sources WHERE url = ?", (source.url,)).fetchone()[0]

        source.id = self.write(fn)
        return source

    def list_sources(self) -> list[Source]:
        rows = self._db.execute(f"SELECT {SOURCE_COLS} FROM sources ORDER BY id")
        return [source_from_row(r) for r in rows]

    def update_source(self, source: Source) -> None:
        self.write(
            lambda conn: conn.execute(
                "UPDATE sources SET name=?, kind=?, allow_private=?, enabled=?, etag=?, last_modified=?,"
                " last_success=?, last_error=?, consecutive_failures=?, next_poll=?, every_minutes=? WHERE id=?",
                source_update_values(source),
            )
        )

    def remove_source(self, source_id):
        if not row_ids([source_id]):
            return False
        return self.write(lambda conn: conn.execute("DELETE FROM sources WHERE id = ?", (source_id,)).rowcount) > 0

    def http_cache_get(self, url):
        row = self._db.execute("SELECT etag, last_modified, status, fetched FROM http_cache WHERE url = ?", (url,)).fetchone()
        return dict(zip(("etag", "last_modified", "status", "fetched"), row)) if row else None

    def http_cache_put(self, url, etag, last_modified, status):
        self.write(
            lambda conn: conn.execute(
                "INSERT OR REPLACE INTO http_cache VALUES (?,?,?,?, strftime('%Y-%m-%dT%H:%M:%S','now'))",
                (url, etag, last_modified, status),
            )
        )


def _bump_text_revision(conn) -> None:
    conn.execute("INSERT INTO meta(key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE SET"
                 " value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)", (TEXT_REVISION,))
