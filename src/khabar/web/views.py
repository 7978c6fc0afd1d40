"""Data builders shared by the JSON API, the HTML pages and the CLI (Datasette's habit):
one function builds a page's data, so the views never disagree."""

from __future__ import annotations

from datetime import datetime

from ..models import Article
from ..stories.label import label_text, text_label

__all__ = ["article_json", "article_card", "headline", "latest_page"]


def _iso(t) -> str | None:
    return t.isoformat() if t else None


def article_card(article: Article) -> dict:
    """The short form of an article used in lists."""
    return {
        "id": article.id,
        "url": article.url,
        "title": article.title,
        "outlet": article.outlet,
        "time": _iso(article.time),
        "author": article.author,
        "lead": article.lead[:300],
    }


def headline(card: dict) -> str:
    """What a page shows as an article's headline: its title, else the start of its text, else
    "بلا عنوان". Some records have none (67 of the corpus's), and an empty link cannot be seen
    or clicked. The JSON keeps the stored title as it is."""
    title = (card.get("title") or "").strip()
    if title:
        return title
    return text_label(card.get("lead") or " ".join(card.get("body") or [])) or "بلا عنوان"  # a card's lead, a page's body


def article_json(article: Article) -> dict:
    return {
        "id": article.id,
        "url": article.url,
        "outlet": article.outlet,
        "title": article.title,
        "body": article.body,
        "subheadings": article.subheadings,
        "source_attribution": article.source_attribution,
        "author": article.author,
        "published": _iso(article.published),
        "extracted": _iso(article.extracted),
        "time": _iso(article.time),
        "language": article.language,
        "content_hash": article.content_hash,
        "read_also_on_page": [{"title": r.title, "body": r.body, "url": r.url} for r in article.read_also],
        "similar_on_page": article.similar_titles,
    }


def related_json(store, result, text: dict | None = None, why: dict[int, dict] | None = None, copies=None) -> dict:
    """The related block of an article: read-also, similar list, copies ("also reported by").
    ``text``: what to show as the article when it is not stored (``Engine.related_to_text``);
    ``why``: each listed item's reasons (``Engine.explain``), under its card's ``why``;
    ``copies`` (anything with ``copies_of``, e.g. the ranker): each listed item's own copies
    under its card's ``also_reported_by``, since a listed wire story was carried by other
    outlets too, and the list shows each text once."""
    listed = [s.id for s in result.similar] + ([result.read_also.id] if result.read_also else [])
    their_copies = {aid: copies.copies_of(aid) for aid in listed} if copies is not None else {}
    arts = store.get_articles([*([] if text else [result.article_id]), *listed, *result.copies])
    # The listed items' copies are only named and linked: their heads, not their texts (a wire
    # story can have a dozen copies, and ten items each have theirs).
    heads = {r.id: r for r in store.iter_index_rows([c for cs in their_copies.values() for c in cs], heads_only=True)}

    def card(aid: int, score: float | None = None) -> dict:
        c = article_card(arts[aid])
        if score is not None:
            c["score"] = round(score, 6)
        if why and aid in why:
            c["why"] = why[aid]
        if aid in their_copies:
            c["also_reported_by"] = [copy_ref(heads[o]) for o in their_copies[aid] if o in heads]
        return c

    # The index can be a little older than the data (the writer indexes after it stores):
    # an article deleted since is left out rather than failing the page.
    read_also = result.read_also if result.read_also and result.read_also.id in arts else None
    return {
        "article": text if text else card(result.article_id),
        "read_also": card(read_also.id, read_also.score) if read_also else None,
        "similar": [card(s.id, s.score) for s in result.similar if s.id in arts],
        "also_reported_by": [card(c) for c in result.copies if c in arts],
    }


def article_list(store, outlet, since, until, limit: int, offset: int) -> dict:
    """Articles newest first; ``has_more`` when an older page exists (one row read past the page)."""
    arts = store.list_articles(outlet=outlet, since=since, until=until, limit=limit + 1, offset=offset)
    return {"articles": [article_card(a) for a in arts[:limit]], "limit": limit, "offset": offset,
            "has_more": len(arts) > limit}


