"""The search page's data: surface forms first, quoted phrases, highlights."""

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khabar.dedupe.groups import CopyGroups
from khabar.models import Article, analyze_article
from khabar.text import analyze


def test_search_puts_the_word_before_its_stem_sharers(store):
    from khabar.web.search import SearchRequest, search_page

    # One mention each, in the body: the liquidity report is newer, so stems alone rank it first.
    liquidity = Article(url="https://x.test/1", outlet="a", title="سوق الأسهم ترتفع في ختام التداولات",
                        body=["ارتفعت السيولة في سوق الأسهم اليوم بدعم من قطاع البنوك."],
                        published=datetime(2026, 1, 9, 12))
    floods = Article(url="https://x.test/2", outlet="b", title="أمطار غزيرة على المدينة",
                     body=["جرفت سيول الأمس عدداً من السيارات في أحياء المدينة."],
                     published=datetime(2026, 1, 2, 12))
    others = [Article(url=f"https://x.test/o{i}", outlet="c", title=f"خبر محلي رقم {i}",
                      body=[f"افتتح المحافظ اليوم مشروعاً جديداً رقم {i} في المنطقة."], published=datetime(2026, 1, 5, 12))
              for i in range(6)]
    store.add_articles([(a, analyze_article(a)) for a in (liquidity, floods, *others)])
    hits, _ = store.search(analyze("سيول"))
    assert [h.id for h in hits] == [store.article_id(liquidity.url), store.article_id(floods.url)]  # stems alone
    page = search_page(store, SearchRequest("سيول", limit=10), CopyGroups({}))
    assert [r["url"] for r in page["results"]] == [floods.url, liquidity.url]
    assert page["total"] == 2  # both still match: a stem is still a match


def test_a_quoted_phrase_matches_its_words_in_order(store):
    from khabar.web.search import SearchRequest, query_terms, search_page

    apart = Article(url="https://x.test/1", outlet="a", title="جرفت السيول سيارات في أحياء جدة",
                    body=["جرفت السيول عدداً من السيارات في أحياء جدة الجنوبية."], published=datetime(2026, 1, 3, 12))
    together = Article(url="https://x.test/2", outlet="b", title="محاكمة المتهمين في قضية سيول جدة",
                       body=["بدأت اليوم محاكمة المتهمين في قضية سيول جدة."], published=datetime(2026, 1, 2, 12))
    store.add_articles([(a, analyze_article(a)) for a in (apart, together)])

    def urls(q):
        return {r["url"] for r in search_page(store, SearchRequest(q, limit=10), CopyGroups({}))["results"]}

    assert urls("سيول جدة") == {apart.url, together.url}
    for quoted in ('"سيول جدة"', "«سيول جدة»", "“سيول في جدة”"):  # a stopword inside is skipped, as in the index
        assert urls(quoted) == {together.url}, quoted
    assert urls('محاكمة "سيول جدة"') == {together.url}
    assert query_terms('«سيول جدة» محاكمة "') == ["سيول جده", "محاكم"]  # an unpaired quote is punctuation
    assert query_terms('"في"') == []


def test_highlights_prefer_the_word_as_typed():
    from khabar.text.surface import query_words
    from khabar.web.search import matched_words

    terms = analyze("سيول")
    typed = query_words("سيول", terms)
    assert matched_words("السيولة ترتفع بعد السيول في جدة", terms, typed) == ["السيول"]
    assert matched_words("السيولة ترتفع في السوق", terms, typed) == ["السيولة"]  # the stem is all it has
    assert matched_words("السيولة ترتفع بعد السيول", terms) == ["السيولة", "السيول"]  # no query: stems
    both = analyze("كورونا جدة")
    assert matched_words("«كورونا» تصيب 4 في جدة.", both, query_words("كورونا جدة", both)) == ["كورونا", "جدة"]


_QUERY_CHARS = st.sampled_from(list('سيول جدة «»“”"* ()ـًا NEAR OR AND:-\'\\') + ["كورونا", " في ", "ال"])


@pytest.fixture(scope="module")
def small_store():
    from khabar.store import SQLiteStore

    store = SQLiteStore(":memory:")
    arts = [Article(url=f"https://x.test/{i}", outlet="a", title=t, body=[b], published=datetime(2026, 1, 1 + i, 12))
            for i, (t, b) in enumerate([("سيول جدة", "جرفت السيول سيارات في جدة."),
                                         ("السيولة في السوق", "ارتفعت السيولة اليوم."),
                                         ("كورونا", "إصابات جديدة بكورونا في جدة.")])]
    store.add_articles([(a, analyze_article(a)) for a in arts])
    yield store
    store.close()


