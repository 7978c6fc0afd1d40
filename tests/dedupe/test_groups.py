"""Copy groups turned around for readers: group_of and copies_of."""

from khabar.dedupe.groups import CopyGroups


def test_groups_name_each_article_once_and_never_list_it_among_its_own_copies():
    groups = CopyGroups.from_links([(2, 1, 0.9, "near"), (3, 1, 1.0, "exact"), (5, 4, 0.7, "near")])
    assert groups.group_of(3) == groups.group_of(1) == 1 and groups.group_of(9) == 9
    assert groups.copies_of(1) == [2, 3]
    assert groups.copies_of(3) == [1, 2]  # the canonical first
    assert groups.copies_of(4) == [5] and groups.copies_of(9) == []


def test_pairs_across_groups_are_copies_of_one_another():
    groups = CopyGroups.from_links([(2, 1, 0.9, "near")], [(3, 2, 1.0), (2, 1, 0.9)])
    assert groups.same_text(3, 2) and groups.same_text(2, 3) and groups.same_text(1, 2)
    assert not groups.same_text(3, 1)  # a pair is not a group: C copies B, not A
    assert groups.group_of(3) == 3
    assert groups.copies_of(3) == [2] and groups.copies_of(2) == [1, 3]
    assert groups.partners_of(1) == frozenset()  # (2, 1) is one group already, not a pair
