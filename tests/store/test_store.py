import threading
from datetime import datetime

from khabar.models import Article, analyze_article
from khabar.store import SQLiteStore


def _art(n, outlet="a", title="عنوان", body=None, day=1):
    return Article(url=f"https://x.test/{n}", outlet=outlet, title=f"{title} {n}",
                   body=body or [f"فقرة أولى عن الأسرى رقم {n}.", "فقرة ثانية."], published=datetime(2026, 1, day, 12))


def test_round_trip_and_filters(store):
    arts = [_art(1, "a", day=1), _art(2, "b", day=2), _art(3, "a", day=3)]
    result = store.add_articles([(a, analyze_article(a)) for a in arts])
    assert result.new == 3 and len(result.new_ids) == 3
    got = store.get_article(store.article_id("https://x.test/2"))
    assert got.title == "عنوان 2" and got.outlet == "b" and got.body == arts[1].body
    assert [a.url for a in store.list_articles(outlet="a")] == ["https://x.test/3", "https://x.test/1"]
    assert len(store.list_articles(since=datetime(2026, 1, 2))) == 2
    assert store.stats()["outlets"] == 2
    assert {o["key"]: o["articles"] for o in store.outlets()} == {"a": 2, "b": 1}


def test_search_uses_stems_and_survives_fts_syntax(store):
    a = _art(1)
    store.add_articles([(a, analyze_article(a))])
    from khabar.text import analyze

    hits, total = store.search(analyze("الاسرى"))
    assert total == 1 and hits[0].id == store.article_id(a.url)
    for q in ['"', "NEAR(", "title:x", "a OR", "*", "'; DROP TABLE articles; --"]:
        store.search(analyze(q) + [q])  # never raises
    assert store.stats()["articles"] == 1


def test_search_ranks_an_article_without_a_time_by_its_text_and_lists_it_last_by_time(store):
    """A bulk record with no date has no time: it gets no recency boost, not a missing score (a
    500 on SQLite, score 0 on PostgreSQL before), and comes after the dated ones, newest first."""
    from khabar.text import analyze

    undated = Article(url="https://x.test/u", outlet="a", title="الأسرى الأسرى", body=["عن الأسرى والأسرى."])
    dated = [_art(1, day=1), _art(2, day=2)]
    store.add_articles([(a, analyze_article(a)) for a in (undated, *dated)])
    hits, total = store.search(analyze("الاسرى"))
    assert total == 3 and all(h.score is not None and h.score > 0 for h in hits)
    assert hits[0].id == store.article_id(undated.url)  # it says "الأسرى" most, so it ranks first
    newest, _ = store.search(analyze("الاسرى"), newest_first=True)
    assert [h.id for h in newest] == [store.article_id(u) for u in ("https://x.test/2", "https://x.test/1", undated.url)]


def test_migrations_are_recorded_and_reopen_is_safe(tmp_path):
    path = tmp_path / "k.db"
    s = SQLiteStore(path)
    a = _art(1)
    s.add_articles([(a, analyze_article(a))])
    s.close()
    s2 = SQLiteStore(path)
    assert s2.stats()["articles"] == 1
    s2.close()


def test_a_file_that_is_not_a_database_is_a_clear_error_and_is_left_alone(tmp_path):
    import pytest

    from khabar.store import StoreUnavailable

    path = tmp_path / "notes.db"
    path.write_bytes(b"not a database, a user's file " * 100)
    with pytest.raises(StoreUnavailable, match="cannot open SQLite store"):
        SQLiteStore(path)
    assert path.read_bytes().startswith(b"not a database")


