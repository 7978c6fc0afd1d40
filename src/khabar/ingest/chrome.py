"""Site chrome glued *inside* the text: widgets and notices a scraper took for the body.

``clean_page`` drops chrome that stands on its own line (a share button, a copyright
line). Some outlets' pages glue theirs to the text itself, and on the SaudiNewsNet
corpus that is common enough to matter:

- a share widget at the head of the first paragraph ("شارك من خلال تويتر …" and more
  networks, then a prompt to comment: 157 okaz articles);
- a photo gallery's captions and its "Next Previous" buttons ahead of the text (270
  articles of عين اليوم);
- a columnist's contact notice at the end ("للتواصل مع الكاتب ارسل رسالة SMS … 88591 -
  Stc 635031 - Mobily", in one paragraph or up to three, with the writer's e-mail in front:
  307 columns);
- a wire service's end marker and the tags after it ("// انتهى //", "// يتبع // …", 348);
- a page's tag links after the last sentence ("… الجاري. سمات التأمينات اليمنيين", 1,576
  articles of عين اليوم);
- a link line repeating the article's own headline ("رابط الخبر بصحيفة الوئام: …", every
  one of الوئام's 2,090 articles);
- a teaser's "...المزيد" (115) and separator lines with no word at all ("* *");
- a wire service's time stamp closing the text ("14:32 ت م", 367 of واس's articles);
- a columnist's address lines closing the text: an e-mail, a handle, "لمراسلة الكاتب: …",
  "تويتر: @…" (about 150 columns).

Why it matters beyond looks: these words are the same in hundreds of one outlet's
articles, so they tie unrelated articles together (an okaz column's nearest articles
were other okaz pieces sharing only the widget), repeat a headline inside its own body,
open the leads the front page shows, and the e-mail and phone numbers are rare enough
to count as distinctive terms.

Every rule is anchored to where the chrome sits (the start or the end of a paragraph,
or a whole paragraph) and needs its own vocabulary (several network names, an SMS
notice with a number, the marker between slashes), so a sentence that mentions
Twitter or "للتواصل" stays in the body.
"""

from __future__ import annotations

import re

__all__ = ["strip_site_chrome"]

# Social networks and share actions, as widgets spell them (Arabic or Latin).
_NETWORK = (r"(?:تويتر|تويتير|فيس\s?بوك|جوجل\s?(?:بلس|\+)|غوغل\s?(?:بلس|\+)|وات?س\s?[اآ]ب|لينكد\s?[اإ]ن"
            r"|تيليجرام|تلغرام|[اإ]نستغرام|[اإ]نستجرام|سناب\s?شات|البريد(?:\s+الإلكتروني)?|طباعة"
            r"|twitter|facebook|google\s?\+|google\s+plus|whatsapp|linkedin|telegram|e-?mail|print)")
