"""Stable story ids across rebuilds: the pure renaming, and a rebuild on the demo corpus."""

from hypothesis import given
from hypothesis import strategies as st

from khabar.pipeline import build_indexes
from khabar.stories.identity import carry_story_ids


def test_unchanged_stories_keep_their_ids_whatever_the_new_numbering():
    old = {1: 10, 2: 10, 3: 11, 4: 12}
    new = {1: 1, 2: 1, 3: 2, 4: 3}
    assert carry_story_ids(new, old, first_free=13) == old


def test_a_split_keeps_the_id_on_the_larger_part_and_the_rest_gets_a_fresh_one():
    old = {1: 5, 2: 5, 3: 5, 4: 5, 5: 5}
    new = {1: 1, 2: 1, 3: 2, 4: 2, 5: 2}
    carried = carry_story_ids(new, old, first_free=9)
    assert carried[3] == carried[4] == carried[5] == 5
    assert carried[1] == carried[2] == 9  # never a reused id, even below first_free's past


def test_a_merge_keeps_the_id_of_the_larger_old_story():
    old = {1: 3, 2: 3, 3: 4}
    carried = carry_story_ids({1: 1, 2: 1, 3: 1, 6: 2}, old, first_free=5)
    assert carried[1] == carried[2] == carried[3] == 3
    assert carried[6] == 5  # a new story


@given(
    st.dictionaries(st.integers(0, 40), st.integers(1, 8), max_size=40),
    st.dictionaries(st.integers(0, 40), st.integers(1, 8), max_size=40),
    st.integers(1, 60),
)
def test_renaming_is_a_relabeling_with_no_reused_ids(new, old, first_free):
    carried = carry_story_ids(new, old, first_free)
    assert set(carried) == set(new)
    # Same partition: two articles share a carried id exactly when they shared a new id.
    pairs = [(a, b) for a in new for b in new if a < b]
    assert all((new[a] == new[b]) == (carried[a] == carried[b]) for a, b in pairs)
    # Every id is either an old one or fresh (at or above first_free and above every old id).
    for sid in set(carried.values()):
        assert sid in set(old.values()) or (sid >= first_free and sid > max(old.values(), default=0))


def test_a_rebuild_after_a_deletion_keeps_the_other_stories_ids(demo_store, settings):
    build_indexes(demo_store, settings)
    before = dict(demo_store.story_members())
    urls = {r.id: r.url for r in demo_store.iter_index_rows()}
    gone = demo_store.article_id("https://marsad.example/news/6101")  # the first article in time: all ids shift without carrying
    demo_store.delete_article(urls[gone])
    assert build_indexes(demo_store, settings)["incremental"] is False
    after = dict(demo_store.story_members())
    assert all(after[a] == before[a] for a in after)
    # Another deletion and a forced rebuild: every remaining story still carries a known id.
    demo_store.delete_article(urls[max(after)])
    build_indexes(demo_store, settings, force=True)
    assert set(dict(demo_store.story_members()).values()) <= set(before.values())
