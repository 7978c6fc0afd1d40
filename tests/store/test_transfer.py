"""Copying a database into another store (SQLite into either backend): what cannot be rebuilt
arrives, the target builds the same copies and stories, and a re-run adds nothing."""

import numpy as np

from khabar.ingest.bulk import import_paths
from khabar.models import Source
from khabar.pipeline import build_indexes
from khabar.rank.dense import MODEL_NAME
from khabar.store import SQLiteStore
from khabar.store.transfer import copy_store

from ..stories.test_stories import _copies, _partition


def test_a_copy_carries_articles_deletions_names_vectors_and_sources(store, demo_path, settings):
    source = SQLiteStore(":memory:")
    import_paths(source, [demo_path])
    source.set_outlet_names({"bawaba": "البوابة"})
    assert source.delete_article("https://alofoq.example/news/2101")
    rng = np.random.default_rng(1)
    vectors = {r.url: rng.normal(size=384).astype(np.float32) for r in source.iter_index_rows(heads_only=True)}
    source.put_embeddings(MODEL_NAME, [(source.article_id(u), v.tobytes()) for u, v in list(vectors.items())[:10]])
    feed = source.add_source(Source(url="https://feeds.example/rss", name="feeds", kind="feed", every_minutes=60))
    feed.etag, feed.consecutive_failures, feed.last_error = '"v7"', 2, "HTTP 503"
    source.update_source(feed)

    report = copy_store(source, store)
    assert (report.articles, report.tombstones, report.vectors, report.sources) == (39, 1, 10, 1)
    assert store.stats()["articles"] == 39 and store.known_urls(["https://alofoq.example/news/2101"]) == {
        "https://alofoq.example/news/2101": "deleted"}
    assert {o["key"]: o["name"] for o in store.outlets()}["bawaba"] == "البوابة"
    copied = {store.get_article(a).url: np.frombuffer(v, dtype=np.float32) for a, v in store.embeddings(MODEL_NAME)}
    assert len(copied) == 10 and all(np.array_equal(v, vectors[u]) for u, v in copied.items())  # by URL, not id
    [src] = store.list_sources()
    assert (src.url, src.etag, src.consecutive_failures, src.last_error, src.every_minutes) == (feed.url, '"v7"', 2, "HTTP 503", 60)
    wire = source.get_article(source.article_id("https://wahanews.example/news/5001"))
    there = store.get_article(store.article_id(wire.url))
    assert (there.title, there.body, there.time, there.source_attribution) == (wire.title, wire.body, wire.time, wire.source_attribution)

    again = copy_store(source, store)
    assert again.articles == 0 and again.already_there == 39 and store.stats()["articles"] == 39
    assert import_paths(store, [demo_path]).tombstoned == 1  # the deletion holds there too

    build_indexes(source, settings)  # the same data (and vectors) on both sides: the same derived indexes
    build_indexes(store, settings)
    assert _partition(store) == _partition(source) and _copies(store) == _copies(source)
    source.close()
