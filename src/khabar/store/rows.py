"""Row conversions shared by the SQLite and PostgreSQL stores (same columns, same meaning)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from ..models import Analysis, Article, RelatedItem, Source, naive_utc
from .base import IndexRow

__all__ = ["ARTICLE_COLS", "SOURCE_COLS", "STORY_COLS", "INDEX_ROW_SELECT", "iso", "parse_time", "article_values",
           "analysis_values", "index_row_from_row", "article_from_row",
           "source_from_row", "source_update_values", "story_dict", "INDEX_ROW_HEAD_SELECT", "top_stories_sql", "top_story_dict", "window_start",
           "article_filters", "chunks", "row_ids"]

# a = articles, o = outlets; the order article_from_row reads.
ARTICLE_COLS = (
    "a.id, a.url, o.key, a.title, a.body, a.subheadings, a.source_attribution, a.author, "
    "a.published, a.extracted, a.language, a.content_hash, a.extras"
)
SOURCE_COLS = (
    "id, url, name, kind, allow_private, enabled, etag, last_modified, last_success, last_error,"
    " consecutive_failures, next_poll, every_minutes"
)
# What the index builders read of an article; index_row_from_row decodes it.
INDEX_ROW_SELECT = (
    "SELECT a.id, a.url, o.key, a.time, a.content_hash, n.title, n.body, n.title_norm, n.body_norm, a.title, n.author,"
    " a.author"
    " FROM articles a JOIN outlets o ON o.id = a.outlet_id JOIN analysis n ON n.article_id = a.id"
)
# The same rows without their texts, stems and byline (empty): what a round of arrivals needs
# of every other article, at a twentieth of the read.
INDEX_ROW_HEAD_SELECT = (
    "SELECT a.id, a.url, o.key, a.time, a.content_hash, '', '', '', '', a.title, '', NULL"
    " FROM articles a JOIN outlets o ON o.id = a.outlet_id JOIN analysis n ON n.article_id = a.id"
)
# The index's order, time order on both backends: an article without a time (a bulk record with
# no date) comes last, so it is never taken for the original of a copy group, nor heads a
# story's timeline; ties by id (arrival). SQLite sorts NULL first and would sort the whole scan
# to put it last (0.16 s to 0.7 s for 31k heads), so it reads in index order and
# ``undated_last`` moves the few undated rows; PostgreSQL puts NULL last itself.
INDEX_ORDER = " ORDER BY a.time IS NULL, a.time, a.id"
SQLITE_INDEX_ORDER = " ORDER BY a.time, a.id"
STORY_COLS = ("id", "label", "first_time", "last_time", "article_count", "outlet_count")


def undated_last(rows: Iterable[IndexRow]) -> Iterator[IndexRow]:
    """``rows`` in time order with unknown times first (SQLite's) → unknown times last."""
    undated = []
    for r in rows:
        if r.time is None:
            undated.append(r)
        else:
            yield r
    yield from undated


def iso(t: datetime | None) -> str | None:
    """A time as stored and compared: naive UTC to the second. An aware time is converted, so
    a bound such as ``--since`` (aware UTC) compares with stored times as the same instant; as
    text, "…T00:00:00+00:00" sorted after a stored "…T00:00:00" and left out an article at
    exactly midnight."""
    return naive_utc(t).replace(microsecond=0).isoformat() if t else None


def parse_time(s: str | None) -> datetime | None:
    return datetime.fromisoformat(s) if s else None


def article_values(art: Article, outlet_id: int) -> tuple:
    """The articles-table values (url … extras) for an insert, in column order."""
    extras = {
        "read_also": [{"title": r.title, "body": r.body, "url": r.url} for r in art.read_also],
        "similar": art.similar_titles,
        "lead_image": art.lead_image,
    }
    return (
        art.url,
        outlet_id,
        art.title,
        json.dumps(art.body, ensure_ascii=False),
        json.dumps(art.subheadings, ensure_ascii=False),
        art.source_attribution,
        art.author,
        iso(art.published),
        iso(art.extracted),
        iso(art.time),
        art.language,
        art.content_hash,
        json.dumps(extras, ensure_ascii=False),
    )


def text_values(art: Article) -> tuple:
    """An article's text as ``Store.update_texts`` rewrites it: (title, author, source_attribution,
    body, subheadings, content_hash, id)."""
    return (art.title, art.author, art.source_attribution, json.dumps(art.body, ensure_ascii=False),
            json.dumps(art.subheadings, ensure_ascii=False), art.content_hash, art.id)


def analysis_values(article_id: int, ana: Analysis) -> tuple:
    """The analysis-table values (article_id, title, body, title_norm, body_norm, author): stems
    space-joined."""
    return (article_id, " ".join(ana.title_terms), " ".join(ana.body_terms), ana.title_norm, ana.body_norm,
            " ".join(ana.author_terms))


def index_row_from_row(r) -> IndexRow:
    """An ``INDEX_ROW_SELECT`` row as an IndexRow (stems split back out of their stored form)."""
    return IndexRow(
        id=r[0], url=r[1], outlet=r[2], time=parse_time(r[3]), content_hash=r[4],
        title_terms=r[5].split(), body_terms=r[6].split(), title_norm=r[7], body_norm=r[8], title=r[9],
        author_terms=r[10].split(), author=r[11],
    )


def article_from_row(row) -> Article:
    extras = json.loads(row[12] or "{}")
    return Article(
        id=row[0],
        url=row[1],
        outlet=row[2],
        title=row[3],
        body=json.loads(row[4]),
        subheadings=json.loads(row[5]),
        source_attribution=row[6],
        author=row[7],
        published=parse_time(row[8]),
        extracted=parse_time(row[9]),
        language=row[10],
        content_hash=row[11],
        read_also=[RelatedItem(r["title"], r.get("body", []), r.get("url")) for r in extras.get("read_also", [])],
        similar_titles=extras.get("similar", []),
        lead_image=extras.get("lead_image"),
    )


def source_from_row(r) -> Source:
    return Source(
        id=r[0], url=r[1], name=r[2], kind=r[3], allow_private=bool(r[4]), enabled=bool(r[5]), etag=r[6],
        last_modified=r[7], last_success=r[8], last_error=r[9], consecutive_failures=r[10], next_poll=r[11],
        every_minutes=r[12],
    )


def source_update_values(source: Source) -> tuple:
    """Parameters of ``UPDATE sources SET name, kind, allow_private, enabled, etag, last_modified,
    last_success, last_error, consecutive_failures, next_poll, every_minutes WHERE id``, in that order."""
    return (
        source.name, source.kind, bool(source.allow_private), bool(source.enabled), source.etag,
        source.last_modified, source.last_success, source.last_error, source.consecutive_failures,
        source.next_poll, source.every_minutes, source.id,
    )


def story_dict(r) -> dict:
    return dict(zip(STORY_COLS, r))


def top_stories_sql(mark: str) -> str:
    """Stories by their coverage since a cutoff (``mark``: the driver's placeholder): outlets,
    then articles published since, then the latest. Both dialects."""
    cols = ", ".join(f"s.{c}" for c in STORY_COLS)
    return (f"SELECT {cols}, count(*) AS recent_articles, count(DISTINCT a.outlet_id) AS recent_outlets"
            " FROM stories s JOIN story_articles sa ON sa.story_id = s.id JOIN articles a ON a.id = sa.article_id"
            f" WHERE a.time >= {mark} GROUP BY {cols}"
            f" ORDER BY recent_outlets DESC, recent_articles DESC, s.last_time DESC, s.id LIMIT {mark}")


def top_story_dict(r) -> dict:
    return dict(zip((*STORY_COLS, "recent_articles", "recent_outlets"), r))


def window_start(newest: str, days: float) -> str:
    """The stored-time text ``days`` before ``newest`` (stored times compare as text)."""
    return iso(datetime.fromisoformat(newest) - timedelta(days=days))


def article_filters(outlet, since, until, mark: str = "?") -> tuple[str, list]:
    """A WHERE clause (a = articles, o = outlets) and its parameters; ``mark`` is the driver's placeholder."""
    clauses, args = [], []
    if outlet:
        clauses.append(f"o.key = {mark}")
        args.append(outlet)
    if since:
        clauses.append(f"a.time >= {mark}")
        args.append(iso(since))
    if until:
        clauses.append(f"a.time < {mark}")
        args.append(iso(until))
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", args


MAX_ROW_ID = 2**63 - 1  # SQLite's INTEGER PRIMARY KEY and PostgreSQL's bigint


def row_ids(ids: Iterable[int]) -> list[int]:
    """The distinct ``ids`` that can name a stored row, in order. An id comes from a URL or a
    command line; a number past 64 bits names nothing (it is not found), where binding it
    would fail in either database (a page that 500s on /stories/99999999999999999999999)."""
    return [i for i in dict.fromkeys(int(i) for i in ids) if 0 < i <= MAX_ROW_ID]


def chunks(seq: list, n: int):
    it = iter(seq)
    while chunk := list(itertools.islice(it, n)):
        yield chunk


# Stored texts rewritten in place (``Store.update_texts``: a newer cleaner applied) leave the
# article count and ids as they were; this counter in ``meta`` makes ``data_version`` change.
TEXT_REVISION = "text_revision"


def text_revision_suffix(revision: str | None) -> str:
    """The part of ``data_version`` that counts text rewrites: none until the first one, so
    databases that never had one keep the version (and the indexes) they have."""
    return f":t{revision}" if revision else ""
