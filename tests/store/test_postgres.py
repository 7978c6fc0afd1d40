"""PostgreSQL-only behaviour: migrations, concurrency, routing, ranking (skipped without a server)."""

import threading

import pytest

from khabar.models import analyze_article
from khabar.store import open_store
from khabar.text import analyze

from ..conftest import postgres_schema
from .test_store import _art


@pytest.fixture
def pg_dsn():
    with postgres_schema() as dsn:
        yield dsn


def _pg(dsn):
    from khabar.store.postgres import PostgresStore

    return PostgresStore(dsn)


def test_migrations_are_recorded_once_and_reopen_is_safe(pg_dsn):
    s = _pg(pg_dsn)
    a = _art(1)
    s.add_articles([(a, analyze_article(a))])
    s.close()
    s2 = _pg(pg_dsn)  # a second open applies nothing again
    assert s2.stats()["articles"] == 1
    versions = [r[0] for r in s2._all("SELECT version FROM khabar_migrations ORDER BY version")]
    assert versions == list(range(1, len(versions) + 1)) and len(versions) >= 4
    s2.close()


def test_a_database_from_a_newer_khabar_is_refused(pg_dsn):
    from khabar.store import StoreUnavailable
    from khabar.store.pg_schema import PG_MIGRATIONS

    s = _pg(pg_dsn)
    with s._write_lock, s._writer.transaction():
        s._writer.execute("INSERT INTO khabar_migrations(version) VALUES (%s)", (len(PG_MIGRATIONS) + 1,))
    s.close()
    with pytest.raises(StoreUnavailable, match="newer than this Khabar"):
        _pg(pg_dsn)


def test_concurrent_writers_and_readers(pg_dsn):
    s = _pg(pg_dsn)
    seen = []

    def worker(base):
        for n in range(base, base + 15):
            a = _art(n)
            s.add_articles([(a, analyze_article(a))])
            seen.append(s.article_id(a.url))  # each thread reads on its own connection

    threads = [threading.Thread(target=worker, args=(i * 100,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert s.stats()["articles"] == 60 and None not in seen and len(set(seen)) == 60
    s.close()


def test_same_url_from_two_stores_is_stored_once(pg_dsn):
    s1, s2 = _pg(pg_dsn), _pg(pg_dsn)
    a = _art(7)
    r1 = s1.add_articles([(a, analyze_article(a))])
    r2 = s2.add_articles([(a, analyze_article(a))])
    assert (r1.new, r2.new, r2.existing) == (1, 0, 1)
    s1.close()
    s2.close()


def test_open_store_routes_postgres_urls(pg_dsn):
    from khabar.store.postgres import PostgresStore

    s = open_store("postgresql:///" + _dbname(pg_dsn) + "?options=-csearch_path%3D" + _schema(pg_dsn))
    assert isinstance(s, PostgresStore)
    s.close()


def test_title_matches_rank_first_and_or_search(pg_dsn):
    s = _pg(pg_dsn)
    in_title = _art(1, title="محطة تحلية", body=["خبر عن الطقس في المدينة."])
    in_body = _art(2, title="خبر محلي", body=["افتتاح محطة تحلية جديدة في المدينة."])
    other = _art(3, title="رياضة", body=["مباراة كرة قدم."])
    s.add_articles([(a, analyze_article(a)) for a in (in_title, in_body, other)])
    hits, total = s.search(analyze("تحلية"))
    assert total == 2 and hits[0].id == s.article_id(in_title.url)
    hits, total = s.search(analyze("تحلية مباراة"), match_all=False)
    assert total == 3
    hits, total = s.search(analyze("تحلية مباراة"))
    assert total == 0
    s.close()


def test_bulk_replacements_and_blobs_round_trip(pg_dsn):
    s = _pg(pg_dsn)
    arts = [_art(n) for n in range(50)]
    s.add_articles([(a, analyze_article(a)) for a in arts])
    ids = [s.article_id(a.url) for a in arts]
    s.replace_stories([{"id": 1, "label": "x", "first_time": None, "last_time": None, "article_count": 50,
                        "outlet_count": 1}], [(i, 1, 0.5) for i in ids])
    assert s.get_story(1)["article_ids"] == ids
    s.replace_copies([(ids[1], ids[0], 0.9, "near")])
    assert s.copy_links() == [(ids[1], ids[0], 0.9, "near")]
    s.put_blob("b", "v1", b"\x00\x01")
    assert s.get_blob("b") == ("v1", b"\x00\x01")
    s.put_embeddings("m", [(ids[0], b"\x00" * 8)])
    assert list(s.embeddings("m")) == [(ids[0], b"\x00" * 8)] and len(s.ids_without_embedding("m")) == 49
    s.close()


def _dbname(conninfo: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    return conninfo_to_dict(conninfo).get("dbname", "")


def _schema(conninfo: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    return conninfo_to_dict(conninfo)["options"].split("search_path=")[1]


def test_a_database_from_before_bylines_were_searchable_is_migrated_then_recleaned(pg_dsn):
    import psycopg

    from khabar.store.pg_schema import PG_MIGRATIONS

    from .test_store import _bylines_searchable_after_reclean, _stored_before_bylines_were_searchable

    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE khabar_migrations (version INTEGER NOT NULL)")
        for number, sql in enumerate(PG_MIGRATIONS[:6], start=1):
            conn.execute(sql)
            conn.execute("INSERT INTO khabar_migrations(version) VALUES (%s)", (number,))
        _stored_before_bylines_were_searchable(conn.execute)
        conn.execute("SELECT setval(pg_get_serial_sequence('articles', 'id'), 1)")
    store = _pg(pg_dsn)
    _bylines_searchable_after_reclean(store)
    store.close()
