"""API and pages with an in-process client on the demo corpus."""

import json
import re

import pytest
from fastapi.testclient import TestClient

from khabar.ingest.bulk import import_paths
from khabar.settings import Settings
from khabar.web.app import create_app
from khabar.web.plural import arabic_count


@pytest.fixture
def client(tmp_path, demo_path):
    db = str(tmp_path / "web.db")
    evil = tmp_path / "evil.jsonl"
    evil.write_text(json.dumps({"url": "https://evil.test/1", "title": "<script>alert(1)</script> عنوان",
                                "author": "<b>ناصر</b> – الطائف:",
                                "content": "<b>ناصر</b> – الطائف: نص <img src=x onerror=alert(2)> هنا.", "source": "evil"},
                               ensure_ascii=False))
    from khabar.store import SQLiteStore

    s = SQLiteStore(db)
    import_paths(s, [demo_path, evil])
    s.close()
    with TestClient(create_app(Settings(db=db))) as c:
        yield c


def test_api_article_related_and_404(client):
    arts = client.get("/api/articles", params={"outlet": "wahanews"}).json()["articles"]
    aid = arts[0]["id"]
    assert client.get(f"/api/articles/{aid}").json()["outlet"] == "wahanews"
    rel = client.get(f"/api/articles/{aid}/related").json()
    assert {c["outlet"] for c in rel["also_reported_by"]} == {"alofoq", "nahar", "sahel"}
    assert client.get("/api/articles/999999").status_code == 404
    assert client.get("/api/articles", params={"limit": 0}).status_code == 422
    assert client.get("/openapi.json").status_code == 200


def test_api_finds_an_article_by_its_url(client):
    art = client.get("/api/articles", params={"outlet": "wahanews"}).json()["articles"][0]
    found = client.get("/api/articles/by-url", params={"url": art["url"]})
    assert found.status_code == 200 and found.json()["id"] == art["id"]
    # Canonicalized like the CLI: a tracking parameter and an upper-case host still find it.
    noisy = art["url"].replace("https://wahanews.example", "https://WAHANEWS.example") + "?utm_source=x"
    assert client.get("/api/articles/by-url", params={"url": noisy}).json()["id"] == art["id"]
    assert client.get("/api/articles/by-url", params={"url": "https://nowhere.test/x"}).status_code == 404
    assert client.get("/api/articles/by-url", params={"url": "not a url"}).status_code == 404
    assert client.get("/api/articles/by-url").status_code == 422


def test_api_top_stories_is_the_front_page(client):
    data = client.get("/api/top-stories", params={"min_stories": 0}).json()
    assert data["window_days"] == 1.0 and data["stories"]
    keys = [(s["recent_outlets"], s["recent_articles"]) for s in data["stories"]]
    assert keys == sorted(keys, reverse=True)  # most widely covered first
    home = client.get("/").text
    assert home.index(f'/stories/{data["stories"][0]["id"]}"') < home.index(f'/stories/{data["stories"][-1]["id"]}"')
    # Under each label: the start of its text and the outlets that covered it, first reporter first.
    month = client.get("/api/top-stories", params={"window_days": 30}).json()["stories"]
    wire = next(s for s in month if s["outlet_count"] >= 4 and "تحلية" in s["label"])
    assert wire["outlets"][0] == "wahanews" and set(wire["outlets"]) >= {"wahanews", "alofoq", "nahar", "sahel"}
    assert wire["lead"] and len(wire["lead"]) <= 201 and "محطة" in wire["lead"]
    assert all(s["lead"] for s in month)  # every demo story has a text
    front = client.get("/api/top-stories", params={"min_stories": 10}).json()["stories"][0]  # what / shows first
    home = client.get("/").text
    names = {o["key"]: o["name"] for o in client.get("/api/outlets").json()["outlets"]}
    assert f'<p class="lead">{front["lead"]}</p>' in home and len(front["outlets"]) > 1
    assert "، ".join(names[o] for o in front["outlets"]) in home  # the outlets by name
    assert front["lead"] in client.get("/feeds/top.atom").text
    wider = client.get("/api/top-stories", params={"window_days": 30, "limit": 3}).json()["stories"]
    assert len(wider) == 3 and wider[0]["recent_outlets"] >= data["stories"][0]["recent_outlets"]
    assert client.get("/api/top-stories", params={"window_days": 0}).status_code == 422


def test_a_thin_day_widens_the_front_pages_window_and_the_page_says_so(client):
    """The demo's last 24 hours hold three one-article stories: the front page widens to the
    first window holding ten (3, 7, 30 days), so the week's big stories show, and names it."""
    from khabar.web.plural import arabic_window

    day = client.get("/api/top-stories", params={"min_stories": 0}).json()
    assert len(day["stories"]) < 10  # min_stories=0: exactly the window asked for
    three = client.get("/api/top-stories", params={"window_days": 3, "min_stories": 0}).json()
    week = client.get("/api/top-stories", params={"window_days": 7, "min_stories": 0}).json()
    assert len(three["stories"]) < 10 <= len(week["stories"])
    assert client.get("/api/top-stories").json() == week  # the API's default is the front page
    home = client.get("/").text
    assert f"في {arabic_window(7)}" in home and "في آخر 24 ساعة" not in home
    assert home.index(f'/stories/{week["stories"][0]["id"]}"') < home.index(f'/stories/{week["stories"][-1]["id"]}"')
    assert week["stories"][0]["recent_outlets"] > 1 >= day["stories"][0]["recent_outlets"]  # a widely covered story leads
    feed = client.get("/feeds/top.atom").text
    assert f"في {arabic_window(7)}" in feed


@pytest.mark.parametrize("q,expected", [
    ("الاسرى", "https://nahar.example/news/3107"),
    ("أسرى", "https://nahar.example/news/3107"),
    ("السيول", "https://alofoq.example/news/2102"),
    ("سيول", "https://alofoq.example/news/2102"),
    ("الانفلونزا", "https://nahar.example/news/3105"),
    ("لقاح الإنفلونزا", "https://alofoq.example/news/2107"),
    ("تحليه المياه", "https://wahanews.example/news/5001"),
    ("القمر الصناعى", "https://sahel.example/news/4104"),
    ("مستشفى", None),
    ("رافائيل سيلفا", "https://bawaba.example/news/7102"),
])
def test_search_spelling_variants(client, q, expected):
    r = client.get("/api/search", params={"q": q})
    assert r.status_code == 200
    results = r.json()["results"]
    urls = [x["url"] for x in results] + [c["url"] for x in results for c in x["also_reported_by"]]
    if expected:
        assert expected in urls