def latest_page(store, copies, limit: int, offset: int) -> dict:
    """The latest articles of every outlet, newest first, each text once: a wire story carried by
    five outlets is one line, its newest copy, the others under ``also_reported_by`` (``copies``:
    ``dedupe.groups.CopyGroups`` or the ranker). ``offset`` and ``limit`` count stored
    articles, so pages do not overlap; copies on two pages show once on each."""
    arts = store.list_articles(limit=limit + 1, offset=offset)
    return {"articles": fold_copies(arts[:limit], copies), "limit": limit, "offset": offset, "has_more": len(arts) > limit}


def fold_copies(articles: list[Article], copies) -> list[dict]:
    """Cards of ``articles`` in their order, each text once: an article whose text an earlier one
    already showed (one copy group, or a copy across groups) goes under that card's
    ``also_reported_by`` (``copies``: ``dedupe.groups.CopyGroups`` or the ranker)."""
    cards: list[dict] = []
    by_group: dict[int, dict] = {}
    by_id: dict[int, dict] = {}
    for art in articles:
        group = copies.group_of(art.id)
        shown = by_group.get(group) or next((by_id[p] for p in copies.partners_of(art.id) if p in by_id), None)
        if shown is not None:
            shown["also_reported_by"].append(copy_ref(art))
            continue
        card = article_card(art)
        card["also_reported_by"] = []
        by_group[group] = by_id[art.id] = card
        cards.append(card)
    return cards


def copy_ref(article) -> dict:
    """One "also reported by" entry: enough to link the copy and name its outlet (from an
    Article, or the head of one: ``IndexRow``)."""
    return {"id": article.id, "url": article.url, "outlet": article.outlet}


def other_outlets(refs: list[dict], own: str | None = None) -> list[dict]:
    """The "also reported by" line of a page: one entry per outlet (its first copy), the
    article's own outlet left out. Why: an outlet that ran a wire story twice (an update, a
    second section) was named twice, and "also published by" its own outlet says nothing."""
    seen = {own}
    kept = []
    for ref in refs:
        if ref["outlet"] not in seen:
            seen.add(ref["outlet"])
            kept.append(ref)
    return kept


def outlet_names(store) -> dict[str, str]:
    """Outlet key → display name, for pages and the CLI."""
    return {o["key"]: o["name"] for o in store.outlets()}


# Wider windows the front page falls back to, in days, when a day's news is thin.
WIDER_WINDOWS = (3.0, 7.0, 30.0)


def top_stories(store, window_days: float, limit: int, min_stories: int = 0) -> dict:
    """The front page: the most widely covered stories of the ``window_days`` before the
    newest article (outlets, then articles, counted in the window). The newest stories alone
    were one-outlet market tickers on the corpus.

    With ``min_stories``, a window holding fewer stories widens (3, 7, then 30 days) until it
    holds that many: on a quiet day, a small deployment or the demo, the last 24 hours held
    three one-article stories and the front page hid the week's big ones. The window used is
    returned, and the page names it."""
    stories = store.top_stories(window_days=window_days, limit=limit)
    for wider in (w for w in WIDER_WINDOWS if w > window_days):
        if len(stories) >= min(min_stories, limit):
            break
        window_days, stories = wider, store.top_stories(window_days=wider, limit=limit)
    return {"window_days": window_days, "stories": with_leads(store, stories)}


FRONT_LEAD_CHARS = 200  # of a story's lead on the front page


