"""Data builders shared by the JSON API, the HTML pages and the CLI (Datasette's habit):
one function builds a page's data, so the views never disagree."""

from __future__ import annotations

from ..models import Article

__all__ = ["article_json", "article_card"]


def _iso(t) -> str | None:
    return t.isoformat() if t else None


def article_card(article: Article) -> dict:
    """The short form of an article used in lists."""
    return {
        "id": article.id,
        "url": article.url,
        "title": article.title,
        "outlet": article.outlet,
        "time": _iso(article.time),
        "lead": article.lead[:300],
    }


def article_json(article: Article) -> dict:
    return {
        "id": article.id,
        "url": article.url,
        "outlet": article.outlet,
        "title": article.title,
        "body": article.body,
        "subheadings": article.subheadings,
        "source_attribution": article.source_attribution,
        "author": article.author,
        "published": _iso(article.published),
        "extracted": _iso(article.extracted),
        "time": _iso(article.time),
        "language": article.language,
        "content_hash": article.content_hash,
        "read_also_on_page": [{"title": r.title, "body": r.body, "url": r.url} for r in article.read_also],
        "similar_on_page": article.similar_titles,
    }


def related_json(store, result) -> dict:
    """The related block of an article: read-also, similar list, copies ("also reported by")."""
    ids = [result.article_id, *(s.id for s in result.similar), *result.copies]
    if result.read_also:
        ids.append(result.read_also.id)
    arts = store.get_articles(ids)

    def card(aid: int, score: float | None = None) -> dict:
        c = article_card(arts[aid])
        if score is not None:
            c["score"] = round(score, 6)
        return c

    return {
        "article": card(result.article_id),
        "read_also": card(result.read_also.id, result.read_also.score) if result.read_also else None,
        "similar": [card(s.id, s.score) for s in result.similar],
        "also_reported_by": [card(c) for c in result.copies if c in arts],
    }
