"""The ``khabar`` command line. Each command opens the store, calls one orchestrator, prints."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .settings import Settings

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
    db: Optional[str] = typer.Option(None, "--db", envvar="KHABAR_DB", help="SQLite database file or postgresql:// URL [default: ./khabar.db]"),
) -> None:
    state.settings = Settings.from_env(db)


def _error(message: str, label: str = "error", style: str = "red") -> None:
    """One line on stderr; the message is data (paths, URLs, titles), never markup."""
    console.print(f"[{style}]{label}:[/]", escape(message), soft_wrap=True)


def _require_choice(option: str, value: str, allowed: tuple[str, ...]) -> None:
    """Unknown format or kind values are usage errors (exit 2), never silently another output."""
    if value not in allowed:
        _error(f"{option} must be {' or '.join(allowed)}, not {value!r}")
        raise typer.Exit(2)


def open_store():
    from .store import StoreUnavailable, open_store as _open

    try:
        return _open(state.settings.db)
    except StoreUnavailable as e:
        _error(str(e))
        raise typer.Exit(1)


def _require_article(store, url: str) -> int:
    """The id of the stored article at ``url``, or a clear error and exit code 1."""
    from .eval.report import article_id_for_url

    aid = article_id_for_url(store, url)
    if aid is None:
        _error(f"no article with URL {url}")
        raise typer.Exit(1)
    return aid


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
        _error(f"{file}: {exc.strerror}")
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

    with open_store() as store:
        with _progress() as progress:
            task = progress.add_task("import", total=None)

            def on_progress(name: str, done: int, total: int) -> None:
                progress.update(task, description=escape(f"import {name}"), completed=done, total=total)

            report = import_paths(store, paths, progress=on_progress)
        if report.new and not no_index:
            with console.status("building indexes (copies, stories, related)"):
                build_indexes(store, state.settings, new_ids=report.new_ids)
        data = report.to_json()
        if as_json:
            _print_json(data)
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
    for err in data["errors"]:
        _error(str(err))


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
    with open_store() as store:
        data = store.stats()
    if as_json:
        _print_json(data)
        return
    for k, v in data.items():
        out.print(f"{k:16} {v}")


@app.command("show")
def show_cmd(url: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """Show one stored article by URL."""
    from .web.views import article_json

    with open_store() as store:
        aid = _require_article(store, url)
        article = store.get_article(aid)
        if as_json:
            _print_json(article_json(article))
            return
        out.print(Text.assemble((article.title, "bold"), f"\n{article.outlet} · {article.time or ''}\n{article.url}\n"))
        for p in article.body:
            out.print(("## " if p in article.subheadings else "") + p)
        if article.source_attribution:
            out.print(f"\nالمصدر: {article.source_attribution}")


# --- indexes, copies, stories -----------------------------------------------------------
@app.command("index")
def index_cmd(force: bool = typer.Option(False, "--force", help="Rebuild even if nothing changed")) -> None:
    """Build copies, stories and the related-articles index (idempotent)."""
    from .pipeline import build_indexes

    with open_store() as store:
        with console.status("building indexes"):
            report = build_indexes(store, state.settings, force=force)
    if report.get("skipped"):
        out.print("indexes are up to date")
    else:
        out.print(
            f"indexed {report['articles']} articles: {report['copy_links']} copy links, "
            f"{report['stories']} stories ({report['seconds']})"
        )


@app.command("dups")
def dups_cmd(fmt: str = typer.Option("tsv", "--format", help="tsv: url_a<TAB>url_b<TAB>score")) -> None:
    """Every copy pair (exact or near), all pairs within each copy group."""
    from .pipeline import build_indexes, copy_pairs

    _require_choice("--format", fmt, ("tsv",))
    with open_store() as store:
        build_indexes(store, state.settings)
        for a, b, score in copy_pairs(store, state.settings):
            sys.stdout.write(f"{a}\t{b}\t{score}\n")


@app.command("stories")
def stories_cmd(
    fmt: str = typer.Option("table", "--format", help="jsonl: one {url, story} per article; table: the latest stories"),
    limit: int = typer.Option(30, "--limit", min=1),
) -> None:
    """Story assignment of every article (jsonl), or the latest stories."""
    from .pipeline import build_indexes

    _require_choice("--format", fmt, ("table", "jsonl"))
    with open_store() as store:
        build_indexes(store, state.settings)
        if fmt == "jsonl":
            members = dict(store.story_members())
            for row in store.iter_index_rows():
                sys.stdout.write(json.dumps({"url": row.url, "story": members.get(row.id)}, ensure_ascii=False) + "\n")
            return
        # Plain aligned lines, one per story (a table would wrap or drop columns at 80 characters).
        out.print(f"{'id':>6}  {'articles':>8}  {'outlets':>7}  {'from':16}  {'days':>5}  label")
        for st in store.list_stories(limit=limit):
            first = (st["first_time"] or "")[:16].replace("T", " ")
            out.print(f"{st['id']:>6}  {st['article_count']:>8}  {st['outlet_count']:>7}  {first:16}  "
                      f"{_span_days(st['first_time'], st['last_time']):>5}  {st['label']}")


def _span_days(first: str | None, last: str | None) -> str:
    if not first or not last:
        return ""
    span = datetime.fromisoformat(last) - datetime.fromisoformat(first)
    return f"{span.total_seconds() / 86400:.1f}"


@app.command("story")
def story_cmd(story_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """A story's articles in time order, then its related stories."""
    from .pipeline import load_engine
    from .web.views import story_page

    with open_store() as store:
        if store.get_story(story_id) is None:
            _error(f"no story {story_id}")
            raise typer.Exit(1)
        story = story_page(store, story_id, load_engine(store, state.settings))
        if as_json:
            _print_json(story)
            return
        out.print(Text.assemble((story["label"], "bold"),
                                f"  ({story['article_count']} articles, {story['outlet_count']} outlets)"))
        arts = store.get_articles(story["article_ids"])
        for i in story["article_ids"]:
            a = arts[i]
            when = a.time.isoformat(timespec="minutes") if a.time else ""
            out.print(f"{when:16}  {a.outlet:12}  {a.title}  {a.url}")
        if story["related_stories"]:
            out.print("\nrelated stories:")
            for r in story["related_stories"]:
                out.print(f"{(r['first_time'] or '')[:16]:16}  story {r['id']:<6} {r['article_count']:>4} articles  {r['label']}")