def test_a_url_of_another_kind_of_database_is_refused_not_taken_for_a_file(tmp_path, monkeypatch):
    # Taken as a path, mysql://host/db became a SQLite file in a folder called "mysql:".
    import pytest

    from khabar.store import StoreUnavailable, open_store

    monkeypatch.chdir(tmp_path)
    for url in ("mysql://host/news", "redis://localhost:6379/0", "sqlite://x.db"):
        with pytest.raises(StoreUnavailable, match=r":// is no store Khabar opens"):
            open_store(url)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(StoreUnavailable, match="no database named"):
        open_store(" ")
    for url, path in (("sqlite:///news.db", tmp_path / "news.db"), (f"sqlite:///{tmp_path}/abs.db", tmp_path / "abs.db")):
        open_store(url).close()  # SQLAlchemy's spelling of a file
        assert path.exists(), url


def test_a_database_from_a_newer_khabar_is_refused(tmp_path):
    import sqlite3

    import pytest

    from khabar.store import StoreUnavailable
    from khabar.store.schema import MIGRATIONS

    path = tmp_path / "k.db"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StoreUnavailable, match="newer than this Khabar"):
        SQLiteStore(path)


def test_concurrent_writes_go_through_one_writer(tmp_path):
    s = SQLiteStore(tmp_path / "k.db")

    def worker(base):
        for n in range(base, base + 20):
            a = _art(n)
            s.add_articles([(a, analyze_article(a))])

    threads = [threading.Thread(target=worker, args=(i * 100,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert s.stats()["articles"] == 80
    s.close()


def test_delete_removes_from_search_and_leaves_tombstone(store):
    a = _art(1)
    store.add_articles([(a, analyze_article(a))])
    assert store.delete_article(a.url)
    from khabar.text import analyze

    assert store.search(analyze("الأسرى"))[1] == 0
    assert store.stats()["tombstones"] == 1
    assert store.add_articles([(a, analyze_article(a))]).tombstoned == 1


def test_top_stories_rank_the_last_days_coverage(demo_store, settings):
    from datetime import datetime, timedelta

    from khabar.pipeline import build_indexes

    build_indexes(demo_store, settings)
    top = demo_store.top_stories(window_days=2.0, limit=50)
    newest = max(a.time for a in demo_store.list_articles(limit=100))
    keys = [(s["recent_outlets"], s["recent_articles"]) for s in top]
    assert top and keys == sorted(keys, reverse=True)
    for s in top:
        members = demo_store.get_articles(demo_store.get_story(s["id"])["article_ids"]).values()
        recent = [a for a in members if a.time >= newest - timedelta(days=2)]
        assert s["recent_articles"] == len(recent) >= 1 and s["recent_outlets"] == len({a.outlet for a in recent})
        assert s["article_count"] == len(members)
    # Every story active in the window is there; the wider ones first, whatever their age.
    active = {st["id"] for st in demo_store.list_stories(limit=100) if datetime.fromisoformat(st["last_time"]) >= newest - timedelta(days=2)}
    assert {s["id"] for s in top} == active
    assert demo_store.top_stories(window_days=2.0, limit=2) == top[:2]


def test_get_stories_reads_many_in_one_call(demo_store, settings):
    from khabar.pipeline import build_indexes

    build_indexes(demo_store, settings)
    listed = demo_store.list_stories(limit=5)
    ids = [st["id"] for st in listed]
    got = demo_store.get_stories([*ids, ids[0], 10**9])  # a repeat and an unknown id
    assert sorted(got) == sorted(ids)
    for st in listed:
        one = demo_store.get_story(st["id"])
        one.pop("article_ids")
        assert got[st["id"]] == one == st
    assert demo_store.get_stories([]) == {}


def test_an_id_no_row_can_have_is_not_found(demo_store, settings):
    # Ids come from URLs and command lines: past 64 bits SQLite cannot bind one and PostgreSQL's
    # bigint overflows, so /stories/99999999999999999999999 answered 500 instead of 404.
    from khabar.pipeline import build_indexes

    build_indexes(demo_store, settings)
    story = demo_store.list_stories(limit=1)[0]["id"]
    article = demo_store.get_story(story)["article_ids"][0]
    for huge in (2**63, 10**23, -(2**70)):
        assert demo_store.get_article(huge) is None and demo_store.get_story(huge) is None
        assert list(demo_store.get_articles([huge, article])) == [article]
        assert list(demo_store.get_stories([huge, story])) == [story]
    assert demo_store.get_article(0) is None and demo_store.get_story(-1) is None


def test_index_row_heads_are_the_rows_without_their_texts(demo_store):
    full = list(demo_store.iter_index_rows())
    heads = list(demo_store.iter_index_rows(heads_only=True))
    assert [(r.id, r.url, r.outlet, r.time, r.content_hash, r.title) for r in heads] == \
           [(r.id, r.url, r.outlet, r.time, r.content_hash, r.title) for r in full]
    assert all(not (r.body_norm or r.title_norm or r.body_terms or r.title_terms) for r in heads)
    assert any(r.body_norm for r in full)
    some = [full[3].id, full[1].id]
    assert [r.id for r in demo_store.iter_index_rows(some, heads_only=True)] == [full[1].id, full[3].id]


def test_adding_a_source_again_keeps_its_interval_unless_given(store):
    from khabar.models import Source

    store.add_source(Source(url="https://x.test/rss", name="x", every_minutes=30))
    store.add_source(Source(url="https://x.test/rss", name="renamed"))  # no interval given: it stays
    assert [(s.name, s.every_minutes) for s in store.list_sources()] == [("renamed", 30)]
    store.add_source(Source(url="https://x.test/rss", name="renamed", every_minutes=5))
    assert store.list_sources()[0].every_minutes == 5
    assert store.remove_source(store.list_sources()[0].id) and store.list_sources() == []
    assert not store.remove_source(12345)


def test_a_thread_that_has_ended_leaves_no_reader_connection_behind(store):
    """Each crawl round polls from fresh pool threads; their reader connections must go with
    them (PostgreSQL allows a hundred, and a day holds about a hundred rounds)."""
    def read():
        store.stats()

    for _ in range(12):
        t = threading.Thread(target=read)
        t.start()
        t.join()
    seen = []

    def read_and_look():
        read()  # a new thread's reader clears the ended threads' readers out
        seen.extend(t for t, _ in store._readers)

    last = threading.Thread(target=read_and_look)
    last.start()
    last.join()
    assert last in seen and len(seen) <= 2  # its own, and at most the main thread's


def test_a_time_bound_is_an_instant_whatever_its_zone(store):
    """``--since`` arrives as aware UTC; an article published at exactly that instant is in the
    range (as text, "…T00:00:00+00:00" sorted after the stored "…T00:00:00" and left it out)."""
    from datetime import timedelta, timezone

    from khabar.text import analyze

    midnight = Article(url="https://x.test/m", outlet="a", title="الأسرى", body=["عن الأسرى."],
                       published=datetime(2026, 1, 5))
    store.add_articles([(midnight, analyze_article(midnight))])
    riyadh = timezone(timedelta(hours=3))
    instants = (datetime(2026, 1, 5), datetime(2026, 1, 5, tzinfo=timezone.utc), datetime(2026, 1, 5, 3, tzinfo=riyadh))
    for since in instants:
        assert store.search(analyze("الاسرى"), since=since)[1] == 1, since
        assert [a.url for a in store.list_articles(since=since)] == [midnight.url], since
        assert store.search(analyze("الاسرى"), until=since)[1] == 0, since


def test_story_members_of_some_stories(store):
    arts = [_art(n, day=1 + n % 5) for n in range(6)]
    store.add_articles([(a, analyze_article(a)) for a in arts])
    ids = [store.article_id(a.url) for a in arts]
    story = {"label": "x", "first_time": None, "last_time": None, "article_count": 2, "outlet_count": 1}
    store.replace_stories([{**story, "id": sid} for sid in (1, 2, 3)],
                          [(ids[0], 1, 1.0), (ids[1], 1, 1.0), (ids[2], 2, 1.0), (ids[3], 2, 1.0), (ids[4], 3, 1.0)])
    assert sorted(store.story_members([1, 3])) == sorted([(ids[0], 1), (ids[1], 1), (ids[4], 3)])
    assert store.story_members([]) == [] and store.story_members([99]) == []
    assert len(store.story_members()) == 5


def test_cross_copies_are_replaced_added_and_go_with_a_deleted_article(store):
    arts = [_art(n) for n in range(4)]
    store.add_articles([(a, analyze_article(a)) for a in arts])
    ids = [store.article_id(a.url) for a in arts]
    store.replace_cross_copies([(ids[1], ids[0], 0.9)])
    store.replace_cross_copies([(ids[2], ids[0], 1.0)])
    store.add_cross_copies([(ids[3], ids[2], 0.85), (ids[2], ids[0], 0.95)])
    assert sorted(store.cross_copies()) == sorted([(ids[2], ids[0], 0.95), (ids[3], ids[2], 0.85)])
    assert store.delete_article(arts[0].url)
    assert store.cross_copies() == [(ids[3], ids[2], 0.85)]


def test_a_byline_is_searchable_but_never_matched_between_articles(store):
    from khabar.text import analyze

    a = Article(url="https://x.test/b1", outlet="a", title="افتتاح معرض الكتاب", author="لندن: سالم الأحمد",
                body=["افتتح المعرض أبوابه أمس للزوار."], published=datetime(2026, 1, 1, 12))
    store.add_articles([(a, analyze_article(a))])
    hits, total = store.search(analyze("سالم الأحمد"))
    assert total == 1
    row = next(store.iter_index_rows([hits[0].id]))
    assert row.author_terms == analyze("لندن: سالم الأحمد") and row.author == "لندن: سالم الأحمد"
    assert not set(row.author_terms) & set(row.title_terms + row.body_terms)  # related lists never see it
    assert store.delete_article(a.url) and store.search(analyze("سالم"))[1] == 0


def _stored_before_bylines_were_searchable(execute):
    """One article as schema version 6 stored it: analysis and search index without a byline."""
    from khabar.text import analyze_normalized, normalize_arabic

    title, text = "افتتاح معرض الكتاب", "افتتح المعرض أبوابه أمس للزوار."
    execute("INSERT INTO outlets(id, key, name) VALUES (1, 'a', 'a')")
    execute("INSERT INTO articles(id, url, outlet_id, title, body, author, content_hash, time)"
            f" VALUES (1, 'https://x.test/o', 1, '{title}', '[\"{text}\"]', 'سالم الأحمد', 'h', '2026-01-01T12:00:00')")
    stems = " ".join(analyze_normalized(normalize_arabic(title))), " ".join(analyze_normalized(normalize_arabic(text)))
    execute(f"INSERT INTO analysis(article_id, title, body, title_norm, body_norm) VALUES (1, '{stems[0]}', '{stems[1]}',"
            f" '{normalize_arabic(title)}', '{normalize_arabic(text)}')")
    return stems


def _bylines_searchable_after_reclean(store):
    from khabar.ingest.reclean import reclean_articles
    from khabar.text import analyze

    assert store.search(analyze("معرض"))[1] == 1  # what was searchable still is
    assert store.search(analyze("سالم الأحمد"))[1] == 0  # no byline stems yet
    assert reclean_articles(store).reanalyzed == 1
    assert store.search(analyze("سالم الأحمد"))[1] == 1
    assert reclean_articles(store).reanalyzed == 0
    assert store.delete_article("https://x.test/o") and store.search(analyze("معرض"))[1] == 0


def test_a_database_from_before_bylines_were_searchable_is_migrated_then_recleaned(tmp_path):
    import sqlite3

    from khabar.store.schema import MIGRATIONS

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        for sql in MIGRATIONS[:6]:
            conn.executescript(sql)
        conn.execute("PRAGMA user_version = 6")
        stems = _stored_before_bylines_were_searchable(conn.execute)
        conn.execute("INSERT INTO fts(rowid, title, body) VALUES (1, ?, ?)", stems)
    store = SQLiteStore(path)
    _bylines_searchable_after_reclean(store)
    store.close()
