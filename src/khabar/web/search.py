"""Search: the data of the search page, the API and ``khabar search`` (one function builds it).

The query is analyzed like the index (quoted phrases kept as phrases); the store matches on
stems; what it returns is re-ordered so the words as typed come first (``text.surface``), or
kept newest first; copies of one text are one result. With e5 vectors, a search may also go
by meaning (``rank.semantic``): the articles holding any of its words, ordered by e5 and
by their words together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ..rank.semantic import MeaningRanker, fuse_rankings
from ..store.base import SearchHit
from ..text import analyze, analyze_normalized, normalize_arabic, tokenize
from ..text.surface import query_words, surface_forms, surface_share
from .views import article_card, copy_ref

__all__ = ["SearchRequest", "search_page", "query_terms", "rank_by_surface", "matched_words", "bare_word", "text_snippet"]


MEANING_CANDIDATES = 1000  # word matches (any of the words, best BM25 first) that meaning re-orders


@dataclass(frozen=True)
class SearchRequest:
    """What a search asks, from whichever door (page, API, CLI, feed): the query, filters
    (an outlet's key; ``since`` inclusive, ``until`` exclusive, naive UTC), the page, the order."""

    q: str
    outlet: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 20
    offset: int = 0
    newest_first: bool = False


def search_page(store, request: SearchRequest, copies, meaning: MeaningRanker | None = None,
                story_of: dict[int, int] | None = None) -> dict:
    """Arabic search: the query is analyzed like the index (normalized + stemmed), BM25 ranked.

    Copies of one text are one result (``copies``: ``dedupe.groups.CopyGroups`` or the ranker):
    the best-ranked copy, with the others under ``also_reported_by``, so five outlets' wire story
    does not fill a page. The request's
    ``offset`` and ``limit`` count results; ``total`` counts matching articles. ``newest_first``:
    the matches in time order, newest first, instead of by relevance.

    ``meaning`` (where the index has e5 vectors): go by meaning too. The candidates become
    every article holding any of the words (``total`` counts those), the ``MEANING_CANDIDATES``
    best of them ordered by e5, fused with the word ranking; so an article that says the same
    in other words can come up, one sharing no word cannot. Newest first stays with the words:
    a time order of everything sharing a word would be mostly noise. ``semantic`` in the
    result says whether meaning took part.

    ``story_of`` (article id → story id, the ranker's): each result names its story when the story
    holds more than the result itself (``story``: id, label, article count), the way to the
    event's whole coverage from any one wording of it.
    """
    q, outlet, since, until = request.q, request.outlet, request.since, request.until
    limit, offset, newest_first = request.limit, request.offset, request.newest_first
    terms = query_terms(q)
    # Collapsing needs the hits before this page too (a group's best copy may sit earlier).
    want = offset + limit
    fetch = 4 * want + 20  # bounded by the matches themselves
    semantic = meaning is not None and not newest_first and bool(terms)
    hits, total = store.search(terms, outlet=outlet, since=since, until=until, limit=fetch, offset=0,
                               newest_first=newest_first)
    if semantic:  # every article holding any of the words, best first: what meaning orders
        any_word, any_total = store.search(terms, outlet=outlet, since=since, until=until,
                                           limit=max(MEANING_CANDIDATES, fetch), offset=0, match_all=False)
    if not hits and len(terms) > 1:
        # No article holds every word: those holding any, best first (with meaning, already read).
        hits, total = ((any_word[:fetch], any_total) if semantic else
                       store.search(terms, outlet=outlet, since=since, until=until, limit=fetch, offset=0,
                                    match_all=False, newest_first=newest_first))
    stems = [stem for t in terms for stem in t.split()]  # a phrase's words, one by one
    typed = query_words(q, stems)  # the query's words as typed (re-ranking and highlights)
    if not newest_first:
        hits = rank_by_surface(store, typed, hits)
    if semantic:
        by_meaning = meaning.order(q, [h.id for h in any_word])
        hits = [SearchHit(aid, score) for aid, score in fuse_rankings([h.id for h in hits], by_meaning)]
        total = any_total
    shown, seen, covered = [], set(), set()
    for h in hits:
        group = copies.group_of(h.id)
        if group not in seen and h.id not in covered:
            seen.add(group)
            covered.update(copies.partners_of(h.id))  # its copies across groups
            shown.append(h)
    page_hits = shown[offset:want]
    others = {h.id: copies.copies_of(h.id) for h in page_hits}
    arts = store.get_articles([h.id for h in page_hits] + [c for ids in others.values() for c in ids])
    story_ids = {h.id: story_of[h.id] for h in page_hits if story_of and h.id in story_of}
    stories = store.get_stories(list(set(story_ids.values()))) if story_ids else {}
    results = []
    for h in page_hits:
        card = article_card(arts[h.id])
        card["score"] = round(h.score, 4)
        card["snippet"] = text_snippet(arts[h.id], stems, typed)
        card["matched"] = matched_words(arts[h.id].title + " " + card["snippet"], stems, typed)
        card["also_reported_by"] = [copy_ref(arts[c]) for c in others[h.id] if c in arts]
        story = stories.get(story_ids.get(h.id))
        card["story"] = ({"id": story["id"], "label": story["label"], "article_count": story["article_count"]}
                         if story and story["article_count"] > 1 else None)
        results.append(card)
    has_more = len(shown) > want or (not semantic and len(hits) == fetch and fetch < total)
    return {"q": q, "terms": terms, "total": total, "results": results, "limit": limit, "offset": offset,
            "has_more": has_more, "sort": "newest" if newest_first else "relevance", "semantic": semantic}


# A phrase in quotes ("…", «…», “…”): its words must follow one another (stopwords aside, as
# in the index). The store takes it as one term of space-joined stems.
_PHRASE = re.compile(r'"([^"]+)"|«([^»]+)»|“([^”]+)”')


def query_terms(q: str) -> list[str]:
    """The analyzed query: a stem per word, and one space-joined term per quoted phrase."""
    terms: list[str] = []
    for m in _PHRASE.finditer(q):
        stems = analyze(next(g for g in m.groups() if g is not None))
        if stems:
            terms.append(" ".join(stems))
    rest = _PHRASE.sub(" ", q)
    terms.extend(analyze(rest.replace('"', " ")))  # an unpaired quote is just punctuation
    return list(dict.fromkeys(terms))


SURFACE_BOOST = 1.0  # a hit holding every query word as typed scores up to this much more


def rank_by_surface(store, words: list[set[str]], hits: list[SearchHit]) -> list[SearchHit]:
    """Hits re-ordered so that texts holding the query's ``words`` themselves (``query_words``)
    come before texts sharing only their stems (``text.surface``): "كورونا" put the two Koreas
    first (كورية and كورونا share a stem, and the Korea piece was newer), "سيول جدة" a stock
    market's liquidity (سيولة). Stems still decide what matches; this only re-orders what was fetched."""
    if not hits or not words:
        return hits
    # The byline too: a search for a reporter matches it (``Analysis.author_terms``).
    texts = {r.id: f"{r.title_norm} {r.body_norm} {normalize_arabic(r.author or '')}"
             for r in store.iter_index_rows([h.id for h in hits])}
    boosted = [(h.score * (1.0 + SURFACE_BOOST * surface_share(words, texts.get(h.id, ""))), i, h)
               for i, h in enumerate(hits)]
    boosted.sort(key=lambda x: (-x[0], x[1]))
    return [SearchHit(h.id, score) for score, _, h in boosted]


WORD_EDGES = "،,.:؛!؟?«»\"()"  # punctuation a display word may carry that is not part of it


def bare_word(word: str) -> str:
    """A display word without the punctuation around it: what ``matched_words`` returns and
    what the page compares a title's words with when it marks them."""
    return word.strip(WORD_EDGES)


def matched_words(text: str, terms: list[str], typed: list[set[str]] | None = None) -> list[str]:
    """Display words of ``text`` whose stem is a query term (what a page highlights). With the
    query's words as ``typed`` (``query_words``): where the text holds one of them as typed,
    only that form of its stem is highlighted (for "سيول", the floods, not "السيولة" beside them)."""
    wanted = set(terms)
    typed = typed or []
    found: list[tuple[str, str, bool]] = []  # (display word, stem, as typed)
    for word in text.split():
        norm = normalize_arabic(word)
        for t in tokenize(norm):  # letters and digits only: «كورونا» is كورونا
            # As the index has it: a stopword is no match ("إلى" stems like "آل" but is not indexed).
            stem = next(iter(analyze_normalized(t)), "")
            if stem and stem in wanted:
                found.append((bare_word(word), stem, any(w & surface_forms(t) for w in typed)))
                break
    typed_stems = {stem for _, stem, as_typed in found if as_typed}
    out = [word for word, stem, as_typed in found if as_typed or stem not in typed_stems]
    return list(dict.fromkeys(out))


SNIPPET_WORDS = 32  # about two lines of a result
SNIPPET_BEFORE = 8  # words kept before the first match
SNIPPET_PARAGRAPHS = 40  # paragraphs looked through for a match (a long text's tail is not read)


def text_snippet(article, terms: list[str], typed: list[set[str]] | None = None) -> str:
    """What a result shows under its headline: the words around the first place the text holds
    the query (from its lead on; "…" where cut), else the start of its lead. A result matched
    deep in the text is otherwise a headline that does not say why it is there."""
    body = [p for p in article.body if p not in article.subheadings]
    lead = article.lead
    # From the lead's paragraph on, whole (a byline glued to it is where a reporter's name matches).
    start = next((i for i, p in enumerate(body) if p.endswith(lead)), 0) if lead else 0
    for p in body[start:start + SNIPPET_PARAGRAPHS]:
        words = p.split()
        found = set(matched_words(p, terms, typed))
        first = next((i for i, w in enumerate(words) if bare_word(w) in found), None)
        if first is not None:
            begin = max(0, min(first - SNIPPET_BEFORE, len(words) - SNIPPET_WORDS))
            return _cut(words, begin)
    return _cut(lead.split(), 0)


def _cut(words: list[str], begin: int) -> str:
    end = begin + SNIPPET_WORDS
    return ("… " if begin > 0 else "") + " ".join(words[begin:end]) + (" …" if end < len(words) else "")