_NETWORK_RUN = rf"(?:{_NETWORK}[\s،,|/\-]*){{2,}}"
_SHARE_TAIL = r"(?:اكتب\s+ر[أا]يك|[أا]ضف\s+تعليق(?:ا|ك)?|[أا]رسل\s+لصديق)?"
# "شارك من خلال تويتر …": a share prompt, two networks or more, maybe a prompt to comment.
_SHARE = (rf"(?:شارك(?:وا)?|انشر|مشاركة)\s*(?:(?:من\s+)?خلال|عبر|على)?\s*[:：]?\s*{_NETWORK_RUN}{_SHARE_TAIL}")
_SHARE_HEAD = re.compile(rf"^\s*{_SHARE}\s*", re.IGNORECASE)
_SHARE_END = re.compile(rf"{_SHARE}\s*$", re.IGNORECASE)
# Networks alone make a widget only as a whole line: "تويتر، فيسبوك، إنستغرام" ends sentences too.
_NETWORKS_LINE = re.compile(rf"^\s*(?:{_NETWORK}[\s،,|/\-]*){{3,}}{_SHARE_TAIL}\s*$", re.IGNORECASE)
# A gallery's buttons; its captions come before them, at most this many words.
_GALLERY = re.compile(r"\b(?:next\s+previous|previous\s+next)\b|السابق\s+التالي|التالي\s+السابق", re.IGNORECASE)
_MAX_CAPTION_WORDS = 120
_MAX_CONTACT_WORDS = 40  # a contact notice is short; a longer tail is text that mentions one
_END_PARAGRAPHS = 2  # self-links and tags close the text: only its last paragraphs are checked...
_CONTACT_PARAGRAPHS = 3  # ... and a contact notice starts in these last ones (it may take three)
# A columnist's contact notice, to the end of the text: "للتواصل (مع الكاتب) ارسل رسالة SMS
# …", a code to start it with, then the numbers ("88591 - Stc"), in one paragraph or a few, with the
# writer's e-mail often glued in front or on a line of its own before it. A sentence giving a
# service's number ("خصصت الهيئة رقماً للتواصل عبر رسالة SMS …") is not one.
# "للتواصل (مع الكاتب) أرسل (رسالة) SMS": an imperative to the reader. Where it may start is
# checked around each occurrence (``_contact_start``), not by the pattern: an e-mail alternative
# in the pattern cost time quadratic in a long token (0.2 s for 10,000 letters without a space).
_CONTACT = re.compile(
    r"للتواصل(?:\s+مع\s+(?:الكاتب|الكاتبة|المحرر))?\s*[:：]?\s*[أا]رسل\s+(?:رسال[ةه]\s+)?(?:sms|نصي[ةه])",
    re.IGNORECASE,
)
_SENTENCE_END = tuple(".!?؟»\"”")
_MAX_EMAIL_CHARS = 100
_DOMAIN = re.compile(r"[^\s@]+\.[a-z]{2,}", re.IGNORECASE)
_EMAIL_LINE = re.compile(r"^\s*[^\s@]+@[^\s@]+\.[a-z]{2,}\s*$", re.IGNORECASE)  # one address, linear to check
_OPERATORS = re.compile(r"^[\d\s,،\-–—:()]*(?:(?:stc|mobily|zain|الاتصالات|موبايلي|زين)[\d\s,،\-–—:()]*)+$",
                        re.IGNORECASE)
# A wire service's end marker (and the tags some sites print after it).
_WIRE_END = re.compile(r"/{2}\s*(?:انتهى|انتهي|يتبع)\s*/{2}.*$")
# "رابط الخبر بصحيفة الوئام: <the article's own headline>".
_SELF_LINK = re.compile(r"رابط\s+(?:الخبر|المقال|الموضوع)\s+(?:ب|في\s+|على\s+)?(?:صحيفة|موقع|جريدة)\s+[^:：]{1,30}[:：].*$")
# (No pattern that may start anywhere opens with \s*: on a long run of spaces that is quadratic;
# the paragraph is stripped after the cuts instead.)
# A page's tag links after the text's last sentence ("… الجاري. سمات التأمينات اليمنيين"), and a
# gallery's buttons when the gallery closes the page.
_TAGS = re.compile(r"(?:(?<=[.!?؟»”\"])|^)\s*سمات(?:\s+\S+){1,12}\s*$")
_GALLERY_END = re.compile(r"\b(?:next\s+previous|previous\s+next)\b(?:\s+سمات(?:\s+\S+){1,12})?\s*$", re.IGNORECASE)
_MORE = re.compile(r"^[.…\s]*(?:المزيد|للمزيد|[اإ]قر[أا]\s+المزيد)[.…\s]*$")
# Closing lines, each a paragraph of its own, at most ``_MAX_CLOSING_CHARS`` long: a wire time
# stamp ("14:32 ت م", Mecca time), and a writer's address: an e-mail or a handle alone, or after a
# label that says it is one ("لمراسلة الكاتب:", "تويتر:", "إيميل:"; the value may be lost). A
# service's number ("للاستفسار: 920…") or a web site closing a text is information: it stays.
_MAX_CLOSING_CHARS = 80
_CLOSING_LINES = 3
_WIRE_TIME = re.compile(r"^\d{1,2}:\d{2}\s*ت\s*م(?:\s+[A-Z0-9]{1,8})?$")
_HANDLE = r"[A-Za-z0-9_]{2,30}"  # a Latin name: an Arabic word after "تويتر:" is a sentence
_ADDRESS = rf"(?:[A-Za-z0-9._%+\-]+@\s?[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{{2,}}|@{_HANDLE})"
_ADDRESS_LINE = re.compile(
    rf"^(?:(?:لمراسلة\s+الكاتب(?:ة)?|تويتر|تويتير|twitter|t|[إا]يميل|البريد\s+الإلكتروني|e-?mail)\s*[:：]\s*"
    rf"(?:{_ADDRESS}|{_HANDLE})?|(?:تويتر|twitter)\s+@{_HANDLE}|{_ADDRESS})[.\s]*$",
    re.IGNORECASE,
)
_HAS_WORD = re.compile(r"\w")


