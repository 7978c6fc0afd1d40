"""Stories: one pass in time order over a bulk import equals arrival in two batches."""

import json
from datetime import datetime

from khabar.ingest.bulk import import_paths
from khabar.pipeline import build_indexes
from khabar.settings import StorySettings
from khabar.store import SQLiteStore
from khabar.stories.cluster import assign_stories
from khabar.rank.lexical import build_lexical_index


def _partition(store):
    members = dict(store.story_members())
    urls = {r.id: r.url for r in store.iter_index_rows()}
    groups = {}
    for aid, sid in members.items():
        groups.setdefault(sid, set()).add(urls[aid])
    return sorted(sorted(g) for g in groups.values())


def _copies(store):
    urls = {r.id: r.url for r in store.iter_index_rows()}
    return sorted((urls[a], urls[c]) for a, c, _, _ in store.copy_links())


def test_incremental_arrival_matches_bulk(tmp_path, demo_path, settings):
    records = [json.loads(line) for line in demo_path.read_text(encoding="utf-8").splitlines()]
    records.sort(key=lambda r: r["published"])
    early, late = tmp_path / "early.jsonl", tmp_path / "late.jsonl"
    early.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records[:25]))
    late.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records[25:]))

    bulk = SQLiteStore(":memory:")
    import_paths(bulk, [early, late])
    assert build_indexes(bulk, settings)["incremental"] is False

    inc = SQLiteStore(":memory:")
    import_paths(inc, [early])
    build_indexes(inc, settings)
    report = import_paths(inc, [late])
    assert build_indexes(inc, settings, new_ids=report.new_ids)["incremental"] is True

    assert _partition(inc) == _partition(bulk)
    assert _copies(inc) == _copies(bulk)
    # Only the stories the arrivals touched were rewritten; every story reads as a full build writes it.
    def described(store):
        urls = {r.id: r.url for r in store.iter_index_rows(heads_only=True)}
        out = []
        for st in store.list_stories(limit=1000):
            full = store.get_story(st["id"])
            out.append((tuple(urls[a] for a in full.pop("article_ids")), tuple(v for k, v in full.items() if k != "id")))
        return sorted(out)
    assert described(inc) == described(bulk)
    bulk.close()


def test_threshold_edges_for_joining(demo_store):
    rows = list(demo_store.iter_index_rows())
    lex = build_lexical_index(rows)
    apart = assign_stories(lex, StorySettings(join_threshold=1.01, near_join_threshold=1.01))
    assert len(set(apart.story_of.values())) == len(rows)  # nothing is similar enough
    # Within near_days the lower bar applies: the same-day pairs that pass it join, no others.
    near = assign_stories(lex, StorySettings(join_threshold=1.01, near_join_threshold=0.0, window_days=100,
                                             story_threshold=0.0))
    times = lex.times
    for sid in set(near.story_of.values()):
        members = sorted(times[m] for m in near.members[sid])
        assert all(b - a <= StorySettings().near_days for a, b in zip(members, members[1:])), sid
    assert len(set(near.story_of.values())) < len(rows)
    never = assign_stories(lex, StorySettings(join_threshold=1.01, near_join_threshold=0.0, near_days=0.0,
                                              story_threshold=0.0))
    assert len(set(never.story_of.values())) == len(rows) - sum(  # only exact-time pairs remain "near"
        1 for a, b in zip(sorted(times), sorted(times)[1:]) if a == b)
    together = assign_stories(lex, StorySettings(join_threshold=0.0, window_days=100))
    assert len(set(together.story_of.values())) < len(rows)
    closed = assign_stories(lex, StorySettings(join_threshold=0.0, window_days=0.0))
    assert len(set(closed.story_of.values())) >= len(set(together.story_of.values()))
    # The story gate: no story agrees with a newcomer beyond cosine 1, and at 0 it never refuses.
    gated = assign_stories(lex, StorySettings(join_threshold=0.0, window_days=100, story_threshold=1.01))
    assert len(set(gated.story_of.values())) == len(rows)
    open_gate = assign_stories(lex, StorySettings(join_threshold=0.0, window_days=100, story_threshold=0.0))
    assert len(set(open_gate.story_of.values())) <= len(set(together.story_of.values()))


