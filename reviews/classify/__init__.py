"""Explainable classification of a comment: sentiment, topics, tone and churn intent.

Every label stores why (the phrases, keywords and library scores behind it) in
Feedback.explanation, so the case page can highlight them and a person can
disagree with a reason in front of them. The segment never comes from text.
"""

from dataclasses import dataclass, field

from . import churn, sentiment, tone, topics


@dataclass
class Labels:
    sentiment_score: float | None = None
    sentiment_label: str = ""
    topics: list[str] = field(default_factory=list)
    tone: str = ""
    churn_intent: str = "none"
    explanation: dict = field(default_factory=dict)


def classify_text(text: str, language: str, *, taxonomy=None) -> Labels:
    """The labels of one comment in `language` ("en", "zh-hans", "ja"; anything else is read as English)."""
    text = (text or "").strip()
    if not text:
        return Labels()
    language = language if language in ("en", "zh-hans", "ja") else "en"
    score, label, why_sentiment = sentiment.score(text, language)
    matched, why_topics = topics.match(text, language, taxonomy)
    tone_label, why_tone = tone.detect(text, language)
    intent, why_churn = churn.detect(text, language)
    return Labels(
        sentiment_score=score,
        sentiment_label=label,
        topics=matched,
        tone=tone_label,
        churn_intent=intent,
        explanation={"sentiment": why_sentiment, "topics": why_topics, "tone": why_tone, "churn": why_churn},
    )


WARM_UP_SAMPLES = [("The parcel arrived late", "en"), ("快递晚了五天", "zh-hans"), ("返信が遅いです", "ja")]


def warm_up(**_signal_kwargs) -> None:
    """Load the segmenters and lexicons (jieba's dictionary, MeCab: about four seconds) when a worker starts,
    so the first customer after a deploy does not wait for them. Forked pool processes inherit them."""
    for text, language in WARM_UP_SAMPLES:
        classify_text(text, language, taxonomy=[])
