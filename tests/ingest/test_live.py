"""Live ingestion against a local HTTP server serving fixtures we wrote."""

from __future__ import annotations

import http.server
import re
import socket
import ssl
import threading
import time
from datetime import timezone
from pathlib import Path

import pytest
from hypothesis import given, settings

from khabar.ingest.fetch import BlockedAddress, Fetcher, FetchError, FetchOptions, check_address, decode_body
from khabar.ingest.live import crawl_once, extract_article, poll_source
from khabar.models import Article, Source, analyze_article
from khabar.testing import serve_loopback

from .strategies import BODIES

FIX = Path(__file__).parent / "fixtures"


class Site:
    """Routes of the fixture site; counts hits so politeness can be asserted."""

    def __init__(self):
        self.hits: dict[str, int] = {}
        self.conditional: list[str] = []
        self.host = ""

    def article(self, title: str, body: str) -> bytes:
        return (FIX / "article.html").read_text(encoding="utf-8").replace("TITLE", title).replace("BODY", body).encode()

    def respond(self, h: http.server.BaseHTTPRequestHandler):
        path = h.path
        self.hits[path] = self.hits.get(path, 0) + 1
        etag = '"v1"'
        if h.headers.get("If-None-Match") == etag or h.headers.get("If-Modified-Since"):
            self.conditional.append(path)
            if h.headers.get("If-None-Match") == etag:
                return 304, {}, b""
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n"
        if path in ("/feed.xml", "/atom.xml"):
            body = (FIX / path[1:]).read_text(encoding="utf-8").replace("HOST", self.host).encode()
            return 200, {"Content-Type": "application/rss+xml; charset=utf-8", "ETag": etag}, body
        if path == "/a/1.html":
            return 200, {"Content-Type": "text/html; charset=utf-8", "ETag": etag}, self.article("افتتاح مكتبة عامة جديدة في حي النخيل", "افتتاح مكتبة عامة جديدة")
        if path == "/a/2.html":
            return 200, {"Content-Type": "text/html; charset=utf-8"}, self.article("بلدية المدينة تطلق حملة لتشجير الشوارع", "حملة لتشجير الشوارع")
        if path == "/a/3.html":
            return 200, {"Content-Type": "text/html; charset=utf-8"}, self.article("مهرجان الربيع يستقبل زواره", "مهرجان الربيع")
        if path == "/a/cp1256.html":
            html = self.article("صفحة بترميز ويندوز العربي", "صفحة مكتوبة بترميز ويندوز")
            return 200, {"Content-Type": "text/html"}, html.decode("utf-8").replace('<meta charset="utf-8">', "").encode("cp1256")
        if path == "/dated.xml":  # a feed whose item dates a page that gives no date of its own
            body = (f'<rss version="2.0"><channel><title>t</title>'
                    f'<item><title>x</title><link>http://{self.host}/a/undated.html</link>'
                    f'<pubDate>Wed, 04 Mar 2026 07:30:00 +0300</pubDate></item>'
                    f'<item><title>y</title><link>http://{self.host}/a/1.html</link>'
                    f'<pubDate>Fri, 06 Mar 2026 07:30:00 +0300</pubDate></item></channel></rss>')
            return 200, {"Content-Type": "application/rss+xml; charset=utf-8"}, body.encode()
        if path == "/a/undated.html":
            html = self.article("حديقة جديدة تفتح أبوابها للزوار", "حديقة جديدة تفتح أبوابها")
            return 200, {"Content-Type": "text/html; charset=utf-8"}, re.sub(rb"<meta property=.article:published_time[^>]*>", b"", html)
        if path == "/fulltext.xml":  # a feed carrying whole texts (content:encoded), or an excerpt
            whole = "".join(f"<p>الفقرة {n}: أعلنت وزارة النقل اليوم بدء تشغيل خط الحافلات السريعة الذي يربط وسط المدينة "
                            f"بالمطار، بعد عامين من العمل في المسارات والمحطات.</p>" for n in range(1, 5))
            items = [("/blocked.html", "خط الحافلات السريعة يبدأ العمل", whole),
                     ("/a/1.html", "مكتبة", whole),
                     ("/script-only.html", "صفحة تملؤها البرامج", "<p>مقتطف قصير.</p>"),
                     ("/removed.html", "خبر حُذف", whole)]
            body = "".join(f"<item><title>{t}</title><link>http://{self.host}{p}</link>"
                           f"<pubDate>Thu, 05 Mar 2026 09:00:00 +0300</pubDate>"
                           f"<content:encoded><![CDATA[{c}]]></content:encoded></item>" for p, t, c in items)
            return 200, {"Content-Type": "application/rss+xml; charset=utf-8"}, (
                f'<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>'
                f"{body}</channel></rss>").encode()
        if path == "/blocked.html":
            return 403, {"Content-Type": "text/html"}, b"<html><body>no robots</body></html>"
        if path == "/script-only.html":
            return 200, {"Content-Type": "text/html"}, b'<html><body><div id="app"></div><script src="/app.js"></script></body></html>'
        if path == "/sitemap_index.xml":  # a site's sitemap index: news, this month, and the archive
            children = [("/sitemap-2020.xml", "2020-01-31"), ("/sitemap-news.xml.gz", "2026-03-05T10:00:00Z"),
                        ("/sitemap-undated.xml", None), ("/sitemap-march.xml", "2026-03-01")]
            body = "".join(f"<sitemap><loc>http://{self.host}{loc}</loc>" + (f"<lastmod>{mod}</lastmod>" if mod else "")
                           + "</sitemap>" for loc, mod in children)
            return 200, {"Content-Type": "application/xml", "ETag": etag}, (
                f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>').encode()
        if path == "/ttl.xml":  # a feed asking to be read at most every 90 minutes
            return 200, {"Content-Type": "application/rss+xml"}, (
                f'<rss version="2.0"><channel><title>t</title><ttl>90</ttl>'
                f'<item><title>x</title><link>http://{self.host}/a/1.html</link></item></channel></rss>').encode()
        if path == "/sitemap_index_gone.xml":  # its newest sitemap is gone
            body = "".join(f"<sitemap><loc>http://{self.host}{loc}</loc><lastmod>{mod}</lastmod></sitemap>"
                           for loc, mod in (("/sitemap-gone.xml", "2026-03-06"), ("/sitemap-march.xml", "2026-03-01")))
            return 200, {"Content-Type": "application/xml"}, f"<sitemapindex>{body}</sitemapindex>".encode()
        if path == "/sitemap-news.xml.gz":  # gzipped as a file, dated as Google News sitemaps date
            import gzip

            body = (f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
                    f'<url><loc>http://{self.host}/a/undated.html</loc><news:news><news:publication_date>2026-03-04T07:30:00+03:00'
                    f'</news:publication_date></news:news></url><url><loc>http://{self.host}/a/1.html</loc></url></urlset>')
            return 200, {"Content-Type": "application/octet-stream"}, gzip.compress(body.encode())
        if path in ("/sitemap-march.xml", "/sitemap-2020.xml", "/sitemap-undated.xml"):
            page = {"/sitemap-march.xml": "/a/2.html", "/sitemap-2020.xml": "/a/3.html"}.get(path, "/a/cp1256.html")
            return 200, {"Content-Type": "application/xml"}, (
                f'<urlset><url><loc>http://{self.host}{page}</loc></url></urlset>').encode()
        if path in ("/home.html", "/plain.html"):  # a site's home page, naming its feed or not
            link = '<link rel="alternate" type="application/rss+xml" title="أخبار" href="/feed.xml">' if path == "/home.html" else ""
            return 200, {"Content-Type": "text/html; charset=utf-8"}, (
                f'<!doctype html><html lang="ar"><head><title>الموقع</title>{link}</head>'
                f'<body><a href="/a/1.html">خبر</a></body></html>').encode()
        if path == "/busy":
            if self.hits[path] == 1:
                return 429, {"Retry-After": "1"}, b""
            return 200, {"Content-Type": "text/plain"}, b"ok"
        if path == "/loop1":
            return 302, {"Location": "/loop2"}, b""
        if path == "/loop2":
            return 302, {"Location": "/loop1"}, b""
        if path == "/to-private":
            return 302, {"Location": "http://10.0.0.1/secret"}, b""
        if path == "/big":
            return 200, {"Content-Type": "text/html"}, b"x" * 300_000
        if path == "/bad.xml":
            return 200, {"Content-Type": "application/rss+xml"}, b"<rss><channel><item><title>broken"
        if path == "/private/secret.html":
            return 200, {"Content-Type": "text/html"}, b"secret"
        return 404, {"Content-Type": "text/plain"}, b"not found"


@pytest.fixture
def site():
    state = Site()

    server, state.host = serve_loopback(state.respond)
    yield state
    server.shutdown()


@pytest.fixture
def fetcher():
    f = Fetcher(FetchOptions(per_host_delay=0.0, backoff=0.1, max_bytes=200_000, allow_loopback=True))
    yield f
    f.close()


def url(site, path):
    return f"http://{site.host}{path}"


def test_ssrf_guard_blocks_by_default():
    with pytest.raises(BlockedAddress):
        check_address("http://127.0.0.1:9/x", allow_private=False)
    with pytest.raises(BlockedAddress):
        check_address("http://10.1.2.3/x", allow_private=False)
    with pytest.raises(BlockedAddress):
        check_address("http://169.254.169.254/latest/meta-data", allow_private=False)
    with pytest.raises(BlockedAddress):
        check_address("http://[::1]/x", allow_private=False)
    check_address("http://10.1.2.3/x", allow_private=True)


def test_default_fetcher_refuses_loopback(site):
    f = Fetcher()
    with pytest.raises(BlockedAddress):
        f.fetch(url(site, "/feed.xml"))
    f.close()
    assert site.hits == {}


def test_dns_rebinding_is_refused_where_the_socket_opens(site, monkeypatch):
    """A name that resolves to a public address when checked and to loopback when connected
    (a hostile DNS server with a zero TTL) never reaches the loopback server."""
    port = int(site.host.rsplit(":", 1)[1])
    real = socket.getaddrinfo
    answers = []

    def rebinding(host, *args, **kwargs):
        if host != "rebind.test":
            return real(host, *args, **kwargs)
        answers.append(host)
        ip = "93.184.216.34" if len(answers) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    f = Fetcher(FetchOptions(per_host_delay=0.0, respect_robots=False, retries=0))
    with pytest.raises(BlockedAddress, match="127.0.0.1"):
        f.fetch(f"http://rebind.test:{port}/feed.xml")
    f.close()
    assert len(answers) == 2 and site.hits == {}  # checked twice, connected never


def test_a_proxy_is_used_only_when_named_and_the_guard_still_checks_what_it_can(site, monkeypatch):
    """HTTP(S)_PROXY in the environment is not read (through it, the guard could not check the
    address connected to); ``FetchOptions.proxy`` (KHABAR_PROXY) sends every request through
    the proxy named, and a name that only the proxy can resolve passes the guard there."""
    asked = []

    def proxy(handler):
        asked.append(handler.path)  # a proxy is asked for the absolute URL
        if handler.path.endswith("/robots.txt"):
            return 404, {}, b""
        return 200, {"Content-Type": "text/html"}, b"<html><body>via proxy</body></html>"

    server, proxy_host = serve_loopback(proxy)
    monkeypatch.setenv("HTTP_PROXY", f"http://{proxy_host}")
    monkeypatch.setenv("http_proxy", f"http://{proxy_host}")
    direct = Fetcher(FetchOptions(per_host_delay=0.0, allow_loopback=True))
    try:
        assert direct.fetch(url(site, "/feed.xml")).status == 200 and asked == []  # straight to the site
        with pytest.raises(FetchError, match="cannot resolve"):
            direct.fetch("http://news.invalid/a")  # and without a proxy, a name must resolve here
    finally:
        direct.close()

    proxied = Fetcher(FetchOptions(per_host_delay=0.0, retries=0, proxy=f"http://{proxy_host}"))
    try:
        assert proxied.fetch("http://news.invalid/a").content == b"<html><body>via proxy</body></html>"
        assert asked == ["http://news.invalid/robots.txt", "http://news.invalid/a"]
        with pytest.raises(BlockedAddress):
            proxied.fetch("http://127.0.0.1:9/x")  # an address the guard can see is still refused
        with pytest.raises(BlockedAddress):
            proxied.fetch("http://10.1.2.3/x")
        assert len(asked) == 2
    finally:
        proxied.close()
        server.shutdown()


@pytest.mark.parametrize("cert_name, ok", [("localhost", True), ("other.test", False)])
def test_tls_checks_the_host_name_over_the_checked_address(cert_name, ok, tmp_path, monkeypatch):
    """The socket opens to the address the guard checked (127.0.0.1), yet TLS verifies the
    certificate against the URL's host name, not that address."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))  # httpx trusts it (trust_env)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(cert_name).configure_cert(server_ctx)
    server, host = serve_loopback(lambda handler: (200, {"Content-Type": "text/plain"}, b"ok"))
    server.socket = server_ctx.wrap_socket(server.socket, server_side=True)
    port = host.rsplit(":", 1)[1]
    f = Fetcher(FetchOptions(per_host_delay=0.0, respect_robots=False, retries=0, allow_loopback=True))
    try:
        if ok:
            assert f.fetch(f"https://localhost:{port}/").content == b"ok"
        else:
            with pytest.raises(FetchError, match="connection failed"):
                f.fetch(f"https://localhost:{port}/")
    finally:
        f.close()
        server.shutdown()


def test_a_home_page_followed_as_a_feed_hands_over_to_the_feed_it_names(site, fetcher, store, settings):
    store.add_source(Source(url=url(site, "/home.html"), name="موقع الاختبار", kind="feed"))
    store.add_source(Source(url=url(site, "/plain.html"), name="بلا خلاصة", kind="feed"))
    reports = crawl_once(store, settings, fetcher)
    assert reports[0].new == 3 and reports[0].source == f"{url(site, '/home.html')} → {url(site, '/feed.xml')}"
    sources = {s.url: s for s in store.list_sources()}
    feed, home, plain = sources[url(site, "/feed.xml")], sources[url(site, "/home.html")], sources[url(site, "/plain.html")]
    assert feed.enabled and feed.kind == "feed" and feed.name == "موقع الاختبار" and feed.last_success
    assert not home.enabled and home.last_error.endswith(url(site, "/feed.xml"))
    assert plain.enabled and plain.last_error.startswith("malformed feed")  # names no feed: an error, as before
    # From then on the feed itself is polled (conditionally), the home page no more.
    before = dict(site.hits)
    crawl_once(store, settings, fetcher)
    assert site.hits["/home.html"] == before["/home.html"] and site.hits["/feed.xml"] == before["/feed.xml"] + 1


def test_a_response_trickled_byte_by_byte_is_cut_at_the_response_deadline():
    class Trickle(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(1000):  # each byte well within the per-read timeout, the whole far beyond
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                pass  # the client hung up: what the test wants

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    f = Fetcher(FetchOptions(per_host_delay=0.0, respect_robots=False, retries=0, allow_loopback=True,
                             timeout=5.0, max_seconds=1.0))
    started = time.monotonic()
    try:
        with pytest.raises(FetchError, match="too slow"):
            f.fetch(f"http://127.0.0.1:{server.server_port}/slow")
        assert time.monotonic() - started < 4.0  # not the 50 s the server would take
    finally:
        f.close()
        server.shutdown()


def test_sources_are_polled_side_by_side(store, settings):
    """Two sites whose feeds each answer only once the other has been asked too: polled one
    after another, the first would wait out the barrier and fail; side by side both answer."""
    barrier = threading.Barrier(2, timeout=5)

    def site(n):
        def respond(handler):
            if handler.path == "/feed.xml":
                try:
                    barrier.wait()
                except threading.BrokenBarrierError:
                    return 503, {"Content-Type": "text/plain"}, b"alone"
                item = f"<item><title>t</title><link>http://{hosts[n]}/a/{n}.html</link></item>"
                return 200, {"Content-Type": "application/rss+xml"}, f'<rss version="2.0"><channel><title>s</title>{item}</channel></rss>'.encode()
            if handler.path == f"/a/{n}.html":
                html = (FIX / "article.html").read_text(encoding="utf-8")
                return 200, {"Content-Type": "text/html; charset=utf-8"}, html.replace("TITLE", f"خبر الموقع {n}").replace("BODY", f"مشروع رقم {n}").encode()
            return 404, {"Content-Type": "text/plain"}, b""
        return respond

    hosts: dict[int, str] = {}
    servers = []
    for n in (1, 2):
        server, hosts[n] = serve_loopback(site(n))
        servers.append(server)
    fetcher = Fetcher(FetchOptions(per_host_delay=0.0, retries=0, allow_loopback=True))
    try:
        for n in (1, 2):
            store.add_source(Source(url=f"http://{hosts[n]}/feed.xml", name=f"site {n}", kind="feed"))
        reports = crawl_once(store, settings, fetcher)
        assert [r.new for r in reports] == [1, 1], [r.errors for r in reports]
        assert [r.source for r in reports] == [f"http://{hosts[n]}/feed.xml" for n in (1, 2)]  # in the sources' order
    finally:
        fetcher.close()
        for server in servers:
            server.shutdown()


def test_a_sitemap_index_is_read_through_its_newest_sitemaps(site, fetcher, store):
    from datetime import datetime

    src = store.add_source(Source(url=url(site, "/sitemap_index.xml"), name="sitemaps", kind="sitemap"))
    report = poll_source(store, fetcher, src)
    assert report.new == 4 and report.seen == 4, report.errors  # news (gzipped), March, then 2020
    assert "/sitemap-undated.xml" not in site.hits  # the fourth sitemap, undated: past the three newest
    undated = store.get_article(store.article_id(url(site, "/a/undated.html")))
    assert undated.published == datetime(2026, 3, 4, 4, 30)  # its news:publication_date, in UTC
    # The index is read whole every round (its sitemaps change under an unchanged index).
    poll_source(store, fetcher, src)
    assert "/sitemap_index.xml" not in site.conditional and site.hits["/sitemap_index.xml"] == 2
    # A sitemap that is gone is its own error; the index's other sitemaps are still read.
    gone = store.add_source(Source(url=url(site, "/sitemap_index_gone.xml"), name="gone", kind="sitemap"))
    report = poll_source(store, fetcher, gone)
    assert report.seen == 1 and any("sitemap-gone.xml" in e and "404" in e for e in report.errors)
    assert next(s for s in store.list_sources() if s.name == "gone").consecutive_failures == 0


@pytest.mark.parametrize("rule, delay", [("Crawl-delay: 1", 1.0), ("Request-rate: 1/2", 2.0), ("Crawl-delay: 3600", 30.0)])
def test_a_robots_txt_asking_for_more_time_between_requests_gets_it(rule, delay):
    times = []

    def respond(handler):
        if handler.path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, f"User-agent: *\n{rule}\n".encode()
        times.append(time.monotonic())
        return 200, {"Content-Type": "text/plain"}, b"ok"

    server, host = serve_loopback(respond)
    f = Fetcher(FetchOptions(per_host_delay=0.0, retries=0, allow_loopback=True))
    try:
        f.fetch(f"http://{host}/1")
        assert f.host_delay(host) == delay  # ours is 0 here; a delay asked beyond 30 s is held at 30
        if delay <= 1:
            f.fetch(f"http://{host}/2")
            assert times[1] - times[0] >= delay - 0.05
    finally:
        f.close()
        server.shutdown()


def test_a_page_not_to_be_had_is_stored_from_its_feed_items_whole_text(site, fetcher, store):
    from datetime import datetime

    src = store.add_source(Source(url=url(site, "/fulltext.xml"), name="full", kind="feed"))
    report = poll_source(store, fetcher, src)
    assert report.new == 2 and report.from_listing == 1
    blocked = store.get_article(store.article_id(url(site, "/blocked.html")))  # refused (403): its feed item
    assert blocked.title == "خط الحافلات السريعة يبدأ العمل" and len(blocked.body) == 4
    assert blocked.body[0].startswith("الفقرة 1: أعلنت وزارة النقل") and blocked.published == datetime(2026, 3, 5, 6, 0)
    page = store.get_article(store.article_id(url(site, "/a/1.html")))  # a page to be had: the page, not the item
    assert page.title == "افتتاح مكتبة عامة جديدة في حي النخيل"
    assert store.article_id(url(site, "/script-only.html")) is None  # an excerpt is no article: the error stands
    assert any("script-only.html" in e for e in report.errors)
    # A page that is gone (404: removed, perhaps taken down) is not brought back from its item.
    assert store.article_id(url(site, "/removed.html")) is None and any("removed.html" in e and "404" in e for e in report.errors)


def test_a_source_is_next_polled_after_its_own_interval(site, fetcher, store):
    from datetime import datetime, timedelta

    hourly = store.add_source(Source(url=url(site, "/feed.xml"), name="hourly", kind="feed", every_minutes=60))
    default = store.add_source(Source(url=url(site, "/atom.xml"), name="default", kind="feed"))
    broken = store.add_source(Source(url=url(site, "/bad.xml"), name="broken", kind="feed", every_minutes=1440))
    for src in (hourly, default, broken):
        poll_source(store, fetcher, src)
    got = {s.name: s for s in store.list_sources()}
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    wait = {name: datetime.fromisoformat(s.next_poll) - now for name, s in got.items()}
    assert timedelta(minutes=59) < wait["hourly"] <= timedelta(minutes=60) and got["hourly"].every_minutes == 60
    assert timedelta(minutes=14) < wait["default"] <= timedelta(minutes=15) and got["default"].every_minutes is None
    # A feed's <ttl> lengthens the default; a source's own interval is the operator's word and stands.
    for every, expected in ((None, 90), (5, 5)):
        ttl = store.add_source(Source(url=url(site, "/ttl.xml"), name="ttl", kind="feed", every_minutes=every))
        poll_source(store, fetcher, ttl)
        wait_ttl = datetime.fromisoformat(next(s for s in store.list_sources() if s.name == "ttl").next_poll) - now
        assert timedelta(minutes=expected - 1) < wait_ttl <= timedelta(minutes=expected + 1)
    # A failing daily source waits its day (backing off stops at 12 hours or its interval, the longer).
    assert got["broken"].consecutive_failures == 1 and timedelta(hours=23) < wait["broken"] <= timedelta(days=1)


def test_redirect_to_private_address_is_blocked(site, fetcher):
    with pytest.raises(BlockedAddress):
        fetcher.fetch(url(site, "/to-private"))


def test_redirect_loop_oversized_404_and_robots(site, fetcher):
    with pytest.raises(FetchError, match="redirect loop"):
        fetcher.fetch(url(site, "/loop1"))
    with pytest.raises(FetchError, match="too large"):
        fetcher.fetch(url(site, "/big"))
    with pytest.raises(FetchError, match="HTTP 404"):
        fetcher.fetch(url(site, "/nothing"))
    with pytest.raises(FetchError, match="robots"):
        fetcher.fetch(url(site, "/private/secret.html"))
    assert "/private/secret.html" not in site.hits


def test_429_retry_after_is_honoured(site, fetcher):
    t = time.monotonic()
    result = fetcher.fetch(url(site, "/busy"))
    assert result.status == 200 and site.hits["/busy"] == 2
    assert time.monotonic() - t >= 0.9


def test_conditional_get_gives_304(site, fetcher):
    first = fetcher.fetch(url(site, "/feed.xml"))
    second = fetcher.fetch(url(site, "/feed.xml"), etag=first.etag)
    assert second.not_modified and "/feed.xml" in site.conditional


def test_a_feeds_password_is_sent_but_never_logged(site, fetcher, store, settings, caplog):
    feed = url(site, "/feed.xml").replace("http://", "http://reader:s3cret@")
    store.add_source(Source(url=feed, name="test", kind="feed"))
    with caplog.at_level("INFO"):
        report = crawl_once(store, settings, fetcher)[0]
    assert report.new == 3 and report.source == feed.replace("s3cret", "***")
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("khabar"))  # httpx is kept at WARNING
    assert "s3cret" not in ours and "s3cret" not in "\n".join(fetcher.recent)
    assert "GET http://reader:***@" in ours


def test_windows_1256_and_mislabeled_pages_decode():
    text = "مرحبا بالعالم"
    assert decode_body(text.encode("cp1256"), "text/html; charset=windows-1256") == text
    assert decode_body(text.encode("cp1256"), "text/html") == text
    assert decode_body(text.encode("utf-8"), "text/html; charset=ISO-8859-1") == text
    assert decode_body(b'<meta charset="windows-1256">' + text.encode("cp1256"), "").endswith(text)


def test_feed_poll_stores_cleaned_articles_then_nothing_new(site, fetcher, store, settings):
    store.add_source(Source(url=url(site, "/feed.xml"), name="test", kind="feed"))
    reports = crawl_once(store, settings, fetcher)
    assert reports[0].new == 3, reports[0].errors  # 1, 2 and the windows-1256 page; the 404 recorded
    assert any("missing.html" in e and "404" in e for e in reports[0].errors)
    art = store.get_article(store.article_id(url(site, "/a/1.html")))
    assert art.title == "افتتاح مكتبة عامة جديدة في حي النخيل"
    assert {o["key"]: o["name"] for o in store.outlets()}[art.outlet] == "test"  # the name it was followed under
    assert art.source_attribution == "وكالة أنباء الاختبار"
    assert [r.title for r in art.read_also] == ["عنوان مقال آخر عن الحدائق"]
    assert all("اقرأ" not in p for p in art.body)
    cp = store.get_article(store.article_id(url(site, "/a/cp1256.html")))
    assert "بترميز" in cp.title
    assert store.stats()["stories"] >= 1  # indexes ran
    # Second round: the feed answers 304 to the conditional request, nothing is fetched again.
    before = dict(site.hits)
    again = crawl_once(store, settings, fetcher)
    assert again[0].not_modified and again[0].new == 0
    assert "/feed.xml" in site.conditional
    assert {k: v - before.get(k, 0) for k, v in site.hits.items() if v != before.get(k, 0)} == {"/feed.xml": 1}
    health = store.list_sources()[0]
    assert health.last_success and health.consecutive_failures == 0 and health.next_poll


def test_a_round_with_embed_arrivals_gives_its_articles_vectors(site, fetcher, store, settings):
    from dataclasses import replace

    from khabar.rank.dense import MODEL_NAME

    store.add_source(Source(url=url(site, "/feed.xml"), name="test", kind="feed"))
    embedding = replace(settings, index=replace(settings.index, embed_arrivals=True))
    assert crawl_once(store, embedding, fetcher)[0].new == 3
    assert store.count_embeddings() == 3 and store.ids_without_embedding(MODEL_NAME) == []
    assert store.get_meta("indexed_vectors") == "3"  # indexed with them


def test_atom_feed(site, fetcher, store):
    src = store.add_source(Source(url=url(site, "/atom.xml"), name="atom", kind="feed"))
    report = poll_source(store, fetcher, src)
    assert report.new == 1 and store.article_id(url(site, "/a/3.html"))


def test_malformed_feed_is_recorded_and_backs_off(site, fetcher, store):
    src = store.add_source(Source(url=url(site, "/bad.xml"), name="bad", kind="feed"))
    report = poll_source(store, fetcher, src)
    assert report.errors and report.new == 0
    health = store.list_sources()[0]
    assert health.consecutive_failures == 1 and "malformed" in health.last_error


def test_a_page_the_extractor_raises_on_is_that_pages_error_and_the_round_goes_on(site, fetcher, store, monkeypatch):
    import khabar.ingest.live as live

    def extract(html, page_url, outlet, listed_time=None):
        if page_url.endswith("/a/2.html"):
            raise RecursionError("maximum recursion depth exceeded")  # as a deeply nested page can make lxml
        return extract_article(html, page_url, outlet, listed_time)

    monkeypatch.setattr(live, "extract_article", extract)
    src = store.add_source(Source(url=url(site, "/feed.xml"), name="test", kind="feed"))
    report = poll_source(store, fetcher, src)
    assert report.new == 2  # the feed's other pages: 1 and 3 (its fourth entry is a 404)
    assert f"{url(site, '/a/2.html')}: extraction failed (RecursionError)" in report.errors
    assert "article error" in store.list_sources()[0].last_error and store.list_sources()[0].consecutive_failures == 0


def test_deleted_article_is_not_fetched_again(site, fetcher, store, settings):
    store.add_source(Source(url=url(site, "/feed.xml"), name="test", kind="feed"))
    crawl_once(store, settings, fetcher)
    assert store.delete_article(url(site, "/a/2.html"))
    site_hits = site.hits.get("/a/2.html", 0)
    src = store.list_sources()[0]
    src.etag = None  # force a full feed read
    store.update_source(src)
    crawl_once(store, settings, fetcher)
    assert site.hits.get("/a/2.html", 0) == site_hits
    assert store.article_id(url(site, "/a/2.html")) is None


def test_a_page_stored_or_deleted_under_another_spelling_of_its_address_is_not_fetched_again(site, fetcher, store,
                                                                                              settings):
    # A site that moves to https lists every article it had under new addresses: fetched again,
    # they were stored twice, and an article deleted under its old address came back.
    stored = Article(url=url(site, "/a/1.html").replace("http://", "https://"), outlet="test",
                     title="افتتاح مكتبة عامة", body=["نص الخبر."])
    store.add_articles([(stored, analyze_article(stored))])
    store.add_tombstones([(url(site, "/a/2.html") + "/", "")])
    store.add_source(Source(url=url(site, "/feed.xml"), name="test", kind="feed"))
    report = crawl_once(store, settings, fetcher)[0]
    assert "/a/1.html" not in site.hits and "/a/2.html" not in site.hits
    assert report.new == 1 and store.article_id(url(site, "/a/1.html")) is None  # the windows-1256 page only


def test_interrupted_round_resumes(site, fetcher, store, settings):
    store.add_source(Source(url=url(site, "/feed.xml"), name="test", kind="feed"))
    stop = threading.Event()
    original = fetcher.fetch

    def fetch_then_stop(u, *a, **kw):
        result = original(u, *a, **kw)
        if u.endswith("/a/1.html"):
            stop.set()  # SIGTERM arrives while the first article is being handled
        return result

    fetcher.fetch = fetch_then_stop
    first = crawl_once(store, settings, fetcher, stop)
    assert first[0].new == 1 and store.list_sources()[0].etag is None
    fetcher.fetch = original
    second = crawl_once(store, settings, fetcher)
    assert second[0].new == 2 and not second[0].not_modified


def test_the_scheduler_outlives_a_failing_round(site, fetcher, store, settings, monkeypatch):
    import khabar.pipeline as pipeline
    from khabar.ingest.live import crawl_forever

    store.add_source(Source(url=url(site, "/feed.xml"), name="test", kind="feed"))
    real = pipeline.index_arrivals
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "index_arrivals", flaky)
    stop = threading.Event()
    logs: list[str] = []

    runner = threading.Thread(target=crawl_forever, args=(store, settings, fetcher, stop, logs.append, 0.01),
                              daemon=True)
    runner.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (len(calls) and store.get_meta("indexed_version") == store.data_version()):
        time.sleep(0.05)  # until a later round has indexed what the failed one stored
    stop.set()
    runner.join(10)
    assert not runner.is_alive()
    assert any("round failed (RuntimeError: database is locked)" in line for line in logs), logs
    assert store.stats()["articles"] == 3 and store.stats()["stories"] >= 1  # stored, then indexed on the retry


# --- fuzz: whatever a server sends, a page is read or refused with a FetchError (listings: test_listings) ---
@settings(max_examples=150, deadline=None)
@given(BODIES)
def test_fuzz_any_page_is_an_article_or_a_fetch_error(html):
    try:
        article = extract_article(html, "http://example.com/news/1", "example.com")
    except FetchError:
        return
    assert article.body and article.url == "http://example.com/news/1"


def test_a_feed_items_time_dates_its_page_unless_the_page_says_another_day(site, fetcher, store):
    """A page with no date takes its item's pubDate; a page whose own date is days away from
    the item's keeps its own, to the minute (trafilatura alone gives it to the day)."""
    from datetime import datetime

    src = store.add_source(Source(url=url(site, "/dated.xml"), name="dated", kind="feed"))
    assert poll_source(store, fetcher, src).new == 2
    undated = store.get_article(store.article_id(url(site, "/a/undated.html")))
    assert undated.published == datetime(2026, 3, 4, 4, 30)  # the item's pubDate, in UTC
    dated = store.get_article(store.article_id(url(site, "/a/1.html")))
    assert dated.published == datetime(2026, 3, 3, 6, 0)  # the page's 09:00+03:00; the item says 6 March

    from khabar.ingest.live import published_time

    assert published_time(datetime(2026, 3, 3), datetime(2026, 3, 3, 8, 15)) == datetime(2026, 3, 3, 8, 15)
    assert published_time(datetime(2026, 3, 3), datetime(2026, 3, 2, 22, 0)) == datetime(2026, 3, 2, 22, 0)  # a zone apart
    assert published_time(datetime(2026, 3, 3), datetime(2026, 3, 6, 4, 30)) == datetime(2026, 3, 3)
    assert published_time(None, datetime(2026, 3, 6)) == datetime(2026, 3, 6)
    assert published_time(datetime(2026, 3, 3), None) == datetime(2026, 3, 3)
