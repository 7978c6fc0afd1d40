"""Apply the current cleaner and analyzer to articles already stored.

Articles are cleaned and analyzed once, when they arrive, and only the cleaned text is kept.
When the cleaner learns to cut more (``chrome.strip_site_chrome``) or the analyzer changes
(``models.analyze_article``: normalization, stemming), a database imported before would keep
the old forms for good: re-importing the same files adds nothing (import is idempotent on the URL), and
``export`` → ``import`` keeps paragraphs as they are. ``reclean_articles`` re-runs both on the
stored articles instead. On the full corpus that gives exactly the bodies and analysis a fresh
import gives (all 31,030 compared).

The recipe: read the stored articles and their analysis in batches → decode character
references and cut chrome from each body (a closing credit becomes the source), clean each
title and byline, cut the byline glued to the text → where any of them or the analysis
(byline stems included) changed, new subheadings, content hash and analysis → store them,
dropping the e5 vectors whose title + lead changed (``khabar embed`` redoes those) → the
caller rebuilds the indexes (the data version has changed).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from ..models import analyze_article, content_hash
from ..rank.dense import dense_text
from ..store import Store
from .clean import clean_body, clean_heading, decode_entities, find_subheadings

__all__ = ["RecleanReport", "reclean_articles"]

BATCH = 500


@dataclass
class RecleanReport:
    checked: int = 0
    # articles whose text lost chrome, a credit or character references, or whose title or byline was cleaned
    changed: int = 0
    reanalyzed: int = 0  # ... or whose text stands but is matched (or its byline searched) differently now
    vectors_dropped: int = 0  # e5 vectors dropped: their title + lead changed (khabar embed redoes them)


def _decoded(paragraphs: list[str]) -> list[str]:
    """Paragraphs with their character references decoded, whitespace folded as on import."""
    out = [" ".join(decode_entities(p).split()) for p in paragraphs]
    return [p for p in out if p] if out != paragraphs else paragraphs


def reclean_articles(store: Store, progress: Callable[[int, int], None] | None = None) -> RecleanReport:
    """Bring every stored article's text and analysis up to the current cleaner;
    ``progress(done, total)``."""
    ids = [row.id for row in store.iter_index_rows(heads_only=True)]
    report = RecleanReport()
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        articles = store.get_articles(batch)
        stored = {row.id: row for row in store.iter_index_rows(batch)}
        updates, stale = [], []
        for art in articles.values():
            # As an import cleans a page once it is split into paragraphs (``ingest.clean``).
            body, source = clean_body(_decoded(art.body), art.source_attribution)
            body, title, author = clean_heading(body, art.title, art.author)
            new = art
            if body != art.body:
                new = replace(new, body=body, subheadings=find_subheadings(body), content_hash=content_hash(body))
            if (title, author, source) != (art.title, art.author, art.source_attribution):
                new = replace(new, title=title, author=author, source_attribution=source)
            analysis = analyze_article(new)
            row = stored.get(art.id)
            if new is art and row is not None and (row.title_norm, row.body_norm, row.author_terms) == (
                    analysis.title_norm, analysis.body_norm, analysis.author_terms):
                continue
            updates.append((new, analysis))
            if new is art:
                report.reanalyzed += 1
            else:
                report.changed += 1
                if dense_text(art.title, art.body) != dense_text(new.title, new.body):
                    stale.append(art.id)
        if updates:
            report.vectors_dropped += store.update_texts(updates, stale)
        report.checked += len(articles)
        if progress:
            progress(min(start + BATCH, len(ids)), len(ids))
    return report
