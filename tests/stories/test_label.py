"""Story labels: the headline whose terms recur most across the story."""

import numpy as np
from scipy import sparse

from khabar.stories.label import pick_label_rows


def _unit_rows(dense):
    m = np.array(dense, dtype=np.float32)
    m = m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)
    return sparse.csr_matrix(m)


def test_the_headline_sharing_most_terms_labels_the_story_and_ties_keep_the_first():
    # terms: flood, south, roads, urgent
    titles = _unit_rows([
        [0, 0, 0, 1],  # row 0: "urgent" (thin first headline, story 7)
        [1, 1, 0, 0],  # row 1: flood in the south
        [1, 1, 1, 0],  # row 2: flood closes roads in the south
        [1, 1, 0, 0],  # row 3: flood in the south (story 9, tie with row 1's twin)
        [1, 1, 0, 0],  # row 4: same words, later
        [0, 1, 1, 0],  # row 5: a story of one
    ])
    labels = pick_label_rows(titles, {0: 7, 1: 7, 2: 7, 3: 9, 4: 9, 5: 11})
    assert labels[7] in (1, 2) and labels[7] != 0
    assert labels[9] == 3  # a tie keeps the earlier article
    assert labels[11] == 5
    assert pick_label_rows(titles, {}) == {}


def test_demo_story_labels_come_from_their_members(demo_store, settings):
    from khabar.pipeline import build_indexes

    build_indexes(demo_store, settings)
    members = dict(demo_store.story_members())
    titles = {r.id: r.title for r in demo_store.iter_index_rows()}
    for sid in set(members.values()):
        story = demo_store.get_story(sid)
        assert story["label"] in {titles[a] for a, s in members.items() if s == sid}


def test_a_wire_desk_prefix_is_not_part_of_a_label():
    from khabar.stories.label import label_text

    assert label_text("عام / نائب خادم الحرمين يرأس جلسة مجلس الوزراء") == "نائب خادم الحرمين يرأس جلسة مجلس الوزراء"
    assert label_text("إقتصادي /  صوامع الغلال تنهي الترسية") == "صوامع الغلال تنهي الترسية"
    # Only a desk name at the very start: other slashes and words stay.
    assert label_text("الهلال / النصر: موعد السوبر") == "الهلال / النصر: موعد السوبر"
    assert label_text("مؤشر البورصة عام / 2015") == "مؤشر البورصة عام / 2015"
    assert label_text("عام / ") == "عام / "
