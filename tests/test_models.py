from khabar.models import Article, is_dateline, without_byline


def _art(body, subheadings=()):
    return Article(url="https://x.test/1", outlet="a", title="عنوان", body=body, subheadings=list(subheadings))


def test_lead_skips_subheadings_and_a_dateline_at_the_head():
    text = "افتتح الوزير اليوم محطة تحلية جديدة في المدينة."
    assert _art([text]).lead == text
    assert _art(["محطة جديدة", text], subheadings=["محطة جديدة"]).lead == text
    for dateline in ("الواحة - صحيفة الأفق:", "عين اليوم – متابعات", "فايز الحسيكي – عين اليوم", "الرياض - واس",
                     "تبوك 3 رمضان 1440هـ الموافق 8 مايو 2019م واس", "الدمام 3 رمضان 1440 هـ الموافق 8 مايو 2019 م واس"):
        assert _art([dateline, text]).lead == text, dateline
    assert _art(["الرياض - واس"]).lead == "الرياض - واس"  # nothing else: better than nothing
    assert _art([]).lead == ""


def test_what_is_not_a_dateline():
    for p in ("رئيس الوزراء الإسرائيلي - بنيامين نتنياهو",  # a caption: five words
              "تعاون سعودي - ياباني في شأن مصانع السيارات الكهربائية",
              "أصدر الوزير اليوم قرارا هذا نصه:",  # an introduction is a lead
              "قال الوزير - وهو يبتسم - إن العمل مستمر.",
              "نثريات الخميس - 24",
              "أعلن الوزير 25 شوال 1436 هـ موعدا",  # a sentence that gives a date
              "وقع الحادث في 25 يوليو 2015 م"):
        assert not is_dateline(p), p


def test_lead_skips_the_articles_own_byline_glued_to_its_text_by_a_colon():
    text = "أقامت البلدية أمس حفلا لتكريم المتطوعين في الحي القديم."
    for author in ("خالد السالم- صحيفة الأفق- حائل", "خالد السالم- صحيفة الأفق- حائل:"):  # cleaned, or stored before
        art = Article(url="https://x.test/1", outlet="a", body=[f"خالد السالم- صحيفة الأفق- حائل: {text}"], author=author)
        assert art.lead == text, author
    # Someone else's name, no colon after the byline, or no byline: the paragraph is the lead.
    assert without_byline(f"محمد العلي: {text}", "خالد السالم") == f"محمد العلي: {text}"
    assert without_byline(f"الرياض تستضيف {text}", "الرياض") == f"الرياض تستضيف {text}"
    assert without_byline(text, None) == text
    # A byline standing alone is skipped like a dateline.
    assert Article(url="https://x.test/2", outlet="a", body=["خالد السالم - الأفق - حائل:", text],
                   author="خالد السالم - الأفق - حائل").lead == text
