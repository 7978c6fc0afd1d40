"""PostgreSQL implementation of the store: the scale-out backend behind the same ``Store``.

Readers get one autocommit connection per thread; writes go through one writer
connection under a lock, each call one transaction (the same discipline as the
SQLite writer thread, so callers see the same semantics). Bulk replacements use
COPY. All SQL is parameterized; a search query is built from per-stem
``plainto_tsquery`` calls, each stem a parameter, so user input never reaches
tsquery syntax. Full-text search ranks with ``ts_rank`` over a generated tsvector
of the stems (title weight A, body D).
"""

from __future__ import annotations

import threading
from typing import Iterable, Iterator

from ..models import Analysis, Article, Source
from .base import AddResult, IndexRow, SearchHit, Store, StoreUnavailable
from .pg_schema import PG_MIGRATIONS
from .rows import (ARTICLE_COLS, INDEX_ORDER, INDEX_ROW_HEAD_SELECT, INDEX_ROW_SELECT, SOURCE_COLS, analysis_values, article_filters,
                   article_from_row, article_values, chunks, index_row_from_row, row_ids, source_from_row, source_update_values, story_dict,
                   text_revision_suffix, text_values, top_stories_sql, top_story_dict, window_start, TEXT_REVISION)

__all__ = ["PostgresStore"]

_MIGRATION_LOCK = 0x6B686162  # pg_advisory_lock key: one migrating process at a time
# ts_rank weights for {D, C, B, A}: a title stem (A) counts three times a body stem (D), as in SQLite;
# a byline stem (B) a little more than a body stem.
_RANK_WEIGHTS = "{0.333, 0.2, 0.4, 1.0}"


def _psycopg():
    try:
        import psycopg
    except ImportError as e:  # an optional dependency: SQLite needs nothing of it
        raise StoreUnavailable("PostgreSQL storage needs psycopg: pip install 'khabar[postgres]'") from e
    return psycopg


