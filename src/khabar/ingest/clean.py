"""Split a scraped article page (plain text) back into its parts.

Aggregator pages glue boilerplate to the body: a ``المصدر: X`` source line, one or
more ``إقرأ أيضاً`` (read-also) blocks and a ``مقالات مشابهة`` (similar articles)
list. The cleaner recognises them by *normalized* marker lines, so spelling
variants (hamza, tanween, taa marbuta, spacing, a trailing colon) all match, and
only whole lines count as markers: a sentence that merely mentions "المصدر"
(``وقال المصدر: …``) stays in the body.

Rules, in reading order:
- A source line is a whole paragraph ``المصدر[:|-] X`` with a short X (an outlet name,
  not a sentence); ``المصدر:`` alone takes the next short line as X.
- A read-also marker alone on its line opens a block: the next paragraph is the
  title, the following ones its body, up to the next marker. Bulleted lines right
  after the marker are several read-also titles. A marker with text on the same
  line (``اقرأ أيضا: عنوان``) is a single inline link; the body then continues.
- A similar-list marker opens a list of titles (bulleted or one a line).
- Chrome glued inside the text (a share widget at its head, a gallery's buttons, a
  columnist's contact notice, a wire end marker) is cut out by ``strip_site_chrome``.
- A syndication credit closing the text ("* خدمة «نيويورك تايمز»") is its source too.
- Subheadings are short unpunctuated paragraphs between punctuated ones, kept in
  the body in reading order and listed again in ``subheadings``.
- HTML character references a scraper left in the text ("&quot;", "&#8220;", "&nbsp;") are
  decoded first (``decode_entities``); titles and bylines get the same (``clean_title``,
  ``clean_byline``), and the article's byline glued to the head of its text is cut
  (``cut_byline``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from ..models import Article, RelatedItem, naive_utc, without_byline
from ..text import normalize_arabic, strip_diacritics
from .chrome import strip_site_chrome

__all__ = ["CleanedPage", "ReadAlso", "clean_page", "split_paragraphs", "article_from_page", "decode_entities",
           "clean_title", "clean_byline", "split_credit", "cut_byline", "clean_body", "clean_heading"]

_BULLET = re.compile(r"^\s*(?:[•·●▪◦■□►▸‣⁃*\-–—]|\d{1,2}[.)-])\s+")
# "Read also", and its cousins "see also" and "watch also".
_READ_ALSO_STRICT = re.compile(r"^(?:اقرا|طالع|شاهد)\s*ايضا\s*[:：\-–—]?\s*(?P<rest>.*)$")
_MAX_LINK_WORDS = 25  # an inline read-also link is a headline; a longer line is a sentence
_SIMILAR = re.compile(
    r"^(?:مقالات|اخبار|مواضيع|موضوعات|تقارير|قصص|مواد|روابط)\s+"
    r"(?:مشابهه|ذات صله|متعلقه|مرتبطه|اخري|قد تهمك|مقترحه)\s*[:：]?$"
)
_SIMILAR_ALT = re.compile(r"^(?:قد يهمك ايضا|قد يعجبك ايضا|اقرا المزيد|المزيد من الاخبار|ذات صله)\s*[:：]?$")
# A page's buttons and footer, glued to the text: share and follow prompts, copyright lines.
_CHROME = re.compile(r"^(?:تابعونا|تابعوا\s+(?:حساب|صفح|قنا)|جميع الحقوق محفوظه|حقوق النشر محفوظه"
                     r"|شارك(?:وا)?\s+(?:الخبر|المقال|هذا)|(?:©|\(c\))\s*\d{4})")
_MAX_CHROME_WORDS = 10
_SOURCE = re.compile(r"^(?:المصدر|المصادر|مصدر الخبر)\s*(?:[:：\-–—]\s*(?P<rest>.*))?$")
_TERMINAL = tuple('.!?؟…:"»”)]\'')
_MAX_SOURCE_WORDS = 8
_MAX_SUBHEADING_WORDS = 14


@dataclass
class ReadAlso:
    title: str
    body: list[str] = field(default_factory=list)
    subheadings: list[str] = field(default_factory=list)


@dataclass
class CleanedPage:
    body: list[str] = field(default_factory=list)
    subheadings: list[str] = field(default_factory=list)
    source: str | None = None
    read_also: list[ReadAlso] = field(default_factory=list)
    similar: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        """The ``khabar clean --json`` contract."""
        return {
            "body": self.body,
            "subheadings": self.subheadings,
            "source": self.source,
            "read_also": [{"title": r.title, "body": r.body} for r in self.read_also],
            "similar": self.similar,
        }


def decode_entities(text: str) -> str:
    """Text as a reader sees it: HTML character references decoded, a no-break space made a
    space. Scraped records carry them as text ("&quot;", "&#8220;", "&nbsp;"): 232 corpus titles
    and 374 bylines did, which pages then showed as typed, and "quot" became a title stem of
    178 articles, matching them to one another three times as strongly as a body word."""
    if "&" not in text:
        return text
    return html.unescape(text).replace("\xa0", " ")


def clean_title(title: str) -> str:
    """A headline on one line, its character references decoded."""
    return " ".join(decode_entities(title).split())


# A label before the name: "بواسطة : عمرو" ("by"), "بقلم: ...", "كتب - ...".
_BYLINE_LABEL = re.compile(r"^(?:بواسطة|بقلم|كتب|كتبت)\s*[:：\-–—]\s*")
_BYLINE_EDGES = " :：-–—\u200e\u200f"


def clean_byline(author: str | None) -> str | None:
    """A byline as metadata: on one line, character references decoded, without a "by" label
    or the colon that glued it to the text ("خالد - سبق - حائل:" → "خالد - سبق - حائل")."""
    if not author:
        return None
    text = _BYLINE_LABEL.sub("", " ".join(decode_entities(author).split())).strip(_BYLINE_EDGES)
    return text or None


def cut_byline(body: list[str], author: str | None) -> list[str]:
    """The text without the article's own byline glued to its head by a colon ("خالد - سبق -
    حائل: نظمت …" → "نظمت …"; 1,304 of سبق's 1,395 texts): the byline is metadata, searched as
    such, and left in the text it tied one outlet's articles together and opened every lead.
    Only the stored byline counts (``models.without_byline``); a text that is only its byline
    keeps it."""
    if not body or not author:
        return body
    first = without_byline(body[0], author)
    if first == body[0] or not (first or body[1:]):
        return body
    return ([first] if first else []) + body[1:]


def split_paragraphs(text: str) -> list[str]:
    """One paragraph per non-empty line, whitespace trimmed (blank lines are separators too)."""
    return [" ".join(line.split()) for line in text.replace("\r", "\n").split("\n") if line.strip()]


# Markers are short lines starting with one of a few words; checking the raw head of a
# line first avoids normalizing every paragraph of every imported article.
_MAYBE_MARKER = re.compile(r"^(?:[اإأآٱ]قر|المص|مصدر|مقال|[اإأآ]خبار|مواض|موضوع|تقارير|قصص|قد ي|المزيد|طالع|شاهد"
                           r"|ذات|مواد|رواب|تابع|جميع|حقوق|شارك|©|\(c\))")
_MAX_MARKER_CHARS = 300


def _marker_form(line: str) -> str:
    """The normalized line if it could be a marker line, else ''."""
    bare = _BULLET.sub("", line)
    if len(bare) > _MAX_MARKER_CHARS or not _MAYBE_MARKER.match(strip_diacritics(bare[:12])):
        return ""
    return normalize_arabic(bare).strip()


def _is_read_also(norm: str) -> re.Match | None:
    m = _READ_ALSO_STRICT.match(norm)
    return m if m and len(m.group("rest").split()) <= _MAX_LINK_WORDS else None


def _is_chrome(norm: str) -> bool:
    return bool(_CHROME.match(norm)) and len(norm.split()) <= _MAX_CHROME_WORDS


def _is_similar(norm: str) -> bool:
    return bool(_SIMILAR.match(norm) or _SIMILAR_ALT.match(norm))


def _source_value(norm: str, raw: str) -> str | None:
    """The attribution if ``raw`` is a source line, '' for a bare marker, None otherwise."""
    m = _SOURCE.match(norm)
    if not m:
        return None
    if m.group("rest") is None:
        # "المصدر" with no separator is only a marker when it is the whole line.
        return "" if norm in ("المصدر", "المصادر", "مصدر الخبر") else None
    value = re.split(r"[:：\-–—]", raw, maxsplit=1)[1].strip() if re.search(r"[:：\-–—]", raw) else ""
    if not value:
        return ""
    if len(value.split()) > _MAX_SOURCE_WORDS or value.endswith((".", "؟", "?", "!")) and len(value.split()) > 3:
        return None  # a sentence, not an attribution
    return value.strip(" .،,")


# A syndication credit closing the text: "* خدمة «نيويورك تايمز»", "* بالاتفاق مع «بلومبيرغ»",
# "خاص بـ«الشرق الأوسط»" (80 corpus articles).
_CREDIT = re.compile(r"^[*ـ\-–—•\s]*((?:خدمة|بالاتفاق\s+مع|خاص\s+بـ?)\s*[:：]?\s*[«{\"“(][^»}\"”)]{2,40}[»}\"”)])[.\s]*$")
_MAX_CREDIT_CHARS = 60


def split_credit(body: list[str]) -> tuple[list[str], str | None]:
    """The text and the syndication credit closing it, if any: the article's source (shown as
    ``المصدر``), not its text. A text that is only a credit keeps it."""
    if len(body) > 1 and len(body[-1]) <= _MAX_CREDIT_CHARS and (m := _CREDIT.match(body[-1])):
        return body[:-1], m.group(1)
    return body, None


def clean_body(body: list[str], source: str | None) -> tuple[list[str], str | None]:
    """The text without the site chrome glued into it, and its source: the page's own, else a
    syndication credit closing the text. The steps on paragraphs already split, shared by the
    page cleaner and ``khabar reclean`` so a stored text gets exactly what an import gives."""
    body = strip_site_chrome(body)
    if source is None:
        body, source = split_credit(body)
    return body, source


def clean_heading(body: list[str], title: str, author: str | None) -> tuple[list[str], str, str | None]:
    """Title and byline as metadata (``clean_title``, ``clean_byline``), and the text without the
    byline glued to its head (``cut_byline``); shared by import and ``khabar reclean``."""
    author = clean_byline(author)
    return cut_byline(body, author), clean_title(title), author


def clean_page(text: str) -> CleanedPage:
    """Recover body, subheadings, source, read-also blocks and similar titles from page text."""
    page = CleanedPage()
    paragraphs = split_paragraphs(decode_entities(text))
    body: list[str] = []
    state = "body"  # body | read_also_title | read_also_body | read_also_list | similar | source
    current: ReadAlso | None = None
    for raw in paragraphs:
        norm = _marker_form(raw)
        bulleted = bool(_BULLET.match(raw))

        if state == "source":
            state = "body"
            if len(raw.split()) <= _MAX_SOURCE_WORDS and not raw.endswith("."):
                page.source = raw.strip(" .،,")
                continue

        ra = _is_read_also(norm)
        if ra:
            rest = ra.group("rest").strip()
            if rest:
                # Inline link: keep the original spelling of the title, then resume.
                title = re.split(r"[:：\-–—]", raw, maxsplit=1)[-1].strip() if re.search(r"[:：\-–—]", raw) else raw
                # The block being read (a read-also article's body) goes on after the link.
                page.read_also.append(ReadAlso(title=_BULLET.sub("", title).strip()))
                continue
            state, current = "read_also_title", None
            continue
        if _is_similar(norm):
            state, current = "similar", None
            continue
        if _is_chrome(norm):
            continue  # a share button or a copyright line: neither article's text
        source = _source_value(norm, raw)
        if source is not None and state in ("body", "read_also_body"):
            if source:
                page.source = page.source or source
            else:
                state = "source"
            continue

        if state == "body":
            body.append(raw)
        elif state == "read_also_title":
            if bulleted:
                page.read_also.append(ReadAlso(title=_BULLET.sub("", raw).strip()))
                state = "read_also_list"
            else:
                current = ReadAlso(title=raw)
                page.read_also.append(current)
                state = "read_also_body"
        elif state == "read_also_list":
            if bulleted:
                page.read_also.append(ReadAlso(title=_BULLET.sub("", raw).strip()))
            else:
                state = "body"
                body.append(raw)
        elif state == "read_also_body":
            assert current is not None
            current.body.append(raw)
        elif state == "similar":
            if bulleted or len(raw.split()) <= 30:
                page.similar.append(_BULLET.sub("", raw).strip())
            else:
                # A long paragraph after the list: the page went on (a footer or a
                # stray body); it is not a title, and not the article's body either.
                state = "trailer"
    page.body, page.source = clean_body(body, page.source)
    page.subheadings = find_subheadings(page.body)
    for item in page.read_also:
        item.body = strip_site_chrome(item.body)
        item.subheadings = find_subheadings(item.body)
    return page


def _punctuated(p: str) -> bool:
    return p.rstrip().endswith(_TERMINAL)


def find_subheadings(paragraphs: list[str]) -> list[str]:
    """Short unpunctuated paragraphs standing between punctuated ones.

    Only applies to text that is punctuated at all (most paragraphs end with a
    full stop or a quote); in unpunctuated text nothing can be told apart.
    """
    if len(paragraphs) < 3:
        return []
    punctuated = sum(_punctuated(p) for p in paragraphs)
    if punctuated < 0.6 * len(paragraphs):
        return []
    heads = []
    for i in range(1, len(paragraphs) - 1):
        p = paragraphs[i]
        words = len(p.split())
        if _punctuated(p) or words > _MAX_SUBHEADING_WORDS or _BULLET.match(p):
            continue
        if _punctuated(paragraphs[i - 1]) and _punctuated(paragraphs[i + 1]):
            heads.append(p)
    return heads


# A publication time further ahead of the fetch (or of now) than this is a wrong date, not news
# from the future: a zone error is hours, a broken CMS field years ("2099-01-01").
FUTURE_TOLERANCE = timedelta(days=1)


def plausible_published(published: datetime | None, extracted: datetime | None,
                        now: datetime | None = None) -> datetime | None:
    """``published``, or None when it lies more than ``FUTURE_TOLERANCE`` after the fetch time
    (``extracted``; else now, UTC). Why: the newest article anchors the front page's window and
    every time-proximity score, so one article dated 2099 emptied the front page of everything
    else until it was deleted. Unknown, the article's time is its fetch time, if any."""
    if published is None:
        return None
    reference = extracted or now or datetime.now(timezone.utc)
    return None if naive_utc(published) > naive_utc(reference) + FUTURE_TOLERANCE else published


def article_from_page(page: CleanedPage, url: str, outlet: str, title: str, **metadata):
    """An Article from a cleaned page: the body without boilerplate, the blocks as metadata.

    ``metadata`` carries the remaining Article fields (author, published, extracted, lead_image);
    a publication time in the future is dropped (``plausible_published``).
    """
    if metadata.get("published") is not None:
        metadata["published"] = plausible_published(metadata["published"], metadata.get("extracted"))
    body, title, metadata["author"] = clean_heading(page.body, title, metadata.get("author"))
    subheadings = page.subheadings if body == page.body else find_subheadings(body)

    return Article(
        url=url,
        outlet=outlet,
        title=title,
        body=body,
        subheadings=subheadings,
        source_attribution=page.source,
        read_also=[RelatedItem(r.title, r.body) for r in page.read_also],
        similar_titles=page.similar,
        **metadata,
    )
