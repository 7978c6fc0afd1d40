"""Storage behind one interface: SQLite (embedded default); PostgreSQL fits behind ``Store``."""

from __future__ import annotations

from .base import AddResult, IndexRow, SearchHit, Store
from .sqlite import SQLiteStore

__all__ = ["AddResult", "IndexRow", "SearchHit", "Store", "SQLiteStore", "open_store"]


def open_store(location: str) -> Store:
    """Open the store at ``location``: a SQLite file path (or ``:memory:``)."""
    if location.startswith(("postgres://", "postgresql://")):
        raise NotImplementedError(
            "PostgreSQL storage is not implemented yet; use a SQLite file path (see the README)."
        )
    return SQLiteStore(location)
