"""Shared fixtures: an in-memory store, the demo corpus, paths to ../shared (skipped when absent)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from khabar.ingest.bulk import import_paths
from khabar.settings import Settings
from khabar.store import SQLiteStore

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture
def store():
    s = SQLiteStore(":memory:")
    yield s
    s.close()


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
