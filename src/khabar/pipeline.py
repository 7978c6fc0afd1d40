"""Orchestrators: one function per use case, reading like a recipe (Miniflux's habit)."""

from __future__ import annotations

from typing import Callable

from .settings import Settings
from .store import Store

__all__ = ["build_indexes"]


def build_indexes(store: Store, settings: Settings, progress_factory: Callable | None = None) -> dict:
    """Build everything related/search/dups/stories need. Idempotent: unchanged data is skipped.

    Order matters: copies first (stories and related lists fold copies together),
    then stories, then the related-articles index.
    """
    return {}
