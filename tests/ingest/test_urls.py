"""Canonical URLs, the external key of an article: stable under re-canonicalization."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khabar.ingest.urls import InvalidURL, canonical_url

_URL_BITS = st.sampled_from([
    "http://", "https://", "HTTP://", "ftp://", "javascript:", "www.", "Example.COM", "example.com", ":80", ":443",
    ":8080", ":99999", "[::1]", "[::1", "/", "/news/", "الأخبار", "%D8%A7", "?", "&", "=", "utm_source=x", "id=5",
    "fbclid=1", "#top", " ", "\t", "\n", "@", "..", "%", "\x00",
])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(_URL_BITS, st.text(max_size=8)), max_size=12).map("".join))
def test_fuzz_a_canonical_url_is_its_own_canonical_form(raw):
    try:
        url = canonical_url(raw)
    except InvalidURL:
        return
    assert canonical_url(url) == url
    assert url.startswith(("http://", "https://")) and "#" not in url


@pytest.mark.parametrize("raw, expected", [
    ("  HTTPS://Example.COM:443/a?utm_source=x&id=5#top ", "https://example.com/a?id=5"),
    ("http://example.com:80", "http://example.com/"),
    ("https://example.com/الأخبار/1", "https://example.com/الأخبار/1"),  # as published: Arabic paths stay raw
])
def test_canonical_forms(raw, expected):
    assert canonical_url(raw) == expected


def test_a_url_finds_its_article_under_the_other_scheme_www_or_final_slash_but_its_own_first(store):
    from datetime import datetime

    from khabar.ingest.urls import article_id_for_url
    from khabar.models import Article, analyze_article

    def art(url, title):
        return Article(url=url, outlet="a", title=title, body=[f"{title}: نص الخبر كاملاً."], published=datetime(2026, 1, 2))

    stored = [art("http://www.news.test/a/1", "أمطار"), art("https://news.test/b/", "رياح"),
              art("https://news.test/الأخبار/3", "سيول"), art("http://news.test/c", "حر"), art("https://news.test/c", "برد")]
    store.add_articles([(a, analyze_article(a)) for a in stored])
    ids = {a.url: store.article_id(a.url) for a in stored}
    for url, found in [("https://www.news.test/a/1", "http://www.news.test/a/1"),  # moved to https
                       ("http://news.test/a/1/", "http://www.news.test/a/1"),  # no www, a final slash
                       ("https://news.test/b", "https://news.test/b/"),
                       ("http://www.news.test/%D8%A7%D9%84%D8%A3%D8%AE%D8%A8%D8%A7%D8%B1/3", "https://news.test/الأخبار/3"),
                       ("http://news.test/c", "http://news.test/c"), ("https://news.test/c/", "https://news.test/c")]:
        assert article_id_for_url(store, url) == ids[found], url  # its own address first, when stored
    assert article_id_for_url(store, "https://news.test/a/2") is None
    assert article_id_for_url(store, "https://other.test/a/1") is None


@pytest.mark.parametrize("url, shown", [
    ("https://reader:s3cret@news.test/feed.xml", "https://reader:***@news.test/feed.xml"),
    ("https://reader:s3cret@news.test:8443/f?x=1", "https://reader:***@news.test:8443/f?x=1"),
    ("https://reader@news.test/feed.xml", "https://reader@news.test/feed.xml"),  # no password: nothing to hide
    ("https://news.test/feed.xml", "https://news.test/feed.xml"),
    ("http://[::1", "http://[::1"),  # not a URL: as it is
])
def test_a_password_in_a_url_is_not_shown(url, shown):
    from khabar.ingest.urls import shown_url

    assert shown_url(url) == shown
