"""What a listing says: the article URLs a feed, a section page or a sitemap lists, and what
each entry says of its article (its date; a feed item's headline and text).

Parsing only, no fetching: ``ingest.live`` fetches listings and pages and calls these. A
listing is whatever a server sent, so every function here takes hostile input (the fuzz
tests in ``tests/ingest/test_listings.py`` feed them arbitrary bodies).
"""

from __future__ import annotations

import html as html_lib
import re
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urljoin, urlsplit

import feedparser

from ..models import Article, Source
from .times import parse_time
from .clean import article_from_page, clean_page
from .fetch import FetchError, decode_body
from .urls import InvalidURL, canonical_url

__all__ = ["Listed", "list_entries", "named_feeds", "sitemap_children", "listing_text", "article_from_listing", "feed_ttl",
           "MAX_ENTRIES", "FEED_TEXT_MIN", "SITEMAP_CHILDREN"]

MAX_ENTRIES = 200
FEED_TEXT_MIN = 300  # characters of a feed item's own text that can stand for its page
# ... unless it ends as an excerpt does: an ellipsis, or a "read more" link's words.
_CUT_OFF = re.compile(r"(?:…|\.\.\.|\[…\]|\[\.\.\.\]|\[&hellip;\]|(?:اقرأ|إقرأ|اقرا) المزيد|المزيد|read more|continue reading)"
                      r"\W*$", re.I)


@dataclass(frozen=True)
class Listed:
    """What a listing says of one article: when it was published (a feed item's date, a news
    sitemap's ``news:publication_date``), and for a feed item its headline and its own text,
    which stands for the page when the page cannot be had (``FEED_TEXT_MIN``)."""

    time: datetime | None = None
    title: str = ""
    text: str = ""


def list_entries(source: Source, body: str, base_url: str) -> dict[str, Listed]:
    """Article URLs listed by a feed, a section page or a sitemap, in listing order, each with
    what its listing says of it."""
    listed: dict[str, Listed] = {}
    dates: dict[str, Listed] = {}
    if source.kind == "feed":
        try:
            parsed = feedparser.parse(body)
        except Exception as exc:  # noqa: BLE001  see below
            # feedparser means to report malformed input as ``bozo``, but some still raise:
            # a surrogate or out-of-range character reference (&#xD800;), a backslash in a
            # DOCTYPE entity (its issues #591 and #599, open). One bad feed must be that
            # source's error, not the end of the round.
            raise FetchError(f"malformed feed: {type(exc).__name__}") from None
        urls = [e.get("link") for e in parsed.entries if e.get("link")]
        if parsed.bozo and not urls:
            raise FetchError(f"malformed feed: {type(parsed.bozo_exception).__name__}")
        dates = {e.get("link"): Listed(_entry_time(e), " ".join((e.get("title") or "").split()), _item_text(e))
                 for e in parsed.entries if e.get("link")}
    elif source.kind == "sitemap":
        urls, times = _sitemap_urls(body)
        dates = {u: Listed(t) for u, t in times.items()}
    else:  # a section page: same-site links that look like articles (a path with depth)
        host = urlsplit(base_url).netloc
        urls = []
        for href in _A_HREF.findall(body):
            u = urljoin(base_url, href)
            parts = urlsplit(u)
            if parts.netloc == host and parts.path.count("/") >= 2 and u != base_url:
                urls.append(u)
    for u in urls:
        try:
            listed.setdefault(canonical_url(urljoin(base_url, u)), dates.get(u) or Listed())
        except InvalidURL:
            continue
        if len(listed) >= MAX_ENTRIES:
            break
    return listed


SITEMAP_CHILDREN = 3  # sitemaps of a sitemap index read each round: the most recently modified


# Tags are read in one pass each: a pattern such as "<url>(.*?)</url>" retries from every opening
# tag that is never closed, so a truncated or crafted sitemap of 100,000 characters took 9 s.
# A tag's attributes stop at the next "<" as well as at ">", for the same reason.
_A_HREF = re.compile(r"""<a\s[^<>]*?href=["']([^"'#<>]+)["']""", re.I)


def _xml_blocks(body: str, tag: str) -> list[str]:
    """The contents of each ``<tag …>…</tag>`` in ``body``, in order: every closing tag takes the
    last opening tag before it (and after the previous closing tag); unclosed ones are dropped."""
    opens = [(m.start(), m.end()) for m in re.finditer(rf"<{tag}\b[^<>]*>", body, re.I)]
    blocks, i, floor = [], 0, 0
    for close in re.finditer(rf"</{tag}\s*>", body, re.I):
        last = None
        while i < len(opens) and opens[i][1] <= close.start():
            if opens[i][0] >= floor:
                last = opens[i]
            i += 1
        if last is not None:
            blocks.append(body[last[1]: close.start()])
        floor = close.end()
    return blocks


def _xml_field(block: str, tag: str) -> str | None:
    found = _xml_blocks(block, tag)
    if not found:
        return None
    text = found[0].strip()
    if text.startswith("<![CDATA[") and text.endswith("]]>"):
        text = text[len("<![CDATA["): -len("]]>")]
    return html_lib.unescape(text.strip())


