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
