"""Similar articles and the read-also pick: one article, or a TREC run for a query file."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.text import Text

from .common import (app, open_store, out, print_error, print_json, read_file_or_exit, read_page, require_article,
                     require_choice, state)


# --- related ----------------------------------------------------------------------------------
@app.command("related")
def related_cmd(
    url: Optional[str] = typer.Argument(None, help="The article URL"),
    k: int = typer.Option(10, "--k", min=1, max=100),
    as_json: bool = typer.Option(False, "--json"),
    queries: Optional[Path] = typer.Option(None, "--queries", help="A file of article URLs, one a line"),
    fmt: str = typer.Option("text", "--format", help="text | json | trec (with --queries)"),
    no_dense: bool = typer.Option(False, "--no-dense", help="Ignore stored embeddings (lexical only)"),
    page: Optional[Path] = typer.Option(None, "--page", help="A text that is not stored: a scraped page or plain text (cleaned first); - reads stdin"),
    title: str = typer.Option("", "--title", help="With --page: its headline"),
    fetch: bool = typer.Option(False, "--fetch", help="A URL that is not stored: fetch its page once (robots.txt and "
                               "the SSRF guard apply), extract it as a crawl does, and rank it without storing it"),
    allow_private: bool = typer.Option(False, "--allow-private", help="With --fetch: a page on a private or local address"),
    explain: bool = typer.Option(False, "--explain", help="Why each item is listed: lexical share, e5 cosine, days apart, "
                                 "shared stems (a stored article)"),
) -> None:
    """Read-also pick, similar articles and copies ("also reported by") for an article, or for
    a text that is not stored (--page, or a live page with --fetch)."""
    from ..ingest.urls import article_id_for_url
    from ..pipeline import load_engine
    from ..web.views import outlet_names, related_json

    require_choice("--format", fmt, ("text", "json", "trec") if queries is not None else ("text", "json"))
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
                    sys.stdout.write(json.dumps(related_json(store, result, copies=engine.ranker), ensure_ascii=False) + "\n")
            if missing:
                print_error(f"{missing} query URL(s) not in the database", label="warning", style="yellow")
            return
        if page is not None:
            data = _related_to_page(store, engine, page, title, k, embed=not no_dense)
        elif not url:
            print_error("give an article URL, --queries FILE or --page FILE")
            raise typer.Exit(2)
        elif fetch and article_id_for_url(store, url) is None:
            data = _related_to_fetched(store, engine, url, k, not no_dense, allow_private)
        else:
            aid = require_article(store, url)
            result = engine.related(aid, k)
            data = related_json(store, result, why=engine.explain(aid, result) if explain else None,
                                copies=engine.ranker)
        if as_json or fmt == "json":
            print_json(data)
            return
        art = data["article"]
        names_of = outlet_names(store)
        name = lambda key: names_of.get(key) or key  # noqa: E731
        if page is not None or "fetched" in art:
            where = f"fetched {art['fetched']}" if "fetched" in art else page
            out.print(Text.assemble((art["title"] or "—", "bold"), f"  (not stored: {where}, {art['body_paragraphs']} paragraphs)"))
        else:
            out.print(Text.assemble((art["title"], "bold"), f"  ({name(art['outlet'])}, {art['time'] or 'no date'})"))
        if data["also_reported_by"]:
            names = "، ".join(sorted({name(c["outlet"]) for c in data["also_reported_by"]}))
            out.print(f"also reported by: {names}")
            for c in data["also_reported_by"]:
                out.print(f"   = {name(c['outlet'])}: {c['title']}  {c['url']}")
        if data["read_also"]:
            ra = data["read_also"]
            out.print(f"\nإقرأ أيضاً (read also): {ra['title']}  ({name(ra['outlet'])}, {ra['time'] or 'no date'})  {ra['url']}")
            _print_why(ra)
        out.print("\nمقالات مشابهة (similar):")
        for n, s in enumerate(data["similar"], start=1):
            out.print(f"{n:2}. {s['title']}  ({name(s['outlet'])}, {s['time'] or 'no date'})  {s['url']}")
            _print_why(s)
        if not data["similar"]:
            out.print("  — none related closely enough")


def _print_why(card: dict) -> None:
    why = card.get("why")
    if why:
        parts = [f"lexical {why['lexical_share']:.2f} of the article's own"]  # its match with itself is the best there is
        if why["e5_cosine"] is not None:
            parts.append(f"e5 {why['e5_cosine']:.3f}")
        if why["days_apart"] is not None:
            parts.append(f"{why['days_apart']:+.1f} days")
        out.print("      why: " + " · ".join(parts) + (f" · shared stems: {'، '.join(why['shared_terms'])}" if why["shared_terms"] else ""))


def _related_to_page(store, engine, path: Path, title: str, k: int, embed: bool) -> dict:
    """The related block of a page that is not stored: its body as the cleaner splits it (a
    scraped page's read-also, similar and source lines are not the article)."""
    from ..ingest.clean import clean_page
    from ..web.views import related_json

    text = read_page(path)
    body = clean_page(text).body
    if not (title.strip() or body):
        print_error(f"{path}: no article text in it")
        raise typer.Exit(1)
    result = engine.related_to_text(title.strip(), body, k, embed=embed)
    return related_json(store, result, text={"title": title.strip(), "body_paragraphs": len(body)},
                        copies=engine.ranker)


def _related_to_fetched(store, engine, url: str, k: int, embed: bool, allow_private: bool) -> dict:
    """The related block of a live page that is not stored: fetched once with a crawl's
    politeness and limits, extracted as a crawl extracts it (trafilatura, then the cleaner),
    ranked as a text that is not stored, at its own time, and not stored."""
    from urllib.parse import urlsplit

    from ..ingest.fetch import Fetcher, FetchError, FetchOptions
    from ..ingest.live import extract_article
    from ..web.views import related_json

    fetcher = Fetcher(FetchOptions(allow_private=allow_private, retries=1, proxy=state.settings.proxy or None))
    try:
        page = fetcher.fetch(url)
        article = extract_article(page.text(), page.url, urlsplit(page.url).hostname or "")
    except FetchError as exc:
        print_error(f"{url}: {exc.reason}")
        raise typer.Exit(1) from None
    finally:
        fetcher.close()
    result = engine.related_to_text(article.title, article.body, k, embed=embed, when=article.time)
    return related_json(store, result, text={"title": article.title, "body_paragraphs": len(article.body),
                                              "fetched": page.url, "time": article.time.isoformat() if article.time else None},
                        copies=engine.ranker)


def _read_lines(path: Path) -> list[str]:
    """The non-blank lines of a UTF-8 text file; a clear error (exit 1) when it cannot be read."""
    data = read_file_or_exit(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        print_error(f"{path}: not UTF-8 text (byte {exc.start})")
        raise typer.Exit(1) from None
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
