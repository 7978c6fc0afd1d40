"""Running it: the demo, the web server, sources and the crawler."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

import typer

from ..models import DEFAULT_POLL_MINUTES
from .common import (app, console, minute_text, open_store, out, print_error, print_json, read_file_or_exit,
                     require_choice, span_days, state, with_embedded_arrivals)


# --- demo -----------------------------------------------------------------------------------------
@app.command("demo")
def demo_cmd(
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the web pages after preparing"),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port", min=0, max=65535),
) -> None:
    """Import the built-in demo corpus (into ./khabar-demo.db unless --db is given), index, serve."""
    from importlib import resources

    from ..ingest.bulk import import_paths
    from ..pipeline import build_indexes, load_engine
    from ..rank.dense import embed_missing
    from ..web.views import related_json, story_page

    db = state.settings.db if state.settings.db != "khabar.db" else "khabar-demo.db"
    state.settings = replace(state.settings, db=db)
    with open_store() as store:
        demo_file = resources.files("khabar") / "data" / "demo.jsonl"
        with resources.as_file(demo_file) as path:
            report = import_paths(store, [path])
        with console.status("embedding the demo articles (e5, a few seconds)"):
            embed_missing(store)  # 40 short texts: cheap here, and stories and related use them
        build_indexes(store, state.settings)
        stats = store.stats()
        out.print(f"demo database {db}: {stats['articles']} articles from {stats['outlets']} outlets, "
                  f"{stats['stories']} stories, {stats['near_duplicates'] + stats['duplicates']} copies "
                  f"(new this run: {report.new})")
        engine = load_engine(store, state.settings)
        wire = store.list_articles(outlet="wahanews", limit=1)
        if wire:
            data = related_json(store, engine.related(wire[0].id))
            out.print(f"\n{data['article']['title']}  [wahanews]")
            out.print("  also reported by: " + "، ".join(sorted({c['outlet'] for c in data['also_reported_by']})))
            if data["read_also"]:
                out.print(f"  إقرأ أيضاً: {data['read_also']['title']} [{data['read_also']['outlet']}]")
            for s in data["similar"][:5]:
                out.print(f"  • {s['title']} [{s['outlet']}]")
        pages = [story_page(store, st["id"], engine) for st in store.list_stories(limit=200)]
        # A story told over several days: the longest-running one with three outlets or more.
        days = lambda p: span_days(p["first_time"], p["last_time"]) or 0.0  # noqa: E731
        longest = max((p for p in pages if p["outlet_count"] >= 3), key=days, default=None)
        if longest and days(longest) >= 1:
            out.print(f"\nstory {longest['id']}: {longest['label']}  ({longest['article_count']} articles, "
                      f"{longest['outlet_count']} outlets, over {days(longest):.1f} days)")
            for a in longest["articles"]:
                out.print(f"  {(a['time'] or 'no date')[:10]}  {a['title']} [{a['outlet']}]")
        # A running story: the one whose page links the most related stories (its developments).
        running = max(pages, key=lambda p: (len(p["related_stories"]), p["article_count"]), default=None)
        if running and running["related_stories"]:
            out.print(f"\nrunning story {running['id']}: {running['label']}  ({running['article_count']} articles)")
            for r in running["related_stories"]:
                out.print(f"  ↔ {(r['first_time'] or '')[:10]}  {r['label']}")
    if serve:
        _serve(db, host, port)


def _serve(db: str, host: str, port: int, access_log: bool = False) -> None:
    try:
        from ..web.app import create_app
    except ImportError:
        out.print("the web server is not available in this build; run `khabar related URL` to explore")
        return
    import copy

    import uvicorn

    from ..store import StoreUnavailable

    try:
        web_app = create_app(replace(state.settings, db=db))
    except (StoreUnavailable, ValueError) as e:  # ValueError: an unknown KHABAR_TZ
        print_error(str(e))
        raise typer.Exit(1) from None
    # The socket is bound here, before the line that says where the server is: a port in use is
    # one error line (it was "serving http://…" and then uvicorn's error), and --port 0 names
    # the port the system gave.
    sock = _listen(host, port)
    port = sock.getsockname()[1]
    out.print(f"serving http://{'[' + host + ']' if ':' in host else host}:{port}/  (Ctrl-C to stop)")
    # Quiet by default; --access-log prints a line per request (client, request line, status), as
    # a service behind a reverse proxy usually wants.
    log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    log_config["handlers"]["access"]["stream"] = "ext://sys.stderr"  # logs on stderr, as the crawler's
    config = uvicorn.Config(web_app, log_level="info" if access_log else "warning", access_log=access_log,
                            log_config=log_config)
    uvicorn.Server(config).run(sockets=[sock])


def _listen(host: str, port: int):
    import socket

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart need not wait for TIME_WAIT
        sock.bind((host, port))
    except OSError as exc:
        print_error(f"cannot serve on {host}:{port}: {exc.strerror or exc}")
        raise typer.Exit(1) from None
    sock.set_inheritable(True)
    return sock


@app.command("serve")
def serve_cmd(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="0: any free port (the line printed names it)"),
    access_log: bool = typer.Option(False, "--access-log", help="A line per request on stderr"),
) -> None:
    """Serve the JSON API and the web pages."""
    _serve(state.settings.db, host, port, access_log)


# --- live sources and crawling ---------------------------------------------------------------------
sources_app = typer.Typer(help="Feeds, section pages and sitemaps to follow.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")


@sources_app.command("add")
def sources_add(
    url: str = typer.Argument(...),
    name: Optional[str] = typer.Option(None, "--name"),
    kind: str = typer.Option("feed", "--kind", help="feed | page | sitemap"),
    allow_private: bool = typer.Option(False, "--allow-private", help="Lift the SSRF guard for this source and its pages"),
    every: Optional[int] = typer.Option(None, "--every", min=1, max=10080,
                                        help=f"Minutes between polls (default {DEFAULT_POLL_MINUTES}); adding a source again with --every changes it"),
) -> None:
    """Follow a source (a site's home page given as a feed hands over to the feed it names)."""
    from ..ingest.urls import InvalidURL, canonical_url, shown_url
    from ..models import Source

    require_choice("--kind", kind, ("feed", "page", "sitemap"))
    try:
        url = canonical_url(url)
    except InvalidURL as exc:
        print_error(str(exc))
        raise typer.Exit(2) from None
    with open_store() as store:
        src = store.add_source(Source(url=url, name=name or url, kind=kind, allow_private=allow_private, every_minutes=every))
        out.print(f"source {src.id}: {shown_url(url)} ({kind}, every {every or DEFAULT_POLL_MINUTES} min"
                  f"{', private addresses allowed' if allow_private else ''})")
    host = urlsplit(url).hostname or ""
    if not allow_private and _private_literal(host):  # a name is judged where the fetch connects, not here
        print_error(f"{host} is not a public address: every poll will be refused unless the source is added "
                    "with --allow-private", "warning", "yellow")


def _private_literal(host: str) -> bool:
    """An IP address written in the URL that the fetcher's SSRF guard will refuse (the guard's
    own test; an address needs no lookup)."""
    import ipaddress

    from ..ingest.fetch import BlockedAddress, public_addresses

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False  # a name, resolved at each fetch
    try:
        public_addresses(host, 80)
    except BlockedAddress:
        return True
    return False


@sources_app.command("list")
def sources_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Sources with health: last success, last error, consecutive failures, next poll."""
    from dataclasses import asdict

    from ..ingest.urls import shown_url

    with open_store() as store:
        sources = store.list_sources()
    if as_json:
        print_json([asdict(s) for s in sources])
        return
    # Plain lines, the URL whole and last (a table cut it to "https:/…" at 80 characters); a
    # source's last error, when it has one, on an indented line of its own.
    out.print(f"{'id':>4}  {'kind':7}  {'on':3}  {'every':>5}  {'fails':>5}  {'last success':19}  {'next poll':19}  url")
    for s in sources:
        out.print(f"{s.id:>4}  {s.kind:7}  {'yes' if s.enabled else 'no':3}  {str(s.every_minutes or DEFAULT_POLL_MINUTES) + 'm':>5}  "
                  f"{s.consecutive_failures:>5}  {minute_text(s.last_success) or '—':19}  {(minute_text(s.next_poll) or 'now') if s.enabled else '—':19}  {shown_url(s.url)}")
        if s.last_error:
            out.print(f"{'':6}last error: {s.last_error}")


@sources_app.command("import")
def sources_import(path: Path = typer.Argument(..., help="An OPML subscription list (from a feed reader)")) -> None:
    """Follow every feed of an OPML file; feeds already followed are left as they are."""
    from ..ingest.opml import OPMLError, read_opml

    try:
        feeds = read_opml(read_file_or_exit(path))
    except OPMLError as exc:
        print_error(f"{path}: {exc}")
        raise typer.Exit(1) from None
    with open_store() as store:
        known = {s.url for s in store.list_sources()}
        new = [s for s in feeds.sources if s.url not in known]
        for source in new:
            store.add_source(source)
    out.print(f"{len(new)} new feeds followed, {len(feeds.sources) - len(new)} already followed, "
              f"{len(feeds.skipped)} skipped")
    for reason in feeds.skipped:
        out.print(f"  skipped {reason}")


@sources_app.command("export")
def sources_export() -> None:
    """The followed feeds as OPML on stdout (for a feed reader; pages and sitemaps are not feeds)."""
    from ..ingest.opml import write_opml

    with open_store() as store:
        sources = store.list_sources()
    sys.stdout.buffer.write(write_opml(sources))
    sys.stdout.buffer.flush()


def _set_enabled(source_id: int, enabled: bool) -> None:
    with open_store() as store:
        match = [s for s in store.list_sources() if s.id == source_id]
        if not match:
            print_error(f"no source {source_id}")
            raise typer.Exit(1)
        match[0].enabled = enabled
        store.update_source(match[0])


@sources_app.command("disable")
def sources_disable(source_id: int = typer.Argument(...)) -> None:
    """Stop polling a source (its articles stay)."""
    _set_enabled(source_id, False)


@sources_app.command("enable")
def sources_enable(source_id: int = typer.Argument(...)) -> None:
    """Resume polling a source."""
    _set_enabled(source_id, True)


@sources_app.command("remove")
def sources_remove(source_id: int = typer.Argument(...)) -> None:
    """Stop following a source for good (its articles stay; `disable` keeps it listed)."""
    with open_store() as store:
        if not store.remove_source(source_id):
            print_error(f"no source {source_id}")
            raise typer.Exit(1)
    out.print(f"source {source_id} removed")


@app.command("crawl")
def crawl_cmd(
    once: bool = typer.Option(False, "--once", help="One round over all enabled sources, then exit"),
    delay: float = typer.Option(1.0, "--delay", help="Seconds between requests to one host"),
    embed: bool = typer.Option(False, "--embed", help="Give each round's arrivals e5 vectors before indexing them"),
    workers: int = typer.Option(4, "--workers", min=1, max=32, help="Sources polled at once (each host still polled politely)"),
) -> None:
    """Poll sources: fetch new articles, clean, store, then copies, stories and indexes."""
    import logging
    import signal
    import threading

    from ..ingest.fetch import Fetcher, FetchOptions
    from ..ingest.live import crawl_forever, crawl_once

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # our fetcher logs each request once
    log = logging.getLogger("khabar.crawl")
    stop = threading.Event()

    def stop_on(signum, _frame):
        # The page being stored is finished and the round ends there; the log says why it stopped.
        log.info("stopping (%s): the round ends after the page in hand", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, stop_on)
    signal.signal(signal.SIGINT, stop_on)
    settings = with_embedded_arrivals(state.settings) if embed else state.settings
    store = open_store()
    fetcher = Fetcher(FetchOptions(per_host_delay=delay, proxy=settings.proxy or None))
    try:
        if once:
            for r in crawl_once(store, settings, fetcher, stop, workers=workers):
                log.info("%s: %d new of %d%s%s%s", r.source, r.new, r.seen, " (not modified)" if r.not_modified else "",
                         f" ({r.from_listing} from their feed item, the page not to be had)" if r.from_listing else "",
                         f", {len(r.errors)} errors" if r.errors else "")
                for e in r.errors[:20]:
                    log.info("  error: %s", e)
        else:
            crawl_forever(store, settings, fetcher, stop, log=log.info, workers=workers)
    finally:
        fetcher.close()
        store.close()
    if stop.is_set():
        log.info("stopped")