def test_deleted_article_leaves_its_story(demo_store, settings):
    build_indexes(demo_store, settings)
    url = "https://sahel.example/news/4101"
    aid = demo_store.article_id(url)
    story = dict(demo_store.story_members())[aid]
    demo_store.delete_article(url)
    info = build_indexes(demo_store, settings)
    assert info["incremental"] is False  # a deletion rebuilds
    assert aid not in dict(demo_store.story_members())
    assert demo_store.get_story(story) is None or aid not in demo_store.get_story(story)["article_ids"]


def test_a_few_arrivals_are_appended_and_many_rebuild_in_full(tmp_path, demo_path, store):
    from khabar.settings import IndexSettings, Settings

    records = [json.loads(line) for line in demo_path.read_text(encoding="utf-8").splitlines()]
    records.sort(key=lambda r: r["published"])
    files = []
    for name, part in (("a", records[:30]), ("b", records[30:33]), ("c", records[33:])):
        files.append(tmp_path / f"{name}.jsonl")
        files[-1].write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in part))
    settings = Settings(db=":memory:", index=IndexSettings(rebuild_share=0.1))
    bulk = SQLiteStore(":memory:")
    import_paths(bulk, files)
    build_indexes(bulk, settings)

    inc = store  # both backends
    import_paths(inc, files[:1])
    build_indexes(inc, settings)
    before = dict(inc.story_members())
    report = import_paths(inc, files[1:2])  # 3 of 30: appended to the stored index
    built = build_indexes(inc, settings, new_ids=report.new_ids)
    assert built["incremental"] and built["lexical_appended"]
    members = dict(inc.story_members())
    assert set(members) == set(before) | set(report.new_ids)
    assert all(members[a] == sid for a, sid in before.items())  # earlier assignments stand
    assert _copies(inc) == _copies(bulk)
    from khabar.pipeline import load_engine

    engine = load_engine(inc, settings, use_dense=False)  # serves the appended index as stored
    assert engine.lexical.size == 33 and engine.lexical.base_size == 30
    for aid in report.new_ids:
        listed = [s.id for s in engine.related(aid).similar]
        assert listed and aid not in listed
    gone = report.new_ids[0]
    inc.delete_article(inc.get_article(gone).url)  # a deletion: the next build is a full one
    built = build_indexes(inc, settings)
    assert not built["incremental"] and not built["lexical_appended"]
    assert gone not in load_engine(inc, settings, use_dense=False).lexical.ids
    report = import_paths(inc, files[2:])  # 4 more: past 10% of the last full build
    built = build_indexes(inc, settings, new_ids=report.new_ids)
    assert built["incremental"] and not built["lexical_appended"]
    bulk.close()


def test_the_demos_multi_day_stories_are_one_story_each_with_vectors(demo_store, settings):
    """The transfer saga (approach, signing, first training, a derby goal: four outlets over
    four days) and the satellite (countdown, launch, orbit, first photos over three days)
    each read as one story once the articles have e5 vectors, as ``make demo`` gives them.
    The flood is several event stories that link one another (test_related_stories)."""
    from khabar.rank.dense import embed_missing

    embed_missing(demo_store)
    build_indexes(demo_store, settings)
    story_of = dict(demo_store.story_members())
    for urls in (
        ["https://sahel.example/news/4103", "https://bawaba.example/news/7102",
         "https://nahar.example/news/3103", "https://alofoq.example/news/2104"],
        ["https://marsad.example/news/6102", "https://alofoq.example/news/2106",
         "https://sahel.example/news/4104", "https://bawaba.example/news/7104"],
    ):
        stories = {story_of[demo_store.article_id(u)] for u in urls}
        assert len(stories) == 1
        story = demo_store.get_story(stories.pop())
        span = datetime.fromisoformat(story["last_time"]) - datetime.fromisoformat(story["first_time"])
        assert span.days >= 2 and story["outlet_count"] >= 4
