"""The data model. Display text is kept exactly as published; analyzed forms are derived.

``Article`` is what a reader sees; ``Analysis`` is what the matchers see. Keeping them
apart means a better normalizer can be rolled out by re-analyzing, never by
rewriting what an outlet published.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .text import analyze_normalized, normalize_arabic

__all__ = ["Source", "Article", "Analysis", "RelatedItem", "analyze_article", "content_hash", "naive_utc", "without_byline"]


def naive_utc(t: datetime) -> datetime:
    """``t`` as Khabar keeps times, stored and compared: naive UTC (an aware time converted, a
    naive one taken as UTC already)."""
    if t.tzinfo is None:
        return t
    try:
        return t.astimezone(timezone.utc).replace(tzinfo=None)
    except OverflowError:  # 0001-01-01 east of UTC, 9999-12-31 west of it: before or after any time there is
        return datetime.min if t.year == 1 else datetime.max


DEFAULT_POLL_MINUTES = 15  # between two polls of a source that names no interval of its own


@dataclass(slots=True)
class Source:
    """Where articles come from: an outlet's feed, section page, sitemap or a bulk file."""

    url: str
    name: str
    kind: str = "feed"  # feed | page | sitemap | bulk
    allow_private: bool = False
    enabled: bool = True
    id: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_success: str | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    next_poll: str | None = None
    every_minutes: int | None = None  # between polls; None: DEFAULT_POLL_MINUTES (longer if an RSS ttl asks)


@dataclass(slots=True)
class RelatedItem:
    """A read-also or similar-list entry found on a scraped page (kept as metadata)."""

    title: str
    body: list[str] = field(default_factory=list)
    url: str | None = None


@dataclass(slots=True)
class Article:
    """One published article. ``url`` (canonical) is the external key."""

    url: str
    outlet: str
    title: str = ""
    body: list[str] = field(default_factory=list)
    subheadings: list[str] = field(default_factory=list)
    source_attribution: str | None = None
    author: str | None = None
    published: datetime | None = None
    extracted: datetime | None = None
    language: str = "ar"
    read_also: list[RelatedItem] = field(default_factory=list)
    similar_titles: list[str] = field(default_factory=list)
    lead_image: str | None = None
    id: int | None = None
    content_hash: str = ""

    def __post_init__(self) -> None:
        if not self.content_hash:
            self.content_hash = content_hash(self.body)

    @property
    def time(self) -> datetime | None:
        """The best known time of the article: published, else extracted."""
        return self.published or self.extracted

    @property
    def lead(self) -> str:
        """The first paragraph that is not a subheading (what a card shows), past a dateline
        standing alone at the head of the text ("عين اليوم – متابعات", "الرياض - واس", a wire
        service's "<city> <hijri date> هـ الموافق <date> م واس": 2,227 corpus articles open
        with one, 1,869 of عين اليوم's and 336 of واس's), and past the article's own byline
        glued to it (``without_byline``)."""
        paragraphs = [p for p in self.body if p not in self.subheadings]
        for p in paragraphs:
            if not is_dateline(p) and (text := without_byline(p, self.author)):
                return text
        return paragraphs[0] if paragraphs else ""


# "place – outlet", "writer – place": two sides of a few words around one dash, nothing else.
_DATELINE_SIDE = r"[^\s\d:.!?؟\-–—]+(?:\s+[^\s\d:.!?؟\-–—]+){0,2}"
_DATELINE = re.compile(rf"^\s*{_DATELINE_SIDE}\s*[-–—]\s*{_DATELINE_SIDE}\s*[:：]?\s*$")
_MAX_DATELINE_WORDS = 4
_WORD = re.compile(r"[^\s\-–—:：]+")


# A wire service's: "<city> <day> <hijri month> <year> هـ الموافق <day> <month> <year> م واس".
_WIRE_DATELINE = re.compile(r"^[^\d.!?؟:]{2,30}?\s+\d{1,2}\s+\S+\s+\d{4}\s*(?:هـ|ه)?"
                            r"(?:\s+الموافق\s+\d{1,2}\s+\S+\s+\d{4}\s*م?)?\s*(?:[-–—]?\s*\(?واس\)?)?\s*$")


def without_byline(paragraph: str, author: str | None) -> str:
    """``paragraph`` without the article's byline glued to its head by a colon ("خالد - سبق -
    حائل: نظمت …" → "نظمت …"); '' when it is nothing else. 1,304 of سبق's 1,395 texts open
    that way. The importer cuts it (``ingest.clean.cut_byline``); a card or page of a text stored
    before still shows the byline only once. Only the article's own byline followed by a colon
    counts: "الرياض تستضيف …" under the byline "الرياض" is a sentence."""
    name = (author or "").rstrip(" :：")
    if not name or not paragraph.startswith(name):
        return paragraph
    rest = paragraph[len(name):].lstrip()
    if not rest.startswith((":", "：")):
        return paragraph
    return rest[1:].strip()


def is_dateline(paragraph: str) -> bool:
    """A paragraph that only says where and by whom ("الواحة - صحيفة الأفق:"), or where and
    when (a wire service's dateline): not a lead."""
    if _WIRE_DATELINE.match(paragraph):
        return True
    return bool(_DATELINE.match(paragraph)) and len(_WORD.findall(paragraph)) <= _MAX_DATELINE_WORDS


@dataclass(slots=True)
class Analysis:
    """Derived matching forms of an article: normalized text and stems."""

    title_norm: str
    body_norm: str
    title_terms: list[str]
    body_terms: list[str]
    # The byline's stems: searchable ("articles by X"), never matched against other articles
    # (a reporter's name says nothing about what a text is about).
    author_terms: list[str] = field(default_factory=list)


def content_hash(body: list[str]) -> str:
    """SHA-1 of the body text with whitespace collapsed: equal hashes = exact copies."""
    text = "\n".join(" ".join(p.split()) for p in body if p.strip())
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def analyze_article(article: Article) -> Analysis:
    """Compute the analyzed forms used by the index, dedupe and ranking."""
    title_norm = normalize_arabic(article.title)
    body_norm = normalize_arabic("\n".join(article.body))
    return Analysis(
        title_norm=title_norm,
        body_norm=body_norm,
        title_terms=analyze_normalized(title_norm),
        body_terms=analyze_normalized(body_norm),
        author_terms=analyze_normalized(normalize_arabic(article.author or "")),
    )
