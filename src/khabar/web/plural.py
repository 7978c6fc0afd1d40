"""Counted nouns in Arabic: "مقال واحد"، "مقالان"، "3 مقالات"، "11 مقالاً"، "100 مقال".

Why: Arabic number agreement depends on the count (singular, dual, plural for 3–10,
accusative singular for 11–99, genitive singular after hundreds), and "1 مقالات" on an
Arabic-first page reads as a machine's. Counts are shown in Western digits, like the rest,
thousands grouped ("31,030 مقالاً": five digits in a row are hard to read at a glance).
The dual also follows the noun's case: after a preposition ("من مصدرين", not "من مصدران")
it is genitive; the other forms read the same unvocalized.
"""

from __future__ import annotations

__all__ = ["arabic_count", "arabic_window"]

# noun → (one, two, plural for 3–10, accusative singular for 11–99, genitive singular)
NOUNS = {
    "article": ("مقال واحد", "مقالان", "مقالات", "مقالاً", "مقال"),
    "outlet": ("مصدر واحد", "مصدران", "مصادر", "مصدراً", "مصدر"),
    "result": ("نتيجة واحدة", "نتيجتان", "نتائج", "نتيجة", "نتيجة"),
    "day": ("يوم واحد", "يومان", "أيام", "يوماً", "يوم"),
    "hour": ("ساعة واحدة", "ساعتان", "ساعات", "ساعة", "ساعة"),
}
# the dual after a preposition (genitive)
DUAL_GENITIVE = {"article": "مقالين", "outlet": "مصدرين", "result": "نتيجتين", "day": "يومين", "hour": "ساعتين"}


def arabic_count(n: int, noun: str, after_preposition: bool = False) -> str:
    """``n`` of ``noun`` as Arabic writes it; ``after_preposition`` for a count after "من", "في"…"""
    one, two, few, many, genitive = NOUNS[noun]
    if n == 1:
        return one
    if n == 2:
        return DUAL_GENITIVE[noun] if after_preposition else two
    rest = n % 100
    if 3 <= rest <= 10:
        return f"{n:,} {few}"
    if 11 <= rest <= 99:
        return f"{n:,} {many}"
    return f"{n:,} {genitive}"  # 0, and hundreds ending in 00, 01, 02 ("100 مقال", "102 مقال")


def arabic_window(days: float) -> str:
    """"the last …" for a time window: "آخر 24 ساعة", "آخر 3 أيام", "آخر 30 يوماً" (whole
    days as days, anything else in hours; the counted noun follows "آخر" in the genitive)."""
    if days >= 2 and float(days).is_integer():
        return f"آخر {arabic_count(int(days), 'day', after_preposition=True)}"
    hours = max(1, round(days * 24))
    return f"آخر {arabic_count(hours, 'hour', after_preposition=True)}"
