"""Storage behind one interface: SQLite (embedded default) and PostgreSQL (scale-out)."""

from __future__ import annotations

import re

from .base import AddResult, IndexRow, SearchHit, Store, StoreUnavailable
from .sqlite import SQLiteStore

__all__ = ["AddResult", "IndexRow", "SearchHit", "Store", "StoreUnavailable", "SQLiteStore", "PostgresStore", "open_store"]


_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def open_store(location: str) -> Store:
    """Open the store at ``location``: a ``postgresql://`` URL, or a SQLite file path (or ``:memory:``,
    or ``sqlite:///path``).

    Any other URL is refused: taken as a path, ``mysql://host/db`` became a SQLite file in a
    folder called "mysql:", and every command ran on that new, empty database.
    """
    if location.startswith(("postgres://", "postgresql://")):
        from .postgres import PostgresStore

        return PostgresStore(location)
    if location.startswith("sqlite:///"):  # SQLAlchemy's spelling: sqlite:///relative.db, sqlite:////abs/path.db
        location = location[len("sqlite:///"):]
    if _URL.match(location):
        raise StoreUnavailable(f"{location.split('://')[0]}:// is no store Khabar opens: a SQLite file path "
                               "or a postgresql:// URL")
    if not location.strip():
        raise StoreUnavailable("no database named: a SQLite file path or a postgresql:// URL")
    return SQLiteStore(location)


def __getattr__(name: str):
    if name == "PostgresStore":  # imported lazily: psycopg is an optional dependency
        from .postgres import PostgresStore

        return PostgresStore
    raise AttributeError(name)