class PostgresStore(Store):
    def __init__(self, dsn: str):
        self._pg = _psycopg()
        self.dsn = dsn
        self._local = threading.local()
        self._readers: list = []  # (thread, connection): each reader and the thread it serves
        self._readers_lock = threading.Lock()
        self._write_lock = threading.Lock()
        try:
            self._writer = self._pg.connect(dsn)
        except self._pg.Error as e:
            raise StoreUnavailable(f"cannot open PostgreSQL store: {str(e).strip()}") from e
        try:
            self._migrate(self._writer)
        except BaseException:
            self._writer.close()
            raise

    # --- connections ----------------------------------------------------------
    def _migrate(self, conn) -> None:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            conn.execute("CREATE TABLE IF NOT EXISTS khabar_migrations (version INTEGER NOT NULL)")
            row = conn.execute("SELECT max(version) FROM khabar_migrations").fetchone()
            done = row[0] or 0
            if done > len(PG_MIGRATIONS):
                raise StoreUnavailable(
                    f"the database has schema version {done}, newer than this Khabar knows ({len(PG_MIGRATIONS)}): upgrade Khabar"
                )
            for number, sql in enumerate(PG_MIGRATIONS[done:], start=done + 1):
                conn.execute(sql)
                conn.execute("INSERT INTO khabar_migrations(version) VALUES (%s)", (number,))

    @property
    def _db(self):
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._pg.connect(self.dsn, autocommit=True)
            self._local.conn = conn
            with self._readers_lock:
                # A thread that has ended reads no more: its connection is closed here. Kept, every
                # crawl round's pool threads left theirs open for good, and a server's hundred
                # connections ran out after a day of rounds.
                alive = []
                for thread, reader in self._readers:
                    if thread.is_alive():
                        alive.append((thread, reader))
                    else:
                        reader.close()
                self._readers = alive
                self._readers.append((threading.current_thread(), conn))
        return conn

    def _one(self, sql: str, args=()):
        return self._db.execute(sql, args).fetchone()

    def _all(self, sql: str, args=()):
        return self._db.execute(sql, args).fetchall()

    def write(self, fn):
        """Run ``fn(conn)`` as one transaction on the writer connection."""
        with self._write_lock, self._writer.transaction():
            return fn(self._writer)

    def close(self) -> None:
        with self._readers_lock:
            for _, conn in self._readers:
                conn.close()
            self._readers.clear()
        with self._write_lock:
            self._writer.close()

    # --- articles -------------------------------------------------------------
    @staticmethod
    def _outlet_id(conn, cache: dict, key: str) -> int:
        oid = cache.get(key)
        if oid is None:
            conn.execute("INSERT INTO outlets(key, name) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING", (key, key))
            oid = conn.execute("SELECT id FROM outlets WHERE key = %s", (key,)).fetchone()[0]
            cache[key] = oid
        return oid

    def set_outlet_names(self, names: dict[str, str]) -> None:
        def fn(conn):
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO outlets(key, name) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET name = excluded.name",
                    list(names.items()),
                )

        self.write(fn)

    def add_articles(self, items: Iterable[tuple[Article, Analysis]]) -> AddResult:
        items = list(items)

        def fn(conn) -> AddResult:
            result = AddResult()
            cache: dict[str, int] = {}
            urls = [art.url for art, _ in items]
            # One query each for the whole batch instead of per article: round trips dominate here.
            tombstoned = {r[0] for r in conn.execute("SELECT url FROM tombstones WHERE url = ANY(%s)", (urls,))}
            seen_hashes = {r[0] for r in conn.execute(
                "SELECT DISTINCT content_hash FROM articles WHERE content_hash = ANY(%s)",
                ([art.content_hash for art, _ in items],),
            )}
            todo = []
            for art, ana in items:
                if art.url in tombstoned:
                    result.tombstoned += 1
                else:
                    todo.append((art, ana, art.content_hash in seen_hashes))
                    seen_hashes.add(art.content_hash)
            values = [article_values(art, self._outlet_id(conn, cache, art.outlet)) for art, _, _ in todo]
            with conn.pipeline():  # the inserts go out together; their ids come back after the sync
                cursors = [
                    conn.execute(
                        "INSERT INTO articles(url, outlet_id, title, body, subheadings, source_attribution, author,"
                        " published, extracted, time, language, content_hash, extras)"
                        " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (url) DO NOTHING RETURNING id",
                        v,
                    )
                    for v in values
                ]
            analysis = []
            for (art, ana, duplicate), cur in zip(todo, cursors):
                row = cur.fetchone()
                if row is None:  # the URL is stored already (perhaps by another process just now)
                    result.existing += 1
                    continue
                art.id = row[0]
                analysis.append(analysis_values(art.id, ana))
                result.exact_duplicates += duplicate
                result.new += 1
                result.new_ids.append(art.id)
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO analysis(article_id, title, body, title_norm, body_norm, author)"
                    " VALUES (%s,%s,%s,%s,%s,%s)",
                    analysis,
                )
            return result

        return self.write(fn)

    def update_texts(self, items, stale_vectors):
        def fn(conn):
            with conn.cursor() as cur:
                # The analysis row's tsvector is generated: updating the stems re-indexes it.
                cur.executemany(
                    "UPDATE analysis SET title = %s, body = %s, title_norm = %s, body_norm = %s, author = %s"
                    " WHERE article_id = %s",
                    [(*analysis_values(art.id, ana)[1:], art.id) for art, ana in items],
                )
                cur.executemany(
                    "UPDATE articles SET title = %s, author = %s, source_attribution = %s, body = %s, "
                    "subheadings = %s, content_hash = %s WHERE id = %s",
                    [text_values(art) for art, _ in items],
                )
                cur.execute("DELETE FROM embeddings WHERE article_id = ANY(%s)", (list(stale_vectors),))
                dropped = cur.rowcount
                cur.execute("INSERT INTO meta(key, value) VALUES (%s, '1') ON CONFLICT (key) DO UPDATE SET"
                            " value = (meta.value::bigint + 1)::text", (TEXT_REVISION,))
            return max(dropped, 0)

        return self.write(fn)

    def get_article(self, article_id: int) -> Article | None:
        return self.get_articles([article_id]).get(article_id)

    def get_articles(self, ids: list[int]) -> dict[int, Article]:
        rows = self._all(
            f"SELECT {ARTICLE_COLS} FROM articles a JOIN outlets o ON o.id = a.outlet_id WHERE a.id = ANY(%s)", (row_ids(ids),)
        )
        return {r[0]: article_from_row(r) for r in rows}

    def article_id(self, url: str) -> int | None:
        row = self._one("SELECT id FROM articles WHERE url = %s", (url,))
        return row[0] if row else None

    def list_articles(self, outlet=None, since=None, until=None, limit=50, offset=0) -> list[Article]:
        where, args = article_filters(outlet, since, until, mark="%s")
        rows = self._all(
            f"SELECT {ARTICLE_COLS} FROM articles a JOIN outlets o ON o.id = a.outlet_id {where}"
            " ORDER BY a.time DESC NULLS LAST, a.id DESC LIMIT %s OFFSET %s",
            (*args, int(limit), int(offset)),
        )
        return [article_from_row(r) for r in rows]

    def count_articles(self, outlet=None, since=None, until=None) -> int:
        where, args = article_filters(outlet, since, until, mark="%s")
        return self._one(f"SELECT count(*) FROM articles a JOIN outlets o ON o.id = a.outlet_id {where}", args)[0]

    def delete_article(self, url: str) -> bool:
        def fn(conn):
            row = conn.execute("SELECT id, content_hash FROM articles WHERE url = %s", (url,)).fetchone()
            if not row:
                return False
            aid, chash = row
            # The tsvector lives in the analysis row, which goes with the article (ON DELETE CASCADE);
            # copy links and story membership go the same way.
            conn.execute("DELETE FROM articles WHERE id = %s", (aid,))
            conn.execute(
                "INSERT INTO tombstones(url, content_hash) VALUES (%s, %s)"
                " ON CONFLICT (url) DO UPDATE SET content_hash = excluded.content_hash, deleted_at = now()",
                (url, chash),
            )
            return True

        return self.write(fn)

    def known_urls(self, urls):
        known: dict[str, str] = {}
        for chunk in chunks(list(dict.fromkeys(urls)), 10_000):  # a file of 250k records asks 2.6M spellings
            known.update((r[0], "deleted") for r in self._all("SELECT url FROM tombstones WHERE url = ANY(%s)", (chunk,)))
            known.update((r[0], "stored") for r in self._all("SELECT url FROM articles WHERE url = ANY(%s)", (chunk,)))
        return known

    def tombstones(self) -> list[tuple[str, str]]:
        return [tuple(r) for r in self._all("SELECT url, content_hash FROM tombstones ORDER BY url")]

    def add_tombstones(self, rows: list[tuple[str, str]]) -> None:
        self.write(lambda conn: conn.cursor().executemany(
            "INSERT INTO tombstones(url, content_hash) VALUES (%s, %s) ON CONFLICT (url) DO NOTHING", rows))

    def iter_index_rows(self, ids: list[int] | None = None, heads_only: bool = False) -> Iterator[IndexRow]:
        sql = INDEX_ROW_HEAD_SELECT if heads_only else INDEX_ROW_SELECT
        order = " ORDER BY a.time NULLS LAST, a.id"  # INDEX_ORDER, in a form the time index serves
        if ids is None:
            # A private connection and a server-side cursor: a full scan streams in batches
            # while the caller goes on reading through its own connection.
            with self._pg.connect(self.dsn) as conn, conn.cursor(name="khabar_index_rows") as cur:
                cur.itersize = 2000
                cur.execute(sql + order)
                yield from map(index_row_from_row, cur)
            return
        for chunk in chunks(list(ids), 5000):
            for r in self._all(sql + " WHERE a.id = ANY(%s)" + order, (chunk,)):
                yield index_row_from_row(r)

    def stats(self) -> dict:
        articles, hashes, first, last = self._one(
            "SELECT count(*), count(DISTINCT content_hash), min(time), max(time) FROM articles"
        )
        return {
            "articles": articles,
            "outlets": self._one("SELECT count(DISTINCT outlet_id) FROM articles")[0],
            "duplicates": articles - hashes,
            "near_duplicates": self._one("SELECT count(*) FROM copies WHERE kind = 'near'")[0],
            "stories": self._one("SELECT count(*) FROM stories")[0],
            "tombstones": self._one("SELECT count(*) FROM tombstones")[0],
            "first": first,
            "last": last,
        }

    def outlets(self) -> list[dict]:
        rows = self._all(
            "SELECT o.id, o.key, o.name, count(a.id), min(a.time), max(a.time) FROM outlets o"
            " LEFT JOIN articles a ON a.outlet_id = o.id GROUP BY o.id ORDER BY count(a.id) DESC, o.key"
        )
        return [{"id": r[0], "key": r[1], "name": r[2], "articles": r[3], "first": r[4], "last": r[5]} for r in rows]

    # --- search ---------------------------------------------------------------
    def search(self, terms, outlet=None, since=None, until=None, limit=20, offset=0, match_all=True, newest_first=False):
        terms = list(dict.fromkeys(t for t in terms if t))
        if not terms:
            return [], 0
        joiner = " && " if match_all else " || "
        # phraseto_tsquery: a term of several stems (a quoted phrase) must match them in order.
        tsquery = "(" + joiner.join(["phraseto_tsquery('simple', %s)"] * len(terms)) + ")"
        where, args = article_filters(outlet, since, until, mark="%s")
        where = where.replace("WHERE", "AND") if where else ""
        base = (
            "FROM analysis n JOIN articles a ON a.id = n.article_id JOIN outlets o ON o.id = a.outlet_id"
            f" WHERE n.tsv @@ {tsquery} {where}"
        )
        total = self._one(f"SELECT count(*) {base}", (*terms, *args))[0]
        newest = self._one("SELECT max(time) FROM articles")[0]
        # ts_rank with a recency component: up to +50% for today's news, fading over weeks; none for an
        # article without a time (as in SQLite, which also lists those last when newest come first).
        rows = self._all(
            f"SELECT a.id, ts_rank(%s::float4[], n.tsv, {tsquery})"
            " * coalesce(1.0 + 0.5 / (1.0 + greatest(0.0, extract(epoch FROM (%s::timestamptz - a.time::timestamptz))"
            f" / 86400.0) / 7.0), 1.0) AS s {base}"
            f" ORDER BY {'a.time DESC NULLS LAST, a.id DESC' if newest_first else 's DESC, a.id'}"
            " LIMIT %s OFFSET %s",
            (_RANK_WEIGHTS, *terms, newest, *terms, *args, int(limit), int(offset)),
        )
        return [SearchHit(r[0], float(r[1] or 0.0)) for r in rows], total

    # --- copies and stories ------------------------------------------------------
    def replace_copies(self, rows):
        def fn(conn):
            conn.execute("DELETE FROM copies")
            _copy_rows(conn, "copies (article_id, canonical_id, score, kind)", rows)

        self.write(fn)

    def add_copies(self, rows):
        def fn(conn):
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO copies VALUES (%s,%s,%s,%s) ON CONFLICT (article_id) DO UPDATE SET"
                    " canonical_id = excluded.canonical_id, score = excluded.score, kind = excluded.kind",
                    rows,
                )

        self.write(fn)

    def copy_links(self):
        return [tuple(r) for r in self._all("SELECT article_id, canonical_id, score, kind FROM copies")]

    def replace_cross_copies(self, pairs):
        def fn(conn):
            conn.execute("DELETE FROM cross_copies")
            _copy_rows(conn, "cross_copies (article_id, other_id, score)", pairs)

        self.write(fn)

    def add_cross_copies(self, pairs):
        def fn(conn):
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO cross_copies VALUES (%s,%s,%s) ON CONFLICT (article_id, other_id) DO UPDATE SET"
                    " score = excluded.score",
                    pairs,
                )

        self.write(fn)

    def cross_copies(self):
        return [tuple(r) for r in self._all("SELECT article_id, other_id, score FROM cross_copies")]

    def replace_stories(self, stories, members):
        def fn(conn):
            conn.execute("DELETE FROM story_articles")
            conn.execute("DELETE FROM stories")
            _copy_rows(conn, "stories (id, label, first_time, last_time, article_count, outlet_count)",
                       [(s["id"], s["label"], s["first_time"], s["last_time"], s["article_count"], s["outlet_count"])
                        for s in stories])
            _copy_rows(conn, "story_articles (article_id, story_id, score)", members)

        self.write(fn)

    def upsert_stories(self, stories, members):
        def fn(conn):
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO stories(id, label, first_time, last_time, article_count, outlet_count)"
                    " VALUES (%s,%s,%s,%s,%s,%s)"
                    " ON CONFLICT(id) DO UPDATE SET label = excluded.label, first_time = excluded.first_time,"
                    " last_time = excluded.last_time, article_count = excluded.article_count,"
                    " outlet_count = excluded.outlet_count",
                    [(s["id"], s["label"], s["first_time"], s["last_time"], s["article_count"], s["outlet_count"])
                     for s in stories],
                )
                cur.executemany(
                    "INSERT INTO story_articles(article_id, story_id, score) VALUES (%s,%s,%s)"
                    " ON CONFLICT(article_id) DO UPDATE SET story_id = excluded.story_id, score = excluded.score",
                    members,
                )

        self.write(fn)

    def story_members(self, stories=None):
        if stories is None:
            return [tuple(r) for r in self._all("SELECT article_id, story_id FROM story_articles")]
        return [tuple(r) for r in self._all("SELECT article_id, story_id FROM story_articles WHERE story_id = ANY(%s)",
                                            (list(dict.fromkeys(int(s) for s in stories)),))]

    def list_stories(self, limit=50, offset=0):
        rows = self._all(
            "SELECT id, label, first_time, last_time, article_count, outlet_count FROM stories"
            " ORDER BY last_time DESC NULLS LAST, article_count DESC LIMIT %s OFFSET %s",
            (int(limit), int(offset)),
        )
        return [story_dict(r) for r in rows]

    def top_stories(self, window_days=1.0, limit=30):
        newest = self._one("SELECT max(time) FROM articles")[0]
        if not newest:
            return []
        rows = self._all(top_stories_sql("%s"), (window_start(newest, window_days), int(limit)))
        return [top_story_dict(r) for r in rows]

    def get_stories(self, ids):
        rows = self._all("SELECT id, label, first_time, last_time, article_count, outlet_count FROM stories"
                         " WHERE id = ANY(%s)", (row_ids(ids),))
        return {r[0]: story_dict(r) for r in rows}

    def get_story(self, story_id):
        if not row_ids([story_id]):
            return None
        row = self._one(
            "SELECT id, label, first_time, last_time, article_count, outlet_count FROM stories WHERE id = %s",
            (int(story_id),),
        )
        if not row:
            return None
        story = story_dict(row)
        story["article_ids"] = [
            r[0]
            for r in self._all(
                "SELECT s.article_id FROM story_articles s JOIN articles a ON a.id = s.article_id"
                f" WHERE s.story_id = %s{INDEX_ORDER}",
                (int(story_id),),
            )
        ]
        return story

    # --- embeddings, blobs, meta -------------------------------------------------
    def put_embeddings(self, model, rows):
        def fn(conn):
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO embeddings(article_id, model, vec) VALUES (%s,%s,%s)"
                    " ON CONFLICT (article_id) DO UPDATE SET model = excluded.model, vec = excluded.vec",
                    [(aid, model, vec) for aid, vec in rows],
                )

        self.write(fn)

    def embeddings(self, model):
        for aid, vec in self._all("SELECT article_id, vec FROM embeddings WHERE model = %s ORDER BY article_id", (model,)):
            yield aid, bytes(vec)

    def count_embeddings(self) -> int:
        return self._one("SELECT count(*) FROM embeddings")[0]

    def ids_without_embedding(self, model):
        return [
            r[0]
            for r in self._all(
                "SELECT a.id FROM articles a LEFT JOIN embeddings e ON e.article_id = a.id AND e.model = %s"
                " WHERE e.article_id IS NULL ORDER BY a.time DESC NULLS LAST, a.id",
                (model,),
            )
        ]

    def put_blob(self, name, version, data):
        self.write(
            lambda conn: conn.execute(
                "INSERT INTO blobs VALUES (%s,%s,%s)"
                " ON CONFLICT (name) DO UPDATE SET version = excluded.version, data = excluded.data",
                (name, version, data),
            )
        )

    def get_blob(self, name):
        row = self._one("SELECT version, data FROM blobs WHERE name = %s", (name,))
        return (row[0], bytes(row[1])) if row else None

    def get_meta(self, key):
        row = self._one("SELECT value FROM meta WHERE key = %s", (key,))
        return row[0] if row else None

    def set_meta(self, key, value):
        self.write(
            lambda conn: conn.execute(
                "INSERT INTO meta VALUES (%s,%s) ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value)
            )
        )

    def data_version(self) -> str:
        """Changes whenever articles are added or deleted or vectors added (derived indexes key on it)."""
        n, m = self._one("SELECT count(*), coalesce(max(id), 0) FROM articles")
        t = self._one("SELECT count(*) FROM tombstones")[0]
        return f"{n}:{m}:{t}:{self.count_embeddings()}" + text_revision_suffix(self.get_meta(TEXT_REVISION))

    # --- sources ---------------------------------------------------------------
    def add_source(self, source: Source) -> Source:
        source.id = self.write(
            lambda conn: conn.execute(
                "INSERT INTO sources(url, name, kind, allow_private, enabled, every_minutes) VALUES (%s,%s,%s,%s,%s,%s)"
                " ON CONFLICT (url) DO UPDATE SET name = excluded.name, kind = excluded.kind,"
                " allow_private = excluded.allow_private, every_minutes = coalesce(excluded.every_minutes, sources.every_minutes) RETURNING id",
                (source.url, source.name, source.kind, bool(source.allow_private), bool(source.enabled), source.every_minutes),
            ).fetchone()[0]
        )
        return source

    def list_sources(self) -> list[Source]:
        return [source_from_row(r) for r in self._all(f"SELECT {SOURCE_COLS} FROM sources ORDER BY id")]

    def update_source(self, source: Source) -> None:
        self.write(
            lambda conn: conn.execute(
                "UPDATE sources SET name=%s, kind=%s, allow_private=%s, enabled=%s, etag=%s, last_modified=%s,"
                " last_success=%s, last_error=%s, consecutive_failures=%s, next_poll=%s, every_minutes=%s WHERE id=%s",
                source_update_values(source),
            )
        )

    def remove_source(self, source_id):
        if not row_ids([source_id]):
            return False
        return self.write(lambda conn: conn.execute("DELETE FROM sources WHERE id = %s", (source_id,)).rowcount) > 0

    def http_cache_get(self, url):
        row = self._one("SELECT etag, last_modified, status, fetched FROM http_cache WHERE url = %s", (url,))
        return dict(zip(("etag", "last_modified", "status", "fetched"), row)) if row else None

    def http_cache_put(self, url, etag, last_modified, status):
        self.write(
            lambda conn: conn.execute(
                "INSERT INTO http_cache VALUES (%s,%s,%s,%s, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS'))"
                " ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,"
                " status = excluded.status, fetched = excluded.fetched",
                (url, etag, last_modified, status),
            )
        )


def _copy_rows(conn, target: str, rows) -> None:
    """Bulk insert through COPY (tens of thousands of rows in one round trip)."""
    with conn.cursor() as cur, cur.copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
