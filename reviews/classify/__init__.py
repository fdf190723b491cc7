"""Explainable classification of a comment: sentiment, topics, tone and churn intent.

Every label stores why (the phrases, keywords and library scores behind it) in
Feedback.explanation, so the case page can highlight them and a person can
disagree with a reason in front of them. The segment never comes from text.

With a learned model (reviews.classify.learned; the product passes the active one) sentiment, churn and
the default topics come from it, with their calibrated confidences and the n-grams that weighed most as
their phrases; topics an admin added later (no model column) keep matching by their keywords, and tone
stays the wording-and-punctuation rules. Without one, the lexicons label everything.
"""

import gc
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


def classify_text(text: str, language: str, *, taxonomy=None, model=None) -> Labels:
    """The labels of one comment in `language` ("en", "zh-hans", "ja"; anything else is read as English).

    `model`: a learned LanguageModel of that language, or None for the lexicons."""
    text = (text or "").strip()
    if not text:
        return Labels()
    language = language if language in ("en", "zh-hans", "ja") else "en"
    if model is not None:
        return _learned(text, language, model, taxonomy)
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


def classify_texts(texts: list[str], language: str, *, taxonomy=None, model=None) -> list[Labels]:
    """classify_text of many comments of one language: with a model, one batch prediction (the pipeline's
    path: the sparse product is shared, so a comment costs a fraction of a lone one)."""
    language = language if language in ("en", "zh-hans", "ja") else "en"
    texts = [(text or "").strip() for text in texts]
    if model is None:
        return [classify_text(text, language, taxonomy=taxonomy) for text in texts]
    taxonomy = _taxonomy(taxonomy)
    written = [text for text in texts if text]
    predictions = iter(model.predict(written))
    return [_learned(text, language, model, taxonomy, next(predictions)) if text else Labels() for text in texts]


def _taxonomy(taxonomy):
    return taxonomy if taxonomy is not None else topics.active_taxonomy()[1]


def _learned(text: str, language: str, model, taxonomy, prediction=None) -> Labels:
    taxonomy = _taxonomy(taxonomy)
    prediction = prediction or model.predict([text])[0]
    active = {slug for slug, _keywords in taxonomy}
    learned = set(model.heads["topics"].classes)
    added, why_added = topics.match(text, language, [(s, k) for s, k in taxonomy if s not in learned])
    why_topics = {slug: why for slug, why in prediction.explanation["topics"].items() if slug in active}
    tone_label, why_tone = tone.detect(text, language)
    return Labels(
        sentiment_score=prediction.sentiment_score,
        sentiment_label=prediction.sentiment,
        topics=sorted([slug for slug in prediction.topics if slug in active] + added),
        tone=tone_label,
        churn_intent=prediction.churn,
        explanation={**prediction.explanation, "topics": {**why_topics, **why_added}, "tone": why_tone},
    )


WARM_UP_SAMPLES = [("The parcel arrived late", "en"), ("快递晚了五天", "zh-hans"), ("返信が遅いです", "ja")]


def warm_up(**_signal_kwargs) -> None:
    """Load the segmenters and lexicons (jieba's dictionary, MeCab: about four seconds) when a worker starts,
    so the first customer after a deploy does not wait for them. Forked pool processes inherit them.

    They live as long as the worker, so they are then frozen out of the garbage collector's sight: a batch of
    hundreds of feedback allocates enough to set off full collections, each of which would otherwise walk
    their millions of objects again (a fifth of the pipeline's time)."""
    for text, language in WARM_UP_SAMPLES:
        classify_text(text, language, taxonomy=[])
    gc.collect()
    gc.freeze()
