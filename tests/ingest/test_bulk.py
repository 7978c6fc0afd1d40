import json
import zipfile
from datetime import datetime

import pytest

from khabar.ingest.bulk import import_paths


def _rec(n, **kw):
    r = {"url": f"https://example.test/a/{n}", "title": f"عنوان {n}", "content": f"نص الخبر رقم {n} عن موضوع مهم.",
         "source": "outlet", "date_extracted": "2026-01-0%d 10:00:00" % (1 + n % 9)}
    r.update(kw)
    return r


def _zip(path, records, name="day.json"):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(name, json.dumps(records, ensure_ascii=False))
    return path


def test_zip_import_is_idempotent(store, tmp_path):
    z = _zip(tmp_path / "2026-01-01.zip", [_rec(i) for i in range(5)])
    first = import_paths(store, [z])
    assert (first.new, first.existing, first.errors) == (5, 0, [])
    second = import_paths(store, [z])
    assert (second.new, second.existing) == (0, 5)
    assert store.stats()["articles"] == 5


def test_directory_jsonl_and_json_in_name_order(store, tmp_path):
    (tmp_path / "README.md").write_text("# not data")
    (tmp_path / "b.jsonl").write_text("\n".join(json.dumps(_rec(i, body=f"نص {i} مختلف تماما")) for i in range(3, 5)))
    (tmp_path / "a.json").write_text(json.dumps([_rec(1), _rec(2)]))
    report = import_paths(store, [tmp_path])
    assert report.files == 2 and report.new == 4 and not report.errors


def test_a_directory_of_folders_imports_all_of_them_and_one_with_nothing_says_so(store, tmp_path):
    # A dump by month imported as "files: 0": only the directory's own files were read.
    import os

    import pytest

    from khabar.ingest.bulk import ImportFileError, expand_paths

    (tmp_path / "2015" / "07").mkdir(parents=True)
    (tmp_path / "2015" / "08").mkdir()
    _zip(tmp_path / "2015" / "08" / "b.zip", [_rec(2)])
    _zip(tmp_path / "2015" / "07" / "a.zip", [_rec(1)])
    (tmp_path / "2015" / "notes.txt").write_text("not data")
    os.symlink(tmp_path, tmp_path / "2015" / "07" / "back-up")  # a link back up: not followed, no loop
    assert [p.relative_to(tmp_path).as_posix() for p in expand_paths([tmp_path])] == ["2015/07/a.zip", "2015/08/b.zip"]
    report = import_paths(store, [tmp_path])
    assert (report.files, report.new) == (2, 2)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ImportFileError, match="no .zip, .json or .jsonl file in it"):
        expand_paths([tmp_path / "empty"])


def test_bad_records_are_counted_with_reasons(store, tmp_path):
    lines = [json.dumps(_rec(1)), "{not json", json.dumps({"title": "no url"}), json.dumps(_rec(2, url="ftp://x/y")),
             json.dumps([1, 2]), json.dumps(_rec(3, content="x" * 2_000_001))]
    f = tmp_path / "mixed.jsonl"
    f.write_text("\n".join(lines))
    report = import_paths(store, [f])
    assert report.new == 1
    assert sum(report.skipped.values()) == 5
    assert any(r.startswith("not JSON") for r in report.skipped)
    assert report.skipped["missing url"] == 1
    assert report.skipped["not an http(s) url"] == 1
    assert report.skipped["oversized body"] == 1


