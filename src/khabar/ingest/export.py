"""Articles out as JSON lines that ``khabar import`` reads back unchanged.

Why a file format beside ``khabar copy`` (database to database): to hand articles to other
tools, keep a plain-text backup, or move a selection (one outlet, one month). Each line is
one article in the bulk format import already reads (``url``, ``source``, ``title``,
``content``, ``published``, …), so other readers need nothing new, plus the parts a scraped
page was split into: ``paragraphs`` (the cleaned body), ``subheadings``, the source line, the
read-also items and the similar titles. Import takes ``paragraphs`` as they are, without
cleaning them again (a second cleaning could take a body line for boilerplate), so a round
trip gives the same articles. Times carry their zone (UTC), so an import with another
``--naive-tz`` does not shift them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, TextIO

from ..models import Article, naive_utc
from ..store.base import Store
from ..store.rows import chunks

__all__ = ["ExportFilter", "article_record", "export_articles"]


@dataclass(frozen=True)
class ExportFilter:
    """Which articles to write: one outlet (its key), a time range (``until`` exclusive; a
    naive bound is UTC, as stored times are). An article without a time is left out by either
    bound, as search does."""

    outlet: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        for bound in ("since", "until"):  # compared with stored times: naive UTC
            t = getattr(self, bound)
            if t is not None:
                object.__setattr__(self, bound, naive_utc(t))

    def keeps(self, outlet: str, time: datetime | None) -> bool:
        if self.outlet is not None and outlet != self.outlet:
            return False
        if (self.since or self.until) and time is None:
            return False
        return (self.since is None or time >= self.since) and (self.until is None or time < self.until)


def _utc(t: datetime | None) -> str | None:
    return t.replace(tzinfo=timezone.utc).isoformat() if t else None


def article_record(article: Article, outlet_name: str | None = None) -> dict:
    """One article as an import record (the fields ``ingest.bulk.record_to_article`` reads)."""
    record = {
        "url": article.url,
        "source": article.outlet,
        "title": article.title,
        "author": article.author,
        "published": _utc(article.published),
        "date_extracted": _utc(article.extracted),
        "content": "\n".join(article.body),  # for readers of the plain bulk format
        "paragraphs": article.body,
        "subheadings": article.subheadings,
        "source_attribution": article.source_attribution,
        "read_also": [{"title": r.title, "body": r.body, "url": r.url} for r in article.read_also],
        "similar_titles": article.similar_titles,
        "lead_image": article.lead_image,
    }
    if outlet_name and outlet_name != article.outlet:
        record["outlet_name"] = outlet_name
    return record


def export_articles(store: Store, out: TextIO, keep: ExportFilter | None = None,
                    progress: Callable[[int, int], None] | None = None, batch: int = 500) -> int:
    """Write the stored articles ``keep`` selects to ``out``, one JSON object a line, in time
    order (oldest first, as the index keeps them). Returns how many were written."""
    keep = keep or ExportFilter()
    names = {o["key"]: o["name"] for o in store.outlets()}
    ids = [h.id for h in store.iter_index_rows(heads_only=True) if keep.keeps(h.outlet, h.time)]
    written = done = 0
    for chunk in chunks(ids, batch):
        articles = store.get_articles(chunk)
        for aid in chunk:
            article = articles.get(aid)
            if article is None:
                continue  # deleted since the listing
            out.write(json.dumps(article_record(article, names.get(article.outlet)), ensure_ascii=False) + "\n")
            written += 1
        done += len(chunk)
        if progress:
            progress(done, len(ids))
    return written
