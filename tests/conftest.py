"""Shared fixtures: a fresh store per backend, the demo corpus, paths to ../shared (skipped when absent).

Every test that takes ``store`` runs on SQLite (in memory) and on PostgreSQL, the
latter in a schema of its own on the server that ``KHABAR_TEST_POSTGRES`` names
(e.g. ``postgresql:///khabar_test``; ``.ci/run`` starts one). Without it the
PostgreSQL runs are skipped, and say so.
"""

from __future__ import annotations

import os
import uuid
from importlib import resources
from pathlib import Path

import pytest

from khabar.ingest.bulk import import_paths
from khabar.settings import Settings
from khabar.store import SQLiteStore

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


PG_DSN = os.environ.get("KHABAR_TEST_POSTGRES")


@pytest.fixture(params=["sqlite", "postgres"])
def store(request):
    if request.param == "sqlite":
        s = SQLiteStore(":memory:")
        yield s
        s.close()
        return
    with postgres_schema() as dsn:
        from khabar.store.postgres import PostgresStore

        s = PostgresStore(dsn)
        yield s
        s.close()


class postgres_schema:
    """A throwaway schema on the test server; its conninfo points search_path at it."""

    def __enter__(self) -> str:
        if not PG_DSN:
            pytest.skip("KHABAR_TEST_POSTGRES is not set (no PostgreSQL server for tests)")
        psycopg = pytest.importorskip("psycopg")
        from psycopg.conninfo import make_conninfo

        self.schema = f"t_{uuid.uuid4().hex[:12]}"
        self.admin = psycopg.connect(PG_DSN, autocommit=True)
        self.admin.execute(f"CREATE SCHEMA {self.schema}")
        return make_conninfo(PG_DSN, options=f"-csearch_path={self.schema}")

    def __exit__(self, *exc) -> None:
        self.admin.execute(f"DROP SCHEMA {self.schema} CASCADE")
        self.admin.close()


@pytest.fixture
def settings():
    return Settings(db=":memory:")


@pytest.fixture
def demo_path() -> Path:
    with resources.as_file(resources.files("khabar") / "data" / "demo.jsonl") as p:
        yield Path(p)


@pytest.fixture
def demo_store(store, demo_path):
    report = import_paths(store, [demo_path])
    assert report.new > 30
    return store


@pytest.fixture
def shared() -> Path:
    if not SHARED.exists():
        pytest.skip("../shared is not present")
    return SHARED
