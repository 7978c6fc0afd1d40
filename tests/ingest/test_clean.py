import json

import pytest

from khabar.ingest.clean import clean_page


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
    ["اقرأ أيضاً:", "اقرأ أيضا", "اقرأ ايضاً", "إقرأ أيضًا :", "اقْرَأ أيضاً"],
)
def test_read_also_marker_variants(marker):
    text = "\n\n".join(BODY + ["المصدر: وكالة الأنباء", marker, "عنوان المقال الآخر", "فقرة من المقال الآخر."])
    page = clean_page(text)
    assert page.body == BODY
    assert page.source == "وكالة الأنباء"
    assert [(r.title, r.body) for r in page.read_also] == [("عنوان المقال الآخر", ["فقرة من المقال الآخر."])]


@pytest.mark.parametrize("marker", ["مقالات مشابهة", "مقالات ذات صلة", "أخبار ذات صلة:", "أخبار ذات صله"])
@pytest.mark.parametrize("bullet", ["• ", "- ", "* ", ""])
def test_similar_marker_and_bullet_variants(marker, bullet):
    text = "\n".join(BODY + [marker, f"{bullet}العنوان الأول", f"{bullet}العنوان الثاني"])
    page = clean_page(text)
    assert page.body == BODY
    assert page.similar == ["العنوان الأول", "العنوان الثاني"]
    assert page.source is None


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
