"""The storage interface. Everything outside ``khabar.store`` talks to this only.

SQLite is the embedded default; a PostgreSQL implementation must fit behind the
same methods without touching callers. Methods take and return model objects or
plain data (dicts, tuples), never cursors or SQL.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Iterator

from ..models import Analysis, Article, Source

__all__ = ["Store", "StoreUnavailable", "AddResult", "IndexRow", "SearchHit"]


class StoreUnavailable(RuntimeError):
    """The store cannot be opened (server down, bad URL, missing driver): a user-facing message."""


@dataclass
class AddResult:
    """What happened to a batch of articles offered to the store."""

    new: int = 0
    existing: int = 0  # URL already stored: nothing written
    tombstoned: int = 0  # URL was deleted once: never comes back
    exact_duplicates: int = 0  # new, but same content hash as a stored article
    new_ids: list[int] = field(default_factory=list)


@dataclass(slots=True)
class IndexRow:
    """What the index builders need of an article, without its display text."""

    id: int
    url: str
    outlet: str
    time: datetime | None
    content_hash: str
    title_terms: list[str]
    body_terms: list[str]
    title_norm: str
    body_norm: str
    title: str = ""
    author_terms: list[str] = field(default_factory=list)  # search only: never matched between articles
    author: str | None = None  # the byline as shown


@dataclass(slots=True)
class SearchHit:
    id: int
    score: float


class Store(ABC):
    # --- lifecycle -----------------------------------------------------------
    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- articles ------------------------------------------------------------
    @abstractmethod
    def add_articles(self, items: Iterable[tuple[Article, Analysis]]) -> AddResult:
        """Insert new articles (idempotent on URL, refusing tombstoned URLs), all or nothing."""

    @abstractmethod
    def update_texts(self, items: list[tuple[Article, Analysis]], stale_vectors: list[int]) -> int:
        """Replace stored articles' texts (title, byline, source, body, subheadings, content
        hash; by ``Article.id``) and their analysis, in one transaction; drop the e5 vectors of
        ``stale_vectors`` (their title + lead changed) and say how many there were.
        ``data_version`` then changes, so the indexes are rebuilt."""

    @abstractmethod
    def set_outlet_names(self, names: dict[str, str]) -> None:
        """Create or rename outlets: key → display name."""

    @abstractmethod
    def get_article(self, article_id: int) -> Article | None: ...

    @abstractmethod
    def get_articles(self, ids: list[int]) -> dict[int, Article]: ...

    @abstractmethod
    def article_id(self, url: str) -> int | None: ...

    @abstractmethod
    def list_articles(
        self,
        outlet: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Article]: ...

    @abstractmethod
    def delete_article(self, url: str) -> bool:
        """Delete an article and leave a tombstone so it never comes back."""

    @abstractmethod
    def known_urls(self, urls: list[str]) -> dict[str, str]:
        """Those of ``urls`` that are stored ("stored") or were deleted ("deleted"), in a few
        reads: an import asks this of every spelling of its articles' addresses at once."""

    @abstractmethod
    def tombstones(self) -> list[tuple[str, str]]:
        """(url, content hash) of every deleted article."""

    @abstractmethod
    def add_tombstones(self, rows: list[tuple[str, str]]) -> None:
        """Record deletions made elsewhere (``khabar copy``): those URLs never come in here either."""

    @abstractmethod
    def iter_index_rows(self, ids: list[int] | None = None, heads_only: bool = False) -> Iterator[IndexRow]:
        """Analyzed rows in time order (all, or the given ids); ``heads_only``: without their
        texts and stems (empty), which is most of the read."""

    @abstractmethod
    def stats(self) -> dict: ...

    @abstractmethod
    def data_version(self) -> str:
        """Changes whenever articles or vectors change (derived indexes key on it)."""

    @abstractmethod
    def outlets(self) -> list[dict]:
        """Outlets with article counts and time span."""

    # --- search --------------------------------------------------------------
    @abstractmethod
    def search(
        self,
        terms: list[str],
        outlet: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 20,
        offset: int = 0,
        match_all: bool = True,
        newest_first: bool = False,
    ) -> tuple[list[SearchHit], int]:
        """Full-text search over analyzed stems: hits (BM25, higher is better) and total count.

        A term of several space-joined stems is a phrase: they must occur in that order, one
        after another (``web.search.query_terms`` makes one from a quoted phrase). ``newest_first``
        orders by publication time instead of score (the scores are still given)."""

    # --- copies and stories ---------------------------------------------------
    @abstractmethod
    def replace_copies(self, rows: list[tuple[int, int, float, str]]) -> None:
        """Replace all copy links: (article_id, canonical_id, score, kind)."""

    @abstractmethod
    def add_copies(self, rows: list[tuple[int, int, float, str]]) -> None: ...

    @abstractmethod
    def copy_links(self) -> list[tuple[int, int, float, str]]: ...

    @abstractmethod
    def replace_cross_copies(self, pairs: list[tuple[int, int, float]]) -> None:
        """Replace all copy pairs across copy groups: (article_id, other_id, containment)
        (``dedupe.copies.find_copy_pairs``)."""

    @abstractmethod
    def add_cross_copies(self, pairs: list[tuple[int, int, float]]) -> None: ...

    @abstractmethod
    def cross_copies(self) -> list[tuple[int, int, float]]: ...

    @abstractmethod
    def replace_stories(self, stories: list[dict], members: list[tuple[int, int, float]]) -> None:
        """Replace all stories. ``stories``: dicts with id, label, first_time, last_time,
        article_count, outlet_count; ``members``: (article_id, story_id, score)."""

    @abstractmethod
    def upsert_stories(self, stories: list[dict], members: list[tuple[int, int, float]]) -> None:
        """Add or update these stories and (re)assign these articles, leaving the others as
        they are: a round of arrivals, in which no story loses a member. Shapes as above."""

    @abstractmethod
    def story_members(self, stories: list[int] | None = None) -> list[tuple[int, int]]:
        """(article_id, story_id) for every assigned article, or for the articles of ``stories``."""

    @abstractmethod
    def list_stories(self, limit: int = 50, offset: int = 0) -> list[dict]: ...

    @abstractmethod
    def top_stories(self, window_days: float = 1.0, limit: int = 30) -> list[dict]:
        """The most widely covered stories of the last ``window_days`` before the newest article:
        story fields plus ``recent_articles`` and ``recent_outlets`` (counted in the window)."""

    @abstractmethod
    def get_story(self, story_id: int) -> dict | None:
        """The story's fields plus ``article_ids`` in time order."""

    @abstractmethod
    def get_stories(self, ids: list[int]) -> dict[int, dict]:
        """The fields of the stories that exist among ``ids`` (no members), in one read."""

    # --- dense vectors and derived blobs --------------------------------------
    @abstractmethod
    def put_embeddings(self, model: str, rows: list[tuple[int, bytes]]) -> None: ...

    @abstractmethod
    def embeddings(self, model: str) -> Iterator[tuple[int, bytes]]: ...

    @abstractmethod
    def ids_without_embedding(self, model: str) -> list[int]: ...

    @abstractmethod
    def count_embeddings(self) -> int: ...

    @abstractmethod
    def put_blob(self, name: str, version: str, data: bytes) -> None: ...

    @abstractmethod
    def get_blob(self, name: str) -> tuple[str, bytes] | None: ...

    @abstractmethod
    def get_meta(self, key: str) -> str | None: ...

    @abstractmethod
    def set_meta(self, key: str, value: str) -> None: ...

    # --- live sources ---------------------------------------------------------
    @abstractmethod
    def add_source(self, source: Source) -> Source: ...

    @abstractmethod
    def list_sources(self) -> list[Source]: ...

    @abstractmethod
    def update_source(self, source: Source) -> None: ...

    @abstractmethod
    def remove_source(self, source_id: int) -> bool:
        """Stop following a source for good (its articles stay); False when there is none."""

    @abstractmethod
    def http_cache_get(self, url: str) -> dict | None: ...

    @abstractmethod
    def http_cache_put(self, url: str, etag: str | None, last_modified: str | None, status: int) -> None: ...
