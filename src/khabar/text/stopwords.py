"""Arabic and English stopwords, written for news text.

Stored in the *normalized* spelling (see ``normalize_arabic``), so membership is
checked after folding: ``إلى``, ``الى`` and ``إلي`` are all the same entry.
"""

from __future__ import annotations

from .normalize import normalize_arabic

_ARABIC = """
في من على الى إلى عن مع حتى منذ لدى عند لدي بين خلال ضد نحو حول دون غير سوى عبر وفق بعد قبل امام أمام خلف تحت فوق
و ف ثم او أو ام أم بل لكن لكنه لكنها ولكن إن ان أن إنه انه أنه انها أنها إنما كأن لأن لان لعل ليت
ما ماذا لماذا متى اين أين كيف كم هل لم لن لا ليس ليست قد لقد سوف كان كانت يكون تكون كانوا يكونون
هو هي هم هن هما انا أنا نحن انت أنت انتم أنتم
هذا هذه ذلك تلك هؤلاء اولئك أولئك هنا هناك هنالك
الذي التي الذين اللذين اللتين اللواتي اللاتي اللائي
كل بعض جميع أي اي أية اية ايضا أيضا فقط كما مثل حيث إذ اذ إذا اذا لو لولا كلما بينما عندما حين حينما
به بها بهم له لها لهم لنا لي منه منها منهم عنه عنها عليه عليها عليهم فيه فيها فيهم اليه إليه اليها إليها
وقال قال وقالت قالت وأضاف واضاف أضاف اضاف وأضافت اضافت وأكد واكد أكد اكد وأشار واشار أشار اشار
وأوضح واوضح أوضح اوضح وبين بين وذكر ذكر وتابع تابع مشيرا مؤكدا موضحا مضيفا لافتا
يوم اليوم امس أمس غدا الآن الان عام العام خلال
تم يتم وتم ضمن إطار اطار حاليا كذلك أكثر اكثر أقل اقل جدا
عبد ابو أبو ابن بن
""".split()

_ENGLISH = """
a an and are as at be by for from has have in is it its of on or that the to was were will with
this these those not but if then than so such can could would should may might
""".split()

ARABIC_STOPWORDS = frozenset(normalize_arabic(w) for w in _ARABIC)
ENGLISH_STOPWORDS = frozenset(_ENGLISH)
STOPWORDS = ARABIC_STOPWORDS | ENGLISH_STOPWORDS
