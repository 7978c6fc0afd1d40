import json
import re
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from khabar.ingest.chrome import strip_site_chrome
from khabar.ingest.clean import clean_page, split_paragraphs

TEXT = [
    "افتتح أمير المنطقة مساء أمس مهرجان الصيف في الحديقة العامة بحضور عدد من المسؤولين.",
    "وتضمن الحفل عروضا شعبية ومسابقات للأطفال استمرت حتى ساعة متأخرة.",
]


@pytest.mark.parametrize("widget", [
    "شارك من خلال فيسبوك تويتر واتساب أضف تعليقا",
    "شاركوا عبر: فيسبوك | تويتر | واتساب",
    "انشر على Twitter Facebook WhatsApp",
])
def test_share_widget_glued_to_the_head_of_the_text(widget):
    assert strip_site_chrome([f"{widget} {TEXT[0]}", TEXT[1]]) == TEXT


def test_share_widget_at_the_end_and_as_its_own_line():
    assert strip_site_chrome([TEXT[0], f"{TEXT[1]} شارك عبر تويتر فيسبوك"]) == TEXT
    assert strip_site_chrome([TEXT[0], "واتساب تويتر لينكد إن فيسبوك", TEXT[1]]) == TEXT


def test_networks_named_in_a_sentence_stay():
    said = ["ينشط الفنان على مواقع التواصل: تويتر، فيسبوك، إنستغرام", "وقال إنه شارك في تويتر وفيسبوك بآرائه."]
    assert strip_site_chrome(said) == said


def test_gallery_buttons_and_captions_ahead_of_the_text():
    head = "صورة المعرض الأول صورة من الافتتاح Next Previous"
    assert strip_site_chrome([f"{head} {TEXT[0]}", TEXT[1]]) == TEXT
    assert strip_site_chrome(["Next Previous", "مراسل – جدة", *TEXT]) == ["مراسل – جدة", *TEXT]


def test_gallery_words_deep_in_a_text_stay():
    long_para = " ".join(["كلمة"] * 130) + " next previous " + TEXT[0]
    assert strip_site_chrome([long_para]) == [long_para]


def test_columnist_contact_notice_with_email_glued_in_front():
    last = (f"{TEXT[1]} writer@example.comللتواصل مع الكاتبة أرسل رسالة SMS برقمها (12) وبعدها كلمتك "
            "نص الرسالة إلى 88000 - Stc 630000 - Mobily 730000 - Zain")
    assert strip_site_chrome([TEXT[0], last]) == TEXT
    notice = ["للتواصل أرسل sms إلى 88000 من زين أو 630000 من موبايلي واكتب الرقم 15 أولا"]
    assert strip_site_chrome(TEXT + notice) == TEXT
    assert strip_site_chrome(TEXT + ["الاتصالات ,630000 موبايلي, 730000"]) == TEXT


def test_a_contact_notice_over_several_paragraphs_and_the_email_line_before_it():
    split = ["writer@example.com", "للتواصل مع الكاتب أرسل رسالة SMS", "برقم المقال (41) وبعده نص رسالتك إلى"]
    assert strip_site_chrome(TEXT + split) == TEXT
    three = ["للتواصل أرسل sms إلى 88000 الاتصالات", ",630000 موبايلي, 730000 زين برقم", "188 وبعده الرسالة"]
    assert strip_site_chrome(TEXT + three) == TEXT
    # An e-mail line with no notice after it is the writer's address: it goes too (it tied one
    # writer's columns to one another in matching); inside the text it stays.
    assert strip_site_chrome(TEXT + ["writer@example.com"]) == TEXT
    assert strip_site_chrome([TEXT[0], "writer@example.com", TEXT[1]]) == [TEXT[0], "writer@example.com", TEXT[1]]


def test_a_service_number_in_the_news_stays():
    news = [TEXT[0], "وخصصت الهيئة رقما للتواصل عبر رسالة SMS على 8001245 لتلقي البلاغات."]
    assert strip_site_chrome(news) == news
    # A notice is only looked for where it sits: at the end of the text.
    early = ["للتواصل أرسل sms إلى 88000 ثم الرسالة", *TEXT, "فقرة ثالثة."]
    assert strip_site_chrome(early) == early


def test_wire_end_marker_and_the_tags_after_it():
    assert strip_site_chrome([*TEXT, "// انتهى //"]) == TEXT
    assert strip_site_chrome([TEXT[0], f"{TEXT[1]} //يتبع// مهرجان الصيف الحديقة"]) == TEXT


def test_self_link_line_and_teaser_and_bare_separators():
    last = f"{TEXT[1]} رابط الخبر بصحيفة المثال: أمير المنطقة يفتتح مهرجان الصيف"
    assert strip_site_chrome([TEXT[0], last]) == TEXT
    assert strip_site_chrome([TEXT[0], "* * *", "\u200f", TEXT[1], "...المزيد"]) == TEXT


def test_a_text_that_is_only_chrome_is_kept():
    only = ["رابط الخبر بصحيفة المثال: بالصور .. افتتاح مهرجان الصيف"]
    assert strip_site_chrome(only) == only


def test_clean_page_strips_chrome_from_the_body_and_read_also_bodies():
    text = "\n".join([f"شارك من خلال فيسبوك تويتر واتساب أضف تعليقا {TEXT[0]}", TEXT[1],
                      "اقرأ أيضاً", "عنوان آخر", "فقرة من المقال الآخر.", "// انتهى //"])
    page = clean_page(text)
    assert page.body == TEXT
    assert [(r.title, r.body) for r in page.read_also] == [("عنوان آخر", ["فقرة من المقال الآخر."])]


