import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khabar.ingest.clean import clean_byline, clean_page, clean_title, cut_byline, decode_entities, split_paragraphs


def test_seed_page_matches_expected(shared):
    page = clean_page((shared / "seed" / "page.txt").read_text(encoding="utf-8"))
    expected = json.loads((shared / "seed" / "expected.json").read_text(encoding="utf-8"))
    assert page.body == expected["article"]["body_paragraphs"]
    assert page.subheadings == expected["article"]["subheadings"]
    assert page.source == expected["article"]["source_attribution"]
    assert [r.title for r in page.read_also] == [r["title"] for r in expected["read_also"]]
    assert [r.body for r in page.read_also] == [r["body_paragraphs"] for r in expected["read_also"]]
    assert [r.subheadings for r in page.read_also] == [r["subheadings"] for r in expected["read_also"]]
    assert page.similar == expected["similar_titles"]


BODY = [
    "أعلنت الوزارة اليوم عن خطة جديدة لتطوير الطرق في المنطقة الشرقية بتكلفة كبيرة.",
    "وقال المصدر: إن الخطة ستنفذ على ثلاث مراحل خلال خمس سنوات.",
    "وأضاف أن المرحلة الأولى تبدأ الشهر المقبل.",
]


@pytest.mark.parametrize(
    "marker",
    ["اقرأ أيضاً:", "اقرأ أيضا", "اقرأ ايضاً", "إقرأ أيضًا :", "اقْرَأ أيضاً", "طالع أيضاً:", "شاهد أيضا"],
)
def test_read_also_marker_variants(marker):
    text = "\n\n".join(BODY + ["المصدر: وكالة الأنباء", marker, "عنوان المقال الآخر", "فقرة من المقال الآخر."])
    page = clean_page(text)
    assert page.body == BODY
    assert page.source == "وكالة الأنباء"
    assert [(r.title, r.body) for r in page.read_also] == [("عنوان المقال الآخر", ["فقرة من المقال الآخر."])]


@pytest.mark.parametrize("marker", ["مقالات مشابهة", "مقالات ذات صلة", "أخبار ذات صلة:", "أخبار ذات صله", "ذات صلة",
                                    "مواد ذات صلة", "روابط ذات صلة:"])
@pytest.mark.parametrize("bullet", ["• ", "- ", "* ", ""])
def test_similar_marker_and_bullet_variants(marker, bullet):
    text = "\n".join(BODY + [marker, f"{bullet}العنوان الأول", f"{bullet}العنوان الثاني"])
    page = clean_page(text)
    assert page.body == BODY
    assert page.similar == ["العنوان الأول", "العنوان الثاني"]
    assert page.source is None


@pytest.mark.parametrize("verb", ["اقرأ", "طالع", "شاهد"])
def test_an_inline_read_also_link_is_a_title_but_a_sentence_after_the_words_stays_body(verb):
    link = f"{verb} أيضاً: عنوان مقال آخر عن الحدائق"
    page = clean_page("\n".join(BODY[:1] + [link] + BODY[1:]))
    assert page.body == BODY and [r.title for r in page.read_also] == ["عنوان مقال آخر عن الحدائق"]
    sentence = (f"{verb} أيضاً ما جرى في الاجتماع الأخير للمجلس البلدي الذي ناقش خلاله الأعضاء خطة تطوير الحدائق "
                "العامة في الأحياء الشمالية والجنوبية من المدينة وتمويلها من الميزانية العامة خلال السنوات الخمس المقبلة.")
    page = clean_page("\n".join(BODY + [sentence]))
    assert page.body == BODY + [sentence] and not page.read_also  # a long sentence is no link


def test_share_and_copyright_lines_are_not_the_article():
    trailer = ["تابعونا على تويتر وفيسبوك", "جميع الحقوق محفوظة © 2026", "شارك الخبر"]
    page = clean_page("\n".join(BODY + trailer))
    assert page.body == BODY
    kept = "تابعونا على مدى سنوات طويلة ونحن ننقل إليكم أخبار المدينة بكل أمانة، وقد آن أوان التجديد في كل شيء نقدمه لكم."
    assert clean_page("\n".join(BODY + [kept])).body == BODY + [kept]  # a sentence, not a button


def test_mentions_of_source_stay_in_body():
    text = "\n".join(BODY + ["وأكد المصدر: لا تغيير في الموعد.", "المصدر نفسه أشار إلى أن الخطة ممولة بالكامل من الميزانية العامة للدولة هذا العام."])
    page = clean_page(text)
    assert page.source is None
    assert page.body[-2:] == ["وأكد المصدر: لا تغيير في الموعد.", "المصدر نفسه أشار إلى أن الخطة ممولة بالكامل من الميزانية العامة للدولة هذا العام."]
    assert "وقال المصدر: إن الخطة ستنفذ على ثلاث مراحل خلال خمس سنوات." in page.body


def test_several_read_also_items():
    text = "\n".join(BODY + ["المصدر : صحيفة الأفق", "إقرأ أيضا:", "- الخبر الأول", "- الخبر الثاني", "مقالات مشابهة", "• عنوان"])
    page = clean_page(text)
    assert page.source == "صحيفة الأفق"
    assert [r.title for r in page.read_also] == ["الخبر الأول", "الخبر الثاني"]
    assert page.similar == ["عنوان"]


