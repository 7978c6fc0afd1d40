"""Live ingestion: poll sources, fetch new article pages, extract, clean, store.

``poll_source`` is the recipe for one source:
1. fetch the feed/section page conditionally (a 304 ends the round: nothing new);
   a "feed" that is a web page naming its feed (a site's home page) hands over to that
   feed, followed as a source of its own from then on (``follow_named_feed``);
2. list entry URLs (feedparser for feeds, same-site links for section pages,
   ``<loc>`` for sitemaps; a sitemap index's newest sitemaps, gzipped or not);
3. for each URL not stored and not tombstoned: fetch (conditional), extract with
   trafilatura, run the page cleaner, store; a page not to be had (refused, no text) is
   stored from its feed item when the item carries the whole text;
4. record health on the source: last success/error, consecutive failures, next poll.
Each step's failure is recorded and never stops the others. ``crawl_once`` polls
every due source, then updates copies, stories and indexes once.
"""

from __future__ import annotations

import html as html_lib
import re
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urljoin, urlsplit

import feedparser
import trafilatura

from ..models import Article, Source, analyze_article
from ..settings import Settings
from ..store import Store
from .bulk import parse_time
from .clean import article_from_page, clean_page
from .fetch import Fetcher, FetchError, decode_body
from .urls import InvalidURL, canonical_url

__all__ = ["PollReport", "poll_source", "crawl_once", "crawl_forever", "extract_article", "list_entries",
           "named_feeds", "follow_named_feed", "poll_interval", "sitemap_children", "listing_text", "Listed", "article_from_listing"]

POLL_INTERVAL = timedelta(minutes=15)
MAX_BACKOFF = timedelta(hours=12)
MAX_ENTRIES = 200
FEED_TEXT_MIN = 300  # characters of a feed item's own text that can stand for its page
CRAWL_WORKERS = 4  # sources polled at once


@dataclass
class PollReport:
    source: str
    new: int = 0
    seen: int = 0
    not_modified: bool = False
    errors: list[str] = field(default_factory=list)
    new_ids: list[int] = field(default_factory=list)
    from_listing: int = 0  # stored from their feed item's own text, their page not to be had


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


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
        for href in re.findall(r"""<a\s[^>]*href=["']([^"'#]+)["']""", body, re.I):
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


def _xml_field(block: str, tag: str) -> str | None:
    m = re.search(rf"<{tag}\b[^>]*>\s*(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?\s*</{tag}>", block, re.S | re.I)
    return html_lib.unescape(m.group(1).strip()) if m else None


def _sitemap_urls(body: str) -> tuple[list[str], dict[str, datetime | None]]:
    """A sitemap's page URLs in order, and the publication time of those a news sitemap dates."""
    blocks = re.findall(r"<url\b[^>]*>(.*?)</url>", body, re.S | re.I)
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
    for n, block in enumerate(re.findall(r"<sitemap\b[^>]*>(.*?)</sitemap>", body, re.S | re.I)):
        loc = _xml_field(block, "loc")
        if loc:
            children.append((parse_time(_xml_field(block, "lastmod")) or datetime.min, -n, loc))
    return [loc for *_, loc in sorted(children, reverse=True)]


_LINK_TAG = re.compile(r"<link\b[^>]*>", re.I)
_ATTRIBUTE = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
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


# htmldate's parameters as trafilatura sets them, with the time of day kept: by default a
# page's date comes back as a day ("2026-03-03"), although its metadata gives the hour.
DATE_PARAMS = {"original_date": True, "extensive_search": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"}


def extract_article(html: str, url: str, outlet: str, listed_time: datetime | None = None) -> Article:
    """trafilatura extraction (title, text, date, author, image) + the page cleaner. A page
    without a date of its own takes ``listed_time``, the date its feed item gave."""
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, favor_precision=True,
                                      date_extraction_params=DATE_PARAMS)
    if doc is None:
        raise FetchError("no article text found")
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    title = " ".join((data.get("title") or "").split())
    text = data.get("text") or ""
    lines = text.split("\n")
    if lines and title and " ".join(lines[0].split()) == title:
        text = "\n".join(lines[1:])  # trafilatura often repeats the headline as the first line
    page = clean_page(text)
    if not page.body:
        raise FetchError("no article text found")
    return article_from_page(
        page, url, outlet, title,
        author=data.get("author") or None,
        published=published_time(parse_time(data.get("date")), listed_time),
        extracted=_now(),
        lead_image=data.get("image") or None,
    )


