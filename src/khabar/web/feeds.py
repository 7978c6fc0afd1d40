"""Atom feeds out: the front page's top stories, one story's articles ("follow this story"), and
a search's newest matches ("follow this search").

Why: Khabar reads feeds, and a reader of an aggregator expects to subscribe to what it makes
of them, a developing story above all (Google News offered a feed per story). The feeds are
built from the same data as the pages (``views.top_stories``, ``views.story_page``,
``search.search_page``).

Written with the standard library's ElementTree, which escapes every text and attribute.
The feed libraries were tried first: feedgen 1.0 drops ``rel`` and ``type`` from entry links
(its issue #135, open since 2024), so the outlet's page became a second "alternate" link;
feedgenerator types summaries as HTML, so a headline holding "<script>" would reach a feed
reader as markup unless escaped twice. Atom (RFC 4287) needs little more than this.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlencode
from datetime import datetime, timezone
from typing import Callable

from .local_time import as_utc
from .plural import arabic_count, arabic_window
from .views import headline, other_outlets

__all__ = ["latest_feed", "search_feed", "story_feed", "top_stories_feed"]

ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("", ATOM)
# Characters XML 1.0 cannot hold at all (escaping does not help): a scraped title with a stray
# control character must not make the whole feed unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def top_stories_feed(data: dict, base_url: str) -> bytes:
    """``views.top_stories`` as Atom: a story an entry, latest coverage first."""
    stories = sorted(data["stories"], key=lambda s: s.get("last_time") or "", reverse=True)
    feed = _feed(f"{base_url}/feeds/top.atom", f"{base_url}/", "خبر: أبرز القصص",
                 max((_time(s.get("last_time")) for s in stories), default=_EPOCH))
    window = arabic_window(data["window_days"])
    for story in stories:
        summary = ((f"{story['lead']} — " if story.get("lead") else "") +
                   f"{arabic_count(story['recent_articles'], 'article')} من "
                   f"{arabic_count(story['recent_outlets'], 'outlet', after_preposition=True)} في {window}؛ "
                   f"{arabic_count(story['article_count'], 'article')} في القصة كلها")
        _entry(feed, f"{base_url}/stories/{story['id']}", story["label"] or f"story {story['id']}",
               story.get("first_time"), story.get("last_time"), summary)
    return _bytes(feed)


def story_feed(story: dict, base_url: str, outlet_name: Callable[[str], str]) -> bytes:
    """``views.story_page`` as Atom: its articles newest first (``_article_entries``)."""
    page = f"{base_url}/stories/{story['id']}"
    articles = sorted(story["articles"], key=lambda a: a.get("time") or "", reverse=True)
    feed = _feed(f"{page}/feed.atom", page, story["label"] or f"story {story['id']}",
                 max((_time(a.get("time")) for a in articles), default=_EPOCH))
    _article_entries(feed, articles, base_url, outlet_name)
    return _bytes(feed)


def search_feed(result: dict, base_url: str, outlet_name: Callable[[str], str], outlet: str | None = None) -> bytes:
    """``search.search_page`` (newest first) as Atom: follow a search as one follows a story,
    the page's results in the page's order, each text once with its copies' outlets named."""
    query = {"q": result["q"], **({"outlet": outlet} if outlet else {})}
    title = f"خبر: بحث «{result['q']}»" + (f" في {outlet_name(outlet)}" if outlet else "")
    articles = result["results"]
    feed = _feed(f"{base_url}/feeds/search.atom?{urlencode(query)}",
                 f"{base_url}/search?{urlencode({**query, 'sort': 'newest'})}", title,
                 max((_time(a.get("time")) for a in articles), default=_EPOCH))
    _article_entries(feed, articles, base_url, outlet_name)
    return _bytes(feed)


def latest_feed(data: dict, base_url: str, outlet_name: Callable[[str], str]) -> bytes:
    """``views.latest_page`` as Atom: every outlet's newest articles, each text once."""
    articles = data["articles"]
    feed = _feed(f"{base_url}/feeds/latest.atom", f"{base_url}/latest", "خبر: الأحدث",
                 max((_time(a.get("time")) for a in articles), default=_EPOCH))
    _article_entries(feed, articles, base_url, outlet_name)
    return _bytes(feed)


def _article_entries(feed: ET.Element, articles: list[dict], base_url: str, outlet_name: Callable[[str], str]) -> None:
    """An entry per article card (``views.article_card`` and its copies): Khabar's page as the
    alternate link and the outlet's own as related, its copies' outlets named in the summary as
    on the pages (``views.other_outlets``)."""
    for art in articles:
        own = outlet_name(art["outlet"])
        summary = art.get("lead") or ""
        others = [outlet_name(c["outlet"]) for c in other_outlets(art.get("also_reported_by", []), art["outlet"])]
        if others:
            summary += f"\n\nنشرته أيضاً: {'، '.join(others)}"
        entry = _entry(feed, f"{base_url}/articles/{art['id']}", headline(art), art.get("time"),
                       art.get("time"), summary, author=own)
        _sub(entry, "link", href=art["url"], rel="related", type="text/html")


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _time(value) -> datetime:
    """Atom wants a zoned time on every entry; one without a time reads as the epoch."""
    return (as_utc(value) if value else None) or _EPOCH


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: _NOT_XML.sub("", v) for k, v in attrs.items()})
    element.text = _NOT_XML.sub("", text) if text else text
    return element


def _feed(self_url: str, home_url: str, title: str, updated: datetime) -> ET.Element:
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "ar"})
    _sub(feed, "id", self_url)
    _sub(feed, "title", title, type="text")
    _sub(feed, "updated", updated.isoformat())
    _sub(feed, "link", href=self_url, rel="self", type="application/atom+xml")
    _sub(feed, "link", href=home_url, rel="alternate", type="text/html")
    _sub(feed, "generator", "Khabar")
    # RFC 4287 wants an author on the feed when an entry has none (the top stories' entries).
    _sub(_sub(feed, "author"), "name", "خبر")
    return feed


def _entry(feed: ET.Element, url: str, title: str, published, updated, summary: str,
           author: str | None = None) -> ET.Element:
    entry = _sub(feed, "entry")
    _sub(entry, "id", url)
    _sub(entry, "title", title, type="text")
    _sub(entry, "link", href=url, rel="alternate", type="text/html")
    _sub(entry, "updated", _time(updated).isoformat())
    if published:
        _sub(entry, "published", _time(published).isoformat())
    if author:
        _sub(_sub(entry, "author"), "name", author)
    _sub(entry, "summary", summary, type="text")
    return entry


def _bytes(feed: ET.Element) -> bytes:
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