def test_search_shows_copies_of_one_text_as_one_result(client):
    wire = {"https://wahanews.example/news/5001", "https://alofoq.example/news/2101",
            "https://nahar.example/news/3101", "https://sahel.example/news/4101"}
    r = client.get("/api/search", params={"q": "محطة تحلية"}).json()
    hits = [x for x in r["results"] if x["url"] in wire]
    assert len(hits) == 1  # one result for the four outlets' wire story
    assert {hits[0]["url"]} | {c["url"] for c in hits[0]["also_reported_by"]} == wire
    assert r["total"] >= len(r["results"]) + 3  # total still counts the matching articles
    # Pages count results: page 2 of size 1 starts where page 1 ended, with no repeated group.
    first = client.get("/api/search", params={"q": "محطة تحلية", "limit": 1}).json()
    second = client.get("/api/search", params={"q": "محطة تحلية", "limit": 1, "offset": 1}).json()
    assert first["has_more"] and first["results"][0]["url"] == r["results"][0]["url"]
    assert second["results"][0]["url"] == r["results"][1]["url"]
    page = client.get("/search", params={"q": "محطة تحلية"})
    assert page.status_code == 200 and "نشرته أيضاً" in page.text


@pytest.mark.parametrize("q", ['"', "NEAR(a b)", "title:x", "*", "' OR 1=1 --", "a AND", "(((", "\x00"])
def test_search_injection_never_500(client, q):
    assert client.get("/api/search", params={"q": q}).status_code in (200, 422)
    assert client.get("/search", params={"q": q}).status_code == 200


