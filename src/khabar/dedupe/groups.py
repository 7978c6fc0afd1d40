"""Copy groups as their readers need them: an article's group, the other copies of it, and
whether two articles are copies of one another."""

from __future__ import annotations

__all__ = ["CopyGroups"]

_NONE: frozenset[int] = frozenset()


class CopyGroups:
    """Copy links (article id → canonical id) turned around for look-ups, and the copy pairs
    the groups keep apart (``dedupe.copies.find_copy_pairs``).

    An article that copies nothing is a group of its own, named by its own id, so
    ``group_of`` can key a "show each text once" set for any article. Groups are what a page
    folds (one search result, one "also reported by" line); ``same_text`` is the question a
    list asks of two items, and it also knows the pairs across groups.
    """

    def __init__(self, canonical: dict[int, int] | None = None, pairs=()):
        self.canonical = canonical or {}
        self.members: dict[int, list[int]] = {}
        for aid, canon in self.canonical.items():
            self.members.setdefault(canon, [canon]).append(aid)
        self.partners: dict[int, set[int]] = {}
        for a, b, *_ in pairs:
            if self.group_of(a) != self.group_of(b):
                self.partners.setdefault(a, set()).add(b)
                self.partners.setdefault(b, set()).add(a)

    @classmethod
    def from_links(cls, links, pairs=()) -> "CopyGroups":
        """From ``Store.copy_links()`` rows: (article, canonical, score, kind), and
        ``Store.cross_copies()`` rows: (article, other, score)."""
        return cls({a: c for a, c, _, _ in links}, pairs)

    @classmethod
    def from_store(cls, store) -> "CopyGroups":
        """The copies a store holds: its copy links and its pairs across groups (every reader
        needs both; one left out lets two copies of one text show as two)."""
        return cls.from_links(store.copy_links(), store.cross_copies())

    def group_of(self, aid: int) -> int:
        return self.canonical.get(aid, aid)

    def copies_of(self, aid: int) -> list[int]:
        """The other articles of ``aid``'s group, canonical first, then the articles it copies
        across groups ("also reported by")."""
        group = [a for a in self.members.get(self.group_of(aid), []) if a != aid]
        return group + sorted(self.partners.get(aid, set()).difference(group))

    def partners_of(self, aid: int) -> frozenset[int] | set[int]:
        """The articles ``aid`` copies across groups (a pair the group rules keep apart)."""
        return self.partners.get(aid, _NONE)

    def same_text(self, a: int, b: int) -> bool:
        """Whether ``a`` and ``b`` are copies of one another: one group, or a pair across groups."""
        return self.group_of(a) == self.group_of(b) or b in self.partners_of(a)
