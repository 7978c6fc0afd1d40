"""Arabic counted nouns on the pages: agreement follows the count."""

import pytest

from khabar.web.plural import arabic_count


@pytest.mark.parametrize("n, text", [
    (0, "0 مقال"), (1, "مقال واحد"), (2, "مقالان"), (3, "3 مقالات"), (10, "10 مقالات"), (11, "11 مقالاً"),
    (99, "99 مقالاً"), (100, "100 مقال"), (102, "102 مقال"), (103, "103 مقالات"), (111, "111 مقالاً"),
    (1000, "1,000 مقال"), (2005, "2,005 مقالات"), (31030, "31,030 مقالاً"),
])
def test_article_counts_agree_with_the_number(n, text):
    assert arabic_count(n, "article") == text


def test_outlets_and_results_have_their_own_forms():
    assert [arabic_count(n, "outlet") for n in (1, 2, 6, 14)] == ["مصدر واحد", "مصدران", "6 مصادر", "14 مصدراً"]
    assert [arabic_count(n, "result") for n in (1, 2, 7)] == ["نتيجة واحدة", "نتيجتان", "7 نتائج"]


def test_after_a_preposition_the_dual_is_genitive():
    assert [arabic_count(n, "outlet", after_preposition=True) for n in (1, 2, 6, 14)] == [
        "مصدر واحد", "مصدرين", "6 مصادر", "14 مصدراً"]
    assert arabic_count(2, "article", after_preposition=True) == "مقالين"
    assert arabic_count(2, "result", after_preposition=True) == "نتيجتين"


@pytest.mark.parametrize("days, text", [
    (1.0, "آخر 24 ساعة"), (0.5, "آخر 12 ساعة"), (2.0, "آخر يومين"), (3.0, "آخر 3 أيام"), (7.0, "آخر 7 أيام"),
    (30.0, "آخر 30 يوماً"), (1.5, "آخر 36 ساعة"),
])
def test_a_time_window_reads_as_arabic(days, text):
    from khabar.web.plural import arabic_window

    assert arabic_window(days) == text
