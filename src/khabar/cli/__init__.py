"""The ``khabar`` command line. Each command opens the store, calls one orchestrator, prints.

One module per group of commands; importing them registers their commands on ``app``.
"""

from __future__ import annotations

from . import articles, indexes, related, evaluate, live  # noqa: F401, I001  (registers the commands, in help order)
from .common import app

__all__ = ["app", "main"]


def main() -> None:
    app()
