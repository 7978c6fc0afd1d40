"""Arabic text: normalization for matching, tokenization, stopwords, stemming."""

from .analyze import analyze, analyze_normalized, stem_token, tokenize
from .normalize import normalize_arabic, normalize_light, strip_diacritics
from .stopwords import STOPWORDS

__all__ = [
    "analyze",
    "analyze_normalized",
    "normalize_arabic",
    "normalize_light",
    "stem_token",
    "strip_diacritics",
    "tokenize",
    "STOPWORDS",
]
