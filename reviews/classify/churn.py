"""Churn intent: domain.md's detractor kinds, where the text says which.

(a) leaving: has decided to go; (b) looking: at alternatives, not gone yet;
(c) disappointed: by one thing, still believes; (d) venting: depends on the
product and wants to be heard. Checked in that order: the strongest wins.
"""

PHRASES = {
    "leaving": {
        "en": [
            "cancel my subscription",
            "cancel my account",
            "cancelling",
            "canceling",
            "please cancel",
            "i'm done",
            "i am done",
            "close my account",
            "want a refund",
            "i want my money back",
            "never again",
            "last order",
        ],
        "zh-hans": ["不再使用", "取消订阅", "退款", "注销", "再也不", "不会再买", "最后一次"],
        "ja": ["解約", "退会", "返金してください", "もう使いません", "二度と"],
    },
    "looking": {
        "en": [
            "switching to",
            "switch to",
            "another provider",
            "alternative",
            "competitor",
            "looking elsewhere",
            "other options",
        ],
        "zh-hans": ["换别家", "换一家", "准备换", "其他平台", "别的品牌", "考虑换"],
        "ja": ["乗り換え", "他社", "他のサービス", "検討しています"],
    },
    "disappointed": {
        "en": ["disappointed", "disappointing", "expected better", "not what i expected", "let down"],
        "zh-hans": ["失望", "不如预期", "差别太大", "有点失望"],
        "ja": ["がっかり", "期待外れ", "残念", "全然違"],
    },
    "venting": {
        "en": ["just saying", "had to say", "rant", "annoying", "frustrating"],
        "zh-hans": ["吐槽", "说一下", "烦死"],
        "ja": ["言わせて", "イライラ", "愚痴"],
    },
}


def detect(text: str, language: str) -> tuple[str, dict]:
    lowered = text.lower()
    for intent, by_language in PHRASES.items():
        found = [p for p in by_language[language] if p in lowered]
        if found:
            return intent, {"rule": f"{intent} phrase", "phrases": found}
    return "none", {"rule": "no churn phrase", "phrases": []}
