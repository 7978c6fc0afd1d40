"""Counted nouns in Arabic: "مقال واحد"، "مقالان"، "3 مقالات"، "11 مقالاً"، "100 مقال".

Why: Arabic number agreement depends on the count (singular, dual, plural for 3–10,
accusative singular for 11–99, genitive singular after hundreds), and "1 مقالات" on an
Arabic-first page reads as a machine's. Counts are shown in Western digits, like the rest.
The dual also follows the noun's case: after a preposition ("من مصدرين", not "من مصدران")
it is genitive; the other forms read the same unvocalized.
"""

from __future__ import annotations

__all__ = ["arabic_count"]

# noun → (one, two, plural for 3–10, accusative singular for 11–99, genitive singular)
NOUNS = {
    "article": ("مقال واحد", "مقالان", "مقالات", "مقالاً", "مقال"),
    "outlet": ("مصدر واحد", "مصدران", "مصادر", "مصدراً", "مصدر"),
    "result": ("نتيجة واحدة", "نتيجتان", "نتائج", "نتيجة", "نتيجة"),
}
# the dual after a preposition (genitive)
DUAL_GENITIVE = {"article": "مقالين", "outlet": "مصدرين", "result": "نتيجتين"}


def arabic_count(n: int, noun: str, after_preposition: bool = False) -> str:
    """``n`` of ``noun`` as Arabic writes it; ``after_preposition`` for a count after "من", "في"…"""
    one, two, few, many, genitive = NOUNS[noun]
    if n == 1:
        return one
    if n == 2:
        return DUAL_GENITIVE[noun] if after_preposition else two
    rest = n % 100
    if 3 <= rest <= 10:
        return f"{n} {few}"
    if 11 <= rest <= 99:
        return f"{n} {many}"
    return f"{n} {genitive}"  # 0, and hundreds ending in 00, 01, 02 ("100 مقال", "102 مقال")