def test_an_odd_source_or_time_still_imports(store, tmp_path):
    lines = [{"url": "https://x.test/odd", "title": "عنوان", "content": "نص الخبر.", "source": {"id": 7},
              "published": 1438423200},  # Unix seconds: 2015-08-01 10:00 UTC
             {"url": "https://x.test/ms", "title": "عنوان آخر", "content": "نص آخر.", "source": 12,
              "published": 1438423200000},  # milliseconds, as JavaScript writes them
             {"url": "https://x.test/zero", "title": "عنوان ثالث", "content": "نص ثالث.", "published": 0}]
    f = tmp_path / "odd.jsonl"
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines), encoding="utf-8")
    report = import_paths(store, [f])
    assert report.new == 3 and not report.skipped
    odd = store.get_article(store.article_id("https://x.test/odd"))
    assert odd.outlet == "x.test" and odd.published == datetime(2015, 8, 1, 10, 0)  # the host names the outlet
    ms = store.get_article(store.article_id("https://x.test/ms"))
    assert ms.outlet == "12" and ms.published == datetime(2015, 8, 1, 10, 0)
    assert store.get_article(store.article_id("https://x.test/zero")).published is None  # 1970 is no time
    assert (report.undated, report.undated_example) == (1, "0")  # ... and the report says one was stored undated


def test_a_date_as_arabic_sites_write_it_is_read_and_one_not_understood_is_reported(store, tmp_path):
    from khabar.ingest.times import parse_time

    assert parse_time("2015/07/21 10:05") == parse_time("21/07/2015 10:05") == datetime(2015, 7, 21, 10, 5)
    assert parse_time("21-07-2015") == parse_time("21.07.2015") == parse_time("2015/7/21") == datetime(2015, 7, 21)
    assert parse_time("31/02/2015") is None and parse_time("07/21/2015") is None  # day first: no 21st month
    records = [_rec(1, date_extracted="21/07/2015 10:05"), _rec(2, date_extracted="أمس"),
               _rec(3, date_extracted=None, published="منذ ساعتين"), _rec(4)]
    report = import_paths(store, [_zip(tmp_path / "d.zip", records)])
    assert report.new == 4 and (report.undated, report.undated_example) == (2, "أمس")
    assert report.to_json()["undated"] == 2
    assert store.get_article(store.article_id(records[0]["url"])).extracted == datetime(2015, 7, 21, 10, 5)
    assert store.get_article(store.article_id(records[1]["url"])).extracted is None  # stored, undated


def test_an_object_where_text_belongs_or_a_text_for_a_headline_is_a_bad_record(store, tmp_path):
    records = [_rec(1, content={"text": "نص"}), _rec(2, title=["عنوان", {"x": 1}]), _rec(3, title="عنوان " * 400),
               _rec(4, content=["فقرة أولى عن موضوع.", "فقرة ثانية."], title=2015)]  # paragraphs, a number: text
    report = import_paths(store, [_zip(tmp_path / "o.zip", records)])
    assert report.new == 1 and dict(report.skipped) == {"body is a JSON object, not text": 1,
                                                         "title is a JSON object, not text": 1, "oversized title": 1}
    kept = store.get_article(store.article_id(records[3]["url"]))
    assert kept.title == "2015" and kept.body == ["فقرة أولى عن موضوع.", "فقرة ثانية."]


