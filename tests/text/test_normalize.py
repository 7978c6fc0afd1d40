from hypothesis import given, settings, strategies as st

from khabar.text import analyze, normalize_arabic, normalize_light, stem_token, tokenize


def test_folds_letters_diacritics_tatweel_digits():
    assert normalize_arabic("أإآٱ") == "اااا"
    assert normalize_arabic("مُحَمَّدٌ") == "محمد"
    assert normalize_arabic("العـــربية") == "العربيه"
    assert normalize_arabic("مستشفى") == "مستشفي"
    assert normalize_arabic("مسؤول مسئول") == "مسوول مسيول"
    assert normalize_arabic("٢٠١٥ ۱۲") == "2015 12"
    assert normalize_arabic("الرحمٰن") == "الرحمن"  # dagger alef


def test_arabic_punctuation_and_latin():
    assert normalize_arabic("نعم، لا؛ لماذا؟ «هنا»") == 'نعم, لا; لماذا? "هنا"'
    assert normalize_arabic("Apple  iPhone\n") == "apple iphone"


def test_light_form_keeps_taa_marbuta_and_alef_maqsura():
    assert normalize_light("مدرسة على") == "مدرسة على"
    assert normalize_light("أحمد") == "احمد"


def test_presentation_forms_are_folded():
    assert normalize_arabic("\ufefb") == "لا"  # lam-alef ligature


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_normalization_is_idempotent_and_total(text):
    once = normalize_arabic(text)
    assert normalize_arabic(once) == once
    light = normalize_light(text)
    assert normalize_light(light) == light


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x0600, max_codepoint=0x06FF), max_size=40))
def test_arabic_block_never_raises_and_stems(text):
    for tok in tokenize(normalize_arabic(text)):
        assert isinstance(stem_token(tok), str)


def test_prisoners_spellings_share_a_stem():
    stems = {stem_token(normalize_arabic(w)) for w in ("الأسرى", "الاسرى", "أسرى", "الاسري")}
    assert len(stems) == 1


def test_taa_marbuta_and_conjunction_variants_share_stems():
    assert stem_token(normalize_arabic("المملكة")) == stem_token(normalize_arabic("المملكه"))
    assert stem_token(normalize_arabic("السعودية")) == stem_token(normalize_arabic("السعوديه"))
    assert stem_token(normalize_arabic("والحكومة")) == stem_token(normalize_arabic("الحكومة"))


def test_analyze_drops_stopwords_and_stems_english():
    terms = analyze("وقال المصدر إن الحكومة ستعلن عن القرارات Running companies")
    assert "قال" not in terms and "ان" not in terms and "عن" not in terms
    assert "run" in terms and "compani" in terms
    assert "حكوم" in terms