def published_time(page_date: datetime | None, listed_time: datetime | None) -> datetime | None:
    """The page's own date, or the feed item's time when the page has none or when the two lie
    within two days of each other (time zones, and a page that gives only a day, read as
    midnight): the item has the hour. An item further from the page's date is not believed (a
    CMS that dates every item by when it wrote the feed)."""
    if listed_time is None:
        return page_date
    if page_date is None or abs((listed_time - page_date).total_seconds()) <= 2 * 86400:
        return listed_time
    return page_date


def poll_interval(source: Source) -> timedelta:
    """Time between two polls of ``source``: its own (``sources add --every``), else 15 minutes."""
    return timedelta(minutes=source.every_minutes) if source.every_minutes else POLL_INTERVAL


def _outlet_key(source: Source) -> str:
    return (urlsplit(source.url).hostname or source.name).removeprefix("www.")


def poll_source(store: Store, fetcher: Fetcher, source: Source, stop: threading.Event | None = None,
                discover: bool = True) -> PollReport:
    report = PollReport(source=source.url)
    try:
        listing = fetcher.fetch(source.url, source.etag, source.last_modified, allow_private=source.allow_private)
        if listing.not_modified:
            report.not_modified = True
        else:
            text = listing_text(listing, fetcher.options.max_bytes)
            feeds = named_feeds(text, listing.url) if source.kind == "feed" and discover else []
            if feeds:
                return follow_named_feed(store, fetcher, source, feeds[0], stop)
            children = sitemap_children(text) if source.kind == "sitemap" else []
            if children:
                entries = _index_entries(fetcher, source, children[:SITEMAP_CHILDREN])
                listing.headers.pop("etag", None)  # an index can stay the same while its sitemaps change:
                listing.headers.pop("last-modified", None)  # it is read whole each round
            else:
                entries = list_entries(source, text, listing.url)
            report.seen = len(entries)
            for url, listed in entries.items():
                if stop is not None and stop.is_set():
                    break  # abandon cleanly: each stored article is already complete
                _ingest_url(store, fetcher, source, url, report, listed)
            else:
                # Remember the validators only after every entry was handled, so a round
                # interrupted by SIGTERM re-reads the listing and resumes where it stopped.
                source.etag, source.last_modified = listing.etag, listing.last_modified
        source.last_success = _now().isoformat()
        source.last_error = None if not report.errors else f"{len(report.errors)} article error(s): {report.errors[0]}"
        source.consecutive_failures = 0
        source.next_poll = (_now() + poll_interval(source)).isoformat()
    except FetchError as exc:
        report.errors.append(f"{source.url}: {exc.reason}")
        source.last_error = exc.reason
        source.consecutive_failures += 1
        interval = poll_interval(source)
        backoff = min(interval * (2 ** min(source.consecutive_failures, 10)), max(MAX_BACKOFF, interval))
        source.next_poll = (_now() + backoff).isoformat()
    store.update_source(source)
    return report


def _index_entries(fetcher: Fetcher, source: Source, sitemaps: list[str]) -> dict[str, Listed]:
    """The pages of a sitemap index's newest sitemaps, newest sitemap first, up to ``MAX_ENTRIES``."""
    entries: dict[str, Listed] = {}
    for url in sitemaps:
        child = fetcher.fetch(url, allow_private=source.allow_private)
        for page, when in list_entries(source, listing_text(child, fetcher.options.max_bytes), child.url).items():
            if len(entries) < MAX_ENTRIES:
                entries.setdefault(page, when)
    return entries


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


def follow_named_feed(store: Store, fetcher: Fetcher, page: Source, feed_url: str,
                      stop: threading.Event | None = None) -> PollReport:
    """A feed source that turned out to be a web page naming its feed (someone followed a site's
    home page): the feed becomes a source of its own, polled now and from then on, and the page
    is set aside, disabled, its note saying which feed took over. Nothing is guessed: the page
    itself names the feed, and the feed is polled with the page's settings."""
    feed = store.add_source(Source(url=feed_url, name=feed_url if page.name == page.url else page.name,
                                   kind="feed", allow_private=page.allow_private, every_minutes=page.every_minutes))
    page.enabled = False
    page.last_success = _now().isoformat()
    page.last_error = f"a web page, not a feed: following the feed it names, {feed_url}"
    page.consecutive_failures = 0
    store.update_source(page)
    report = poll_source(store, fetcher, feed, stop, discover=False)  # that feed is one, or an error
    report.source = f"{page.url} → {feed_url}"
    return report


