"""Stable story ids: a rebuilt clustering keeps the ids readers already know.

A full rebuild (after a deletion, or when ``khabar embed`` adds vectors) clusters
from scratch and numbers stories in time order, so without this step every story
after the first changed one would get a new id and ``/story/ID`` links, bookmarks
and ``khabar story ID`` would silently point at other stories. Each new story
takes the old id it shares most articles with (largest overlaps first, each old
id once); a story with no old counterpart gets an id never used before.
"""

from __future__ import annotations

from collections import Counter

__all__ = ["carry_story_ids"]


def carry_story_ids(new: dict[int, int], old: dict[int, int], first_free: int) -> dict[int, int]:
    """Rename the stories in ``new`` (article id → story id) after those in ``old``.

    ``first_free`` is the lowest id never handed out (ids are not reused, even for
    stories that disappeared). Returns article id → carried story id.
    """
    members: dict[int, list[int]] = {}
    for aid, sid in new.items():
        members.setdefault(sid, []).append(aid)
    overlaps = []
    for sid, aids in members.items():
        for old_sid, shared in Counter(old[a] for a in aids if a in old).items():
            overlaps.append((-shared, old_sid, sid))
    overlaps.sort()  # largest overlap first; ties to the older id, deterministically
    rename: dict[int, int] = {}
    taken: set[int] = set()
    for _, old_sid, sid in overlaps:
        if sid not in rename and old_sid not in taken:
            rename[sid] = old_sid
            taken.add(old_sid)
    next_id = max(first_free, max(old.values(), default=0) + 1)
    for sid in sorted(members):  # the clustering numbers stories in time order: keep that order
        if sid not in rename:
            rename[sid] = next_id
            next_id += 1
    return {aid: rename[sid] for aid, sid in new.items()}
