"""Moving a Khabar database to another store: SQLite to PostgreSQL when it outgrows one file.

Only what cannot be rebuilt is copied: articles, deletions (tombstones), outlet display
names, e5 vectors (an hour of embedding at 31k) and the followed sources with their crawl
state. Copies, stories and the lexical and ANN indexes are derived data: the target builds
its own (``build_indexes``), as after an import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..models import analyze_article
from ..rank.dense import MODEL_NAME
from .base import Store
from .rows import chunks

__all__ = ["CopyReport", "copy_store", "copy_vectors"]


@dataclass
class CopyReport:
    articles: int = 0  # new in the target
    already_there: int = 0  # same URL already stored (a re-run, or a target in use)
    tombstones: int = 0
    vectors: int = 0
    sources: int = 0


def copy_store(source: Store, target: Store, progress: Callable[[int, int], None] | None = None,
               batch: int = 500) -> CopyReport:
    """Copy ``source`` into ``target``. Idempotent and resumable, as an import is: articles
    are keyed by URL, so a re-run (or a run cut short) adds only what is missing."""
    report = CopyReport()
    # Order matters: deletions first, so the target refuses a deleted URL from then on.
    tombstones = source.tombstones()
    target.add_tombstones(tombstones)
    report.tombstones = len(tombstones)
    target.set_outlet_names({o["key"]: o["name"] for o in source.outlets() if o["name"] and o["name"] != o["key"]})

    heads = list(source.iter_index_rows(heads_only=True))  # time order: the target's ids follow it
    for n, chunk in enumerate(chunks([h.id for h in heads], batch)):
        articles = source.get_articles(chunk)
        items = []
        for aid in chunk:
            article = articles.get(aid)
            if article is None:
                continue  # deleted since the listing
            article.id = None  # the target numbers its own
            items.append((article, analyze_article(article)))
        added = target.add_articles(items)
        report.articles += added.new
        report.already_there += added.existing
        if progress:
            progress(min((n + 1) * batch, len(heads)), len(heads))

    report.vectors = copy_vectors(source, target)
    for src in source.list_sources():
        src.id = None
        target.update_source(target.add_source(src))  # the crawl state too: validators, health, next poll
        report.sources += 1
    return report


def copy_vectors(source: Store, target: Store, only: set[int] | None = None) -> int:
    """Store in ``target`` the e5 vectors ``source`` holds for the articles both hold, matched
    by URL (the two number articles differently); ``only``: just for these target ids.
    Returns how many were stored."""
    url_of = {r.id: r.url for r in source.iter_index_rows(heads_only=True)}
    id_in_target = {r.url: r.id for r in target.iter_index_rows(heads_only=True)}
    stored = 0
    pending: list[tuple[int, bytes]] = []
    for aid, vec in source.embeddings(MODEL_NAME):
        tid = id_in_target.get(url_of.get(aid, ""))
        if tid is not None and (only is None or tid in only):
            pending.append((tid, bytes(vec)))
        if len(pending) >= 2000:
            target.put_embeddings(MODEL_NAME, pending)
            stored, pending = stored + len(pending), []
    if pending:
        target.put_embeddings(MODEL_NAME, pending)
        stored += len(pending)
    return stored