def test_two_read_also_blocks_and_inline_link():
    text = "\n".join(
        BODY[:1]
        + ["اقرأ أيضاً: عنوان مضمن في النص", BODY[1]]
        + ["اقرأ أيضاً:", "العنوان أ", "نص أ.", "اقرأ أيضاً:", "العنوان ب", "نص ب."]
    )
    page = clean_page(text)
    assert page.body == BODY[:2]
    assert [(r.title, r.body) for r in page.read_also] == [
        ("عنوان مضمن في النص", []), ("العنوان أ", ["نص أ."]), ("العنوان ب", ["نص ب."])
    ]


def test_source_marker_alone_takes_next_line():
    page = clean_page("\n".join(BODY + ["المصدر:", "الجزيرة"]))
    assert page.source == "الجزيرة" and page.body == BODY


def test_plain_text_has_no_subheadings_and_survives_garbage():
    assert clean_page("").body == []
    page = clean_page("سطر قصير\nسطر آخر قصير\nسطر ثالث")
    assert page.subheadings == []
    clean_page("\x00\ufffd<script>\n•\n-\nالمصدر:")  # never raises


def test_an_inline_link_inside_a_read_also_article_keeps_its_body_going():
    text = "\n".join(BODY[:1] + ["اقرأ أيضاً:", "العنوان أ", "نص أ.", "اقرأ أيضا: رابط داخل المقال", "تتمة نص أ."])
    page = clean_page(text)  # raised AssertionError: the link had dropped the block being read
    assert page.body == BODY[:1]
    assert [(r.title, r.body) for r in page.read_also] == [
        ("العنوان أ", ["نص أ.", "تتمة نص أ."]), ("رابط داخل المقال", [])
    ]


# --- fuzz: pages assembled from markers, bullets and sentences in any order ---------------------
_LINES = st.sampled_from([
    "إقرأ أيضاً:", "اقرأ ايضا", "اقرأ أيضاً: عنوان مضمن", "مقالات مشابهة", "أخبار ذات صلة:", "المصدر:",
    "المصدر: الجزيرة", "المصدر : وكالة الأنباء", "• عنوان في قائمة", "- عنوان آخر", "1. عنوان مرقم",
    "تفاؤل حذر", "قال المصدر: إن الاجتماع انتهى.", "وأعلنت الوزارة اليوم عن خطة جديدة للطرق.", "", "   ",
    "\u0640\u0640\u0640", "<p>وسم</p>", "\ufffd", "x" * 300, "&quot;عنوان&quot;&nbsp;بين علامتين", "&amp", "&#1;",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_LINES, st.text(max_size=40)), max_size=30))
def test_fuzz_any_page_splits_without_error_and_invents_nothing(lines):
    text = "\n".join(lines)
    page = clean_page(text)
    paragraphs = split_paragraphs(decode_entities(text))  # as a reader sees them
    assert all(p in paragraphs for p in page.body)  # the body is made of the page's own paragraphs
    assert set(page.subheadings) <= set(page.body)
    from_page = lambda part: any(part in p for p in paragraphs)  # noqa: E731  (titles lose bullets and markers)
    for item in page.read_also:
        assert all(p in paragraphs for p in item.body)
        assert item.title and from_page(item.title)
    assert all(from_page(t) for t in page.similar)
    assert page.source is None or from_page(page.source)
    json.dumps(page.to_json(), ensure_ascii=False)


def test_character_references_are_decoded_and_bylines_lose_their_labels():
    assert decode_entities("قال &quot;نعم&quot;&nbsp;أمس &#8220;هنا&#8221; &amp; AT&T") == 'قال "نعم" أمس “هنا” & AT&T'
    assert decode_entities("نص بلا مراجع") == "نص بلا مراجع"
    assert clean_page("الخبر &quot;المهم&quot; وصل.\nالمصدر&#58; واس").to_json()["body"] == ['الخبر "المهم" وصل.']
    assert clean_title("  افتتاح &#8220;المعرض&#8221;\n اليوم ") == "افتتاح “المعرض” اليوم"
    assert clean_byline("&nbsp;سالم (جدة)") == "سالم (جدة)"
    assert clean_byline("بواسطة : عمرو الصالح") == "عمرو الصالح"
    assert clean_byline("الرياض - الأفق :") == "الرياض - الأفق"
    assert clean_byline("سالم &ndash; جدة:") == "سالم – جدة"
    assert clean_byline("  :  ") is None and clean_byline(None) is None


def test_the_articles_own_byline_is_cut_from_the_head_of_its_text():
    text = ["سالم الأحمد - الأفق - جدة: افتتح المعرض أبوابه أمس.", "وشهد الافتتاح حضور كبير."]
    assert cut_byline(text, "سالم الأحمد - الأفق - جدة") == ["افتتح المعرض أبوابه أمس.", text[1]]
    assert cut_byline(["سالم الأحمد - الأفق - جدة:", text[1]], "سالم الأحمد - الأفق - جدة") == [text[1]]
    assert cut_byline(text, "محمد العلي") == text  # someone else's byline
    assert cut_byline(["الأفق تعلن: افتتح المعرض."], "الأفق") == ["الأفق تعلن: افتتح المعرض."]  # no colon after it
    assert cut_byline([text[1], text[0]], "سالم الأحمد - الأفق - جدة") == [text[1], text[0]]  # only at the head
    assert cut_byline(["سالم الأحمد - الأفق - جدة:"], "سالم الأحمد - الأفق - جدة") == ["سالم الأحمد - الأفق - جدة:"]
    assert cut_byline(text, None) == text