# --- related ----------------------------------------------------------------------------------
@app.command("related")
def related_cmd(
    url: Optional[str] = typer.Argument(None, help="The article URL"),
    k: int = typer.Option(10, "--k", min=1, max=100),
    as_json: bool = typer.Option(False, "--json"),
    queries: Optional[Path] = typer.Option(None, "--queries", help="A file of article URLs, one a line"),
    fmt: str = typer.Option("text", "--format", help="text | json | trec (with --queries)"),
    no_dense: bool = typer.Option(False, "--no-dense", help="Ignore stored embeddings (lexical only)"),
) -> None:
    """Read-also pick, similar articles and copies ("also reported by") for an article."""
    from .eval.report import article_id_for_url
    from .pipeline import load_engine
    from .web.views import outlet_names, related_json

    _require_choice("--format", fmt, ("text", "json", "trec") if queries is not None else ("text", "json"))
    urls = _read_lines(queries) if queries is not None else []
    with open_store() as store:
        engine = load_engine(store, state.settings, use_dense=not no_dense)
        if queries is not None:
            missing = 0
            for q in urls:
                aid = article_id_for_url(store, q)
                if aid is None:
                    missing += 1
                    continue
                result = engine.related(aid, k)
                urls_of = store.get_articles([s.id for s in result.similar])
                if fmt == "trec":
                    ranked = _trec_scores([(urls_of[s.id].url, s.score) for s in result.similar])
                    for rank, (doc, score) in enumerate(ranked, start=1):
                        sys.stdout.write(f"{q} Q0 {doc} {rank} {score:.6f} khabar\n")
                else:
                    sys.stdout.write(json.dumps(related_json(store, result), ensure_ascii=False) + "\n")
            if missing:
                _error(f"{missing} query URL(s) not in the database", label="warning", style="yellow")
            return
        if not url:
            _error("give an article URL or --queries FILE")
            raise typer.Exit(2)
        aid = _require_article(store, url)
        data = related_json(store, engine.related(aid, k))
        if as_json or fmt == "json":
            _print_json(data)
            return
        art = data["article"]
        names_of = outlet_names(store)
        name = lambda key: names_of.get(key) or key  # noqa: E731
        out.print(Text.assemble((art["title"], "bold"), f"  ({name(art['outlet'])}, {art['time']})"))
        if data["also_reported_by"]:
            names = "، ".join(sorted({name(c["outlet"]) for c in data["also_reported_by"]}))
            out.print(f"also reported by: {names}")
            for c in data["also_reported_by"]:
                out.print(f"   = {name(c['outlet'])}: {c['title']}  {c['url']}")
        if data["read_also"]:
            ra = data["read_also"]
            out.print(f"\nإقرأ أيضاً (read also): {ra['title']}  ({name(ra['outlet'])}, {ra['time']})  {ra['url']}")
        out.print("\nمقالات مشابهة (similar):")
        for n, s in enumerate(data["similar"], start=1):
            out.print(f"{n:2}. {s['title']}  ({name(s['outlet'])}, {s['time']})  {s['url']}")