def test_jsonl_records_may_hold_unicode_line_separators(store, tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text("\n".join(json.dumps(_rec(i, title=f"عنوان\u2028{i}\x85"), ensure_ascii=False) for i in range(3)) + "\r\n",
                 encoding="utf-8")
    report = import_paths(store, [f])
    assert (report.new, dict(report.skipped)) == (3, {})


def test_invalid_utf8_skips_only_that_record(store, tmp_path):
    good = json.dumps([_rec(1), _rec(2, title="TITLE_PLACEHOLDER")], ensure_ascii=False).encode()
    data = good.replace(b"TITLE_PLACEHOLDER", b"bad \xff\xfe bytes")
    f = tmp_path / "a.json"
    f.write_bytes(data)
    report = import_paths(store, [f])
    assert report.new == 1
    assert report.skipped == {"invalid UTF-8 in title": 1}


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_truncated_zip_keeps_its_whole_records_and_a_reimport_adds_the_rest(store, tmp_path, compression):
    full = tmp_path / "full.zip"
    with zipfile.ZipFile(full, "w", compression=compression) as z:
        z.writestr("day1.json", json.dumps([_rec(i) for i in range(40)], ensure_ascii=False))
        z.writestr("day2.json", json.dumps([_rec(i) for i in range(40, 80)], ensure_ascii=False))
    data = full.read_bytes()
    with zipfile.ZipFile(full) as z:
        second = z.getinfo("day2.json")
    cut = second.header_offset + 30 + len("day2.json") + second.compress_size // 2  # half-way into day2's data
    broken = tmp_path / "broken.zip"
    broken.write_bytes(data[:cut])
    report = import_paths(store, [broken])
    assert len(report.errors) == 1 and "broken.zip" in report.errors[0] and "\n" not in report.errors[0]
    assert "salvaged" in report.errors[0] and "day2.json" in report.errors[0]
    kept = store.stats()["articles"]
    assert 40 < kept < 80  # all of day1 and the records of day2 that ended before the cut
    again = import_paths(store, [full])
    assert (again.new, again.existing) == (80 - kept, kept)
    assert store.stats()["articles"] == 80


def test_a_zip_with_nothing_to_salvage_is_one_clear_error_and_writes_nothing(store, tmp_path):
    z = _zip(tmp_path / "full.zip", [_rec(i) for i in range(50)])
    for name, data in (("head.zip", z.read_bytes()[:40]), ("noise.zip", b"PK\x03\x04" + bytes(range(256)) * 4)):
        broken = tmp_path / name
        broken.write_bytes(data)
        report = import_paths(store, [broken])
        assert len(report.errors) == 1 and name in report.errors[0] and "salvaged" not in report.errors[0]
    assert store.stats()["articles"] == 0


def test_non_json_file_is_an_error(store, tmp_path):
    f = tmp_path / "x.json"
    f.write_text("this is not json")
    report = import_paths(store, [f])
    assert report.errors and "not valid JSON" in report.errors[0]
    assert store.stats()["articles"] == 0


def test_a_cut_json_array_keeps_its_whole_records_and_the_complete_file_adds_the_rest(store, tmp_path):
    text = json.dumps([_rec(i) for i in range(30)], ensure_ascii=False)
    cut = tmp_path / "day.json"
    cut.write_text(text[: len(text) * 2 // 3], encoding="utf-8")
    report = import_paths(store, [cut])
    kept = store.stats()["articles"]
    assert len(report.errors) == 1 and "day.json" in report.errors[0] and "salvaged" in report.errors[0]
    assert 0 < kept < 30 and report.new == kept
    cut.write_text(text, encoding="utf-8")
    again = import_paths(store, [cut])
    assert not again.errors and again.new == 30 - kept and store.stats()["articles"] == 30


def test_exact_duplicates_are_counted_and_cleaner_runs(store, tmp_path):
    body = "أعلنت الوزارة اليوم خطة جديدة للطرق.\nالمصدر: واس\nاقرأ أيضاً:\nعنوان آخر\nنص آخر."
    f = tmp_path / "d.json"
    f.write_text(json.dumps([_rec(1, content=body), _rec(2, content=body)], ensure_ascii=False))
    report = import_paths(store, [f])
    assert report.new == 2 and report.exact_duplicates == 1
    assert store.stats()["duplicates"] == 1
    art = store.get_article(store.article_id("https://example.test/a/1"))
    assert art.body == ["أعلنت الوزارة اليوم خطة جديدة للطرق."]
    assert art.source_attribution == "واس"
    assert art.read_also[0].title == "عنوان آخر"


def test_character_references_a_scraper_left_are_decoded_and_the_byline_is_metadata(store, tmp_path):
    """Titles, bylines and text as a reader sees them: a page showed "&quot;" as typed, and
    "quot" was a title stem matching such titles to one another."""
    rec = _rec(1, title="افتتاح &quot;مهرجان الصيف&quot; &#8220;غدا&#8221;",
               author="&nbsp;سالم الأحمد &ndash; الطائف:",
               content="سالم الأحمد – الطائف: تنطلق غدا فعاليات المهرجان&nbsp;في الحديقة &quot;الكبرى&quot;.")
    f = tmp_path / "e.json"
    f.write_text(json.dumps([rec], ensure_ascii=False))
    assert import_paths(store, [f]).new == 1
    art = store.get_article(store.article_id(rec["url"]))
    assert art.title == "افتتاح \"مهرجان الصيف\" “غدا”"
    assert art.author == "سالم الأحمد – الطائف"
    # The byline glued to the text is cut from it: it is metadata, searched as such.
    assert art.body == ["تنطلق غدا فعاليات المهرجان في الحديقة \"الكبرى\"."] == [art.lead]
    row = next(store.iter_index_rows([art.id]))
    assert not any("quot" in t or "nbsp" in t for t in row.title_terms + row.body_terms)
    assert not {"سالم", "احمد"} & set(row.body_terms) and store.search(["سالم", "احمد"])[1] == 1


def test_deleted_article_never_comes_back(store, tmp_path):
    f = tmp_path / "a.json"
    f.write_text(json.dumps([_rec(1), _rec(2)]))
    import_paths(store, [f])
    assert store.delete_article("https://example.test/a/1")
    again = import_paths(store, [f])
    assert again.tombstoned == 1 and again.new == 0
    assert store.article_id("https://example.test/a/1") is None


@pytest.mark.corpus
def test_real_corpus_day_imports(store, shared):
    day = sorted((shared / "corpus" / "saudinewsnet").glob("*.zip"))[0]
    report = import_paths(store, [day])
    assert report.new > 1000 and not report.errors and not report.skipped


def test_times_without_a_zone_are_read_in_the_zone_given(store, tmp_path):
    from datetime import datetime

    from khabar.ingest.bulk import ImportOptions
    from khabar.ingest.times import parse_time

    f = tmp_path / "local.jsonl"
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        _rec(1, date_extracted="2026-01-02 10:00:00"),  # naive: local Riyadh time
        _rec(2, date_extracted="2026-01-02 10:00:00", published="2026-01-02T10:00:00+01:00"),  # zoned: as written
    ]), encoding="utf-8")
    import_paths(store, [f], ImportOptions(naive_timezone="Asia/Riyadh"))
    times = {a.url[-1]: a.time for a in store.list_articles(limit=10)}
    assert times == {"1": datetime(2026, 1, 2, 7, 0), "2": datetime(2026, 1, 2, 9, 0)}
    assert parse_time("2026-01-02 10:00:00") == datetime(2026, 1, 2, 10, 0)  # default: naive is UTC


