"""Articles in: clean a scraped page, import bulk files; and out: stats, show, search."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.text import Text

from .common import (MAX_COUNT, app, index_status, open_store, out, page_text, print_error, print_json, progress_bar,
                     require_article, state, with_embedded_arrivals)

DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]  # --since/--until, read as UTC


# --- foundation ---------------------------------------------------------------------
@app.command("clean")
def clean_cmd(
    file: Path = typer.Argument(..., help="A scraped article page as plain text"),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON split"),
) -> None:
    """Split a scraped page into body, subheadings, source, read-also and similar titles."""
    from ..ingest.clean import clean_page

    try:
        data = file.read_bytes()
    except OSError as exc:
        print_error(f"{file}: {exc.strerror}")
        raise typer.Exit(2) from None
    text = page_text(data, file)  # UTF-8, else windows-1256 (saved Arabic pages often are)
    page = clean_page(text)
    if as_json:
        print_json(page.to_json())
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
    embed: bool = typer.Option(False, "--embed", help="Give the new articles e5 vectors before indexing them (~0.1 s each)"),
    naive_tz: str = typer.Option("UTC", "--naive-tz", help="Zone of times written without one (an IANA name, e.g. Asia/Riyadh)"),
) -> None:
    """Import articles (idempotent on URL); then build the indexes."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from ..ingest.bulk import ImportOptions, import_paths
    from ..pipeline import index_arrivals

    try:
        ZoneInfo(naive_tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise typer.BadParameter(f"unknown time zone {naive_tz!r} (an IANA name such as Asia/Riyadh or UTC)",
                                 param_hint="--naive-tz") from None

    with open_store() as store:
        with progress_bar() as progress:
            task = progress.add_task("import", total=None)

            def on_progress(name: str, done: int, total: int) -> None:
                progress.update(task, description=escape(f"import {name}"), completed=done, total=total)

            report = import_paths(store, paths, ImportOptions(naive_timezone=naive_tz), progress=on_progress)
        if report.new and not no_index:
            settings = with_embedded_arrivals(state.settings) if embed else state.settings
            if embed:
                with progress_bar() as progress:
                    task = progress.add_task("embed", total=len(report.new_ids))
                    index_arrivals(store, settings, report.new_ids,
                                   progress=lambda done, total: progress.update(task, completed=done, total=total))
            else:
                with index_status("building indexes") as on_step:
                    index_arrivals(store, settings, report.new_ids, on_step=on_step)
        data = report.to_json()
        if as_json:
            print_json(data)
        else:
            _print_import_report(data)
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
    if data["undated"]:
        out.print(f"stored undated {data['undated']}: a date not understood (e.g. {data['undated_example']!r}); "
                  "ISO 8601, RFC 2822, Unix time, 2015/07/21 or 21/07/2015 are")
    for err in data["errors"]:
        print_error(str(err))


@app.command("export")
def export_cmd(
    path: str = typer.Argument("-", help="A .jsonl file to write (replaced whole, never left half-written), or - for stdout"),
    outlet: Optional[str] = typer.Option(None, "--outlet", help="Only this outlet (its key)"),
    since: Optional[datetime] = typer.Option(None, "--since", formats=DATE_FORMATS, help="Published at or after"),
    until: Optional[datetime] = typer.Option(None, "--until", formats=DATE_FORMATS, help="Published before"),
) -> None:
    """Write articles as JSON lines that import reads back unchanged (a backup, a selection, other tools)."""
    import sys

    from ..ingest.export import ExportFilter, export_articles
    from ..web.local_time import as_utc

    keep = ExportFilter(outlet, as_utc(since) if since else None, as_utc(until) if until else None)
    target = Path(path)
    if path != "-" and target.is_dir():
        print_error(f"{path} is a directory: name the file to write")
        raise typer.Exit(2)
    with open_store() as store:
        try:
            if path == "-":
                written = export_articles(store, sys.stdout, keep)
            elif target.exists() and not target.is_file():
                # A pipe or a device (/dev/stdout, a FIFO another tool reads): written as it is.
                # Moved over, the device itself would be replaced by a file.
                with open(target, "w", encoding="utf-8") as f:
                    written = export_articles(store, f, keep)
            else:  # through a symlink to the file it names (moved over, the link would become a file)
                written = _export_to_file(store, target.resolve(), keep)
        except BrokenPipeError:  # `khabar export | head`: quiet, as every command's (click ends it, exit 1)
            raise
        except OSError as exc:  # a full disk, a folder not writable
            print_error(f"cannot write {path}: {exc.strerror or exc}")
            raise typer.Exit(1) from None
    print_error(f"{written} article{'' if written == 1 else 's'} written", "export", "green")


def _export_to_file(store, target: Path, keep) -> int:
    """Export into a regular file, written beside it and moved over it at the end: an export
    cut short (a full disk, ^C) leaves the previous file (or none), never a shorter one that
    looks complete."""
    import os
    import tempfile

    from ..ingest.export import export_articles

    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f, progress_bar() as progress:
            task = progress.add_task("export", total=None)
            written = export_articles(store, f, keep, progress=lambda done, total: progress.update(
                task, completed=done, total=total))
        umask = os.umask(0)
        os.umask(umask)
        # mkstemp's file is private (0600); the export gets the mode any new file would.
        os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise
    return written


@app.command("stats")
def stats_cmd(as_json: bool = typer.Option(False, "--json")) -> None:
    """Articles, outlets, date range, exact and near duplicates, stories, e5 vectors, index state."""
    with open_store() as store:
        data = store.stats()
        # What the next job has to do: vectors still to embed (khabar embed), an index behind
        # the data (khabar index; the server serves its last build meanwhile).
        data["vectors"] = store.count_embeddings()
        data["indexed"] = store.get_meta("indexed_version") == store.data_version()
    if as_json:
        print_json(data)
        return
    for k, v in data.items():
        out.print(f"{k:16} {v}")


@app.command("show")
def show_cmd(url: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """Show one stored article by URL."""
    from ..web.views import article_json

    with open_store() as store:
        aid = require_article(store, url)
        article = store.get_article(aid)
        if as_json:
            print_json(article_json(article))
            return
        out.print(Text.assemble((article.title, "bold"), f"\n{article.outlet} · {article.time or 'no date'}\n{article.url}\n"))
        for p in article.body:
            out.print(("## " if p in article.subheadings else "") + p)
        if article.source_attribution:
            out.print(f"\nالمصدر: {article.source_attribution}")


@app.command("copy")
def copy_cmd(
    to: str = typer.Option(..., "--to", help="The target: a postgresql:// URL or a SQLite file"),
    no_index: bool = typer.Option(False, "--no-index", help="Leave the target's indexes to its next build"),
) -> None:
    """Copy this database into another (SQLite to PostgreSQL, say): articles, deletions, outlet
    names, e5 vectors and followed sources; the target then builds its own indexes. Resumable."""
    from ..pipeline import build_indexes
    from ..store import StoreUnavailable
    from ..store import open_store as open_target
    from ..store.transfer import copy_store

    if to == state.settings.db:
        print_error("--to names the database being copied")
        raise typer.Exit(2)
    with open_store() as store:
        try:
            target = open_target(to)
        except StoreUnavailable as exc:
            print_error(str(exc))
            raise typer.Exit(1) from None
        with target, progress_bar() as progress:
            task = progress.add_task("articles", total=None)
            report = copy_store(store, target, progress=lambda done, total: progress.update(task, completed=done, total=total))
            progress.stop()
            out.print(f"copied {report.articles} articles ({report.already_there} already there), "
                      f"{report.tombstones} deletions, {report.vectors} vectors, {report.sources} sources to {to}")
            if not no_index:
                with index_status("building the target's indexes") as on_step:
                    built = build_indexes(target, replace(state.settings, db=to), on_step=on_step)
                if not built.get("skipped"):
                    out.print(f"indexed {built['articles']} articles: {built['copy_links']} copy links, {built['stories']} stories")


@app.command("delete")
def delete_cmd(
    urls: list[str] = typer.Argument(..., help="URLs of stored articles (raw or percent-encoded)"),
    no_index: bool = typer.Option(False, "--no-index", help="Leave the indexes to the next build"),
) -> None:
    """Delete articles and tombstone them: no import or crawl brings them back (a takedown)."""
    from ..ingest.urls import article_id_for_url, no_article_message
    from ..pipeline import build_indexes

    missing = 0
    with open_store() as store:
        deleted = []
        # Resolved first: one page given twice (or under two spellings) is one deletion, not a
        # deletion and then an error.
        ids = {url: article_id_for_url(store, url) for url in urls}
        done: set[int] = set()
        for url, aid in ids.items():
            if aid in done:
                continue
            if aid is not None:
                done.add(aid)
            article = store.get_article(aid) if aid is not None else None
            if article is None or not store.delete_article(article.url):
                print_error(no_article_message(store, url))
                missing += 1
                continue
            deleted.append(article.url)
            out.print(f"deleted {article.url}")
        if deleted and not no_index:
            # A deletion reassigns copies and stories around the gap: a full build (~30 s at 31k).
            with index_status("rebuilding indexes without them") as on_step:
                build_indexes(store, state.settings, on_step=on_step)
    if missing:
        raise typer.Exit(1)


@app.command("reclean")
def reclean_cmd(
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON"),
    no_index: bool = typer.Option(False, "--no-index", help="Leave the indexes to the next build"),
) -> None:
    """Apply the current cleaner and analyzer to stored articles (site chrome it has learnt to
    cut, a changed normalization); then rebuild the indexes. Re-importing would not: import keeps what it has."""
    from ..ingest.reclean import reclean_articles
    from ..pipeline import build_indexes

    with open_store() as store:
        with progress_bar() as progress:
            task = progress.add_task("reclean", total=None)
            report = reclean_articles(store, progress=lambda done, total: progress.update(task, completed=done,
                                                                                            total=total))
        if (report.changed or report.reanalyzed) and not no_index:
            with index_status("rebuilding indexes") as on_step:
                build_indexes(store, state.settings, on_step=on_step)
    if as_json:
        print_json({"checked": report.checked, "changed": report.changed, "reanalyzed": report.reanalyzed,
                    "vectors_dropped": report.vectors_dropped})
        return
    out.print(f"checked {report.checked} articles: {report.changed} lost site chrome, "
              f"{report.reanalyzed} more are matched anew"
              + (f"; {report.vectors_dropped} e5 vectors to redo (khabar embed)" if report.vectors_dropped else ""))


@app.command("search")
def search_cmd(
    query: str = typer.Argument(..., help="Words to find (any spelling: analyzed like the index)"),
    outlet: Optional[str] = typer.Option(None, "--outlet", help="Only this outlet (its key, e.g. spa.gov.sa)"),
    since: Optional[datetime] = typer.Option(None, "--since", formats=DATE_FORMATS, help="Published at or after"),
    until: Optional[datetime] = typer.Option(None, "--until", formats=DATE_FORMATS, help="Published before"),
    limit: int = typer.Option(20, "--limit", min=1, max=100),
    offset: int = typer.Option(0, "--offset", min=0, max=MAX_COUNT, help="Results to skip (paging)"),
    newest: bool = typer.Option(False, "--newest", help="Newest first instead of most relevant first"),
    semantic: bool = typer.Option(False, "--semantic", help="By meaning too (needs e5 vectors: khabar embed): "
                                  "articles holding any of the words, ordered by e5 and by their words"),
    as_json: bool = typer.Option(False, "--json", help="Print what /api/search returns"),
) -> None:
    """Arabic full-text search: stems, BM25 with recency; "…" or «…» for a phrase; copies of one text are one result."""
    from ..dedupe.groups import CopyGroups
    from ..web.local_time import as_utc
    from ..web.search import SearchRequest, search_page
    from ..web.views import outlet_names

    with open_store() as store:
        # The copy groups of the last build, as the server uses them: a search never waits
        # for a rebuild; articles stored since are simply not grouped yet.
        if not semantic:
            groups, meaning = CopyGroups.from_store(store), None
            story_of = dict(store.story_members())  # as stored by the last build, like the copies
        else:  # the engine holds the copies and stories too: read once
            from ..pipeline import load_engine

            engine = load_engine(store, state.settings, build=False)
            groups, meaning, story_of = engine.ranker, engine.meaning_ranker(), engine.ranker.story_of
            if meaning is None:
                print_error("no e5 vectors in this database (khabar embed): searching by words only", "note", "yellow")
            elif newest:
                print_error("--newest lists word matches only: meaning orders by relevance", "note", "yellow")
        asked = SearchRequest(query, outlet, as_utc(since) if since else None, as_utc(until) if until else None,
                              limit, offset, newest_first=newest)
        data = search_page(store, asked, groups, meaning=meaning, story_of=story_of)
        names_of = outlet_names(store)
    if as_json:
        print_json(data)
        return
    name = lambda key: names_of.get(key) or key  # noqa: E731
    if not data["terms"]:
        out.print(f"nothing to search for in {query!r}: only common words")
        return
    if not data["results"]:
        out.print(f"no article matches {query!r}" if not data["total"] else f"no more results (total {data['total']})")
        return
    first = offset + 1
    plural = "" if data["total"] == 1 else "s"
    found = (f"{data['total']} article{plural} holding any of the words, ordered by meaning and words" if data["semantic"]
             else f"{data['total']} matching article{plural}")
    out.print(f"{found}, copies of one text shown once; results {first}–{offset + len(data['results'])}:")
    for n, r in enumerate(data["results"], start=first):
        by = f", {r['author']}" if r.get("author") else ""
        out.print(f"{n:2}. {r['title']}  ({name(r['outlet'])}, {r['time'] or 'no date'}{by})  {r['url']}")
        if r.get("snippet"):
            out.print(f"    {r['snippet']}")
        if r["also_reported_by"]:
            out.print("    also reported by: " + "، ".join(dict.fromkeys(name(c["outlet"]) for c in r["also_reported_by"])))
        if r.get("story"):
            story = r["story"]
            out.print(f"    story: {story['label']}, {story['article_count']} articles (khabar story {story['id']})")
    if data["has_more"]:
        out.print(f"more: --offset {offset + len(data['results'])}")