def _ingest_url(store: Store, fetcher: Fetcher, source: Source, url: str, report: PollReport,
                listed: Listed = Listed()) -> None:
    if store.article_id(url) is not None or store.is_tombstoned(url):
        return
    cached = store.http_cache_get(url) or {}
    validators: tuple[str | None, str | None, int] = (None, None, 0)
    try:
        page = fetcher.fetch(url, cached.get("etag"), cached.get("last_modified"), allow_private=source.allow_private)
        if page.not_modified:
            return
        validators = (page.etag, page.last_modified, page.status)
        article = extract_article(page.text(), url, _outlet_key(source), listed.time)
    except Exception as exc:  # noqa: BLE001  a page the extractors choke on: see below
        # Extraction runs third-party parsers over whatever a server sent. A page that makes
        # one raise is that page's error: raised on, it ended the round, and every round
        # after it met the same page first, so the source never got past it.
        reason = exc.reason if isinstance(exc, FetchError) else f"extraction failed ({type(exc).__name__})"
        article = article_from_listing(url, _outlet_key(source), listed)
        if article is None:
            report.errors.append(f"{url}: {reason}")
            store.http_cache_put(url, None, None, getattr(exc, "status", None) or 0)
            return
        report.from_listing += 1  # the page was not to be had (blocked, no text): its feed item was
    result = store.add_articles([(article, analyze_article(article))])
    store.http_cache_put(url, *validators)
    report.new += result.new
    report.new_ids.extend(result.new_ids)


def article_from_listing(url: str, outlet: str, listed: Listed) -> Article | None:
    """The article as its feed item gives it, for a page that cannot be had (a server that
    refuses crawlers, a page whose text only scripts fill in): many feeds carry the whole text.
    An excerpt shorter than ``FEED_TEXT_MIN`` characters is not an article."""
    if len(listed.text) < FEED_TEXT_MIN:
        return None
    page = clean_page(listed.text)
    if not page.body:
        return None
    return article_from_page(page, url, outlet, listed.title, published=listed.time, extracted=_now())


def _due(source: Source, now: datetime) -> bool:
    return source.enabled and (not source.next_poll or datetime.fromisoformat(source.next_poll) <= now)


def crawl_once(store: Store, settings: Settings, fetcher: Fetcher, stop: threading.Event | None = None,
               force: bool = True, workers: int = CRAWL_WORKERS) -> list[PollReport]:
    """Poll every enabled source (all of them with ``force``, else the due ones), then index once.

    Sources are polled ``workers`` at a time, each its own pages one after another. The fetcher
    keeps its per-host delay and concurrency across threads, so the feeds of one site still take
    turns, while a slow or distant site no longer holds up every source after it (at a second
    between requests to a host, 40 sources of 20 new pages took 40 × 20 s in turn).
    """
    from ..pipeline import index_arrivals

    now = _now()
    due = [s for s in store.list_sources() if s.enabled and (force or _due(s, now))]

    def poll(source: Source) -> PollReport | None:
        if stop is not None and stop.is_set():
            return None  # not started: it stays due
        return poll_source(store, fetcher, source, stop)

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="khabar-poll") as pool:
        reports = [r for r in pool.map(poll, due) if r is not None]  # in the sources' order
    new_ids = [i for r in reports for i in r.new_ids]
    if new_ids:
        index_arrivals(store, settings, new_ids)  # only the arrivals (and their vectors): see build_indexes
    return reports


def crawl_forever(store: Store, settings: Settings, fetcher: Fetcher, stop: threading.Event, log=print,
                  pause: float = 30.0, workers: int = CRAWL_WORKERS) -> None:
    """The scheduler: poll due sources until ``stop`` is set (SIGTERM), sleeping between rounds.

    A round that fails as a whole (the database away, indexing or embedding failing) is logged
    and retried after a growing pause (up to 10 minutes) instead of ending the scheduler: what
    it stored stays, and is indexed (in full, see ``build_indexes``) before the next round.
    """
    from ..pipeline import build_indexes

    failures = 0
    while not stop.is_set():
        try:
            if failures:
                # What the failed round stored is not indexed yet, and may not be due again.
                build_indexes(store, settings)
            for r in crawl_once(store, settings, fetcher, stop, force=False, workers=workers):
                log(f"{r.source}: {r.new} new of {r.seen}" + (" (not modified)" if r.not_modified else "")
                    + (f" ({r.from_listing} from their feed item)" if r.from_listing else "")
                    + (f", {len(r.errors)} errors" if r.errors else ""))
            failures = 0
        except Exception as exc:  # noqa: BLE001 - a daemon outlives one bad round, and says why
            failures += 1
            wait = min(600.0, pause * 2 ** failures)
            log(f"round failed ({type(exc).__name__}: {exc}); next try in {wait:.0f} s")
            stop.wait(wait)
            continue
        stop.wait(pause)
