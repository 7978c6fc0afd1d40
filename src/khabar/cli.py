"""The ``khabar`` command line. Each command opens the store, calls one orchestrator, prints."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Khabar: Arabic-first news aggregation.")
console = Console(stderr=True)
out = Console(highlight=False, soft_wrap=True)


class State:
    settings: Settings = Settings()


state = State()


@app.callback()
def _main(
    db: Optional[str] = typer.Option(None, "--db", envvar="KHABAR_DB", help="SQLite database file [default: ./khabar.db]"),
) -> None:
    state.settings = Settings.from_env(db)


def open_store():
    from .store import open_store as _open

    return _open(state.settings.db)


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")


# --- foundation ---------------------------------------------------------------------
@app.command("clean")
def clean_cmd(
    file: Path = typer.Argument(..., help="A scraped article page as plain text"),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON split"),
) -> None:
    """Split a scraped page into body, subheadings, source, read-also and similar titles."""
    from .ingest.clean import clean_page

    try:
        text = file.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        console.print(f"[red]error:[/] {file}: {exc.strerror}")
        raise typer.Exit(2)
    page = clean_page(text)
    if as_json:
        _print_json(page.to_json())
        return
    for p in page.body:
        out.print(("## " if p in page.subheadings else "") + p)
    out.print(f"\nالمصدر: {page.source or '—'}")
    for r in page.read_also:
        out.print(f"\nإقرأ أيضاً: {r.title} ({len(r.body)} paragraphs)")
    if page.similar:
        out.print("\nمقالات مشابهة:")
        for t in page.similar:
            out.print(f"  • {t}")


@app.command("import")
def import_cmd(
    paths: list[Path] = typer.Argument(..., help="Zips, .json arrays, .jsonl files or directories of them"),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON"),
    no_index: bool = typer.Option(False, "--no-index", help="Skip building indexes after the import"),
) -> None:
    """Import articles (idempotent on URL); then build the indexes."""
    from .ingest.bulk import import_paths
    from .pipeline import build_indexes

    store = open_store()
    try:
        with _progress() as progress:
            task = progress.add_task("import", total=None)
            files_done: dict[str, int] = {}

            def on_progress(name: str, done: int, total: int) -> None:
                files_done[name] = total
                progress.update(task, description=f"import {name}", completed=done, total=total)

            report = import_paths(store, paths, progress=on_progress)
        if report.new and not no_index:
            build_indexes(store, state.settings, progress_factory=_progress)
        data = report.to_json()
        if as_json:
            _print_json(data)
        else:
            _print_import_report(data)
    finally:
        store.close()
    if report.errors:
        raise typer.Exit(1)


def _print_import_report(data: dict) -> None:
    out.print(
        f"files: {data['files']}  records: {data['records']}  new: {data['new']}  "
        f"already stored: {data['existing']}  exact duplicates (content hash): {data['exact_duplicates']}  "
        f"deleted before (tombstoned): {data['tombstoned']}"
    )
    for reason, n in sorted(data["skipped"].items(), key=lambda kv: -kv[1]):
        out.print(f"skipped {n}: {reason}")
    for err in data["errors"]:
        console.print(f"[red]error:[/] {err}")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


@app.command("stats")
def stats_cmd(as_json: bool = typer.Option(False, "--json")) -> None:
    """Articles, outlets, date range, exact and near duplicates, stories."""
    store = open_store()
    try:
        data = store.stats()
    finally:
        store.close()
    if as_json:
        _print_json(data)
        return
    for k, v in data.items():
        out.print(f"{k:16} {v}")


@app.command("show")
def show_cmd(url: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """Show one stored article by URL."""
    from .ingest.urls import InvalidURL, canonical_url
    from .web.views import article_json

    store = open_store()
    try:
        try:
            aid = store.article_id(canonical_url(url))
        except InvalidURL:
            aid = None
        if aid is None:
            console.print(f"[red]error:[/] no article with URL {url}")
            raise typer.Exit(1)
        article = store.get_article(aid)
        if as_json:
            _print_json(article_json(article))
            return
        out.print(f"[bold]{article.title}[/]\n{article.outlet} · {article.time or ''}\n{article.url}\n")
        for p in article.body:
            out.print(("## " if p in article.subheadings else "") + p)
        if article.source_attribution:
            out.print(f"\nالمصدر: {article.source_attribution}")
    finally:
        store.close()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