def test_import_naive_tz_option(tmp_path):
    from typer.testing import CliRunner

    from khabar.cli import app
    from khabar.store import SQLiteStore

    f = tmp_path / "local.jsonl"
    f.write_text(json.dumps(_rec(1, date_extracted="2026-01-02 10:00:00"), ensure_ascii=False), encoding="utf-8")
    db = str(tmp_path / "k.db")
    runner = CliRunner()
    bad = runner.invoke(app, ["--db", db, "import", "--naive-tz", "Mars/Olympus", str(f)])
    assert bad.exit_code == 2 and "unknown time zone" in bad.output
    assert runner.invoke(app, ["--db", db, "import", "--naive-tz", "Asia/Riyadh", str(f)]).exit_code == 0
    s = SQLiteStore(db)
    assert s.list_articles(limit=1)[0].time.hour == 7
    s.close()


def test_a_date_in_the_future_is_dropped_and_cannot_take_over_the_front_page(store, tmp_path):
    """A broken CMS date ("2099") would anchor the front page's window and empty it of every
    other story; more than a day past the fetch time, a publication date is not believed."""
    from datetime import datetime

    from khabar.ingest.clean import plausible_published
    from khabar.web.views import top_stories

    records = [_rec(i, published=f"2026-01-0{1 + i}T10:00:00") for i in range(4)]
    records.append(_rec(9, published="2099-01-01T00:00:00", date_extracted="2026-01-05 10:00:00"))
    records.append(_rec(8, published="2026-01-05T20:00:00", date_extracted="2026-01-05 10:00:00"))  # a zone slip
    report = import_paths(store, [_zip(tmp_path / "d.zip", records)])
    assert report.new == 6 and not report.errors
    broken = store.get_article(store.article_id("https://example.test/a/9"))
    assert broken.published is None and broken.time == datetime(2026, 1, 5, 10)  # its fetch time
    slipped = store.get_article(store.article_id("https://example.test/a/8"))
    assert slipped.published == datetime(2026, 1, 5, 20)  # hours ahead is kept
    assert store.stats()["last"].startswith("2026-01-05")
    assert top_stories(store, 1.0, 30, min_stories=0)["window_days"] == 1.0
    # Without a fetch time, now is the reference.
    assert plausible_published(datetime(2099, 1, 1), None) is None
    assert plausible_published(datetime(2015, 8, 1), None) == datetime(2015, 8, 1)
    assert plausible_published(datetime(2026, 1, 6, 9), datetime(2026, 1, 5, 10)) == datetime(2026, 1, 6, 9)
    assert plausible_published(datetime(2026, 1, 6, 11), datetime(2026, 1, 5, 10)) is None


