"""Tokenization and stemming: the analyzed form used by every matcher.

The stem of a token is computed from its fully folded spelling only, so spelling
variants (hamza seats, taa marbuta, alef maqsura, alef forms) agree *by
construction*, not by luck of the stemmer. Snowball Arabic (PyStemmer, the same
algorithm as PostgreSQL's ``arabic`` text search config) does the morphology;
Latin tokens are stemmed as English.
"""

from __future__ import annotations

import re
import Stemmer

from .normalize import ARABIC_LETTER, normalize_arabic
from .stopwords import STOPWORDS

__all__ = ["tokenize", "stem_token", "analyze", "analyze_normalized"]

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_LATIN = re.compile(r"[a-z]")
# A conjunction (و/ف) glued to the article or a preposition + article: Snowball
# leaves "والحكومة" unstemmed although it handles "الحكومة" and "وللحكومة".
_CONJ_ARTICLE = re.compile(r"^[وف](?=(ال|لل|بال|كال)..)")

_arabic = Stemmer.Stemmer("arabic")
_english = Stemmer.Stemmer("english")


def tokenize(normalized: str) -> list[str]:
    """Split already-normalized text into word tokens (letters and digits)."""
    return _TOKEN.findall(normalized)


def _refold_final(token: str) -> str:
    # After folding, ة became ه. Snowball needs ة to recognise the feminine suffix,
    # so a final ه is spelled ة again: the choice depends on the folded form alone.
    if len(token) > 2 and token.endswith("\u0647"):
        return token[:-1] + "\u0629"
    return token


def stem_token(token: str) -> str:
    """Stem one normalized token. Arabic → Snowball Arabic, Latin → English, digits kept."""
    if ARABIC_LETTER.search(token):
        token = _CONJ_ARTICLE.sub("", token)
        stem = _arabic.stemWord(_refold_final(token))
        return normalize_arabic(stem) or token
    if _LATIN.search(token):
        return _english.stemWord(token)
    return token


# token → stem, or "" for a stopword. A plain dict lookup per token is what keeps
# analysis of the 31k-article corpus within the import budget.
_STEMS: dict[str, str] = {}


def _stem_or_empty(tok: str) -> str:
    if tok in STOPWORDS or len(tok) < 2:
        return ""
    stem = stem_token(tok)
    return "" if stem in STOPWORDS else stem


def analyze_normalized(normalized: str, keep_stopwords: bool = False) -> list[str]:
    """Stems of an already-normalized text, stopwords and 1-letter tokens dropped."""
    if keep_stopwords:
        return [stem_token(t) for t in _TOKEN.findall(normalized)]
    cache = _STEMS
    if len(cache) > 2_000_000:
        cache.clear()
    out = []
    for tok in _TOKEN.findall(normalized):
        stem = cache.get(tok)
        if stem is None:
            stem = cache[tok] = _stem_or_empty(tok)
        if stem:
            out.append(stem)
    return out


def analyze(text: str, keep_stopwords: bool = False) -> list[str]:
    """Normalize, tokenize, drop stopwords, stem. The one analyzer for index and query."""
    return analyze_normalized(normalize_arabic(text), keep_stopwords)