def with_leads(store, stories: list[dict]) -> list[dict]:
    """Each story with what a front page shows under its label: ``lead``, the start of the
    text of the article whose headline labels it (its newest member when none does), and
    ``outlets``, the outlets that covered it, first reporter first. A label alone does not
    say what happened; a reader scanning a front page reads the first lines. Three reads
    for the whole page, whatever its stories' sizes."""
    members = store.story_members([s["id"] for s in stories])
    story_of = dict(members)
    heads: dict[int, list] = {}
    for row in store.iter_index_rows(list(story_of), heads_only=True):
        heads.setdefault(story_of[row.id], []).append(row)
    picks = {}
    for story in stories:
        rows = sorted(heads.get(story["id"], []), key=lambda r: (r.time is None, r.time or datetime.min, r.id))
        labelled = [r for r in rows if r.title and label_text(r.title) == story["label"]]
        if rows:
            picks[story["id"]] = (labelled or rows)[-1].id
        story["outlets"] = list(dict.fromkeys(r.outlet for r in rows))
    articles = store.get_articles(list(picks.values()))
    for story in stories:
        article = articles.get(picks.get(story["id"], -1))
        story["lead"] = text_label(article.lead, FRONT_LEAD_CHARS) if article else ""
    return stories


def story_page(store, story_id: int, engine, with_related: bool = True) -> dict | None:
    """A story's articles in time order; a copy is listed under the first article of its text
    ("also reported by"), not again as a development. ``related_stories`` (oldest first, a
    timeline) are the stories its articles are most similar to (``Engine.related_stories``);
    ``with_related=False`` leaves them out for a view that shows none (the story's Atom feed),
    since finding them ranks up to eight of its articles."""
    story = store.get_story(story_id)
    if story is None:
        return None
    arts = store.get_articles(story["article_ids"])
    story["articles"] = fold_copies([arts[i] for i in story["article_ids"] if i in arts], engine.ranker)
    if not with_related:
        return story
    linked = engine.related_stories(story_id, story["article_ids"])
    others = store.get_stories([sid for sid, _ in linked])  # one read; a story re-clustered since is absent
    related = [{**others[sid], "score": score} for sid, score in linked if sid in others]
    story["related_stories"] = sorted(related, key=lambda s: (s["first_time"] or "", s["id"]))
    return story


def outlets_json(store) -> dict:
    """Outlets with article counts, time span and crawl health (from the sources on their host)."""
    from urllib.parse import urlsplit

    sources_by_host: dict[str, list] = {}
    for src in store.list_sources():
        host = (urlsplit(src.url).hostname or "").removeprefix("www.")
        sources_by_host.setdefault(host, []).append(src)
    outlets = []
    for o in store.outlets():
        srcs = sources_by_host.get(o["key"], [])
        o["health"] = {
            "sources": len(srcs),
            "last_success": max((s.last_success for s in srcs if s.last_success), default=None),
            "last_error": next((s.last_error for s in srcs if s.last_error), None),
            "consecutive_failures": max((s.consecutive_failures for s in srcs), default=0),
            "status": "no live source" if not srcs else (
                "failing" if any(s.consecutive_failures >= 3 for s in srcs) else "ok"),
        }
        outlets.append(o)
    return {"outlets": outlets}


def health(store, serving_version: str | None) -> dict:
    """What a monitor needs to tell a healthy deployment from a stalled one, from cheap reads
    only (a probe every few seconds must not cost a count over the corpus): whether the index
    covers the stored data and the server serves that index, the newest article, and the
    crawl's state (sources failing, the last successful poll)."""
    data_version = store.data_version()
    indexed = store.get_meta("indexed_version")
    newest = store.list_articles(limit=1)
    sources = store.list_sources()
    successes = [s.last_success for s in sources if s.last_success]
    return {
        "status": "ok",
        "index_current": indexed == data_version,  # False while the writer indexes new arrivals
        "serving_current": serving_version is not None and serving_version == indexed,
        "data_version": data_version,
        "indexed_version": indexed,
        "serving_version": serving_version,
        "newest_article": _iso(newest[0].time) if newest else None,
        "sources": {
            "followed": len(sources),
            "enabled": sum(1 for s in sources if s.enabled),
            "failing": sum(1 for s in sources if s.enabled and s.consecutive_failures > 0),
            "last_success": max(successes) if successes else None,
        },
    }
