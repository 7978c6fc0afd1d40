"""Orchestrators: one function per use case, reading like a recipe (Miniflux's habit)."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

import numpy as np

from .dedupe.copies import build_shingles, containment, find_arrival_copies, find_copy_links, find_copy_pairs
from .dedupe.groups import CopyGroups
from .models import Article
from .rank.dense import MODEL_NAME, append_ann, build_ann, embed_missing, embed_query, load_ann, load_vectors
from .rank.lexical import LexicalIndex, build_lexical_index, days_since_epoch, extend_lexical_index
from .rank.related import Ranker, RelatedResult
from .rank.semantic import MeaningRanker
from .settings import IndexSettings, Settings
from .stories.cluster import StoryState, assign_stories
from .stories.identity import carry_story_ids
from .stories.label import label_text, pick_label_rows, text_label
from .stories.related import pick_probes, rank_related_stories
from .store import Store

__all__ = ["build_indexes", "index_arrivals", "load_engine", "Engine", "copy_pairs"]

LEXICAL_BLOB = "lexical-v1"
ANN_BLOB = "ann-e5-hnsw-v1"
STORY_ID_HIGH = "story_id_high"  # the highest story id ever handed out
TEXT_COPY_CANDIDATES = 30  # a text that is not stored is checked for copies among this many nearest


def index_arrivals(store: Store, settings: Settings, new_ids: list[int], progress=None,
                   on_step: Callable[[str], None] | None = None) -> dict:
    """A round of new arrivals (a crawl round, an import): their e5 vectors first when
    ``IndexSettings.embed_arrivals`` asks for them, then the indexes for the arrivals only.

    Order matters: vectors that exist when the round is indexed join the arrivals to stories
    on dense evidence at once; vectors added afterwards by ``khabar embed`` are new vectors
    for indexed articles, which that command's own build re-clusters with.
    """
    if settings.index.embed_arrivals and new_ids:
        embed_missing(store, only_ids=new_ids, progress=progress)
    return build_indexes(store, settings, new_ids=new_ids, on_step=on_step)


def build_indexes(
    store: Store,
    settings: Settings,
    force: bool = False,
    new_ids: list[int] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> dict:
    """Build everything related/search/dups/stories need. Idempotent: unchanged data is skipped.

    With ``new_ids`` (new arrivals) and everything else already assigned, only the arrivals
    are added: appended to the stored lexical index, checked for copies against their
    nearest articles, assigned to stories in time order on top of the stored state; vectors
    that came with them (``index_arrivals``) are added to the ANN index. Deletions and
    arrivals past ``IndexSettings.rebuild_share`` rebuild.

    Vectors stored meanwhile for indexed articles (a ``khabar embed`` running beside the
    crawler) do not make a round rebuild: it stays incremental, uses them for the arrivals,
    and builds the ANN index anew (0.8 s at 31k rather than a 33-second rebuild per round
    for the hour the embedding takes). The stored stories then lack those vectors' evidence,
    so the next build without arrivals (``embed``'s own, ``khabar index``) rebuilds in full.
    """
    version = store.data_version()
    stories_lack_vectors = store.get_meta("indexed_vectors") != str(store.count_embeddings())
    if not force and store.get_meta("indexed_version") == version and (new_ids or not stories_lack_vectors):
        return {"skipped": True, "version": version}
    timings: dict[str, float] = {}

    def timed(stage: str):  # each step timed, and named as it starts (the CLI's spinner says which)
        if on_step:
            on_step(stage)
        return _timed(timings, stage)

    with timed("load"):
        # Heads first (ids, times, hashes, titles): a round of arrivals needs the texts and
        # stems of the arrivals and of their copy candidates only; a full build reads them all.
        heads_only = bool(new_ids) and not force  # a round that may prove incremental
        rows = list(store.iter_index_rows(heads_only=heads_only))  # time order
        members = dict(store.story_members())
        stored = {r.id for r in rows}
        arrivals = set(new_ids or ()) & stored
        before = stored - arrivals  # what the stored indexes cover when only the arrivals are new
        indexed_version = store.get_meta("indexed_version")
        gained = _vectors_gained(store, arrivals)  # (the arrivals', other articles'), None: unknown
        incremental = not force and bool(new_ids) and gained is not None and set(members) == before
        if incremental:
            full = {r.id: r for r in store.iter_index_rows(sorted(arrivals))}
            rows = [full.get(r.id, r) for r in rows]
        elif heads_only:
            rows = list(store.iter_index_rows())
    # Order matters: the lexical index first (arrivals find their copy candidates in it),
    # then copies (stories fold a copy into its canonical's story), then stories.
    with timed("lexical"):
        lexical = _appended_index(store, rows, before, arrivals, settings.index) if incremental else None
        appended = lexical is not None
        if appended:
            # Rows follow the index: time order at its last full build, then arrivals appended.
            by_id = {r.id: r for r in rows}
            rows = [by_id[int(a)] for a in lexical.ids]
        else:
            if incremental:  # too many arrivals to append: the index is built from every text
                rows = list(store.iter_index_rows())
            lexical = build_lexical_index(rows)
        row_of = {r.id: i for i, r in enumerate(rows)}
        new_rows = sorted(row_of[i] for i in arrivals) if incremental else None
    with timed("copies"):
        links = _index_copies(store, rows, lexical, new_rows, settings)
    with timed("stories"):
        vectors = _row_vectors(store, lexical)
        n_stories = _index_stories(store, rows, row_of, lexical, links, members, new_rows, vectors, settings)
    store.put_blob(LEXICAL_BLOB, version, lexical.to_bytes())
    ann = None
    if vectors is not None:
        with timed("ann"):
            # Other articles' new vectors are rows already in the graph: only a build takes them.
            appendable = appended and gained[1] == 0
            ann = _appended_ann(store, vectors, indexed_version, lexical.size - len(arrivals)) if appendable else None
            store.put_blob(ANN_BLOB, version, ann or build_ann(vectors))
    store.set_meta("indexed_version", version)
    # The vectors the stored stories were clustered with (see the docstring: fewer than stored
    # after a round that found vectors for other articles).
    clustered = int(store.get_meta("indexed_vectors")) + gained[0] if incremental else store.count_embeddings()
    store.set_meta("indexed_vectors", str(clustered))
    return {
        "skipped": False,
        "incremental": incremental,
        "lexical_appended": appended,
        "ann_appended": ann is not None,
        "version": version,
        "articles": len(rows),
        "copy_links": len(links),
        "stories": n_stories,
        "seconds": {k: round(v, 2) for k, v in timings.items()},
    }


@contextmanager
def _timed(timings: dict[str, float], stage: str):
    t = time.perf_counter()
    yield
    timings[stage] = time.perf_counter() - t


def _index_copies(store: Store, rows, lexical: LexicalIndex, new_rows: list[int] | None, settings: Settings) -> list:
    """Copy links of every article, and the copy pairs the groups keep apart: the arrivals'
    added to the stored ones, or all anew."""
    if new_rows is None:
        shingles = build_shingles(rows, settings.dedupe)
        links = find_copy_links(shingles, settings.dedupe)
        pairs = find_copy_pairs(shingles, settings.dedupe, {a: c for a, c, _, _ in links})
        store.replace_copies(links)
        store.replace_cross_copies(pairs)
        return links
    existing = store.copy_links()
    canonical = {a: c for a, c, _, _ in existing}
    found = find_arrival_copies(rows, lexical.vectors, new_rows, canonical, settings.dedupe,
                                with_texts=lambda heads: _with_texts(store, heads))
    store.add_copies(found.links)
    store.add_cross_copies(found.pairs)
    return existing + found.links


def _index_stories(store: Store, rows, row_of: dict[int, int], lexical: LexicalIndex, links: list,
                   members: dict[int, int], new_rows: list[int] | None, vectors: np.ndarray | None,
                   settings: Settings) -> int:
    """Assign stories (the arrivals on top of the stored state, or everything anew) and store them."""
    copy_rows = {row_of[a]: row_of[c] for a, c, _, _ in links}
    # Story ids are handed out once: the high-water mark survives stories that disappear.
    first_free = max(int(store.get_meta(STORY_ID_HIGH) or 0), max(members.values(), default=0)) + 1
    state = _stored_story_state(rows, members, first_free) if new_rows is not None else None
    state = assign_stories(lexical, settings.stories, copy_rows, state=state, only_rows=new_rows, vectors=vectors)
    story_of = state.story_of
    if new_rows is None and members:
        # A rebuild numbers stories afresh: carry the ids readers know over to the new stories.
        carried = carry_story_ids({rows[i].id: sid for i, sid in story_of.items()}, members, first_free)
        story_of = {row_of[aid]: sid for aid, sid in carried.items()}
    store.set_meta(STORY_ID_HIGH, str(max([first_free - 1, *story_of.values()])))
    # A round of arrivals changes only the stories they joined or opened (none loses a member).
    changed = None if new_rows is None else {story_of[i] for i in new_rows}
    touched = story_of if changed is None else {i: sid for i, sid in story_of.items() if sid in changed}
    stories, story_rows = _story_records(rows, touched, pick_label_rows(lexical.title_vectors, touched),
                                         lambda aid: getattr(store.get_article(aid), "lead", ""))  # None: deleted since
    write = store.replace_stories if changed is None else store.upsert_stories
    write(stories, story_rows)
    return len(set(story_of.values()))


def _with_texts(store: Store, rows: list) -> list:
    """``rows`` with their texts and stems (read for those that are heads only), same order."""
    missing = {r.id for r in rows if not r.body_norm and not r.title_norm}
    if len(missing) > 20000:  # most of a corpus: one scan reads it faster than id lookups
        full = {r.id: r for r in store.iter_index_rows() if r.id in missing}
    else:
        full = {r.id: r for r in store.iter_index_rows(sorted(missing))} if missing else {}
    return [full.get(r.id, r) for r in rows]


def _vectors_gained(store: Store, arrivals: set[int]) -> tuple[int, int] | None:
    """e5 vectors stored since the stored stories were clustered: (the arrivals', other
    articles'), or None when that cannot be told (never indexed, or fewer vectors than then)."""
    indexed = store.get_meta("indexed_vectors")
    if indexed is None:
        return None
    gained = store.count_embeddings() - int(indexed)
    if gained < 0:
        return None
    if gained == 0:
        return 0, 0
    own = len(arrivals - set(store.ids_without_embedding(MODEL_NAME)))
    return (own, gained - own) if gained >= own else None


def _appended_ann(store: Store, vectors: np.ndarray, indexed_version: str | None, stored_rows: int) -> bytes | None:
    """The last build's ANN index with the arrivals' rows added, or None to build it anew
    (none stored, or not the one built with the stored lexical index)."""
    blob = store.get_blob(ANN_BLOB)
    if blob is None or indexed_version is None or blob[0] != indexed_version:
        return None
    return append_ann(blob[1], vectors, stored_rows)


def _appended_index(store: Store, rows, before: set[int], arrivals: set[int],
                    settings: IndexSettings) -> LexicalIndex | None:
    """The stored lexical index with the arrivals appended, or None when it must be built in
    full: none stored, not exactly the articles ``before`` the arrivals, or too many appended."""
    blob = store.get_blob(LEXICAL_BLOB)
    if blob is None:
        return None
    stored = LexicalIndex.from_bytes(blob[1])
    if not np.isfinite(stored.avgdl) or set(stored.ids.tolist()) != before:
        return None
    if stored.size + len(arrivals) - stored.base_size > settings.rebuild_share * stored.base_size:
        return None
    return extend_lexical_index(stored, [r for r in rows if r.id in arrivals])  # rows: time order


def _stored_story_state(rows, members: dict[int, int], first_free: int) -> StoryState:
    """The clustering state as stored: story per row, members in time order, last seen."""
    state = StoryState()
    for i, r in enumerate(rows):  # index order: time order, then arrivals
        sid = members.get(r.id)
        if sid is None:
            continue
        state.story_of[i] = sid
        state.members.setdefault(sid, []).append(i)
        if r.time:
            t = days_since_epoch(r.time)
            state.last_seen[sid] = max(state.last_seen.get(sid, t), t)
    state.next_id = first_free
    return state


def _story_records(rows, story_of: dict[int, int], label_rows: dict[int, int],
                   lead_of: Callable[[int], str]) -> tuple[list[dict], list[tuple[int, int, float]]]:
    """Story rows and membership rows; ``lead_of`` reads an article's lead, for the rare story
    none of whose articles has a headline (labelled by the start of its first article's text)."""
    by_story: dict[int, list] = {}
    for i, sid in story_of.items():
        by_story.setdefault(sid, []).append(rows[i])
    stories, members = [], []
    for sid, arts in by_story.items():
        arts.sort(key=lambda r: (r.time is None, r.time, r.id))
        times = [r.time for r in arts if r.time]
        label = (label_text(rows[label_rows[sid]].title or next((r.title for r in arts if r.title), ""))
                 or text_label(lead_of(arts[0].id)) or arts[0].url)
        stories.append(
            {
                "id": sid,
                "label": label,
                "first_time": min(times).isoformat() if times else None,
                "last_time": max(times).isoformat() if times else None,
                "article_count": len(arts),
                "outlet_count": len({r.outlet for r in arts}),
            }
        )
        members.extend((r.id, sid, 1.0) for r in arts)
    return stories, members


@dataclass
class Engine:
    """What query-time ranking needs, loaded once per process."""

    store: Store
    settings: Settings
    lexical: LexicalIndex
    ranker: Ranker
    version: str

    lexical_ranker: Ranker | None = None  # the same lists without dense evidence (related stories)

    def related(self, article_id: int, k: int | None = None) -> RelatedResult:
        rows = list(self.store.iter_index_rows([article_id]))
        if not rows:
            raise KeyError(article_id)
        return self._rank(rows[0], self.ranker, k)

    def explain(self, article_id: int, result: RelatedResult) -> dict[int, dict]:
        """Why each item of a stored article's related block is there (``Ranker.explain``)."""
        rows = list(self.store.iter_index_rows([article_id]))
        if not rows:
            return {}
        shown = [s.id for s in result.similar] + ([result.read_also.id] if result.read_also else [])
        return self.ranker.explain(article_id, rows[0].title_terms, rows[0].body_terms, shown)

    def related_to_text(self, title: str, body: list[str], k: int | None = None, embed: bool = True,
                        when: datetime | None = None) -> RelatedResult:
        """Similar articles and a read-also pick for a text that is not stored (a draft in a
        CMS, a page read elsewhere), ranked as a stored article would be, against the same index.

        Its stored copies are found among its nearest articles by the copy rule and shown as
        "also reported by", never listed. With vectors in the index (and ``embed``) the text
        is embedded first: ~0.1 s, the one slow step, which a stored article has done ahead.
        """
        from .dedupe.copies import find_copies_of_text
        from .models import analyze_article
        from .rank.dense import dense_text, embed_passages

        analysis = analyze_article(Article(url="", outlet="", title=title, body=body))
        ranker = self.ranker
        cols, w, _ = self.lexical.text_query(analysis.title_terms, analysis.body_terms, ranker.settings.mlt_terms)
        lex = self.lexical.bm25_scores(cols, w)
        top = np.argpartition(-lex, min(TEXT_COPY_CANDIDATES, len(lex)) - 1)[:TEXT_COPY_CANDIDATES] if len(lex) else np.zeros(0, dtype=np.int64)
        nearest = [int(self.lexical.ids[j]) for j in top[np.argsort(-lex[top])] if lex[j] > 0]  # best first
        found = find_copies_of_text(analysis.body_norm, list(self.store.iter_index_rows(nearest)), self.settings.dedupe)
        groups = dict.fromkeys(ranker.group_of(aid) for aid, _ in found)  # whole groups: canonical, then its copies
        copies = [a for g in groups for a in (g, *ranker.copies_of(g))]
        qv = None
        if embed and ranker.vectors is not None:
            qv = embed_passages([dense_text(title, body)])[0]
        return ranker.related(None, analysis.title_terms, analysis.body_terms, k or self.settings.related.k,
                              query_vector=qv, copies=copies, time_days=days_since_epoch(when))

    def meaning_ranker(self) -> MeaningRanker | None:
        """Search by meaning (``rank.semantic``) where the index has e5 vectors; None: words only."""
        if self.ranker.vectors is None:
            return None
        return MeaningRanker(self.ranker.vectors, self.ranker.row, embed_query)

    def related_stories(self, story_id: int, article_ids: list[int]) -> list[tuple[int, float]]:
        """(story id, score) of the stories related to this one (see ``stories.related``).

        The probes rank lexically even where vectors exist: fused scores lift every e5
        neighbour (on the demo, a fishermen's story linked the flood and the desalination
        plant), and the bar is set on the lexical scale.
        """
        s = self.settings.stories
        ranker = self.ranker
        if ranker.vectors is not None:
            if self.lexical_ranker is None:
                self.lexical_ranker = Ranker(self.lexical, ranker.settings, ranker.copies, ranker.story_of)
            ranker = self.lexical_ranker
        # One read for all probes; an article deleted since the index was built is simply absent.
        rows = self.store.iter_index_rows(pick_probes(article_ids, s.related_probes))
        results = [self._rank(r, ranker) for r in rows]
        return rank_related_stories(story_id, results, self.ranker.story_of.get, s)

    def _rank(self, row, ranker: Ranker, k: int | None = None) -> RelatedResult:
        return ranker.related(row.id, row.title_terms, row.body_terms, k or self.settings.related.k)


def load_engine(store: Store, settings: Settings, use_dense: bool = True, build: bool = True) -> Engine:
    """Load the lexical index, copies, stories and dense vectors.

    ``build=True`` (CLI jobs) brings the indexes up to date first. ``build=False`` (the web
    server) serves the last index built, even when new articles arrived since: the process
    that wrote them (import, crawl) builds, and a request must not run a 30-second rebuild
    beside it. Only a database never indexed at all is built here.
    """
    if build:
        build_indexes(store, settings)
    blob = store.get_blob(LEXICAL_BLOB)
    if blob is None or (build and blob[0] != store.data_version()):
        build_indexes(store, settings, force=True)
        blob = store.get_blob(LEXICAL_BLOB)
    version = blob[0]
    lexical = LexicalIndex.from_bytes(blob[1])
    copies = CopyGroups.from_store(store)
    story_of = dict(store.story_members())
    vectors, ann = None, None
    if use_dense:
        vectors, ann = _load_dense(store, lexical, version, build)
    ranker = Ranker(lexical, settings.related, copies, story_of, vectors, ann)
    return Engine(store, settings, lexical, ranker, version)


def _row_vectors(store: Store, lexical: LexicalIndex) -> np.ndarray | None:
    """Stored e5 vectors aligned with the index rows (zero rows where missing), or None."""
    vecs = load_vectors(store.embeddings(MODEL_NAME))
    if not vecs:
        return None
    row = lexical.row_of()
    dim = len(next(iter(vecs.values())))
    matrix = np.zeros((lexical.size, dim), dtype=np.float32)
    for aid, v in vecs.items():
        if aid in row:
            matrix[row[aid]] = v
    return matrix


def _load_dense(store: Store, lexical: LexicalIndex, version: str, build: bool):
    """Row-aligned vectors and the persisted ANN index of the same ``version`` as the lexical
    index (rebuilt here when stale and ``build``; otherwise dense scores still apply to the
    lexical candidates, without ANN candidates, until the builder catches up)."""
    matrix = _row_vectors(store, lexical)
    if matrix is None:
        return None, None
    blob = store.get_blob(ANN_BLOB)
    if blob is None or blob[0] != version:
        if not build:
            return matrix, None
        blob = (version, build_ann(matrix))
        store.put_blob(ANN_BLOB, version, blob[1])
    return matrix, load_ann(blob[1])


def copy_pairs(store: Store, settings: Settings) -> list[tuple[str, str, float]]:
    """Every pair inside every copy group: (url_a, url_b, score), n·(n−1)/2 per group; then the
    copy pairs across groups (``dedupe.copies.find_copy_pairs``)."""
    links = store.copy_links()
    groups: dict[int, set[int]] = {}
    for aid, canon, _, _ in links:
        groups.setdefault(canon, {canon}).add(aid)
    ids = sorted({a for g in groups.values() for a in g})
    rows = {r.id: r for r in store.iter_index_rows(ids)}
    shingles = build_shingles(list(rows.values()), settings.dedupe)
    hashes = {int(i): h for i, h in zip(shingles.ids, shingles.hashes)}
    out = []
    for canon, members in sorted(groups.items()):
        members = sorted(members)
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                a, b = rows[members[x]], rows[members[y]]
                score = 1.0 if a.content_hash == b.content_hash else containment(hashes[a.id], hashes[b.id])
                out.append((a.url, b.url, round(score, 4)))
    cross = sorted(store.cross_copies())
    heads = {r.id: r.url for r in store.iter_index_rows(sorted({i for a, b, _ in cross for i in (a, b)}),
                                                        heads_only=True)}
    out.extend((heads[a], heads[b], score) for a, b, score in cross if a in heads and b in heads)
    return out
