"""Indexes and what they hold: index, dups, stories, story, embed."""

from __future__ import annotations

import json
import sys
from typing import Optional

import typer
from rich.text import Text

from .common import MAX_COUNT, STEP_NAMES, app, index_status, minute_text, open_store, out, print_error, print_json, progress_bar, require_choice, span_days, state


# --- indexes, copies, stories -----------------------------------------------------------
@app.command("index")
def index_cmd(force: bool = typer.Option(False, "--force", help="Rebuild even if nothing changed")) -> None:
    """Build copies, stories and the related-articles index (idempotent)."""
    from ..pipeline import build_indexes

    with open_store() as store:
        with index_status("building indexes") as on_step:
            report = build_indexes(store, state.settings, force=force, on_step=on_step)
    if report.get("skipped"):
        out.print("indexes are up to date")
    else:
        out.print(
            f"indexed {report['articles']} articles: {report['copy_links']} copy links, "
            f"{report['stories']} stories ("
            + ", ".join(f"{STEP_NAMES.get(step, step)} {seconds:.1f} s" for step, seconds in report["seconds"].items()) + ")"
        )


@app.command("dups")
def dups_cmd(fmt: str = typer.Option("tsv", "--format", help="tsv: url_a<TAB>url_b<TAB>score")) -> None:
    """Every copy pair (exact or near): all pairs within each copy group, then the pairs
    across groups."""
    from ..pipeline import build_indexes, copy_pairs

    require_choice("--format", fmt, ("tsv",))
    with open_store() as store:
        build_indexes(store, state.settings)
        for a, b, score in copy_pairs(store, state.settings):
            sys.stdout.write(f"{a}\t{b}\t{score}\n")


@app.command("stories")
def stories_cmd(
    fmt: str = typer.Option("table", "--format", help="jsonl: one {url, story} per article; table: the latest stories"),
    limit: int = typer.Option(30, "--limit", min=1, max=MAX_COUNT),
) -> None:
    """Story assignment of every article (jsonl), or the latest stories."""
    from ..pipeline import build_indexes

    require_choice("--format", fmt, ("table", "jsonl"))
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
            out.print(f"{st['id']:>6}  {st['article_count']:>8}  {st['outlet_count']:>7}  {minute_text(st['first_time']):16}  "
                      f"{_span_days(st['first_time'], st['last_time']):>5}  {st['label']}")


def _span_days(first: str | None, last: str | None) -> str:
    days = span_days(first, last)
    return "" if days is None else f"{days:.1f}"


@app.command("story")
def story_cmd(story_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """A story's articles in time order, then its related stories."""
    from ..pipeline import load_engine
    from ..web.views import story_page

    with open_store() as store:
        if store.get_story(story_id) is None:
            print_error(f"no story {story_id}")
            raise typer.Exit(1)
        story = story_page(store, story_id, load_engine(store, state.settings))
        if as_json:
            print_json(story)
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




@app.command("embed")
def embed_cmd(
    limit: Optional[int] = typer.Option(None, "--limit", min=0, help="Embed at most this many articles"),
    batch: int = typer.Option(32, "--batch", min=1, max=1024),
) -> None:
    """Compute missing dense vectors (resumable: each batch is committed), then index with them."""
    from ..pipeline import build_indexes
    from ..rank.dense import embed_missing

    with open_store() as store:
        with progress_bar() as progress:
            task = progress.add_task("embed", total=None)
            n = embed_missing(store, batch=batch, limit=limit,
                              progress=lambda done, total: progress.update(task, completed=done, total=total))
        out.print(f"embedded {n} articles")
        if n:
            # Whoever writes indexes: stories re-cluster with the vectors and the ANN index is
            # rebuilt here, so a running server switches to them instead of waiting for a crawl.
            with index_status("indexing with the new vectors") as on_step:
                build_indexes(store, state.settings, on_step=on_step)
