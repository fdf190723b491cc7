"""Figures of a classifier's labels against hand labels: accuracy, macro-F1, per-class F1, confusion matrices,
churn-intent recall and precision, topic macro-F1.

"Churn intent" as a yes/no figure counts a comment as positive when its churn kind is leaving or looking
(reviews.training_data.CHURN_POSITIVE): the customer is going or shopping around. The 5-kind macro-F1 is
reported beside it. `measure` works on any labeller (the learned model, the lexicons), so the two can be
compared on the same rows.
"""

from .classify import classify_text
from .training_data import CHURN_KINDS, CHURN_POSITIVE, DEFAULT_TOPICS, SENTIMENTS


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def single_label(truth: list[str], guess: list[str], classes: list[str]) -> dict:
    """Accuracy, macro-F1 (over the classes that occur in truth or guess), per-class F1, confusion rows."""
    per_class, present = {}, set(truth) | set(guess)
    for label in classes:
        tp = sum(1 for t, g in zip(truth, guess, strict=True) if t == label and g == label)
        fp = sum(1 for t, g in zip(truth, guess, strict=True) if t != label and g == label)
        fn = sum(1 for t, g in zip(truth, guess, strict=True) if t == label and g != label)
        per_class[label] = round(f1(tp, fp, fn), 4)
    scored = [per_class[label] for label in classes if label in present]
    confusion = [
        [sum(1 for t, g in zip(truth, guess, strict=True) if t == a and g == b) for b in classes] for a in classes
    ]
    correct = sum(1 for t, g in zip(truth, guess, strict=True) if t == g)
    return {
        "accuracy": round(correct / len(truth), 4) if truth else 0.0,
        "macro_f1": round(sum(scored) / len(scored), 4) if scored else 0.0,
        "per_class_f1": per_class,
        "classes": classes,
        "confusion": confusion,
    }


def churn_intent(truth: list[str], guess: list[str]) -> dict:
    """Recall and precision of "going or shopping around" (leaving or looking) as one yes/no label."""
    tp = sum(1 for t, g in zip(truth, guess, strict=True) if t in CHURN_POSITIVE and g in CHURN_POSITIVE)
    actual = sum(1 for t in truth if t in CHURN_POSITIVE)
    said = sum(1 for g in guess if g in CHURN_POSITIVE)
    return {
        "recall": round(tp / actual, 4) if actual else 0.0,
        "precision": round(tp / said, 4) if said else 0.0,
        "positives": actual,
    }


def topic_figures(truth: list[list[str]], guess: list[list[str]], slugs: list[str]) -> dict:
    per_topic = {}
    for slug in slugs:
        tp = sum(1 for t, g in zip(truth, guess, strict=True) if slug in t and slug in g)
        fp = sum(1 for t, g in zip(truth, guess, strict=True) if slug not in t and slug in g)
        fn = sum(1 for t, g in zip(truth, guess, strict=True) if slug in t and slug not in g)
        per_topic[slug] = round(f1(tp, fp, fn), 4)
    exact = sum(1 for t, g in zip(truth, guess, strict=True) if set(t) == set(g))
    return {
        "macro_f1": round(sum(per_topic.values()) / len(per_topic), 4) if per_topic else 0.0,
        "per_topic_f1": per_topic,
        "exact_set_accuracy": round(exact / len(truth), 4) if truth else 0.0,
    }


def measure(rows: list[dict], guesses: list[dict], slugs: list[str] | None = None) -> dict:
    """Figures of `guesses` (dicts with sentiment, churn, topics) against `rows` (the hand labels)."""
    slugs = slugs or DEFAULT_TOPICS
    churn_truth, churn_guess = [r["churn"] for r in rows], [g["churn"] for g in guesses]
    return {
        "n": len(rows),
        "sentiment": single_label([r["sentiment"] for r in rows], [g["sentiment"] for g in guesses], SENTIMENTS),
        "churn": {**single_label(churn_truth, churn_guess, CHURN_KINDS), **churn_intent(churn_truth, churn_guess)},
        "topics": topic_figures([r["topics"] for r in rows], [g["topics"] for g in guesses], slugs),
    }


def lexicon_guesses(rows: list[dict], language: str, taxonomy=None) -> list[dict]:
    """The lexicon classifiers' labels of `rows` (what the product uses with no model)."""
    guesses = []
    for row in rows:
        labels = classify_text(row["text"], language, taxonomy=taxonomy)
        guesses.append({"sentiment": labels.sentiment_label, "churn": labels.churn_intent, "topics": labels.topics})
    return guesses


def evaluate_lexicons(language: str, taxonomy=None) -> dict:
    """The lexicons' figures on the 150-odd comments of tests/data/ they were widened on (in-sample)."""
    from .training_data import OLD_DATA, read

    rows = read(OLD_DATA / f"labelled_{language}.tsv")
    return measure(rows, lexicon_guesses(rows, language, taxonomy))


# The figures a new build must not be worse at (held-out, each language) to replace the active model.
GUARDED = [
    ("sentiment macro-F1", ("sentiment", "macro_f1")),
    ("topic macro-F1", ("topics", "macro_f1")),
    ("churn-intent recall", ("churn", "recall")),
    ("churn-intent precision", ("churn", "precision")),
    ("churn 5-kind macro-F1", ("churn", "macro_f1")),
]
TOLERANCE = 0.005  # below this a difference is noise of a few comments, not a worse model


def worse_figures(new: dict, old: dict) -> list[str]:
    """The guarded held-out figures (per language) where `new` is worse than `old` by more than TOLERANCE."""
    worse = []
    for language, figures in sorted(new.items()):
        before = old.get(language)
        if not before:
            continue
        for name, (group, key) in GUARDED:
            a, b = figures[group][key], before[group][key]
            if a < b - TOLERANCE:
                worse.append(f"{language} {name} {a:.3f} < {b:.3f}")
    return worse