def test_pages_are_rtl_and_escape_html(client):
    home = client.get("/")
    assert home.status_code == 200 and 'dir="rtl"' in home.text and 'lang="ar"' in home.text
    evil = client.get("/api/articles", params={"outlet": "evil"}).json()["articles"][0]
    page = client.get(f"/articles/{evil['id']}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page
    # The byline is shown escaped, once: not again at the head of the text.
    assert '<span id="byline">&lt;b&gt;ناصر&lt;/b&gt; – الطائف</span>' in page
    assert page.count("ناصر") == 1 and "<p>نص &lt;img" in page
    # Alone in its story: no story line linking back to the article itself.
    assert 'id="story"' not in page
    wire = client.get("/api/articles", params={"outlet": "wahanews"}).json()["articles"][0]
    page = client.get(f"/articles/{wire['id']}").text
    assert 'id="similar"' in page and "مقالات مشابهة" in page and 'id="also-reported"' in page
    # The article links its story (full coverage: the wire story's four outlets).
    story_link = re.search(r'id="story">القصة: <a href="/stories/(\d+)">', page)
    assert story_link and wire["id"] in client.get(f"/api/stories/{story_link.group(1)}").json()["article_ids"]
    story = client.get("/api/stories").json()["stories"][0]
    assert client.get(f"/stories/{story['id']}").status_code == 200
    # The wire story's copies sit under its first article, not again as developments.
    wire = client.get("/api/articles", params={"outlet": "wahanews"}).json()["articles"][0]
    sid = next(s["id"] for s in client.get("/api/stories", params={"limit": 200}).json()["stories"]
               if wire["id"] in client.get(f"/api/stories/{s['id']}").json()["article_ids"])
    data = client.get(f"/api/stories/{sid}").json()
    listed = [a["url"] for a in data["articles"]]
    copies = {c["url"] for a in data["articles"] for c in a["also_reported_by"]}
    assert len(data["article_ids"]) == len(listed) + len(copies)
    assert {"https://alofoq.example/news/2101", "https://nahar.example/news/3101",
            "https://sahel.example/news/4101"} <= copies | set(listed)
    assert len({"https://alofoq.example/news/2101", "https://nahar.example/news/3101",
                "https://sahel.example/news/4101", wire["url"]} & set(listed)) == 1
    # A running story's developments are linked from its page (oldest first).
    rescue = client.get("/api/articles", params={"outlet": "bawaba"}).json()["articles"]
    rescue = next(a for a in rescue if a["url"] == "https://bawaba.example/news/7101")
    sid = next(s["id"] for s in client.get("/api/stories", params={"limit": 200}).json()["stories"]
               if rescue["id"] in client.get(f"/api/stories/{s['id']}").json()["article_ids"])
    related = client.get(f"/api/stories/{sid}").json()["related_stories"]
    assert related and all("سيول" in r["label"] or "الأمطار" in r["label"] for r in related)
    page = client.get(f"/stories/{sid}").text
    assert "قصص ذات صلة" in page and f'href="/stories/{related[0]["id"]}"' in page
    # Counts agree with the number and, after "من", take the genitive ("من مصدرين").
    story = client.get(f"/api/stories/{sid}").json()
    from khabar.web.plural import arabic_count
    assert f'من {arabic_count(story["outlet_count"], "outlet", after_preposition=True)}' in page
    assert "من مصدران" not in page
    assert story["outlet_count"] == 2, "the fixture no longer has a two-outlet story here"
    assert client.get("/stories/999999").status_code == 404
    assert client.get("/outlets/alofoq").status_code == 200


def test_outlets_health_and_search_filters(client):
    outlets = client.get("/api/outlets").json()["outlets"]
    assert {o["key"] for o in outlets} >= {"alofoq", "nahar"}
    assert all(o["health"]["status"] == "no live source" for o in outlets)
    assert "حالة المتابعة: لا مصدر متابَع" in client.get("/outlets/alofoq").text  # the page says it in Arabic
    assert "لا نتائج" in client.get("/search", params={"q": "xyzxyz"}).text
    r = client.get("/api/search", params={"q": "السيول", "since": "2026-03-04T00:00:00"}).json()
    assert r["results"] and all(x["time"] >= "2026-03-04" for x in r["results"])
    r = client.get("/api/search", params={"q": "السيول", "outlet": "alofoq"}).json()
    assert r["results"] and all(x["outlet"] == "alofoq" for x in r["results"])
    assert client.get("/api/search", params={"q": "السيول", "since": "not-a-date"}).status_code == 422
    page = client.get("/search", params={"q": "السيول", "since": "2026-03-04", "until": "bad"})
    assert page.status_code == 200 and "<mark>" in page.text
    assert 'role="alert">ليس تاريخاً، فلم يُطبَّق: <bdi dir="ltr">bad</bdi>' in page.text  # ignored, and said so
    assert "ليس تاريخاً" not in client.get("/search", params={"q": "السيول", "since": "2026-03-04"}).text
    # The form's days include the last one: from 4 March to 4 March is 4 March (it was nothing).
    day = client.get("/api/search", params={"q": "السيول", "since": "2026-03-04", "until": "2026-03-05"}).json()
    assert day["total"] > 0
    one_day = client.get("/search", params={"q": "السيول", "since": "2026-03-04", "until": "2026-03-04"}).text
    assert arabic_count(day["total"], "result") in one_day
    assert all(f'href="/articles/{r["id"]}"' in one_day for r in day["results"])
    # A title word inside punctuation is marked whole, punctuation and all ("«الواحة" and "الصحة:").
    assert "<mark>«الواحة</mark>" in client.get("/search", params={"q": "الواحة غيانا"}).text
    assert "<mark>الصحة:</mark>" in client.get("/search", params={"q": "الصحة"}).text
    # Under each headline, the words around its first match, the match marked (escaped as all text).
    found = client.get("/api/search", params={"q": "السيول"}).json()["results"]
    assert all(r["snippet"] and r["matched"] for r in found)
    assert re.search(r'<p class="snippet">[^<]*<mark>[^<]+</mark>', client.get("/search", params={"q": "السيول"}).text)
    # A result names its story when the story holds more than it: the way to the event's whole coverage.
    storied = [r for r in found if r["story"]]
    assert storied and all(r["story"]["article_count"] > 1 for r in storied)
    sid = storied[0]["story"]["id"]
    assert storied[0]["id"] in client.get(f"/api/stories/{sid}").json()["article_ids"]
    assert f'<a href="/stories/{sid}"' in client.get("/search", params={"q": "السيول"}).text
    alone = client.get("/api/search", params={"q": "onerror", "outlet": "evil"}).json()["results"]
    assert alone and alone[0]["story"] is None  # a story of itself alone is not named
    evil = client.get("/search", params={"q": "onerror", "outlet": "evil"}).text
    assert '<p class="snippet">' in evil and "<img" not in evil and "&lt;img" in evil
    assert client.get("/api/search", params={"q": "السيول", "limit": 1, "offset": 1}).json()["offset"] == 1
    newest = client.get("/api/search", params={"q": "السيول", "sort": "newest"}).json()
    times = [x["time"] for x in newest["results"]]
    assert newest["sort"] == "newest" and times == sorted(times, reverse=True)
    assert client.get("/api/search", params={"q": "السيول", "sort": "oldest"}).status_code == 422
    page = client.get("/search", params={"q": "السيول", "sort": "newest"}).text
    assert '<option value="newest" selected>' in page


def test_server_serves_the_last_index_while_new_articles_wait_for_the_writer(tmp_path, demo_path):
    """New articles stored by another process (import, crawl) are not indexed inside a request:
    the server keeps the last index, shows the new article at once, and picks up the new index
    once the writer has built it."""
    from khabar.pipeline import build_indexes
    from khabar.store import SQLiteStore

    db = str(tmp_path / "live.db")
    writer = SQLiteStore(db)
    import_paths(writer, [demo_path])
    build_indexes(writer, Settings(db=db))
    with TestClient(create_app(Settings(db=db, refresh_seconds=0.0))) as c:
        wire = c.get("/api/articles", params={"outlet": "wahanews"}).json()["articles"][0]["id"]
        assert c.get(f"/api/articles/{wire}/related").status_code == 200
        indexed = writer.get_meta("indexed_version")

        late = tmp_path / "late.jsonl"
        late.write_text(json.dumps({"url": "https://late.test/1", "source": "late", "published": "2026-03-03T10:00:00",
                                    "title": "محطة التحلية الجديدة في الواحة تبدأ الضخ",
                                    "content": "بدأت محطة تحلية المياه الجديدة في مدينة الواحة ضخ المياه المحلاة إلى الأحياء."},
                                   ensure_ascii=False))
        report = import_paths(writer, [late])  # stored, not yet indexed
        new_id = report.new_ids[0]
        assert c.get(f"/api/articles/{new_id}").status_code == 200
        rel = c.get(f"/api/articles/{new_id}/related")
        assert rel.status_code == 200 and rel.json()["similar"]  # ranked against the last index
        assert writer.get_meta("indexed_version") == indexed  # the request built nothing

        deleted = rel.json()["similar"][0]["url"]
        writer.delete_article(deleted)  # gone from the data, still in the last index
        rel = c.get(f"/api/articles/{new_id}/related")
        assert rel.status_code == 200 and deleted not in [x["url"] for x in rel.json()["similar"]]

        build_indexes(writer, Settings(db=db), new_ids=report.new_ids)  # the writer catches up
        assert writer.get_meta("indexed_version") != indexed
        assert c.get(f"/api/articles/{new_id}/related").status_code == 200
    writer.close()


def test_a_search_forms_days_are_the_readers_days_both_included():
    from datetime import datetime

    from khabar.web.local_time import check_timezone, day_bounds

    riyadh, utc = check_timezone("Asia/Riyadh"), check_timezone("UTC")
    # 1 March in Riyadh runs from 21:00 UTC the day before to 21:00 UTC on 1 March.
    assert day_bounds("2026-03-01", "2026-03-01", riyadh) == (datetime(2026, 2, 28, 21), datetime(2026, 3, 1, 21), [])
    assert day_bounds("2026-03-01", "2026-03-02", utc) == (datetime(2026, 3, 1), datetime(2026, 3, 3), [])
    assert day_bounds("", " ", riyadh) == (None, None, [])
    assert day_bounds("2026-13-01", "soon", utc) == (None, None, ["2026-13-01", "soon"])
    assert day_bounds("2026-03-01", "9999-12-31", utc)[1] is None  # the last day there is: no end
    # Days at the ends of the calendar, east of UTC: before any time there is, not an OverflowError (a 500).
    assert day_bounds("0001-01-01", "", riyadh)[0] == datetime.min
    # A full time (a hand-made link) is an instant: naive in the zone, "until" before it.
    assert day_bounds("2026-03-01T08:15", "2026-03-01T09:00+00:00", riyadh) == (datetime(2026, 3, 1, 5, 15),
                                                                               datetime(2026, 3, 1, 9), [])


def test_pages_show_times_in_the_display_timezone(tmp_path, demo_path):
    from khabar.store import SQLiteStore
    from khabar.web.local_time import check_timezone, format_local, time_element

    riyadh = check_timezone("Asia/Riyadh")
    assert format_local("2026-03-01T05:15:00", riyadh) == "2026-03-01 08:15 +03"
    assert format_local("2026-03-01T22:15:00", riyadh, minutes=False) == "2026-03-02"
    assert format_local(None, riyadh) == "" and format_local("not a time", riyadh) == "not a time"
    assert time_element(None, riyadh) == ""
    assert str(time_element('<b>"', riyadh)) == '<span dir="ltr">&lt;b&gt;&#34;</span>'
    with pytest.raises(ValueError):
        check_timezone("Mars/Olympus")
    db = str(tmp_path / "tz.db")
    s = SQLiteStore(db)
    import_paths(s, [demo_path])
    s.close()
    # The demo's flood warning was published at 08:15 +03:00 (05:15 UTC).
    with TestClient(create_app(Settings(db=db, display_timezone="Asia/Riyadh"))) as c:
        aid = next(a["id"] for a in c.get("/api/articles", params={"outlet": "marsad", "limit": 50}).json()["articles"]
                   if a["url"] == "https://marsad.example/news/6101")
        page = c.get(f"/articles/{aid}").text
        # Isolated left to right, or an RTL line shows the zone as "03+" before the date.
        assert '<time datetime="2026-03-01T05:15:00+00:00" dir="ltr">2026-03-01 08:15 +03</time>' in page
        assert c.get(f"/api/articles/{aid}").json()["time"].startswith("2026-03-01T05:15")  # the API stays UTC
    with TestClient(create_app(Settings(db=db))) as c:
        assert "2026-03-01 05:15 UTC" in c.get(f"/articles/{aid}").text


def test_also_reported_by_names_each_other_outlet_once(tmp_path, demo_path):
    from khabar.store import SQLiteStore
    from khabar.web.views import other_outlets

    refs = [{"id": 1, "outlet": "a"}, {"id": 2, "outlet": "b"}, {"id": 3, "outlet": "a"}, {"id": 4, "outlet": "own"}]
    assert [r["id"] for r in other_outlets(refs, "own")] == [1, 2]
    assert other_outlets([{"id": 4, "outlet": "own"}], "own") == []
    # alofoq runs the wire story a second time (an update under another URL).
    wire = next(json.loads(line) for line in open(demo_path, encoding="utf-8")
                if json.loads(line)["url"] == "https://alofoq.example/news/2101")
    again = tmp_path / "again.jsonl"
    again.write_text(json.dumps({**wire, "url": "https://alofoq.example/news/2101-update",
                                 "published": "2026-03-03T13:00:00+03:00"}, ensure_ascii=False), encoding="utf-8")
    db = str(tmp_path / "again.db")
    s = SQLiteStore(db)
    import_paths(s, [demo_path, again])
    s.close()
    with TestClient(create_app(Settings(db=db))) as c:
        arts = {a["url"]: a["id"] for a in c.get("/api/articles", params={"limit": 100}).json()["articles"]}
        also = {c_["url"] for c_ in c.get(f"/api/articles/{arts['https://wahanews.example/news/5001']}/related").json()["also_reported_by"]}
        assert {"https://alofoq.example/news/2101", "https://alofoq.example/news/2101-update"} <= also  # the API keeps both

        def also_line(aid):
            page = c.get(f"/articles/{aid}").text
            return re.search(r'<p class="meta" id="also-reported">(.*?)</p>', page, re.S).group(1)

        line = also_line(arts["https://wahanews.example/news/5001"])
        assert line.count("الأفق") == 1, line  # one link per outlet, not one per copy
        line = also_line(arts["https://alofoq.example/news/2101"])
        assert "الأفق" not in line and line.count("<a ") == 3, line  # not "also published by" itself


def test_atom_feeds_of_the_front_page_and_of_a_story(client):
    import feedparser

    top = client.get("/feeds/top.atom")
    assert top.status_code == 200 and top.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(top.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    stories = client.get("/api/top-stories").json()["stories"]
    assert {e.link for e in parsed.entries} == {f"http://testserver/stories/{s['id']}" for s in stories}
    assert all(e.updated_parsed for e in parsed.entries)
    assert 'href="/feeds/top.atom"' in client.get("/").text  # autodiscovery

    wire = client.get("/api/articles/by-url", params={"url": "https://wahanews.example/news/5001"}).json()["id"]
    sid = next(s["id"] for s in client.get("/api/stories", params={"limit": 200}).json()["stories"]
               if wire in client.get(f"/api/stories/{s['id']}").json()["article_ids"])
    page = client.get(f"/stories/{sid}").text
    assert f'href="/stories/{sid}/feed.atom"' in page
    feed = feedparser.parse(client.get(f"/stories/{sid}/feed.atom").content)
    assert not feed.bozo and feed.feed.language == "ar"
    story = client.get(f"/api/stories/{sid}").json()
    assert [e.link for e in feed.entries] == [f"http://testserver/articles/{a['id']}"
                                              for a in sorted(story["articles"], key=lambda a: a["time"], reverse=True)]
    first = next(e for e in feed.entries if e.link.endswith(f"/articles/{wire}"))
    assert "https://wahanews.example/news/5001" in [link.href for link in first.links]  # the outlet's own page
    assert "نشرته أيضاً" in first.summary  # its copies, named once each
    assert client.get("/stories/999999/feed.atom").status_code == 404


def test_atom_feed_of_a_search_follows_it_newest_first_each_text_once(client):
    import feedparser

    page = client.get("/search", params={"q": "السيول", "outlet": "alofoq"}).text
    assert 'href="/feeds/search.atom?q=%D8%A7%D9%84%D8%B3%D9%8A%D9%88%D9%84&outlet=alofoq"' in page  # discovery + link
    feed = feedparser.parse(client.get("/feeds/search.atom", params={"q": "السيول"}).content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "خبر: بحث «السيول»" and feed.feed.language == "ar"
    newest = client.get("/api/search", params={"q": "السيول", "sort": "newest", "limit": 30}).json()["results"]
    assert [e.link for e in feed.entries] == [f"http://testserver/articles/{r['id']}" for r in newest]
    times = [e.updated_parsed for e in feed.entries]
    assert len(times) > 3 and times == sorted(times, reverse=True)
    wire = feedparser.parse(client.get("/feeds/search.atom", params={"q": "محطة تحلية"}).content)
    copies = [e for e in wire.entries if "نشرته أيضاً" in e.summary]
    assert len(copies) == 1  # the wire story once, its copies' outlets named
    outlet = feedparser.parse(client.get("/feeds/search.atom", params={"q": "السيول", "outlet": "alofoq"}).content)
    assert outlet.entries and all("alofoq.example" in e.links[-1].href for e in outlet.entries)
    assert outlet.feed.title.startswith("خبر: بحث «السيول» في ")
    body = client.get("/feeds/search.atom", params={"q": "عنوان"}).text
    assert "<script>" not in body and "&lt;script&gt;" in body  # the evil title, as text
    for bad in ({"q": "  "}, {}, {"q": "س" * 501}):
        r = client.get("/feeds/search.atom", params=bad)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/json")


def test_an_article_without_a_headline_shows_the_start_of_its_text(tmp_path, demo_path):
    from khabar.store import SQLiteStore

    db = str(tmp_path / "untitled.db")
    f = tmp_path / "untitled.jsonl"
    text = "أعلنت بلدية الواحة اليوم افتتاح حديقة عامة جديدة على الواجهة البحرية تضم ممرات للمشي وملاعب للأطفال ومساحات خضراء."
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in (
        {"url": "https://untitled.test/1", "title": "", "content": text, "source": "untitled"},
        {"url": "https://untitled.test/2", "title": " ", "content": "", "source": "untitled"})), encoding="utf-8")
    s = SQLiteStore(db)
    import_paths(s, [demo_path, f])
    ids = [s.article_id(f"https://untitled.test/{n}") for n in (1, 2)]
    s.close()
    start = "أعلنت بلدية الواحة اليوم افتتاح حديقة عامة جديدة على الواجهة البحرية تضم ممرات…"
    with TestClient(create_app(Settings(db=db))) as c:
        outlet = c.get("/outlets/untitled").text
        assert f'<a href="/articles/{ids[0]}">{start}</a>' in outlet
        assert f'<a href="/articles/{ids[1]}">بلا عنوان</a>' in outlet
        assert f"<h1>{start}</h1>" in c.get(f"/articles/{ids[0]}").text
        assert start in c.get("/search", params={"q": "حديقة عامة"}).text
        assert c.get(f"/api/articles/{ids[0]}").json()["title"] == ""  # the data keeps what was stored
        story = dict(SQLiteStore(db).story_members())[ids[1]]
        assert f'<a href="/articles/{ids[1]}">بلا عنوان</a>' in c.get(f"/stories/{story}").text
        # A story none of whose articles has a headline is labelled by the start of its text, not its URL.
        labelled = c.get(f"/api/stories/{dict(SQLiteStore(db).story_members())[ids[0]]}").json()
        assert labelled["label"] == start
        assert c.get(f"/api/stories/{story}").json()["label"] == "https://untitled.test/2"  # no text either


def test_latest_lists_every_outlet_newest_first_each_text_once(client, monkeypatch):
    import re

    page = client.get("/latest")
    assert page.status_code == 200 and 'href="/latest"' in page.text  # in every page's header
    items = re.findall(r'<li><a href="/articles/(\d+)">', page.text)
    assert [str(a["id"]) for a in client.get("/api/latest").json()["articles"]] == items  # one function, both views
    stored = client.get("/api/articles", params={"limit": 200}).json()["articles"]
    assert len(items) == len(set(items)) < len(stored)  # copies folded into one line each
    wire = client.get("/api/articles/by-url", params={"url": "https://wahanews.example/news/5001"}).json()["id"]
    copies = [a["id"] for a in stored if a["url"] in ("https://alofoq.example/news/2101", "https://nahar.example/news/3101",
                                                      "https://sahel.example/news/4101")]
    shown = [int(i) for i in items if int(i) in (wire, *copies)]
    assert len(shown) == 1  # the wire story once: its newest copy, naming the other three outlets
    line = page.text.split(f'<li><a href="/articles/{shown[0]}">')[1].split("</li>")[0]
    assert line.count("<a href=") == 3 and "نشرته أيضاً" in line
    times = [a["time"] or "" for a in stored]  # the undated last
    assert times == sorted(times, reverse=True)
    position = [str(a["id"]) for a in stored]
    assert [position.index(i) for i in items] == sorted(position.index(i) for i in items)  # newest first too
    import feedparser

    feed = feedparser.parse(client.get("/feeds/latest.atom").content)  # the same, to follow
    assert not feed.bozo and 'href="/feeds/latest.atom"' in page.text
    assert [e.link.rsplit("/", 1)[1] for e in feed.entries] == items[:len(feed.entries)] and len(feed.entries) > 20
    import khabar.web.app as web_app

    monkeypatch.setattr(web_app, "OUTLET_PAGE", 10)  # pages of 10 stored articles
    first, second = client.get("/latest").text, client.get("/latest", params={"offset": 10}).text
    assert 'href="/latest?offset=10"' in first and 'href="/latest?offset=20"' in second
    assert not set(re.findall(r'<li><a href="/articles/(\d+)">', first)) & set(re.findall(r'<li><a href="/articles/(\d+)">', second))


def test_a_feed_unchanged_since_the_readers_last_poll_costs_a_304_and_pages_travel_gzipped(client):
    first = client.get("/feeds/latest.atom")
    etag = first.headers["etag"]
    assert first.status_code == 200 and etag.startswith('"') and "max-age" in first.headers["cache-control"]
    for asked in (etag, f"W/{etag}", f'"other", {etag}'):
        again = client.get("/feeds/latest.atom", headers={"If-None-Match": asked})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get("/feeds/latest.atom", headers={"If-None-Match": '"stale"'}).status_code == 200
    assert client.get("/feeds/top.atom").headers["etag"] != etag  # each feed its own
    page = client.get("/latest", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip" and "الأحدث" in page.text


def test_pages_tell_the_browser_to_run_and_load_nothing_and_nothing_is_sniffed(client):
    for path, status in (("/", 200), ("/latest", 200), ("/search?q=سيول", 200), ("/stories/999999", 404)):
        r = client.get(path)
        assert r.status_code == status and "default-src 'none'" in r.headers["content-security-policy"]
        assert "script-src" not in r.headers["content-security-policy"]  # no script may run at all
    for path in ("/feeds/latest.atom", "/api/latest", "/api/articles/999999"):
        assert client.get(path).headers["x-content-type-options"] == "nosniff"


def test_other_sites_pages_may_read_the_api_as_configured(tmp_path, demo_path, monkeypatch):
    from khabar.store import SQLiteStore

    db = str(tmp_path / "cors.db")
    s = SQLiteStore(db)
    import_paths(s, [demo_path])
    s.close()
    site = {"Origin": "https://news.example"}
    preflight = {**site, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    with TestClient(create_app(Settings(db=db))) as c:  # the default: any site, no credentials
        assert c.get("/api/latest", headers=site).headers["access-control-allow-origin"] == "*"
        # A publisher's page knows its own address: one request gives its related block.
        block = c.get("/api/related", params={"url": "https://wahanews.example/news/5001"}, headers=site)
        aid = c.get("/api/articles/by-url", params={"url": "https://wahanews.example/news/5001"}).json()["id"]
        assert block.json() == c.get(f"/api/articles/{aid}/related").json() and block.json()["similar"]
        explained = c.get(f"/api/articles/{aid}/related", params={"explain": "true"}).json()
        assert all("lexical_share" in s["why"] for s in explained["similar"]) and "why" not in block.json()["similar"][0]
        assert c.get("/api/related", params={"url": "https://nowhere.example/x"}).status_code == 404
        ok = c.options("/api/related", headers=preflight)
        assert ok.status_code == 200 and "POST" in ok.headers["access-control-allow-methods"]
        assert "access-control-allow-credentials" not in ok.headers
    monkeypatch.setenv("KHABAR_CORS_ORIGINS", "https://news.example, https://other.example")
    with TestClient(create_app(Settings.from_env(db))) as c:
        assert c.get("/api/latest", headers=site).headers["access-control-allow-origin"] == "https://news.example"
        assert "access-control-allow-origin" not in c.get("/api/latest", headers={"Origin": "https://evil.example"}).headers
    monkeypatch.setenv("KHABAR_CORS_ORIGINS", "")
    with TestClient(create_app(Settings.from_env(db))) as c:  # none
        assert "access-control-allow-origin" not in c.get("/api/latest", headers=site).headers


def test_atom_links_use_the_public_url_when_set(tmp_path, demo_path):
    from khabar.store import SQLiteStore

    db = str(tmp_path / "pub.db")
    s = SQLiteStore(db)
    import_paths(s, [demo_path])
    s.close()
    with TestClient(create_app(Settings(db=db, public_url="https://news.example/khabar/"))) as c:
        body = c.get("/feeds/top.atom", headers={"host": "evil.test"}).text
    assert "https://news.example/khabar/stories/" in body and "evil.test" not in body


def test_atom_feed_escapes_what_it_carries(client):
    evil = client.get("/api/articles/by-url", params={"url": "https://evil.test/1"}).json()["id"]
    sid = next(s["id"] for s in client.get("/api/stories", params={"limit": 200}).json()["stories"]
               if evil in client.get(f"/api/stories/{s['id']}").json()["article_ids"])
    body = client.get(f"/stories/{sid}/feed.atom").text
    assert "<script>" not in body and "&lt;script&gt;" in body
    import xml.etree.ElementTree as ET

    ET.fromstring(body.encode())  # well-formed
    from khabar.web.feeds import story_feed

    odd = {"id": 1, "label": "قصة\x0b", "articles": [{"id": 2, "url": "https://x.test/a?b=1&c=<2>", "title": "عنوان\x01 <b>",
                                                     "outlet": "x", "time": None, "lead": "نص & نص"}]}
    root = ET.fromstring(story_feed(odd, "http://h", str))  # a stray control character is dropped, not fatal
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert root.find("a:entry/a:title", ns).text == "عنوان <b>"
    assert root.find("a:entry/a:link[@rel='related']", ns).get("href") == "https://x.test/a?b=1&c=<2>"


def test_health_tells_a_current_index_from_one_the_writer_still_owes(tmp_path, demo_path, monkeypatch):
    from khabar.models import Source
    from khabar.pipeline import build_indexes
    from khabar.store import SQLiteStore

    db = str(tmp_path / "health.db")
    writer = SQLiteStore(db)
    import_paths(writer, [demo_path])
    build_indexes(writer, Settings(db=db))
    failing = writer.add_source(Source(url="https://feeds.example/rss", name="feeds"))
    failing.consecutive_failures, failing.last_error = 2, "HTTP 503"
    writer.update_source(failing)
    with TestClient(create_app(Settings(db=db, refresh_seconds=0.0))) as c:
        h = c.get("/api/health").json()
        assert h["status"] == "ok" and h["index_current"] and h["serving_current"]
        assert h["newest_article"].startswith("2026-03-10") and h["sources"] == {
            "followed": 1, "enabled": 1, "failing": 1, "last_success": None}

        late = tmp_path / "late.jsonl"
        late.write_text(json.dumps({"url": "https://late.test/1", "source": "late", "published": "2026-03-11T10:00:00",
                                    "title": "خبر متأخر", "content": "نص خبر وصل بعد آخر فهرسة للبيانات المخزنة."},
                                   ensure_ascii=False))
        report = import_paths(writer, [late])
        h = c.get("/api/health").json()
        assert not h["index_current"] and h["newest_article"].startswith("2026-03-11")
        build_indexes(writer, Settings(db=db), new_ids=report.new_ids)
        assert c.get("/api/health").json()["index_current"]
        c.get("/api/articles/1/related")  # a request loads the new index...
        assert c.get("/api/health").json()["serving_current"]  # ...and the server serves it

        import sqlite3

        def gone(*_a, **_k):
            raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr(SQLiteStore, "data_version", gone)
        r = c.get("/api/health")
        assert r.status_code == 503 and r.json() == {"status": "unavailable", "error": "OperationalError"}
    writer.close()


def test_related_for_a_text_that_is_not_stored(client):
    wire = client.get("/api/articles/by-url", params={"url": "https://wahanews.example/news/5001"}).json()
    draft = {"title": "محطة تحلية جديدة في الواحة", "body": "قالت مصادر محلية اليوم إن المحطة بدأت العمل.\n" + "\n".join(wire["body"])}
    r = client.post("/api/related", json=draft)
    assert r.status_code == 200
    data = r.json()
    assert data["article"] == {"title": draft["title"], "body_paragraphs": len(wire["body"]) + 1}
    assert {c["outlet"] for c in data["also_reported_by"]} == {"wahanews", "alofoq", "nahar", "sahel"}
    assert data["similar"] and not {s["url"] for s in data["similar"]} & {c["url"] for c in data["also_reported_by"]}
    assert client.post("/api/related", json={"title": " ", "body": "\n"}).status_code == 422
    assert client.post("/api/related", json={"body": "نص" * 100_001}).status_code == 422
    assert client.post("/api/related", json={"body": "سيول", "k": 0}).status_code == 422
    assert client.post("/api/related", content=b"not json", headers={"content-type": "application/json"}).status_code == 422


def test_head_is_answered_as_get_without_the_body(client):
    # Feed readers, uptime checks and link checkers ask HEAD; every page and feed answered 405.
    for path in ("/", "/feeds/top.atom", "/api/health", "/search?q=السيول", "/articles/999999"):
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code and head.content == b"", path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.headers["content-length"] == got.headers["content-length"], path  # as sent (gzip or not)
    assert client.head("/feeds/top.atom").headers["etag"] == client.get("/feeds/top.atom").headers["etag"]


def test_a_request_body_past_its_bound_is_refused_before_it_is_read_and_errors_quote_little(client):
    # A 180 MB POST was read and parsed whole (the server grew by 1 GB), and the 422 quoted it back (60 MB).
    from khabar.web.middleware import MAX_BODY_BYTES, QUOTED_INPUT

    huge = json.dumps({"title": "x", "body": "س" * MAX_BODY_BYTES}).encode()
    r = client.post("/api/related", content=huge, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json() == {"detail": f"request body too large (at most {MAX_BODY_BYTES} bytes)"}
    chunked = client.post("/api/related", content=iter([huge[i:i + 65536] for i in range(0, len(huge), 65536)]),
                          headers={"content-type": "application/json"})  # no Content-Length: counted as it comes
    assert chunked.status_code == 413
    long = client.post("/api/related", json={"title": "x", "body": "نص" * 150_000})  # within the bound, too long a text
    assert long.status_code == 422 and len(long.content) < 2_000
    error = long.json()["detail"][0]
    assert error["type"] == "string_too_long" and error["input"] == "نص" * (QUOTED_INPUT // 2) + "…"
    assert client.post("/api/related", json={"title": "سيول", "body": "جرفت السيول السيارات"}).status_code == 200


def test_a_missing_page_is_an_arabic_page_and_the_api_keeps_json(client):
    huge = 10**23  # past 64 bits: no row can have it, and binding it used to answer 500
    for path in ("/stories/999999", "/articles/999999", "/articles/abc", "/outlets/nope", "/nothing-here",
                 f"/stories/{huge}", f"/articles/{huge}"):
        r = client.get(path)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html"), path
        assert "لم نجد هذه الصفحة" in r.text and 'dir="rtl"' in r.text and 'href="/"' in r.text
    assert client.get("/api/articles/999999").json() == {"detail": "no article 999999"}
    assert client.get("/api/related", params={"url": "https://nowhere.example/1"}).json() == {
        "detail": "no article with URL https://nowhere.example/1"}
    assert client.get("/api/articles/abc").status_code == 422
    for path in (f"/api/articles/{huge}", f"/api/articles/{huge}/related", f"/api/stories/{huge}", f"/stories/{huge}/feed.atom"):
        assert client.get(path).status_code == 404, path
    for path in ("/api/articles?since=9999-12-31T23:00-05:00", "/api/articles?until=0001-01-01T00:00%2B05:00",
                 "/api/search?q=السيول&since=9999-12-31T23:00-05:00", "/search?q=السيول&since=0001-01-01T01:00%2B05:00"):
        assert client.get(path).status_code == 200, path  # a bound past the calendar's ends: nothing before or after it
    assert client.get("/api/articles?until=0001-01-01T00:00%2B05:00").json()["articles"] == []
    paging = {"/api/articles": 422, "/api/latest": 422, "/api/stories": 422, "/api/search?q=x": 422,
              "/latest": 400, "/outlets/alofoq": 400, "/search?q=x": 400}  # an offset past any page
    for path, status in paging.items():
        assert client.get(f"{path}{'&' if '?' in path else '?'}offset={huge}").status_code == status, path
    assert client.get("/stories/999999/feed.atom").headers["content-type"].startswith("application/json")
    wrong = client.post("/")
    assert wrong.status_code == 405 and "GET" in wrong.headers["allow"] and "طلب غير مسموح" in wrong.text
    assert client.get("/search").status_code == 200  # the error page's search link
    too_long = client.get("/search", params={"q": "س" * 501})
    assert too_long.status_code == 400 and "طلب غير صالح" in too_long.text


def test_a_failing_page_is_an_arabic_error_page_and_is_logged(tmp_path, demo_path, caplog):
    from khabar.pipeline import build_indexes
    from khabar.store import SQLiteStore

    db = str(tmp_path / "e.db")
    store = SQLiteStore(db)
    import_paths(store, [demo_path])
    build_indexes(store, Settings(db=db))
    app = create_app(Settings(db=db))
    with TestClient(app, raise_server_exceptions=False) as c:
        c.get("/")  # loaded
        import khabar.web.views as views_module

        real = views_module.top_stories
        views_module.top_stories = lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom"))
        try:
            page = c.get("/")
            api = c.get("/api/top-stories")
        finally:
            views_module.top_stories = real
    assert page.status_code == 500 and "حدث خطأ" in page.text and "boom" not in page.text
    assert api.status_code == 500 and api.json() == {"detail": "internal error"}
    assert "boom" in caplog.text


def test_outlets_page_lists_every_outlet_and_an_outlets_page_goes_back_in_time(client, monkeypatch):
    import khabar.web.app as web_app

    outlets = client.get("/api/outlets").json()["outlets"]
    page = client.get("/outlets").text
    assert all(f'href="/outlets/{o["key"]}"' in page for o in outlets) and "لا مصدر متابَع" in page
    assert 'href="/outlets"' in client.get("/").text  # in the header of every page
    monkeypatch.setattr(web_app, "OUTLET_PAGE", 3)
    first = client.get("/outlets/bawaba").text
    assert first.count('<li><a href="/articles/') == 3 and 'href="/outlets/bawaba?offset=3"' in first
    seen = set(re.findall(r'href="/articles/(\d+)"', first))
    later = client.get("/outlets/bawaba", params={"offset": 3}).text
    assert not seen & set(re.findall(r'href="/articles/(\d+)"', later))
    last = client.get("/outlets/bawaba", params={"offset": 6}).text  # bawaba has 8
    assert last.count('<li><a href="/articles/') == 2 and "أقدم" not in last
    # Back towards the newest, and a page past the end says so (a stale link was an empty list, no way on).
    assert '<a href="/outlets/bawaba?offset=3" rel="prev">أحدث</a>' in last
    assert '<a href="/outlets/bawaba?offset=0" rel="prev">أحدث</a> · <a href="/outlets/bawaba?offset=6" rel="next">أقدم</a>' in later
    gone = client.get("/outlets/bawaba", params={"offset": 30}).text
    assert 'لا شيء في هذه الصفحة: <a href="/outlets/bawaba?offset=0">الصفحة الأولى</a>' in gone and 'class="pager"' not in gone
    assert "لا شيء في هذه الصفحة" not in first and 'rel="prev"' not in first
    past = client.get("/search", params={"q": "السيول", "offset": 500}).text
    assert "لا شيء في هذه الصفحة" in past and "offset=0" in past
    api = client.get("/api/articles", params={"outlet": "bawaba", "limit": 8}).json()
    assert len(api["articles"]) == 8 and not api["has_more"]


def test_listed_items_name_the_other_outlets_that_carried_them(client):
    """A wire story in a similar list is one item (copies of one another never both listed):
    its card names the outlets that carried it too, in the JSON and on the page."""
    def article_id(url):
        return client.get("/api/articles/by-url", params={"url": url}).json()["id"]

    aid = article_id("https://bawaba.example/news/7108")
    related = client.get(f"/api/articles/{aid}/related").json()
    wire = {"https://wahanews.example/news/5001", "https://alofoq.example/news/2101",
            "https://nahar.example/news/3101", "https://sahel.example/news/4101"}
    listed = next(s for s in related["similar"] if s["url"] in wire)
    assert {c["url"] for c in listed["also_reported_by"]} == wire - {listed["url"]}
    names = {o["key"]: o["name"] for o in client.get("/api/outlets").json()["outlets"]}
    others = "، ".join(names[c["outlet"]] for c in listed["also_reported_by"])
    assert f"نشرته أيضاً: {others}" in client.get(f"/articles/{aid}").text

    # The read-also card too: every demo pick that has copies names their outlets, linked.
    picks = []
    for a in client.get("/api/articles", params={"limit": 100}).json()["articles"]:
        pick = client.get(f"/api/articles/{a['id']}/related").json()["read_also"]
        if pick and pick["also_reported_by"]:
            picks.append((a["id"], pick))
    assert picks  # the demo has such picks (its wire story, the release carried by two outlets)
    for aid, pick in picks:
        page = client.get(f"/articles/{aid}").text
        card = page[page.index('id="read-also"'):page.index("</section>", page.index('id="read-also"'))]
        first = next(c for c in pick["also_reported_by"] if c["outlet"] != pick["outlet"])
        assert f'نشرته أيضاً: <a href="/articles/{first["id"]}">{names[first["outlet"]]}</a>' in card


def test_the_openapi_spec_documents_every_api_call_and_leaves_the_pages_out(client):
    spec = client.get("/openapi.json").json()
    assert not any(path == "/" or path.startswith(("/articles", "/search", "/latest", "/outlets"))
                   or (path.startswith("/stories") and not path.endswith(".atom")) for path in spec["paths"])
    for path, operations in spec["paths"].items():
        assert path.startswith(("/api/", "/feeds/", "/stories/")), path
        for method, op in operations.items():
            assert op.get("description") and op.get("tags"), (method, path)
            for param in op.get("parameters", []):
                assert param["in"] == "path" or param.get("description"), (method, path, param["name"])
    assert "/api/related" in spec["paths"] and "post" in spec["paths"]["/api/related"]


def test_a_story_page_reads_as_a_timeline_of_first_lines(client):
    story = client.get("/api/top-stories", params={"min_stories": 10}).json()["stories"][0]
    data = client.get(f"/api/stories/{story['id']}").json()
    page = client.get(f"/stories/{story['id']}").text
    short = [a for a in data["articles"] if a["title"] and 0 < len(a["lead"]) <= 200]
    assert short and all(f'<p class="lead">{a["lead"]}</p>' in page for a in short)
    assert page.index(short[0]["lead"]) < page.index(short[-1]["lead"]) or len(short) == 1  # in time order