def strip_site_chrome(paragraphs: list[str]) -> list[str]:
    """``paragraphs`` without the chrome glued into them; paragraphs left empty are dropped.
    Text is only ever removed, never rewritten, and a paragraph without chrome comes back
    as it was. A text that is nothing but chrome comes back whole: it is all the page had
    (15 of الوئام's photo stories are only their link line), and an article is not lost to
    its chrome."""
    out: list[str] = []
    last = len(paragraphs) - _END_PARAGRAPHS
    for i, p in enumerate(paragraphs):
        if not out:
            p = _strip_gallery(p)  # a gallery heads the text
        p = _SHARE_HEAD.sub("", p, count=1)
        p = _SHARE_END.sub("", p, count=1)
        p = _WIRE_END.sub("", p, count=1)
        if i >= last:
            p = _SELF_LINK.sub("", p, count=1)
            p = _GALLERY_END.sub("", p, count=1)
            p = _TAGS.sub("", p, count=1)
        p = p.strip()
        if not p or _NETWORKS_LINE.match(p) or _MORE.match(p) or _OPERATORS.match(p) or not _HAS_WORD.search(p):
            continue
        out.append(p)
    out = _cut_closing_lines(_cut_contact_notice(out))
    return out or [p for p in paragraphs if p.strip()]


def _cut_closing_lines(paragraphs: list[str]) -> list[str]:
    """The text without a time stamp or the writer's address lines closing it."""
    end = len(paragraphs)
    while end and len(paragraphs) - end < _CLOSING_LINES:
        p = paragraphs[end - 1]
        if len(p) > _MAX_CLOSING_CHARS or not (_WIRE_TIME.match(p) or _ADDRESS_LINE.match(p)):
            break
        end -= 1
    return paragraphs[:end]


def _strip_gallery(p: str) -> str:
    """A gallery at the head of the text: its captions and buttons go, the text stays."""
    m = _GALLERY.search(p)
    if m is None or len(p[: m.start()].split()) > _MAX_CAPTION_WORDS:
        return p
    return p[m.end():]


def _cut_contact_notice(paragraphs: list[str]) -> list[str]:
    """The text without a contact notice closing it (one starting in its last paragraphs and at
    most ``_MAX_CONTACT_WORDS`` long to the end), nor the e-mail line before it."""
    for i in range(max(len(paragraphs) - _CONTACT_PARAGRAPHS, 0), len(paragraphs)):
        start = _contact_start(paragraphs[i])
        if start is None:
            continue
        tail = [paragraphs[i][start:], *paragraphs[i + 1:]]
        if sum(len(p.split()) for p in tail) > _MAX_CONTACT_WORDS:
            return paragraphs
        head = paragraphs[i][:start].strip()
        kept = paragraphs[:i] + ([head] if head else [])
        while kept and _EMAIL_LINE.match(kept[-1]):
            kept.pop()
        return kept
    return paragraphs


def _contact_start(p: str) -> int | None:
    """Where a contact notice starts in ``p``: at the paragraph's head, after the end of a
    sentence, or at the writer's e-mail right before it (glued or not); None if there is none."""
    for m in _CONTACT.finditer(p):
        before = p[: m.start()].rstrip()
        if not before or before.endswith(_SENTENCE_END):
            return len(before) if before else 0
        # The token glued before it ("@handle_name@mail.comللتواصل" cuts from "@handle"); from a
        # paragraph that is one long token only its last characters are looked at.
        words = before[-_MAX_EMAIL_CHARS:].split()
        if words and _ends_with_email(words[-1]):
            return len(before) - len(words[-1])
    return None


def _ends_with_email(token: str) -> bool:
    """Whether ``token`` ends with an e-mail address ("…name@mail.com")."""
    local, at, domain = token.rpartition("@")
    return bool(at and local and not local.endswith("@") and _DOMAIN.fullmatch(domain))