def _read_lines(path: Path) -> list[str]:
    """The non-blank lines of a UTF-8 text file; a clear error (exit 1) when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        _error(f"{path}: {exc.strerror or exc}")
        raise typer.Exit(1)
    except UnicodeDecodeError as exc:
        _error(f"{path}: not UTF-8 text (byte {exc.start})")
        raise typer.Exit(1)
    return [line.strip() for line in text.splitlines() if line.strip()]


def _trec_scores(ranked: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Scores that fall strictly with rank. Diversification can list an item above a slightly
    higher-scored one, and trec_eval orders a run by score, not by the rank column: so the
    printed score is capped just below the one before, keeping the list's order either way."""
    out_rows: list[tuple[str, float]] = []
    previous = None
    for doc, score in ranked:
        score = round(score, 6)
        if previous is not None and score >= previous:
            score = round(previous - 1e-6, 6)
        out_rows.append((doc, score))
        previous = score
    return out_rows


@app.command("embed")
def embed_cmd(
    limit: Optional[int] = typer.Option(None, "--limit", min=0, help="Embed at most this many articles"),
    batch: int = typer.Option(32, "--batch", min=1, max=1024),
) -> None:
    """Compute missing dense vectors (resumable: each batch is committed), then index with them."""
    from .pipeline import build_indexes
    from .rank.dense import embed_missing

    with open_store() as store:
        with _progress() as progress:
            task = progress.add_task("embed", total=None)
            n = embed_missing(store, batch=batch, limit=limit,
                              progress=lambda done, total: progress.update(task, completed=done, total=total))
        out.print(f"embedded {n} articles")
        if n:
            # Whoever writes indexes: stories re-cluster with the vectors and the ANN index is
            # rebuilt here, so a running server switches to them instead of waiting for a crawl.
            with console.status("indexing with the new vectors"):
                build_indexes(store, state.settings)


