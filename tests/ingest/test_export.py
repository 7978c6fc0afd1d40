"""Export: JSON lines that import reads back as the same articles."""

import io
import json
from dataclasses import asdict
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khabar.ingest.bulk import BadRecord, ImportOptions, import_paths, record_to_article
from khabar.ingest.export import ExportFilter, article_record, export_articles
from khabar.models import Article, RelatedItem, analyze_article
from khabar.store import SQLiteStore


def _comparable(article: Article) -> dict:
    fields = asdict(article)
    fields.pop("id")
    return fields


def test_a_round_trip_gives_the_same_articles_and_outlet_names(demo_store, tmp_path):
    # One article with every part a scraped page can have, beyond what the demo holds.
    rich = Article(url="https://x.test/full", outlet="x", title="عنوان كامل", author="كاتب",
                   body=["فقرة أولى من الخبر.", "عنوان فرعي", "فقرة ثانية من الخبر."], subheadings=["عنوان فرعي"],
                   source_attribution="وكالة الأنباء", read_also=[RelatedItem("خبر آخر", ["نصه."], "https://x.test/2")],
                   similar_titles=["خبر مشابه"], lead_image="https://x.test/a.jpg",
                   published=datetime(2026, 1, 2, 3, 4, 5), extracted=datetime(2026, 1, 2, 4, 0, 0))
    demo_store.add_articles([(rich, analyze_article(rich))])
    demo_store.set_outlet_names({"x": "صحيفة إكس"})
    path = tmp_path / "out.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        written = export_articles(demo_store, f)
    heads = list(demo_store.iter_index_rows(heads_only=True))
    assert written == len(heads)

    copy = SQLiteStore(":memory:")
    report = import_paths(copy, [path])
    assert report.new == written and not report.skipped and not report.errors
    for h in heads:
        assert _comparable(copy.get_article(copy.article_id(h.url))) == _comparable(demo_store.get_article(h.id)), h.url
    assert {o["key"]: o["name"] for o in copy.outlets()}["x"] == "صحيفة إكس"
    assert import_paths(copy, [path]).new == 0  # idempotent, as every import


def test_times_keep_their_zone_whatever_zone_the_import_assumes(tmp_path):
    art = Article(url="https://x.test/t", outlet="x", title="وقت", body=["نص الخبر هنا."],
                  published=datetime(2026, 1, 2, 3, 4, 5))
    record = json.loads(json.dumps(article_record(art)))
    assert record["published"] == "2026-01-02T03:04:05+00:00"
    back, _ = record_to_article(record, ImportOptions(naive_timezone="Asia/Riyadh"))
    assert back.published == art.published


def test_the_filter_selects_an_outlet_and_a_time_range(demo_store):
    def exported(**kw):
        buf = io.StringIO()
        export_articles(demo_store, buf, ExportFilter(**kw))
        return [json.loads(line) for line in buf.getvalue().splitlines()]

    everything = exported()
    one = exported(outlet="alofoq")
    assert one and {r["source"] for r in one} == {"alofoq"} and len(one) < len(everything)
    march5 = exported(since=datetime(2026, 3, 5), until=datetime(2026, 3, 6))
    assert march5 and all("2026-03-05" <= (r["published"] or r["date_extracted"]) < "2026-03-06" for r in march5)
    riyadh = timezone(timedelta(hours=3))  # an aware bound is the same instant: 03:00 in Riyadh is 00:00 UTC
    assert exported(since=datetime(2026, 3, 5, 3, tzinfo=riyadh), until=datetime(2026, 3, 6, 3, tzinfo=riyadh)) == march5
    times = [r["published"] or r["date_extracted"] for r in everything]
    assert times == sorted(times)  # oldest first


@pytest.mark.parametrize("field, value, reason", [
    ("paragraphs", "نص", "paragraphs must be a list of strings"),
    ("paragraphs", ["نص", 3], "paragraphs must be a list of strings"),
    ("subheadings", {"a": 1}, "subheadings must be a list of strings"),
    ("read_also", ["عنوان"], "read_also must be a list of objects"),
    ("paragraphs", ["س" * 600, "ص" * 600], "oversized body"),
])
def test_a_malformed_export_record_is_a_bad_record(field, value, reason):
    record = {"url": "https://x.test/b", "title": "عنوان", "paragraphs": ["نص."], field: value}
    with pytest.raises(BadRecord, match=reason):
        record_to_article(record, ImportOptions(max_body_chars=1000))


_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
_WORDS = _TEXT.map(lambda t: " ".join(t.split()))  # titles and authors are stored whitespace-folded


@settings(max_examples=150, deadline=None)
@given(title=_WORDS, author=_WORDS, body=st.lists(_TEXT, max_size=5), subheadings=st.lists(_TEXT, max_size=2),
       source=_TEXT, similar=st.lists(_TEXT, max_size=3),
       read_also=st.lists(st.tuples(_TEXT, st.lists(_TEXT, max_size=2)), max_size=2),
       published=st.none() | st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2030, 1, 1)))
def test_fuzz_any_stored_article_comes_back_from_its_record(title, author, body, subheadings, source, similar,
                                                            read_also, published):
    art = Article(url="https://x.test/a", outlet="x", title=title, author=author or None, body=body,
                  subheadings=subheadings, source_attribution=source or None, similar_titles=similar,
                  read_also=[RelatedItem(t, b) for t, b in read_also],
                  published=published.replace(microsecond=0) if published else None,
                  extracted=datetime(2030, 1, 2))
    back, _ = record_to_article(json.loads(json.dumps(article_record(art), ensure_ascii=False)), ImportOptions())
    assert _comparable(back) == _comparable(art)