def _sitemap_urls(body: str) -> tuple[list[str], dict[str, datetime | None]]:
    """A sitemap's page URLs in order, and the publication time of those a news sitemap dates."""
    blocks = _xml_blocks(body, "url")
    if not blocks:  # a bare list of <loc>
        return [html_lib.unescape(u) for u in re.findall(r"<loc>\s*([^<\s]+)\s*</loc>", body)], {}
    urls, dates = [], {}
    for block in blocks:
        loc = _xml_field(block, "loc")
        if loc:
            urls.append(loc)
            dates[loc] = parse_time(_xml_field(block, "news:publication_date"))
    return urls, dates


def sitemap_children(body: str) -> list[str]:
    """The sitemaps a sitemap index lists, most recently modified first (listing order among
    equals); none when the body lists pages. A site's /sitemap.xml is often such an index, its
    news in one child and years of archive in the others."""
    if not re.search(r"<sitemapindex\b", body[:5_000], re.I):
        return []
    children = []
    for n, block in enumerate(_xml_blocks(body, "sitemap")):
        loc = _xml_field(block, "loc")
        if loc:
            children.append((parse_time(_xml_field(block, "lastmod")) or datetime.min, -n, loc))
    return [loc for *_, loc in sorted(children, reverse=True)]


_LINK_TAG = re.compile(r"<link\b[^>]*>", re.I)
# A name starts after a character that cannot be in one: each run of name characters is tried
# once, not from each of its letters (a 20,000-character run took 3 s, a crawled page may hold any).
_ATTRIBUTE = re.compile(r"""(?<![\w:-])([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")


def named_feeds(body: str, base_url: str) -> list[str]:
    """The feeds a web page names for itself (``<link rel="alternate" type="application/rss+xml"
    href="…">``, as feed readers discover them), in page order; none when the body is a feed."""
    head = body[:200_000]
    if not re.search(r"<html[\s>]", head[:5_000], re.I):
        return []  # a feed, or neither: list_entries says which
    found = []
    for tag in _LINK_TAG.findall(head):
        attrs = {m.group(1).lower(): html_lib.unescape(next(g for g in m.groups()[1:] if g is not None))
                 for m in _ATTRIBUTE.finditer(tag)}
        if ("alternate" in attrs.get("rel", "").lower().split() and attrs.get("href")
                and attrs.get("type", "").split(";")[0].strip().lower() in FEED_TYPES):
            try:
                found.append(canonical_url(urljoin(base_url, attrs["href"])))
            except InvalidURL:
                continue
    return list(dict.fromkeys(found))


_BLOCK_END = re.compile(r"<\s*(?:br|/p|/div|/li|/h[1-6]|/blockquote|/tr)\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]+>")


def _item_text(entry) -> str:
    """A feed item's own text as plain paragraphs: its fullest content (content:encoded), else
    its summary (feedparser has already sanitized the markup)."""
    values = [c.get("value") or "" for c in entry.get("content") or []]
    fragment = max(values, key=len) if any(values) else entry.get("summary") or ""
    text = _TAG.sub(" ", _BLOCK_END.sub("\n", fragment))
    lines = (" ".join(html_lib.unescape(line).split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _entry_time(entry) -> datetime | None:
    """A feed item's publication time (else its update time) as naive UTC; feedparser has
    already read RSS and Atom dates into UTC struct_time."""
    t = entry.get("published_parsed") or entry.get("updated_parsed")
    try:
        return datetime(*t[:6]) if t else None
    except (TypeError, ValueError):
        return None


MAX_TTL_MINUTES = 24 * 60


def feed_ttl(body: str) -> timedelta | None:
    """How long an RSS feed asks to be left alone between reads (``<ttl>`` minutes, up to a
    day), or None when it does not say."""
    m = re.search(r"<ttl>\s*(\d{1,6})\s*</ttl>", body[:20_000], re.I)
    return timedelta(minutes=min(int(m.group(1)), MAX_TTL_MINUTES)) if m and int(m.group(1)) > 0 else None


def listing_text(result, max_bytes: int) -> str:
    """A listing's text; a gzipped file (sitemap.xml.gz, served as is rather than with a
    Content-Encoding) is unpacked first, up to ``max_bytes``."""
    data = result.content
    if data[:2] == b"\x1f\x8b":
        unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data = unpacker.decompress(data, max_bytes)
        except zlib.error:
            raise FetchError("corrupt gzip listing") from None
        if unpacker.unconsumed_tail:
            raise FetchError(f"listing too large unpacked (> {max_bytes} bytes)")
        return decode_body(data, "")
    return result.text()


def article_from_listing(url: str, outlet: str, listed: Listed, fetched: datetime) -> Article | None:
    """The article as its feed item gives it, for a page that cannot be had (a server that
    refuses crawlers, a page whose text only scripts fill in): many feeds carry the whole text.
    An excerpt is not an article: shorter than ``FEED_TEXT_MIN`` characters, or cut off where the
    feed says so (WordPress's default excerpt is 55 words and "[…]", some 330 Arabic characters)."""
    if len(listed.text) < FEED_TEXT_MIN or _CUT_OFF.search(listed.text):
        return None
    page = clean_page(listed.text)
    if not page.body:
        return None
    return article_from_page(page, url, outlet, listed.title, published=listed.time, extracted=fetched)
