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
