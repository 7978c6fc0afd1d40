"""The demo corpus end to end: copies, stories, deletion and re-arrival."""

from khabar.pipeline import build_indexes, copy_pairs


def test_wire_story_is_one_copy_group_of_four_outlets(demo_store, settings):
    build_indexes(demo_store, settings)
    wire = demo_store.article_id("https://wahanews.example/news/5001")
    group = {a for a, c, _, _ in demo_store.copy_links() if c == wire} | {wire}
    outlets = {demo_store.get_article(a).outlet for a in group}
    assert outlets == {"wahanews", "alofoq", "nahar", "sahel"}
    pairs = [p for p in copy_pairs(demo_store, settings) if "wahanews" in p[0] or "wahanews" in p[1]]
    assert len(pairs) == 3
    assert len([p for p in copy_pairs(demo_store, settings)]) >= 6  # 4 copies → 6 pairs


def test_deletion_leaves_tombstone_and_copies_recompute(demo_store, settings, demo_path):
    from khabar.ingest.bulk import import_paths

    build_indexes(demo_store, settings)
    assert demo_store.delete_article("https://alofoq.example/news/2101")
    build_indexes(demo_store, settings)
    wire = demo_store.article_id("https://wahanews.example/news/5001")
    group = {a for a, c, _, _ in demo_store.copy_links() if c == wire}
    assert len(group) == 2
    again = import_paths(demo_store, [demo_path])
    assert again.new == 0 and again.tombstoned == 1
    assert demo_store.article_id("https://alofoq.example/news/2101") is None


def test_an_undated_copy_is_never_taken_for_the_original(store, settings, tmp_path, demo_path):
    """A bulk record with no date, imported before the dated wire story it copies, is listed
    after it (time order puts unknown times last), so the dated article stays the canonical."""
    import json

    from khabar.ingest.bulk import import_paths

    wire = next(json.loads(line) for line in demo_path.read_text(encoding="utf-8").splitlines()
                if json.loads(line)["url"] == "https://wahanews.example/news/5001")
    undated = tmp_path / "undated.jsonl"
    undated.write_text(json.dumps({**wire, "url": "https://undated.test/1", "source": "undated",
                                   "published": None, "date_extracted": None}, ensure_ascii=False), encoding="utf-8")
    import_paths(store, [undated])
    import_paths(store, [demo_path])
    build_indexes(store, settings)
    copy = store.article_id("https://undated.test/1")
    assert store.get_article(copy).time is None
    canonical = dict((a, c) for a, c, _, _ in store.copy_links())[copy]
    assert store.get_article(canonical).time is not None
    rows = [r.id for r in store.iter_index_rows(heads_only=True)]
    assert rows[-1] == copy  # unknown times last in the index's order, on either backend
