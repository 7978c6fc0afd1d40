"""Copy groups as their readers need them: an article's group and the other copies in it."""

from __future__ import annotations

__all__ = ["CopyGroups"]


class CopyGroups:
    """Copy links (article id → canonical id) turned around for look-ups.

    An article that copies nothing is a group of its own, named by its own id, so
    ``group_of`` can key a "show each text once" set for any article.
    """

    def __init__(self, canonical: dict[int, int] | None = None):
        self.canonical = canonical or {}
        self.members: dict[int, list[int]] = {}
        for aid, canon in self.canonical.items():
            self.members.setdefault(canon, [canon]).append(aid)

    @classmethod
    def from_links(cls, links) -> "CopyGroups":
        """From ``Store.copy_links()`` rows: (article, canonical, score, kind)."""
        return cls({a: c for a, c, _, _ in links})

    def group_of(self, aid: int) -> int:
        return self.canonical.get(aid, aid)

    def copies_of(self, aid: int) -> list[int]:
        """The other articles of ``aid``'s group, canonical first ("also reported by")."""
        return [a for a in self.members.get(self.group_of(aid), []) if a != aid]
