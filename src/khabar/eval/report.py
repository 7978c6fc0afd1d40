"""``khabar eval``: run the system on judged queries and report the metrics beside the peer's."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from ..ingest.urls import article_id_for_url
from ..settings import Settings
from ..store import Store
from .metrics import (BOOTSTRAP_LEVEL, EvalInputError, Qrels, bootstrap_f1, bootstrap_mean, load_qrels, load_run, pair_metrics,
                      read_also_metrics, related_metrics)

__all__ = ["evaluate_related", "evaluate_pairs", "evaluate_story_links", "compute_run", "hold_to_list_rules", "write_unjudged"]


def compute_run(store: Store, settings: Settings, queries: list[str], k: int, use_dense: bool) -> dict:
    """Khabar's similar lists and read-also picks for ``queries``; also counts lists holding two
    copies of one another."""
    from ..pipeline import load_engine

    engine = load_engine(store, settings, use_dense=use_dense)
    run: dict[str, list[str]] = {}
    picks: dict[str, str | None] = {}
    near_dup_lists = 0
    missing = 0
    for q in queries:
        aid = article_id_for_url(store, q)
        if aid is None:
            missing += 1  # its list is empty and scores 0: the report says how many
            continue
        result = engine.related(aid, k)
        ids = [s.id for s in result.similar]
        copies = engine.ranker.copies
        near_dup_lists += any(copies.same_text(a, b) for i, a in enumerate(ids) for b in ids[i + 1:])
        shown = [s.id for s in result.similar] + ([result.read_also.id] if result.read_also else [])
        arts = store.get_articles(shown)
        run[q] = [arts[s.id].url for s in result.similar]
        picks[q] = arts[result.read_also.id].url if result.read_also else None
    return {"run": run, "read_also": picks, "near_dup_lists": near_dup_lists, "dense": engine.ranker.vectors is not None,
            "missing": missing}


def evaluate_related(store, settings, qrels_path, run_path=None, peer_path=None, k: int = 10, use_dense: bool = True,
                     rule_cost: bool = False, unjudged_path=None) -> dict:
    """Khabar's figures beside the peer's. ``rule_cost`` also measures Khabar's lists without the
    rule that no two items are copies of one another: the peer's list is not held to it, and the
    judgments credit each copy of a same-event article in full, so this is the rule's cost. And
    the other way round, the peer's run held to Khabar's rules, when it is deep enough to refill
    (``run.py QUERIES 40 OUT``, then ``--peer OUT``).

    ``qrels_path``: one judgments file or several (``load_qrels``: the first file's judgment of
    a pair stands). ``unjudged_path``: also write what Khabar shows that nobody has judged yet,
    a batch to judge by the guide (``write_unjudged``)."""
    paths = [qrels_path] if isinstance(qrels_path, (str, Path)) else list(qrels_path)
    qrels = load_qrels(*paths)
    report: dict = {"judgments": {"files": len(paths), "pairs": sum(len(j) for j in qrels.values())}}
    picks: dict[str, str | None] = {}
    if run_path:
        run = load_run(run_path)
    else:
        computed = compute_run(store, settings, list(qrels), k, use_dense)
        run, picks = computed["run"], computed["read_also"]
        report["near_dup_lists"] = computed["near_dup_lists"]
        report["queries_missing"] = computed["missing"]
        report["dense"] = computed["dense"]
        report["read_also"] = read_also_metrics(qrels, picks)
        if rule_cost:
            free = replace(settings, related=replace(settings.related, one_copy_per_list=False))
            free_run = compute_run(store, free, list(qrels), k, use_dense)
            metrics = related_metrics(qrels, free_run["run"], k)
            report["copies_allowed"] = {m: v for m, v in metrics.items() if m != "per_query"}
            report["copies_allowed"]["near_dup_lists"] = free_run["near_dup_lists"]
    if unjudged_path is not None:
        report["unjudged"] = {"path": str(unjudged_path),
                              "pairs": write_unjudged(store, qrels, run, picks, k, unjudged_path)}
    mine = related_metrics(qrels, run, k)
    if peer_path is None:
        default = Path(paths[0]).parent / "peer-dev.trec"
        peer_path = default if default.exists() else None
    peer_run = load_run(peer_path) if peer_path else None
    peer = related_metrics(qrels, peer_run, k) if peer_run is not None else None
    if rule_cost and peer_run is not None and store is not None:
        depth = max((len(docs) for docs in peer_run.values()), default=0)
        report["peer_held_to_rules"] = {"depth": depth}
        if depth > k:  # a 10-deep run cannot refill what the rules take out: it would be understated
            held = related_metrics(qrels, hold_to_list_rules(store, peer_run, k), k)
            report["peer_held_to_rules"].update({m: v for m, v in held.items() if m != "per_query"})
    report["khabar"] = {m: v for m, v in mine.items() if m != "per_query"}
    report["peer"] = {m: v for m, v in peer.items() if m != "per_query"} if peer else None
    queries = list(qrels)
    report["interval"] = {"level": BOOTSTRAP_LEVEL, "khabar": bootstrap_mean([mine["per_query"][q] for q in queries])}
    if peer:
        report["interval"]["peer"] = bootstrap_mean([peer["per_query"][q] for q in queries])
        diff = [mine["per_query"][q] - peer["per_query"][q] for q in queries]
        report["interval"]["difference"] = {"mean": sum(diff) / len(diff), "interval": bootstrap_mean(diff)}
        losses = [
            {"query": q, "khabar": mine["per_query"][q], "peer": peer["per_query"][q],
             "loss": peer["per_query"][q] - mine["per_query"][q]}
            for q in qrels
        ]
        report["losses"] = sorted((x for x in losses if x["loss"] > 0), key=lambda x: -x["loss"])[:10]
    if mine["judged@10"] < 0.9:
        report["judged_note"] = (
            f"note: judged@10 is {mine['judged@10']:.2f}: unjudged retrievals count as gain 0, "
            "so nDCG here is a lower bound and uncertain."
        )
    return report


def write_unjudged(store: Store, qrels: Qrels, run: dict[str, list[str]], picks: dict[str, str | None], k: int,
                   path) -> int:
    """Write the (query, article) pairs that Khabar shows and nobody has judged: its first ``k``
    list items and its read-also pick, one JSON object a line, with each side's title and lead
    (what the judging guide shows a judge). Judged by ``GUIDE.md`` and given as a second
    ``--qrels``, they let the figures count what Khabar retrieves instead of scoring it 0.
    Returns the number of pairs written."""
    wanted: list[tuple[str, str, str]] = []  # (query, doc, where it is shown)
    for q, judged in qrels.items():
        shown = [(d, f"list {rank}") for rank, d in enumerate(run.get(q, [])[:k], start=1)]
        if picks.get(q):
            shown.append((picks[q], "read-also"))
        wanted += [(q, d, where) for d, where in shown if d not in judged]
    ids = {u: article_id_for_url(store, u) for u in {u for q, d, _ in wanted for u in (q, d)}}
    articles = store.get_articles([i for i in ids.values() if i is not None])

    def side(url: str) -> dict:
        a = articles.get(ids[url])
        return {"title": a.title, "lead": a.lead} if a else {"title": None, "lead": None}

    try:
        with open(path, "w", encoding="utf-8") as f:
            for q, d, where in wanted:
                query, doc = side(q), side(d)
                row = {"q": q, "d": d, "shown": where, "query_title": query["title"], "query_lead": query["lead"],
                       "title": doc["title"], "lead": doc["lead"]}
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise EvalInputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return len(wanted)


def hold_to_list_rules(store: Store, run: dict[str, list[str]], k: int) -> dict[str, list[str]]:
    """Another system's run under Khabar's list rules, by Khabar's copies: copies of the query
    article dropped, no two copies of one another (one group, or a pair across groups), refilled
    from deeper in the run. A document the store does not hold is a group of its own."""
    from ..dedupe.groups import CopyGroups

    copies = CopyGroups.from_store(store)
    ids: dict[str, int | None] = {}

    def article(url: str) -> int | None:
        if url not in ids:
            ids[url] = article_id_for_url(store, url)
        return ids[url]

    def same_text(a: str, b: str) -> bool:
        x, y = article(a), article(b)
        return a == b if x is None or y is None else copies.same_text(x, y)

    held = {}
    for q, docs in run.items():
        held[q] = []
        for d in docs:
            if len(held[q]) < k and not any(same_text(d, other) for other in [q, *held[q]]):
                held[q].append(d)
    return held


def evaluate_pairs(store: Store, settings: Settings, qrels_path, kind: str) -> dict:
    """Pairwise P/R/F1 for copies (``dups``) or stories (``stories``) over judged pairs."""
    from ..pipeline import build_indexes

    build_indexes(store, settings)
    qrels = load_qrels(qrels_path)
    if kind == "dups":
        from ..dedupe.groups import CopyGroups

        linked = CopyGroups.from_store(store).same_text
    else:
        story_of = dict(store.story_members())

        def linked(a: int, b: int) -> bool:
            return story_of.get(a) is not None and story_of.get(a) == story_of.get(b)
    ids: dict[str, int | None] = {}
    missing = asked = 0

    def same(a: str, b: str) -> bool:
        nonlocal missing, asked
        asked += 1
        for u in (a, b):
            if u not in ids:
                ids[u] = article_id_for_url(store, u)
        ia, ib = ids[a], ids[b]
        if ia is None or ib is None:
            missing += 1
            return False
        return linked(ia, ib)

    result = pair_metrics(qrels, same, kind)
    result["f1_interval"] = bootstrap_f1(result.pop("per_query"))
    result["interval_level"] = BOOTSTRAP_LEVEL
    result["missing"] = missing
    result["pairs"] = asked
    return result


def evaluate_story_links(store: Store, settings: Settings, qrels_path) -> dict:
    """How the related-stories links (``Engine.related_stories``) agree with the judgments.

    Over judged pairs (copies left out) whose articles sit in different stories: per grade,
    how many pairs the query's story links to the candidate's. A link is right for a grade 2
    (a development of the same story) or 3, and loosely so for 1 (same topic).
    """
    from ..pipeline import load_engine

    engine = load_engine(store, settings, use_dense=False)
    story = dict(store.story_members())
    linked_by_story: dict[int, set[int]] = {}
    counts = {g: {"pairs": 0, "linked": 0} for g in (3, 2, 1, 0)}
    for q, judged in load_qrels(qrels_path).items():
        qid = article_id_for_url(store, q)
        for d, j in judged.items():
            did = article_id_for_url(store, d)
            if j.dup or qid is None or did is None:
                continue
            a, b = story.get(qid), story.get(did)
            if a is None or b is None or a == b:
                continue
            if a not in linked_by_story:
                found = store.get_story(a)
                ranked = engine.related_stories(a, found["article_ids"]) if found else []
                linked_by_story[a] = {sid for sid, _ in ranked}
            counts[j.grade]["pairs"] += 1
            counts[j.grade]["linked"] += b in linked_by_story[a]
    right = counts[3]["linked"] + counts[2]["linked"]
    linked = sum(c["linked"] for c in counts.values())
    return {
        "by_grade": counts,
        "precision_same_story": right / linked if linked else 0.0,
        "recall_same_story": right / max(1, counts[3]["pairs"] + counts[2]["pairs"]),
        "unrelated_share": counts[0]["linked"] / linked if linked else 0.0,
    }