# --- evaluation ----------------------------------------------------------------------------------
eval_app = typer.Typer(help="Measure quality against judged data (../shared/eval).", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@eval_app.command("related")
def eval_related_cmd(
    qrels: Path = typer.Option(..., "--qrels"),
    run: Optional[Path] = typer.Option(None, "--run", help="Evaluate this TREC run instead of computing one"),
    peer: Optional[Path] = typer.Option(None, "--peer", help="The Lucene peer's TREC run [default: peer-dev.trec beside the qrels]"),
    k: int = typer.Option(10, "--k", min=1, max=100),
    no_dense: bool = typer.Option(False, "--no-dense"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """nDCG@10, P@10, copies@10, judged@10 for Khabar and the Lucene peer, side by side."""
    from contextlib import nullcontext

    from .eval.report import evaluate_related

    with nullcontext() if run else open_store() as store:  # a given run needs no database
        report = evaluate_related(store, state.settings, qrels, run, peer, k, use_dense=not no_dense)
    if as_json:
        _print_json(report)
        return
    _print_related_report(report)


def _print_related_report(report: dict) -> None:
    table = Table("metric", "khabar", "lucene-mlt peer")
    for m in ("ndcg@10", "p@10", "copies@10", "judged@10"):
        peer = report.get("peer")
        table.add_row(m, f"{report['khabar'][m]:.4f}", f"{peer[m]:.4f}" if peer else "—")
    out.print(table)
    out.print(f"queries: {report['khabar']['queries']}  dense vectors used: {report.get('dense', False)}"
              f"  lists with two copies of one another: {report.get('near_dup_lists', 'n/a')}")
    ra = report.get("read_also")
    if ra:
        out.print(f"read-also picks: {ra['picks']}  judged {ra['judged']:.3f}  same story or event {ra['same_story']:.3f}"
                  f"  copies {ra['copies']:.3f}  mean gain {ra['mean_gain']:.3f}")
    if report.get("losses"):
        losses = Table("query", "khabar nDCG", "peer nDCG", "loss", title="biggest losses against the peer")
        for row in report["losses"]:
            losses.add_row(row["query"][:90], f"{row['khabar']:.3f}", f"{row['peer']:.3f}", f"{row['loss']:.3f}")
        out.print(losses)
    if report.get("judged_note"):
        out.print(report["judged_note"])


@eval_app.command("dups")
def eval_dups_cmd(qrels: Path = typer.Option(..., "--qrels"), as_json: bool = typer.Option(False, "--json")) -> None:
    """Pairwise precision/recall/F1 of copy detection over judged pairs."""
    _eval_pairs("dups", qrels, as_json)


@eval_app.command("stories")
def eval_stories_cmd(qrels: Path = typer.Option(..., "--qrels"), as_json: bool = typer.Option(False, "--json")) -> None:
    """Pairwise precision/recall/F1 of story clustering over judged pairs (g=3 vs g≤1)."""
    _eval_pairs("stories", qrels, as_json)


def _eval_pairs(kind: str, qrels: Path, as_json: bool) -> None:
    from .eval.report import evaluate_pairs

    with open_store() as store:
        report = evaluate_pairs(store, state.settings, qrels, kind)
    _print_pairs(report, as_json)


def _print_pairs(report: dict, as_json: bool) -> None:
    if as_json:
        _print_json(report)
        return
    out.print(f"precision {report['precision']:.4f}  recall {report['recall']:.4f}  F1 {report['f1']:.4f}"
              f"  (tp {report['tp']}, fp {report['fp']}, fn {report['fn']}; pairs missing from the DB: {report['missing']})")


@eval_app.command("gate")
def eval_gate_cmd(
    qrels: Path = typer.Option(..., "--qrels"),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Stored figures [default: the packaged baseline.json]"),
    tolerance: float = typer.Option(0.005, "--tolerance", help="Allowed drop (rise for copies@10) before failing"),
    update: bool = typer.Option(False, "--update", help="Write today's figures as the new baseline"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Fail (exit 1) when dev quality falls below the stored baseline: related, copies, stories."""
    from .eval.gate import compare_to_baseline, load_baseline, measure_gated, write_baseline

    with open_store() as store:
        measured = measure_gated(store, state.settings, qrels)
    if update:
        write_baseline(measured, baseline)
    rows = compare_to_baseline(measured, load_baseline(baseline), tolerance)
    failed = [r for r in rows if not r.ok]
    if as_json:
        _print_json({"passed": not failed, "tolerance": tolerance, "rows": [vars(r) for r in rows]})
    else:
        table = Table("figure", "baseline", "measured", "must", "result", title="quality gate (dev qrels)")
        for r in rows:
            table.add_row(f"{r.section} {r.metric}", f"{r.baseline:.4f}", f"{r.measured:.4f}",
                          "not fall" if r.direction == "up" else "not rise",
                          Text("ok", "green") if r.ok else Text("REGRESSED", "bold red"))
        out.print(table, soft_wrap=False)
    if failed:
        _error(", ".join(f"{r.section} {r.metric}" for r in failed), label="quality gate failed")
        raise typer.Exit(1)


# --- demo -----------------------------------------------------------------------------------------
@app.command("demo")
def demo_cmd(
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the web pages after preparing"),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
) -> None:
    """Import the built-in demo corpus (into ./khabar-demo.db unless --db is given), index, serve."""
    from importlib import resources

    from .ingest.bulk import import_paths
    from .pipeline import build_indexes, load_engine
    from .rank.dense import embed_missing
    from .web.views import related_json, story_page

    db = state.settings.db if state.settings.db != "khabar.db" else "khabar-demo.db"
    state.settings = Settings(db=db)
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
            out.print(f"\n{data['article']['title']}")
            out.print("  also reported by: " + "، ".join(sorted({c['outlet'] for c in data['also_reported_by']})))
            for s in data["similar"][:5]:
                out.print(f"  • {s['title']} [{s['outlet']}]")
        # A running story: the one whose page links the most related stories (its developments).
        pages = [story_page(store, st["id"], engine) for st in store.list_stories(limit=200)]
        running = max(pages, key=lambda p: (len(p["related_stories"]), p["article_count"]), default=None)
        if running and running["related_stories"]:
            out.print(f"\nstory {running['id']}: {running['label']}  ({running['article_count']} articles)")
            for r in running["related_stories"]:
                out.print(f"  ↔ {(r['first_time'] or '')[:10]}  {r['label']}")
    if serve:
        _serve(db, host, port)


def _serve(db: str, host: str, port: int) -> None:
    try:
        from .web.app import create_app
    except ImportError:
        out.print("the web server is not available in this build; run `khabar related URL` to explore")
        return
    import uvicorn

    from .store import StoreUnavailable

    try:
        web_app = create_app(Settings(db=db))
    except StoreUnavailable as e:
        _error(str(e))
        raise typer.Exit(1)
    out.print(f"serving http://{host}:{port}/  (Ctrl-C to stop)")
    uvicorn.run(web_app, host=host, port=port, log_level="warning")


@app.command("serve")
def serve_cmd(host: str = typer.Option("127.0.0.1", "--host"), port: int = typer.Option(8000, "--port")) -> None:
    """Serve the JSON API and the web pages."""
    _serve(state.settings.db, host, port)


# --- live sources and crawling ---------------------------------------------------------------------
sources_app = typer.Typer(help="Feeds, section pages and sitemaps to follow.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")


@sources_app.command("add")
def sources_add(
    url: str = typer.Argument(...),
    name: Optional[str] = typer.Option(None, "--name"),
    kind: str = typer.Option("feed", "--kind", help="feed | page | sitemap"),
    allow_private: bool = typer.Option(False, "--allow-private", help="Lift the SSRF guard for this source and its pages"),
) -> None:
    """Follow a source."""
    from .ingest.urls import InvalidURL, canonical_url
    from .models import Source

    _require_choice("--kind", kind, ("feed", "page", "sitemap"))
    try:
        url = canonical_url(url)
    except InvalidURL as exc:
        _error(str(exc))
        raise typer.Exit(2)
    with open_store() as store:
        src = store.add_source(Source(url=url, name=name or url, kind=kind, allow_private=allow_private))
        out.print(f"source {src.id}: {url} ({kind}{', private addresses allowed' if allow_private else ''})")


@sources_app.command("list")
def sources_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Sources with health: last success, last error, consecutive failures, next poll."""
    from dataclasses import asdict

    with open_store() as store:
        sources = store.list_sources()
    if as_json:
        _print_json([asdict(s) for s in sources])
        return
    table = Table("id", "kind", "enabled", "url", "last success", "last error", "failures", "next poll")
    for s in sources:
        table.add_row(str(s.id), s.kind, "yes" if s.enabled else "no", s.url, s.last_success or "—",
                      s.last_error or "—", str(s.consecutive_failures), s.next_poll or "now")
    out.print(table)


def _set_enabled(source_id: int, enabled: bool) -> None:
    with open_store() as store:
        match = [s for s in store.list_sources() if s.id == source_id]
        if not match:
            _error(f"no source {source_id}")
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


@app.command("crawl")
def crawl_cmd(
    once: bool = typer.Option(False, "--once", help="One round over all enabled sources, then exit"),
    delay: float = typer.Option(1.0, "--delay", help="Seconds between requests to one host"),
) -> None:
    """Poll sources: fetch new articles, clean, store, then copies, stories and indexes."""
    import logging
    import signal
    import threading

    from .ingest.fetch import Fetcher, FetchOptions
    from .ingest.live import crawl_forever, crawl_once

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # our fetcher logs each request once
    log = logging.getLogger("khabar.crawl")
    store = open_store()
    fetcher = Fetcher(FetchOptions(per_host_delay=delay))
    try:
        if once:
            for r in crawl_once(store, state.settings, fetcher, stop):
                log.info("%s: %d new of %d%s%s", r.source, r.new, r.seen, " (not modified)" if r.not_modified else "",
                         f", {len(r.errors)} errors" if r.errors else "")
                for e in r.errors[:20]:
                    log.info("  error: %s", e)
        else:
            crawl_forever(store, state.settings, fetcher, stop, log=log.info)
    finally:
        fetcher.close()
        store.close()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
