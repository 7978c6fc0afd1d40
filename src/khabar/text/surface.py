"""Surface forms: does a text hold the query's word itself, not only a word of its stem?

Why: Snowball Arabic over-conflates some words a reader keeps apart: "سيول" (floods) and
"سيولة" (liquidity) share the stem سيول, "كورونا" and "كورية" (Korean) the stem كور. Stems
keep recall (plurals, suffixes), so search still matches on them; a text that has the word as
typed, give or take a clitic prefix (و، ف، ب، ك، ل، ال…), ranks above one that only shares
its stem. Both sides are compared after the same normalization the index uses.
"""

from __future__ import annotations

from .analyze import stem_token, tokenize
from .normalize import normalize_arabic

__all__ = ["surface_forms", "query_words", "surface_share"]

# Proclitics a word can carry in running text, longest first.
_PREFIXES = ("وبال", "وكال", "فبال", "وال", "فال", "بال", "كال", "ولل", "فلل", "لل", "ال", "و", "ف", "ب", "ك", "ل")
_MIN_BARE = 3  # a shorter remainder is more likely a word's own letters than a clitic's


def surface_forms(token: str) -> set[str]:
    """The token and what it is without one leading proclitic (each reading, not only the
    longest: "بيروت" keeps بيروت as a reading beside يروت)."""
    forms = {token}
    for p in _PREFIXES:
        if token.startswith(p) and len(token) - len(p) >= _MIN_BARE:
            forms.add(token[len(p):])
    return forms


def query_words(query: str, terms: list[str]) -> list[set[str]]:
    """The query's words that count (their stem is one of the analyzed ``terms``: stopwords
    drop out), each as its set of surface forms."""
    wanted = set(terms)
    words = [t for t in tokenize(normalize_arabic(query)) if stem_token(t) in wanted]
    return [surface_forms(t) for t in dict.fromkeys(words)]


def surface_share(words: list[set[str]], normalized_text: str) -> float:
    """Share of the query ``words`` that occur in ``normalized_text`` as themselves: a token
    of the text shares a reading with the word (``surface_forms`` on both sides)."""
    if not words:
        return 0.0
    tokens = set(tokenize(normalized_text))
    # Looked up from the word's side (a few readings × the prefixes), not by expanding every
    # token of the text: the same test, a fraction of the work on a long article.
    return sum(1 for w in words if any(_in_text(form, tokens) for form in w)) / len(words)


def _in_text(form: str, tokens: set[str]) -> bool:
    if form in tokens:
        return True
    return len(form) >= _MIN_BARE and any(p + form in tokens for p in _PREFIXES)
