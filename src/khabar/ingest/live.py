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

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import trafilatura

from ..models import DEFAULT_POLL_MINUTES, Article, Source, analyze_article
from ..settings import Settings
from ..store import Store
from .times import parse_time
from .clean import article_from_page, clean_page
from .fetch import Fetcher, FetchError
from .urls import page_is_known, shown_url
from .listings import (MAX_ENTRIES, SITEMAP_CHILDREN, Listed, article_from_listing, feed_ttl, list_entries, listing_text,
                       named_feeds, sitemap_children)

__all__ = ["PollReport", "poll_source", "crawl_once", "crawl_forever", "extract_article", "follow_named_feed",
           "poll_interval"]

POLL_INTERVAL = timedelta(minutes=DEFAULT_POLL_MINUTES)
MAX_BACKOFF = timedelta(hours=12)
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


def poll_interval(source: Source, asked: timedelta | None = None) -> timedelta:
    """Time between two polls of ``source``: its own (``sources add --every``), else ``POLL_INTERVAL``
    or what its feed ``asked`` for (an RSS ``<ttl>``), the longer."""
    if source.every_minutes:
        return timedelta(minutes=source.every_minutes)
    return max(POLL_INTERVAL, asked) if asked else POLL_INTERVAL


def _outlet_key(source: Source) -> str:
    return (urlsplit(source.url).hostname or source.name).removeprefix("www.")


def poll_source(store: Store, fetcher: Fetcher, source: Source, stop: threading.Event | None = None,
                discover: bool = True) -> PollReport:
    report = PollReport(source=shown_url(source.url))  # a feed's password stays out of the log
    asked = None
    try:
        listing = fetcher.fetch(source.url, source.etag, source.last_modified, allow_private=source.allow_private)
        if listing.not_modified:
            report.not_modified = True
        else:
            text = listing_text(listing, fetcher.options.max_bytes)
            asked = feed_ttl(text) if source.kind == "feed" else None
            feeds = named_feeds(text, listing.url) if source.kind == "feed" and discover else []
            if feeds:
                return follow_named_feed(store, fetcher, source, feeds[0], stop)
            children = sitemap_children(text) if source.kind == "sitemap" else []
            if children:
                entries = _index_entries(fetcher, source, children[:SITEMAP_CHILDREN], report)
            else:
                entries = list_entries(source, text, listing.url)
            report.seen = len(entries)
            for url, listed in entries.items():
                if stop is not None and stop.is_set():
                    break  # abandon cleanly: each stored article is already complete
                _ingest_url(store, fetcher, source, url, report, listed)
            else:
                # Remember the validators only after every entry was handled, so a round
                # interrupted by SIGTERM re-reads the listing and resumes where it stopped. A
                # sitemap index can stay the same while its sitemaps change: it is read whole.
                source.etag, source.last_modified = (None, None) if children else (listing.etag, listing.last_modified)
        if report.new and source.name != source.url:
            # The name it was followed under names its outlet on the pages ("صحيفة الأفق", not the host).
            store.set_outlet_names({_outlet_key(source): source.name})
        source.last_success = _now().isoformat()
        source.last_error = None if not report.errors else f"{len(report.errors)} article error(s): {report.errors[0]}"
        source.consecutive_failures = 0
        source.next_poll = (_now() + poll_interval(source, asked)).isoformat()
    except FetchError as exc:
        report.errors.append(f"{shown_url(source.url)}: {exc.reason}")
        source.last_error = exc.reason
        source.consecutive_failures += 1
        interval = poll_interval(source)
        backoff = min(interval * (2 ** min(source.consecutive_failures, 10)), max(MAX_BACKOFF, interval))
        source.next_poll = (_now() + backoff).isoformat()
    store.update_source(source)
    return report


def _index_entries(fetcher: Fetcher, source: Source, sitemaps: list[str], report: PollReport) -> dict[str, Listed]:
    """The pages of a sitemap index's newest sitemaps, newest sitemap first, up to ``MAX_ENTRIES``;
    a sitemap that fails is that sitemap's error, and the others are still read."""
    entries: dict[str, Listed] = {}
    for url in sitemaps:
        try:
            child = fetcher.fetch(url, allow_private=source.allow_private)
            listed = list_entries(source, listing_text(child, fetcher.options.max_bytes), child.url)
        except FetchError as exc:
            report.errors.append(f"{url}: {exc.reason}")
            continue
        for page, when in listed.items():
            if len(entries) < MAX_ENTRIES:
                entries.setdefault(page, when)
    return entries


UNREADABLE = ("no article text found", "disallowed by robots.txt")


def _refused_or_unreadable(exc: Exception) -> bool:
    """A page that is there but not to be had: refused (401, 403, 451, robots.txt) or that would
    not read (no text, an extractor raising). Its feed item may stand in. Not a page that is
    gone (404, 410: removed, perhaps taken down), nor a failure that may pass (a timeout, a
    5xx): those stay errors, and a later round tries the page again."""
    if not isinstance(exc, FetchError):
        return True  # the page came, and an extractor raised on it
    return exc.status in (401, 403, 451) or exc.reason in UNREADABLE


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
    report.source = f"{shown_url(page.url)} → {shown_url(feed_url)}"
    return report


def _ingest_url(store: Store, fetcher: Fetcher, source: Source, url: str, report: PollReport,
                listed: Listed = Listed()) -> None:
    if page_is_known(store, url):  # stored or deleted, under this address or another spelling of it
        return
    cached = store.http_cache_get(url) or {}
    page = None  # until the fetch gives one
    try:
        page = fetcher.fetch(url, cached.get("etag"), cached.get("last_modified"), allow_private=source.allow_private)
        if page.not_modified:
            return
        article = extract_article(page.text(), url, _outlet_key(source), listed.time)
    except Exception as exc:  # noqa: BLE001  a page the extractors choke on: see below
        # Extraction runs third-party parsers over whatever a server sent. A page that makes
        # one raise is that page's error: raised on, it ended the round, and every round
        # after it met the same page first, so the source never got past it.
        if isinstance(exc, FetchError):
            reason = exc.reason
        else:  # the fetch itself raises only FetchError for what a server does
            reason = f"{'extraction' if page is not None else 'fetch'} failed ({type(exc).__name__})"
        article = article_from_listing(url, _outlet_key(source), listed, _now()) if _refused_or_unreadable(exc) else None
        if article is None:
            report.errors.append(f"{url}: {reason}")
            store.http_cache_put(url, None, None, getattr(exc, "status", None) or 0)
            return
        report.from_listing += 1  # the page was not to be had (blocked, no text): its feed item was
    result = store.add_articles([(article, analyze_article(article))])
    store.http_cache_put(url, *((page.etag, page.last_modified, page.status) if page is not None else (None, None, 0)))
    report.new += result.new
    report.new_ids.extend(result.new_ids)


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