@given(st.lists(st.text(min_size=1, max_size=80), max_size=6))
def test_only_removes_text(paragraphs):
    out = strip_site_chrome(paragraphs)
    whole = "\n".join(paragraphs)
    assert all(p.strip() and p in whole for p in out)
    assert strip_site_chrome(out) == out or out == [p for p in paragraphs if p.strip()]


@given(st.lists(st.sampled_from(TEXT + ["وقال المتحدث إن العمل مستمر.", "٣ مصابين في الحادث"]), min_size=1, max_size=6))
def test_plain_text_comes_back_unchanged(paragraphs):
    assert strip_site_chrome(paragraphs) == paragraphs


@pytest.mark.corpus
def test_corpus_chrome_is_gone_and_no_article_is_emptied(shared):
    """On every corpus article: no widget, gallery, contact notice or self-link is left, and
    the text otherwise loses no more than that chrome."""
    seen = 0
    for path in sorted((shared / "corpus" / "saudinewsnet").glob("*.zip")):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if not name.endswith(".json"):
                    continue
                for record in json.loads(zf.read(name)):
                    content = record.get("content") or ""
                    if not content.strip():
                        continue
                    body = clean_page(content).body
                    assert body, record.get("url")
                    text = " ".join(body)
                    if len(split_paragraphs(content)) > 1 or "رابط الخبر" not in content:
                        assert "شارك من خلال تويتر" not in text
                        assert "Next Previous" not in text
                        assert not re.search(r"[.!؟»”]\s*سمات(?:\s+\S+){1,12}$", text)
                        assert "رابط الخبر بصحيفة" not in text
                        assert "// انتهى //" not in text
                        assert not ("للتواصل" in text and "88591 - Stc" in text)
                        assert "للتواصل مع الكاتب ارسل رسالة" not in text and "للتواصل أرسل sms" not in text
                        assert not re.search(r"\d:\d\d ت م$", text)
                        assert not re.search(r"@asharqalawsat\.com$|لمراسلة الكاتب: \S+@alriyadh\.net$", text)
                    seen += 1
    assert seen > 30000


@pytest.mark.parametrize("closing", [
    ["14:32 ت م"], ["9:05 ت م NNNN"],  # a wire service's time stamp
    ["writer@example-paper.com"], ["writer.name@ example.com.sa"], ["@writer_1"],
    ["لمراسلة الكاتب: writer@example.net"], ["تويتر: writer1"], ["تويتر:"], ["تويتر @writer"], ["t:@Writer_Press"],
    ["إيميل: writer@example.com", "@writer"],  # a few address lines
])
def test_a_time_stamp_or_the_writers_address_lines_closing_the_text(closing):
    assert strip_site_chrome(TEXT + closing) == TEXT


@pytest.mark.parametrize("closing", [
    "www.example-shop.com",  # a site the text is about
    "للاستفسار: 920001234",  # a service's number
    "تويتر: سنعود",  # a sentence
    "وقال عبر تويتر: writer1",
    "14:32",
])
def test_closing_lines_that_are_information_stay(closing):
    assert strip_site_chrome(TEXT + [closing]) == TEXT + [closing]


def test_a_syndication_credit_closing_the_text_is_its_source():
    for credit, source in [("* خدمة «نيويورك تايمز»", "خدمة «نيويورك تايمز»"),
                           ("* بالاتفاق مع «بلومبيرغ»", "بالاتفاق مع «بلومبيرغ»"),
                           ("ـ خاص بـ«الأفق»", "خاص بـ«الأفق»"), ("* خدمة: {واشنطن بوست}", "خدمة: {واشنطن بوست}")]:
        page = clean_page("\n".join(TEXT + [credit]))
        assert (page.body, page.source) == (TEXT, source), credit
    said = TEXT + ["وقال إن الخدمة «ممتازة»."]
    assert (clean_page("\n".join(said)).body, clean_page("\n".join(said)).source) == (said, None)
    # A source line wins; the credit then stays where it is.
    page = clean_page("\n".join(TEXT + ["* خدمة «نيويورك تايمز»", "المصدر: واس"]))
    assert (page.body, page.source) == (TEXT + ["* خدمة «نيويورك تايمز»"], "واس")


def test_tag_links_after_the_last_sentence():
    assert strip_site_chrome([TEXT[0], f"{TEXT[1]} سمات مهرجان الصيف الحديقة"]) == TEXT
    assert strip_site_chrome([TEXT[0], f"{TEXT[1]} Next Previous سمات مهرجان الصيف"]) == TEXT
    # "سمات" as a word of the last sentence ("features of") stays.
    said = [TEXT[0], "ويعتبره سمة من سمات تجربته كاتبا."]
    assert strip_site_chrome(said) == said


def test_long_tokens_do_not_stall_the_cleaner():
    """A page of one long token (a data blob, a run of addresses) is cleaned in linear time. An
    e-mail alternative in the contact pattern once took 48 s on 200,000 characters; this guards
    against that kind of backtracking (each case takes milliseconds), not a speed target."""
    import time

    n = 200_000
    cases = ["ا" * n, "ا@" * (n // 2), "ا." * (n // 2), "x@y.com" * (n // 7) + "للتواصل أرسل sms",
             "سمات " * (n // 5), "- " * (n // 2), "تويتر " * (n // 6)]
    start = time.perf_counter()
    for text in cases:
        strip_site_chrome(["نص.", text, "آخر"])
    assert time.perf_counter() - start < 10
