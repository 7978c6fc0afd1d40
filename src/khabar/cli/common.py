"""What every command shares: the app, the --db option, the consoles, errors, the store."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Khabar: Arabic-first news aggregation.")
console = Console(stderr=True)
# Output is literal: titles and URLs from the wild carry "[...]", which rich would read as markup
# (and drop, or fail on). Emphasis goes through Text styles; stderr messages escape their data.
out = Console(highlight=False, soft_wrap=True, markup=False)


class State:
    settings: Settings = Settings()


state = State()


@app.callback()
def _main(
    db: Optional[str] = typer.Option(None, "--db", envvar="KHABAR_DB", help="SQLite database file or postgresql:// URL (default ./khabar.db)"),
) -> None:
    state.settings = Settings.from_env(db)


def with_embedded_arrivals(settings: Settings) -> Settings:
    """``settings`` with ``IndexSettings.embed_arrivals`` on (``--embed``)."""
    return replace(settings, index=replace(settings.index, embed_arrivals=True))


def print_error(message: str, label: str = "error", style: str = "red") -> None:
    """One line on stderr; the message is data (paths, URLs, titles), never markup."""
    console.print(f"[{style}]{label}:[/]", escape(message), soft_wrap=True)


def require_choice(option: str, value: str, allowed: tuple[str, ...]) -> None:
    """Unknown format or kind values are usage errors (exit 2), never silently another output."""
    if value not in allowed:
        print_error(f"{option} must be {' or '.join(allowed)}, not {value!r}")
        raise typer.Exit(2)


def open_store():
    from ..store import StoreUnavailable, open_store as _open

    try:
        return _open(state.settings.db)
    except StoreUnavailable as e:
        print_error(str(e))
        raise typer.Exit(1) from None


def read_file_or_exit(path) -> bytes:
    """The bytes of a file the user named, or a one-line error (exit 1) when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        print_error(f"cannot read {path}: {exc.strerror or exc}")
        raise typer.Exit(1) from None


_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f\v\x1b")


def _max_page_bytes() -> int:
    from ..ingest.fetch import FetchOptions  # imported when a page is read: httpx stays out of start-up

    return FetchOptions().max_bytes  # what a fetched page may weigh


def read_page(path) -> str:
    """The page the user named, as text (``page_text``): a file, or stdin for "-", read no further
    than one byte past what a page may weigh (enough to refuse it)."""
    data = sys.stdin.buffer.read(_max_page_bytes() + 1) if str(path) == "-" else read_file_or_exit(path)
    return page_text(data, path)


def page_text(data: bytes, name) -> str:
    """A page the user gave as bytes, decoded (UTF-8, else windows-1256, which decodes almost
    any bytes: an image or an archive would be "cleaned" into a page of mojibake), or a
    one-line error (exit 1) when it is no text (NUL or other control bytes in its start) or
    weighs more than a fetched page may (a 91 MB file took 13 s and 1.5 GB)."""
    from ..ingest.fetch import decode_body

    most = _max_page_bytes()
    if len(data) > most:
        print_error(f"{name}: larger than a page may be ({most:,} bytes at most)")
        raise typer.Exit(1)
    head = data[:8192]
    if b"\x00" in head or sum(head.count(b) for b in _CONTROL_BYTES) > max(1, len(head) // 50):
        print_error(f"{name}: not a text file (control bytes in it); give the page as text or HTML")
        raise typer.Exit(1)
    return decode_body(data)


def require_article(store, url: str) -> int:
    """The id of the stored article at ``url``, or a clear error and exit code 1."""
    from ..ingest.urls import article_id_for_url, no_article_message

    aid = article_id_for_url(store, url)
    if aid is None:
        print_error(no_article_message(store, url))
        raise typer.Exit(1)
    return aid


def minute_text(value) -> str:
    """A stored UTC time (ISO text or datetime) to the minute, "YYYY-MM-DD HH:MM", or ""."""
    return str(value)[:16].replace("T", " ") if value else ""


def span_days(first, last) -> float | None:
    """Days from ``first`` to ``last`` (stored ISO times), or None when either is unknown."""
    if not first or not last:
        return None
    return (datetime.fromisoformat(str(last)) - datetime.fromisoformat(str(first))).total_seconds() / 86400


def print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")


MAX_COUNT = 10**9  # bound of a count or offset option: past any real page, within what a database binds

# The steps of an index build (pipeline.build_indexes), as a spinner names them.
STEP_NAMES = {"load": "reading articles", "lexical": "lexical index", "copies": "copies", "stories": "stories",
              "ann": "ANN index of the e5 vectors"}


@contextmanager
def index_status(label: str):
    """A spinner for an index build (~30 s at 31k articles) that says which step it is on: the
    ``on_step`` to hand to ``build_indexes``."""
    with console.status(label) as status:
        yield lambda step: status.update(f"{label}: {STEP_NAMES.get(step, step)}")


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
