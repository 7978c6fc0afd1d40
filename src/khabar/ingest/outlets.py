"""Display names of known outlets (public facts: the outlets' own names)."""

KNOWN_OUTLETS: dict[str, str] = {
    "aawsat": "الشرق الأوسط",
    "aleqtisadiya": "الاقتصادية",
    "aljazirah": "الجزيرة (السعودية)",
    "almadina": "المدينة",
    "alriyadh": "الرياض",
    "alwatan": "الوطن",
    "alweeam": "الوئام",
    "alyaum": "اليوم",
    "arreyadi": "الرياضي",
    "arriyadiyah": "الرياضية",
    "okaz": "عكاظ",
    "sabq": "سبق",
    "was": "واس (وكالة الأنباء السعودية)",
    "3alyoum": "عاجل اليوم",
}
