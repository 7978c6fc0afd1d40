"""Hypothesis strategies for what a server may send: pieces of HTML, feeds and sitemaps, and
noise, strung together (the fuzz tests of pages and of listings)."""

from hypothesis import strategies as st

HTML_BITS = st.sampled_from([
    "<html>", "</html>", "<head><title>عنوان الخبر</title></head>", "<body>", "</body>", "<article>", "</article>",
    "<p>", "</p>", "<p>قالت الوزارة اليوم إن المشروع سيكتمل خلال عامين بتكلفة كبيرة.</p>", "<div>", "</div>",
    "<script>alert(1)</script>", "<meta property='article:published_time' content='2015-13-45'>",
    "<!--", "-->", "<![CDATA[", "]]>", "&amp;", "&#0;", "&#xD800;", "\x00", "<p>إقرأ أيضاً:</p>", "<h2>عنوان فرعي</h2>",
    "<?xml version='1.0'?>", "<rss version='2.0'><channel>", "<item><link>", "</link></item>", "<loc>", "</loc>",
    "<a href='/news/2015/1'>", "</a>", "http://example.com/a/b", "javascript:alert(1)", "http://[::1", "<feed xmlns='http://www.w3.org/2005/Atom'>",
])
BODIES = st.lists(st.one_of(HTML_BITS, st.text(max_size=30)), max_size=40).map("".join)
