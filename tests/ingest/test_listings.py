"""What a listing says (``ingest.listings``): feeds, sitemaps, section pages, gzip, discovery."""

import gzip
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khabar.ingest.fetch import FetchError, FetchResult
from khabar.ingest.listings import (Listed, article_from_listing, feed_ttl, list_entries, listing_text, named_feeds,
                                    sitemap_children)
from khabar.ingest.urls import canonical_url
from khabar.models import Source

from .strategies import BODIES


def test_a_feed_that_makes_feedparser_raise_is_a_malformed_feed():
    """feedparser raises (rather than flagging ``bozo``) on a surrogate character reference."""
    source = Source(url="http://example.com/feed", name="example", kind="feed")
    body = "<rss><channel><title>&#xD800;</title><item><link>http://example.com/a/1</link></item></channel></rss>"
    with pytest.raises(FetchError, match="malformed feed"):
        list_entries(source, body, source.url)


def test_a_gzipped_listing_is_unpacked_within_the_size_limit():
    packed = gzip.compress("<urlset><url><loc>http://x.test/أ</loc></url></urlset>".encode())
    assert "http://x.test/أ" in listing_text(FetchResult("http://x.test/s.xml.gz", 200, packed), 10_000)
    with pytest.raises(FetchError, match="too large"):  # a gzip bomb stops at the limit
        listing_text(FetchResult("http://x.test/s.xml.gz", 200, gzip.compress(b"x" * 100_000)), 10_000)
    with pytest.raises(FetchError, match="corrupt gzip"):
        listing_text(FetchResult("http://x.test/s.xml.gz", 200, b"\x1f\x8bnot gzip at all"), 10_000)


def test_a_page_names_its_feeds_however_its_link_tags_are_written():
    page = ("<!doctype html><html lang=ar><head><link rel=stylesheet href=/s.css>"
            "<link rel='alternate' type='application/rss+xml; charset=utf-8' title='أخبار' href='/feed.xml?a=1&amp;b=2'>"
            '<LINK HREF="https://other.test/atom" TYPE="application/atom+xml" REL="Alternate">'
            '<link rel="alternate" type="text/html" hreflang="en" href="/en/">'
            '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)"></head><body></body></html>')
    assert named_feeds(page, "http://site.test/news/") == ["http://site.test/feed.xml?a=1&b=2", "https://other.test/atom"]
    assert named_feeds('<rss version="2.0"><channel><link>http://x.test/</link></channel></rss>', "http://x.test/") == []


def test_a_sitemap_index_lists_its_newest_sitemaps_first_and_a_feed_its_ttl():
    index = ("<sitemapindex><sitemap><loc>http://x.test/old.xml</loc><lastmod>2020-01-01</lastmod></sitemap>"
             "<sitemap><loc>http://x.test/plain.xml</loc></sitemap>"
             "<sitemap><loc>http://x.test/new.xml?a=1&amp;b=2</loc><lastmod>2026-03-05T10:00:00Z</lastmod></sitemap></sitemapindex>")
    assert sitemap_children(index) == ["http://x.test/new.xml?a=1&b=2", "http://x.test/old.xml", "http://x.test/plain.xml"]
    assert sitemap_children("<urlset><url><loc>http://x.test/a</loc></url></urlset>") == []
    assert feed_ttl("<rss><channel><ttl> 90 </ttl></channel></rss>") == timedelta(minutes=90)
    assert feed_ttl("<rss><channel><ttl>999999</ttl></channel></rss>") == timedelta(days=1)  # at most a day
    assert feed_ttl("<rss><channel><ttl>0</ttl></channel></rss>") is None and feed_ttl("<rss/>") is None


@settings(max_examples=150, deadline=None)
@given(BODIES)
def test_fuzz_discovery_sitemaps_and_ttl_never_raise(body):
    assert all(canonical_url(u) == u for u in named_feeds(body, "http://example.com/"))
    sitemap_children(body)
    ttl = feed_ttl(body)
    assert ttl is None or timedelta(0) < ttl <= timedelta(days=1)


@settings(max_examples=150, deadline=None)
@given(BODIES, st.sampled_from(["feed", "sitemap", "page"]))
def test_fuzz_any_listing_gives_canonical_article_urls_or_a_fetch_error(body, kind):
    source = Source(url="http://example.com/feed", name="example", kind=kind)
    try:
        urls = list(list_entries(source, body, "http://example.com/section/"))
    except FetchError:
        return
    assert all(canonical_url(u) == u for u in urls) and len(urls) == len(set(urls))


@pytest.mark.parametrize("ending, whole", [(".", True), (" […]", False), ("...", False), ("… اقرأ المزيد", False),
                                          (" [...]", False), (" Read more »", False)])
def test_a_feed_items_text_stands_for_its_page_only_when_whole(ending, whole):
    from datetime import datetime

    text = " ".join(["أعلنت وزارة النقل اليوم بدء تشغيل خط الحافلات السريعة الذي يربط وسط المدينة بالمطار"] * 5) + ending
    article = article_from_listing("http://x.test/a", "x.test", Listed(None, "عنوان", text), datetime(2026, 3, 5))
    assert (article is not None) == whole
    assert article_from_listing("http://x.test/a", "x.test", Listed(None, "عنوان", "نص قصير."), datetime(2026, 3, 5)) is None


def test_a_page_of_junk_attributes_is_read_in_linear_time():
    """A link tag holding one 150,000-character run (a crafted page): each run of name characters
    is tried once. The attribute pattern once tried it from each letter, minutes for this page;
    this guards against that backtracking (it takes milliseconds), not a speed target."""
    import time

    from khabar.ingest.listings import named_feeds

    page = ("<html><head><link " + "a" * 150_000 + " x" * 20_000 + ">"
            '<link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body></body></html>')
    start = time.perf_counter()
    assert named_feeds(page, "https://news.example/") == ["https://news.example/feed.xml"]
    assert time.perf_counter() - start < 10


def test_unclosed_tags_and_runs_of_tag_starts_are_read_in_linear_time():
    """A truncated or crafted listing: 20,000 opening tags that never close, or "<a <a <a …"
    with no ">". Each tag is read in one pass; the patterns before retried from every opening
    tag (these three pages took 32 s). A guard against backtracking, not a speed target."""
    import time

    from khabar.models import Source

    good = "<url><loc>http://x.test/news/2026/a</loc><news:publication_date>2026-03-05T10:00:00Z</news:publication_date></url>"
    sitemap = "<urlset>" + good + "<url>" * 20_000 + "<loc>http://x.test/cut"
    index = "<sitemapindex><sitemap><loc>http://x.test/s1.xml</loc></sitemap>" + "<sitemap>" * 20_000
    section = '<html><body><a class="x" href="/news/2026/b">b</a>' + "<a " * 30_000
    start = time.perf_counter()
    assert list(list_entries(Source(url="http://x.test/sitemap.xml", name="s", kind="sitemap"), sitemap,
                             "http://x.test/sitemap.xml")) == ["http://x.test/news/2026/a"]
    assert sitemap_children(index) == ["http://x.test/s1.xml"]
    assert list(list_entries(Source(url="http://x.test/news/", name="p", kind="page"), section,
                             "http://x.test/news/")) == ["http://x.test/news/2026/b"]
    assert time.perf_counter() - start < 10
