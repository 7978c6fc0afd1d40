from khabar.models import Article, is_dateline


def _art(body, subheadings=()):
    return Article(url="https://x.test/1", outlet="a", title="عنوان", body=body, subheadings=list(subheadings))


def test_lead_skips_subheadings_and_a_dateline_at_the_head():
    text = "افتتح الوزير اليوم محطة تحلية جديدة في المدينة."
    assert _art([text]).lead == text
    assert _art(["محطة جديدة", text], subheadings=["محطة جديدة"]).lead == text
    for dateline in ("الواحة - صحيفة الأفق:", "عين اليوم – متابعات", "فايز الحسيكي – عين اليوم", "الرياض - واس",
                     "جدة 25 شوال 1436هـ الموافق 10 أغسطس 2015م واس", "الرياض 25 شوال 1436 هـ الموافق 10 اغسطس 2015 م واس"):
        assert _art([dateline, text]).lead == text, dateline
    assert _art(["الرياض - واس"]).lead == "الرياض - واس"  # nothing else: better than nothing
    assert _art([]).lead == ""


def test_what_is_not_a_dateline():
    for p in ("رئيس الوزراء الإسرائيلي - بنيامين نتنياهو",  # a caption: five words
              "اتفاق فرنسي - روسي في شأن سفينتي «ميسترال»",
              "صدر أمس أمر ملكي فيما يلي نصه:",  # an introduction is a lead
              "قال الوزير - وهو يبتسم - إن العمل مستمر.",
              "نثريات الخميس - 24",
              "أعلن الوزير 25 شوال 1436 هـ موعدا",  # a sentence that gives a date
              "وقع الحادث في 25 يوليو 2015 م"):
        assert not is_dateline(p), p


def test_matching_reads_past_bylines_and_datelines_but_the_text_keeps_them():
    from khabar.models import analyze_article, matching_body

    text = "أعلن الدفاع المدني اليوم إنقاذ أسرة احتجزتها السيول في وادي الرمة."
    assert matching_body([f"عوض الفهمي- سبق- مكة المكرمة: {text}"]) == [text]
    assert matching_body(["واس- جدة: " + text]) == [text]
    # A colon in a sentence is not a byline, nor is a dash without one; a dateline line stays.
    for body in (["قال الوزير: إن العمل مستمر."], ["الرياض - أعلنت الوزارة أمس أن العمل مستمر."], ["عين اليوم – متابعات"],
                 ["عين اليوم – متابعات", text], ["عوض الفهمي- سبق- مكة المكرمة:"], []):
        assert matching_body(body) == body
    art = Article(url="https://x.test/1", outlet="a", title="سيول", body=[f"عوض الفهمي- سبق- مكة المكرمة: {text}"])
    ana = analyze_article(art)
    assert "الفهمي" not in ana.body_norm and "الفهمي" in art.body[0] and "الفهمي" in art.lead
