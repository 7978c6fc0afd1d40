"""Storage behind one interface: SQLite (embedded default) and PostgreSQL (scale-out)."""

from __future__ import annotations

from .base import AddResult, IndexRow, SearchHit, Store, StoreUnavailable
from .sqlite import SQLiteStore

__all__ = ["AddResult", "IndexRow", "SearchHit", "Store", "StoreUnavailable", "SQLiteStore", "PostgresStore", "open_store"]


def open_store(location: str) -> Store:
    """Open the store at ``location``: a ``postgresql://`` URL, or a SQLite file path (or ``:memory:``)."""
    if location.startswith(("postgres://", "postgresql://")):
        from .postgres import PostgresStore

        return PostgresStore(location)
    return SQLiteStore(location)


def __getattr__(name: str):
    if name == "PostgresStore":  # imported lazily: psycopg is an optional dependency
        from .postgres import PostgresStore

        return PostgresStore
    raise AttributeError(name)
