"""Surface forms: a text holding the query's word itself ranks above one sharing its stem."""

from khabar.text import analyze, normalize_arabic
from khabar.text.surface import query_words, surface_forms, surface_share


def test_a_clitic_prefix_is_the_same_word_a_longer_word_is_not():
    assert "سيول" in surface_forms("والسيول") and "سيول" in surface_forms("بسيول")
    assert "بيروت" in surface_forms("بيروت")  # a word's own first letter is a reading, not the only one
    words = query_words("كورونا", analyze("كورونا"))
    assert surface_share(words, normalize_arabic("إصابات جديدة بكورونا")) == 1.0
    assert surface_share(words, normalize_arabic("توتر بين الكوريتين والقوات الكورية")) == 0.0  # same stem كور
    both = query_words("سيول في جدة", analyze("سيول في جدة"))
    assert len(both) == 2  # "في" is a stopword: it does not count
    assert surface_share(both, normalize_arabic("السيولة في سوق جدة")) == 0.5  # سيولة: liquidity
    assert surface_share(both, normalize_arabic("سيول تجتاح جدة")) == 1.0
    assert surface_share([], "نص") == 0.0