def test_a_page_named_by_another_spelling_of_its_address_is_the_stored_or_deleted_page(store, tmp_path):
    # http:// and https://, "www." or not, a final slash or not: one page. A file naming a page
    # deleted as http://… brought it back as https://….
    first = [_rec(1, url="http://news.test/a/1"), _rec(1, url="https://www.news.test/a/1/"), _rec(2, url="http://news.test/a/2")]
    report = import_paths(store, [_zip(tmp_path / "1.zip", first)])
    assert (report.new, report.existing) == (2, 1)  # named twice in one file: stored once
    assert store.delete_article("http://news.test/a/2")
    again = [_rec(1, url="https://news.test/a/1"), _rec(2, url="https://news.test/a/2/"), _rec(3, url="https://news.test/a/3")]
    report = import_paths(store, [_zip(tmp_path / "2.zip", again)])
    assert (report.new, report.existing, report.tombstoned) == (1, 1, 1)
    assert store.stats()["articles"] == 2 and store.article_id("https://news.test/a/3") is not None
    assert store.known_urls(["http://news.test/a/1", "http://news.test/a/2", "http://nowhere.test/"]) == {
        "http://news.test/a/1": "stored", "http://news.test/a/2": "deleted"}


def test_a_utf16_file_with_its_byte_order_mark_imports(store, tmp_path):
    # What Windows tools write as "Unicode": read as UTF-8 it was "not valid JSON" from its first byte.
    array, lines, cut = tmp_path / "a.json", tmp_path / "b.jsonl", tmp_path / "c.json"
    array.write_bytes(json.dumps([_rec(1), _rec(2)], ensure_ascii=False).encode("utf-16"))  # little-endian, BOM
    lines.write_bytes(b"\xfe\xff" + "\n".join(json.dumps(_rec(n), ensure_ascii=False) for n in (3, 4)).encode("utf-16-be"))
    whole = json.dumps([_rec(5), _rec(6)], ensure_ascii=False).encode("utf-16")
    cut.write_bytes(whole[: len(whole) - 41])  # cut inside the last record, on an odd byte
    report = import_paths(store, [array, lines, cut])
    assert report.new == 5 and len(report.errors) == 1 and "salvaged the 1 whole records" in report.errors[0]
    assert store.get_article(store.article_id(_rec(3)["url"])).title == "عنوان 3"
