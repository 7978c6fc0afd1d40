"""Apply the current cleaner to articles already stored.

Articles are cleaned once, when they arrive, and only the cleaned text is kept. When the
cleaner learns to cut more (``chrome.strip_site_chrome``), a database imported before would
keep that chrome for good: re-importing the same files adds nothing (import is idempotent
on the URL), and ``export`` → ``import`` keeps paragraphs as they are. ``reclean_articles``
re-runs the paragraph-level steps on the stored bodies instead. On the full corpus that gives
exactly the bodies a fresh import gives (all 31,030 compared).

The recipe: read the stored articles in batches → cut chrome from each body → where it
changed, new subheadings, content hash and analysis → store them, dropping the e5 vectors
whose title + lead changed (``khabar embed`` redoes those) → the caller rebuilds the indexes
(the data version has changed).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from ..models import analyze_article, content_hash
from ..rank.dense import dense_text
from ..store import Store
from .chrome import strip_site_chrome
from .clean import find_subheadings

__all__ = ["RecleanReport", "reclean_articles"]

BATCH = 500


@dataclass
class RecleanReport:
    checked: int = 0
    changed: int = 0  # articles whose text lost chrome
    vectors_dropped: int = 0  # e5 vectors dropped: their title + lead changed (khabar embed redoes them)


def reclean_articles(store: Store, progress: Callable[[int, int], None] | None = None) -> RecleanReport:
    """Cut the chrome the cleaner now knows from every stored article; ``progress(done, total)``."""
    ids = [row.id for row in store.iter_index_rows(heads_only=True)]
    report = RecleanReport()
    for start in range(0, len(ids), BATCH):
        articles = store.get_articles(ids[start : start + BATCH])
        updates, stale = [], []
        for art in articles.values():
            body = strip_site_chrome(art.body)
            if body == art.body:
                continue
            new = replace(art, body=body, subheadings=find_subheadings(body), content_hash=content_hash(body))
            updates.append((new, analyze_article(new)))
            if dense_text(art.title, art.body) != dense_text(new.title, body):
                stale.append(art.id)
        if updates:
            report.vectors_dropped += store.update_texts(updates, stale)
        report.checked += len(articles)
        report.changed += len(updates)
        if progress:
            progress(min(start + BATCH, len(ids)), len(ids))
    return report
