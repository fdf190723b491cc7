"""Tone: anger and frustration read from wording and punctuation (domain.md)."""

import re

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
_REPEATED_MARKS = re.compile(r"[!！]{2,}|[?？]{2,}")
_SHOUTING = re.compile(r"\b[A-Z]{3,}\b")


def detect(text: str, language: str) -> tuple[str, dict]:
    lowered = text.lower()
    signals = _REPEATED_MARKS.findall(text) + _SHOUTING.findall(text)
    angry = [w for w in ANGRY_WORDS[language] if w in lowered]
    frustrated = [w for w in FRUSTRATED_WORDS[language] if w in lowered]
    if angry or len(signals) >= 2 or (signals and frustrated):
        tone = "angry"
    elif frustrated or signals:
        tone = "frustrated"
    else:
        tone = "calm"
    return tone, {"phrases": angry + frustrated + signals, "punctuation_and_caps": signals}
