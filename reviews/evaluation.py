"""Measuring the classifiers on the hand-labelled comments in tests/data/ (accuracy and macro-F1)."""

import csv
from collections import Counter
from pathlib import Path

from django.conf import settings

from .classify import classify_text

DATA = Path(settings.BASE_DIR) / "tests" / "data"
LANGUAGES = ["en", "zh-hans", "ja"]


def load(language: str) -> list[dict]:
    with (DATA / f"labelled_{language}.tsv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    """Macro-F1 over the labels that occur, for single-label predictions."""
    labels = {label for pair in pairs for label in pair}
    scores = []
    for label in labels:
        tp = sum(1 for truth, guess in pairs if truth == label and guess == label)
        fp = sum(1 for truth, guess in pairs if truth != label and guess == label)
        fn = sum(1 for truth, guess in pairs if truth == label and guess != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def topic_scores(rows: list[tuple[set, set]]) -> tuple[float, float]:
    """Exact-set accuracy and macro-F1 over topics (multi-label)."""
    labels = {label for truth, guess in rows for label in truth | guess}
    scores = []
    for label in labels:
        tp = sum(1 for truth, guess in rows if label in truth and label in guess)
        fp = sum(1 for truth, guess in rows if label not in truth and label in guess)
        fn = sum(1 for truth, guess in rows if label in truth and label not in guess)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    accuracy = sum(1 for truth, guess in rows if truth == guess) / len(rows)
    return accuracy, (sum(scores) / len(scores) if scores else 0.0)


def evaluate(language: str, taxonomy=None) -> dict:
    rows = load(language)
    sentiment, churn, topics = [], [], []
    for row in rows:
        labels = classify_text(row["text"], language, taxonomy=taxonomy)
        sentiment.append((row["sentiment"], labels.sentiment_label))
        churn.append((row["churn"], labels.churn_intent))
        truth = set() if row["topics"] == "none" else set(row["topics"].split(","))
        topics.append((truth, set(labels.topics)))
    topic_accuracy, topic_f1 = topic_scores(topics)
    return {
        "n": len(rows),
        "sentiment": (_accuracy(sentiment), macro_f1(sentiment)),
        "topics": (topic_accuracy, topic_f1),
        "churn": (_accuracy(churn), macro_f1(churn)),
        "sentiment_confusions": Counter((t, g) for t, g in sentiment if t != g).most_common(3),
    }


def _accuracy(pairs) -> float:
    return sum(1 for truth, guess in pairs if truth == guess) / len(pairs)
