"""Tone: anger and frustration read from wording and punctuation (domain.md)."""

import re

from django.utils.translation import gettext_lazy as _

# The tones detect() gives, by their names (the codes stay in the database and the API).
TONE_NAMES = {"angry": _("Angry"), "frustrated": _("Frustrated"), "calm": _("Calm")}

ANGRY_WORDS = {
    "en": ["unacceptable", "ridiculous", "furious", "scam", "disgusting", "terrible", "worst"],
    "zh-hans": ["垃圾", "太差", "气死", "骗子", "恶心", "无语"],
    "ja": ["最悪", "ふざけ", "ひどい", "許せ", "詐欺"],
}
FRUSTRATED_WORDS = {
    "en": ["again", "still", "third time", "second time", "every day", "nobody", "no one", "hard to", "why is"],
    "zh-hans": ["又", "还是", "一直", "每次", "总是", "好几次"],
    "ja": ["何度も", "また", "まだ", "毎日", "いつも"],
}
_SHOUTED_MARKS = re.compile(r"[!！]{3,}")  # !!! reads as anger
_PRESSING_MARKS = re.compile(r"(?<![!！])[!！]{2}(?![!！])|[?？]{2,}")  # !! and ?? read as frustration
_SHOUTING = re.compile(r"\b[A-Z]{3,}\b")  # a word in capitals
_NOT_SHOUTING = {"API", "APP", "USA", "VIP", "FAQ", "SMS", "PDF", "URL", "NPS", "EUR", "USD", "JPY", "CNY"}


def detect(text: str, language: str) -> tuple[str, dict]:
    lowered = text.lower()
    shouted = _SHOUTED_MARKS.findall(text) + [w for w in _SHOUTING.findall(text) if w not in _NOT_SHOUTING]
    pressing = _PRESSING_MARKS.findall(text)
    angry = [w for w in ANGRY_WORDS[language] if w in lowered]
    frustrated = [w for w in FRUSTRATED_WORDS[language] if w in lowered]
    if angry or shouted:
        tone = "angry"
    elif frustrated or pressing:
        tone = "frustrated"
    else:
        tone = "calm"
    signals = shouted + pressing
    return tone, {"phrases": angry + frustrated + signals, "punctuation_and_caps": signals}
