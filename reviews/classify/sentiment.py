"""Sentiment −1..1: an offline library per language, corrected by support-language rules.

Lexicons alone misread support language: SnowNLP-style scoring calls
"客服很耐心，问题解决了" negative and VADER calls "The refund never arrived.
Terrible!!" positive. The phrase lists below carry the weight those miss.
"""

import re
from functools import cache

from .tokens import tokenize


def _phrases(text: str) -> list[str]:
    return [phrase.strip() for phrase in text.split("|") if phrase.strip()]


NEGATIVE = {
    "en": _phrases(
        "never arrived|not arrived|didn't arrive|did not arrive|terrible|awful|worst|broken|damaged|late|slow|"
        "charged twice|overcharged|double charged|refund|cancel|disappointed|disappointing|useless|rude|"
        "no one answered|nobody answered|nobody answers|no answer|hung up|too expensive|overpriced|waste|fix your|"
        "hard to|logs me out|lost|not working|doesn't work|missing|wet|crashes|cheap material|tore|confusing|"
        "stopped working|cracked|failed|forever|where is|wrong address|annoying|frustrating|downhill|problems|"
        "never again|pending|still waiting|wasn't|didn't|can't|cannot|nowhere|in circles|without solving|clunky"
    ),
    "zh-hans": _phrases(
        "慢|太慢|差|失望|破损|坏|退款|投诉|太贵|闪退|不回复|没到|没有到|重复扣费|垃圾|不再使用|取消|问题|涨价|涨|不好|"
        "难用|复杂|一直不|多收|再也不|湿|占线|联系不上|少发|粗糙|收不到|烦|失败|不一样|丢|没退|没有提醒|晚到|注销|报错|"
        "开不出|卡顿|恶劣|送错|没人|破了|少了|不了|再见|还没|换别家|准备换|麻烦"
    ),
    "ja": _phrases(
        "遅い|遅すぎ|遅れ|壊れ|潰れ|がっかり|返金|解約|二重|高い|最悪|不満|返事がありません|届きません|使いにくい|"
        "ログアウト|消え|乗り換え|落ち|更新されず|分かりにくく|見つかりません|二度と|濡れ|期待外れ|つながらず|できません|"
        "できなく|足りません|何度も|違い|責任を取りません|残念|イライラ|固まり|雑|どこですか|解決しません|破れ|ひどい|面倒"
    ),
}
POSITIVE = {
    "en": _phrases(
        "thank|great|love|perfect|easy|fast|recommend|excellent|helpful|solved|friendly|polite|on time|good|nice|"
        "above and beyond|quick|impressive|worth|happy|best|reliable|clean|early|super"
    ),
    "zh-hans": _phrases(
        "耐心|解决|感谢|谢谢|满意|推荐|很好|不错|很快|方便|好用|仔细|准时|性价比|喜欢|棒|太快了|超快|快|清楚|最好|实惠|"
        "优惠|礼貌|顺利|热情|专业|物超所值|惊喜|稳|加油|一如既往|没有任何问题|好"
    ),
    "ja": _phrases(
        "親切|解決|ありがとう|満足|素晴らしい|早く|丁寧|使いやすく|使いやすい|勧め|良い|時間通り|嬉しい|簡単|驚き|"
        "助かり|一番|手頃|割引|価値|すごい|早い|最高|気に入り|良かった"
    ),
}
# A negation just before a positive phrase turns it (不满意, 不方便, not good).
NEGATIONS = {"en": ("not ", "never ", "no "), "zh-hans": ("不", "没"), "ja": ()}
# Words that mean a problem was fixed outweigh the problem they mention.
RESOLVED = {"en": ["solved", "fixed", "resolved"], "zh-hans": ["解决了", "已解决"], "ja": ["解決しました", "解決"]}


@cache
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@cache
def _oseti():
    import ipadic
    import oseti

    return oseti.Analyzer(mecab_args=ipadic.MECAB_ARGS)


def _library_score(text: str, language: str) -> tuple[float | None, str]:
    if language == "en":
        return _vader().polarity_scores(text)["compound"], "vader"
    if language == "ja":
        scores = _oseti().analyze(text)
        return (sum(scores) / len(scores) if scores else None), "oseti"
    return None, "lexicon"


def _found(phrases, text, tokens, language) -> list[str]:
    lowered = text.lower()
    if language == "en":
        return [p for p in phrases if re.search(rf"\b{re.escape(p)}", lowered)]
    return [p for p in phrases if p in lowered or p in tokens]


def score(text: str, language: str) -> tuple[float, str, dict]:
    """(score, label, why) for one comment."""
    tokens = tokenize(text, language)
    negative = _found(NEGATIVE[language], text, tokens, language)
    positive = _found(POSITIVE[language], text, tokens, language)
    lowered = text.lower()
    negated = [p for p in positive if any(f"{n}{p}" in lowered for n in NEGATIONS[language])]
    positive = [p for p in positive if p not in negated]
    negative += negated
    resolved = [p for p in RESOLVED[language] if p in lowered and p not in " ".join(negative)]
    rules = (len(positive) - len(negative) + 2 * len(resolved)) / max(1, len(positive) + len(negative))
    rules = max(-1.0, min(1.0, rules))
    library, engine = _library_score(text, language)
    if library is None:
        value = rules
    else:
        value = 0.7 * rules + 0.3 * library  # the support-language rules lead, the library refines
    if not (positive or negative) and library is not None:
        value = 0.5 * library  # with no support phrase, a lexicon's hunch counts for less
    value = round(max(-1.0, min(1.0, value)), 3)
    label = "negative" if value <= -0.05 else "positive" if value >= 0.05 else "neutral"
    why = {
        "phrases": negative + positive + resolved,
        "negative": negative,
        "positive": positive,
        "resolved": resolved,
        engine: library,
        "rules": round(rules, 3),
    }
    return value, label, why