@settings(max_examples=300, deadline=None)
@given(st.lists(_QUERY_CHARS, max_size=12).map("".join))
def test_fuzz_any_query_gives_a_page_never_an_error(small_store, q):
    """Quotes unpaired or nested, FTS syntax, stopwords only: a page (maybe empty), not a raise."""
    from khabar.web.search import SearchRequest, search_page

    for newest in (False, True):
        page = search_page(small_store, SearchRequest(q, limit=10, newest_first=newest), CopyGroups({}))
        assert page["total"] >= len(page["results"]) and all(r["url"].startswith("https://x.test/") for r in page["results"])


def test_newest_first_orders_by_time_on_either_store(store):
    from khabar.web.search import SearchRequest, search_page

    arts = [Article(url=f"https://x.test/n{i}", outlet="a", title=f"سيول في المدينة رقم {i}",
                    body=[f"جرفت السيول سيارات في الحي رقم {i}." + " سيول" * (3 - i)], published=datetime(2026, 1, 1 + i, 12))
            for i in range(3)]
    store.add_articles([(a, analyze_article(a)) for a in arts])
    page = search_page(store, SearchRequest("سيول", limit=10, newest_first=True), CopyGroups({}))
    assert [r["url"] for r in page["results"]] == ["https://x.test/n2", "https://x.test/n1", "https://x.test/n0"]
    assert page["sort"] == "newest" and page["total"] == 3


def test_copies_across_groups_are_one_result_and_one_line(store):
    """A copy the group rules keep apart (a pair across groups) folds like a group member: in
    search results and on the latest page it goes under the shown copy's "also reported by"."""
    from khabar.web.search import SearchRequest, search_page
    from khabar.web.views import fold_copies

    arts = [Article(url=f"https://x.test/{i}", outlet=f"o{i}", title=f"سيول جدة تجرف السيارات {i}",
                    body=[f"جرفت سيول جدة عدداً من السيارات في الأحياء الجنوبية ({i})."],
                    published=datetime(2026, 1, 1 + i, 12)) for i in range(3)]
    store.add_articles([(a, analyze_article(a)) for a in arts])
    ids = [store.article_id(a.url) for a in arts]
    apart = CopyGroups({})
    paired = CopyGroups({}, [(ids[2], ids[1], 0.9)])

    def results(copies):
        return search_page(store, SearchRequest("سيول جدة", limit=10), copies)["results"]

    assert len(results(apart)) == 3
    folded = results(paired)
    assert len(folded) == 2
    shown = next(r for r in folded if r["url"] in (arts[1].url, arts[2].url))
    assert [c["url"] for c in shown["also_reported_by"]] == [({arts[1].url, arts[2].url} - {shown["url"]}).pop()]
    cards = fold_copies([store.get_article(i) for i in reversed(ids)], paired)
    assert [c["url"] for c in cards] == [arts[2].url, arts[0].url]
    assert [c["url"] for c in cards[0]["also_reported_by"]] == [arts[1].url]


def test_a_result_shows_the_words_around_its_first_match():
    from khabar.text.surface import query_words
    from khabar.web.search import SNIPPET_WORDS, matched_words, text_snippet

    filler = "افتتح المحافظ اليوم مشروعا جديدا للطرق في المنطقة الشرقية بحضور عدد من المسؤولين"  # 14 words
    deep = Article(url="https://x.test/1", outlet="a", title="مشاريع الطرق",
                   body=[f"{filler}.", f"{filler} {filler} وتضررت الطرق من سيول الأسبوع الماضي في الأحياء {filler} {filler}."],
                   author="سالم الأحمد - الأفق")
    terms = analyze("سيول")
    snippet = text_snippet(deep, terms, query_words("سيول", terms))
    assert snippet.startswith("… ") and snippet.endswith(" …") and "سيول الأسبوع" in snippet
    assert len(snippet.split()) == SNIPPET_WORDS + 2  # the words and the two cuts
    assert snippet.split().index("سيول") == 1 + 8  # a few words of context before it
    # No match in the text (the headline matched): the start of the lead; a byline that matches is shown.
    assert text_snippet(deep, analyze("مشاريع")) == " ".join(f"{filler}.".split())
    bylined = Article(url="https://x.test/2", outlet="a", title="الطرق", author="سالم الأحمد - الأفق",
                      body=[f"سالم الأحمد - الأفق: {filler}."])
    assert text_snippet(bylined, analyze("سالم الأحمد")).startswith("سالم الأحمد - الأفق:")
    # A stopword that stems like a query word is not a match: the index does not hold it.
    assert matched_words("وصل آل سعيد إلى الرياض", analyze("آل سعيد")) == ["آل", "سعيد"]
