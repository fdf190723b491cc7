"""Building the learned classifiers: `train_classifier` (the service `manage.py train_classifier` and the
nightly retraining call).

Per language, from the shipped training corpus (reviews.training_data) plus this installation's label
corrections (reviews.corrections.training_rows): logistic regressions over hashed character and word
n-grams and the rule signals (reviews.classify.features) for sentiment (3 classes), churn (5 kinds) and each
default topic (one-vs-rest). Everything is deterministic: files in order, fixed fold seeds, lbfgs.

k-fold cross-validation on the training set gives the CV figures and calibrates the model (a softmax
temperature per head, a Platt sigmoid and an F1-best threshold per topic, the churn-intent threshold with
the best recall at CV precision ≥ CHURN_PRECISION_TARGET): tuning only ever looks at the training set.
The held-out files are then measured once, for the figures the activation rule compares: a build whose
held-out figures are worse than the active model's on the same files (reviews.evaluation.GUARDED) is
stored but not activated, and its reason says which figure is worse.
"""

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from django.db import transaction
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from feedback_platform.activity import Actor, record_activity

from . import evaluation, training_data
from .classify import features
from .classify.learned import Head, LanguageModel, decide_churn, pack, softmax, unpack
from .models import ClassifierModel, LabelCorrection, Topic

CONFIGURATION = {
    "features": "hashed n-grams v1",
    "blocks": {k: [list(b) for b in v] for k, v in features.BLOCKS.items()},
    "min_df": 2,
    "C": {"sentiment": 10.0, "churn": 10.0, "topics": 10.0},
    "rule_scale": 0.5,
    "class_weight": "balanced",
    "solver": "saga",  # 10-20 times faster than lbfgs here; deterministic with the fixed random_state
    "tol": 1e-3,
    # Languages whose sentiment head is one-vs-rest over NB-weighted columns (each column scaled by its log-count
    # ratio for the class, as NBSVM does): +0.012 English sentiment macro-F1 on 5-fold CV over two fold seeds.
    "nb_sentiment": ["en"],
}
FOLDS = 5
SEED = 0
CHURN_PRECISION_TARGET = 0.85


@dataclass
class TrainingOutcome:
    activated: bool
    reason: str
    version: int
    figures: dict = field(default_factory=dict)


def train_classifier(
    *, actor=None, force: bool = False, folds: int = FOLDS, languages: list[str] | None = None
) -> TrainingOutcome:
    """Build, measure and store a new model; activate it unless its held-out figures are worse than the
    active one's (or `force`). `folds` < 2 skips cross-validation (no calibration: the test set-up's fast
    build). Records reviews.classifier.trained. The build keeps the newest correction id it could read
    (parameters["corrections_through"], the nightly retraining's watermark: reviews.retraining)."""
    through = newest_correction_id()  # read before the rows: a correction made during the build counts next time
    models, figures, fingerprint = build_models(folds=folds, languages=languages)
    return _store(
        actor=actor, models=models, figures=figures, fingerprint=fingerprint, force=force, folds=folds, through=through
    )


def newest_correction_id() -> int:
    return LabelCorrection.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def build_models(*, folds: int = FOLDS, languages: list[str] | None = None) -> tuple[dict, dict, str]:
    """(per-language models, their CV and held-out figures, the fingerprint), stored nowhere."""
    languages = languages or training_data.LANGUAGES
    keywords = default_keywords()
    rows = {language: training_rows(language) for language in languages}
    configuration = {**CONFIGURATION, "folds": folds, "keywords": keywords}
    fingerprint = training_data.fingerprint(rows, configuration)
    models, figures = {}, {}
    for language in languages:
        if not rows[language]:
            continue
        model, cv = build(rows[language], language, keywords[language], folds=folds)
        models[language] = model
        heldout = training_data.load(language, "heldout")
        figures[language] = {"training_rows": len(rows[language]), "cv": cv, "heldout": measure_model(model, heldout)}
    return models, figures, fingerprint


def training_rows(language: str) -> list[dict]:
    """The shipped corpus and the corrections; a corrected comment that is also in the corpus keeps the
    person's labels (the later row wins)."""
    from .corrections import training_rows as corrected

    by_text = {row["text"]: row for row in training_data.load(language, "train") if row["text"]}
    for row in corrected(language):
        by_text[row["text"].strip()] = {**row, "text": row["text"].strip(), "topics": sorted(row["topics"])}
    return list(by_text.values())


def default_keywords() -> dict[str, list[list[str]]]:
    """Per language, the default topics' keywords in DEFAULT_TOPICS order (the rule columns' inputs)."""
    stored = dict(Topic.objects.filter(slug__in=training_data.DEFAULT_TOPICS).values_list("slug", "keywords"))
    return {
        language: [sorted((stored.get(slug) or {}).get(language, [])) for slug in training_data.DEFAULT_TOPICS]
        for language in training_data.LANGUAGES
    }


# -- fitting --------------------------------------------------------------------------------------------------
def fit(rows: list[dict], language: str, keywords: list[list[str]], calibration: dict | None = None) -> LanguageModel:
    texts = [row["text"] for row in rows]
    raw = features.hashed(texts, language)
    df = np.bincount(raw.indices, minlength=raw.shape[1])
    columns = np.flatnonzero(df >= CONFIGURATION["min_df"]).astype(np.int64)
    idf = (np.log((1 + len(texts)) / (1 + df[columns])) + 1).astype(np.float32)
    model = LanguageModel(
        language=language,
        columns=columns,
        idf=idf,
        keywords=keywords,
        rule_scale=CONFIGURATION["rule_scale"],
        heads={},
    )
    matrix = model.from_hashed(raw, texts)
    calibration = calibration or {}
    for head, classes in (("sentiment", training_data.SENTIMENTS), ("churn", training_data.CHURN_KINDS)):
        labels = np.array([classes.index(row[head]) for row in rows])
        nb = head == "sentiment" and language in CONFIGURATION["nb_sentiment"]
        weights, intercepts = (_nb_one_vs_rest if nb else _multiclass)(
            matrix, labels, len(classes), CONFIGURATION["C"][head]
        )
        model.heads[head] = Head(classes, weights, intercepts, calibration.get(head, {}))
    slugs = training_data.DEFAULT_TOPICS
    columns_w, intercepts = [], []
    for slug in slugs:
        labels = np.array([slug in row["topics"] for row in rows], dtype=int)
        w, b = _binary(matrix, labels, CONFIGURATION["C"]["topics"])
        columns_w.append(w)
        intercepts.append(b)
    topic_calibration = calibration.get("topics") or {"a": [1.0] * len(slugs), "b": [0.0] * len(slugs)}
    model.heads["topics"] = Head(list(slugs), np.stack(columns_w, axis=1), np.array(intercepts), topic_calibration)
    return model


def _multiclass(matrix, labels, n_classes, c) -> tuple[np.ndarray, np.ndarray]:
    present = np.unique(labels)
    weights = np.zeros((matrix.shape[1], n_classes), dtype=np.float32)
    intercepts = np.full(n_classes, -30.0, dtype=np.float32)  # a class never seen is never said
    if len(present) == 1:
        intercepts[present[0]] = 0.0
        return weights, intercepts
    regression = _regression(c)
    regression.fit(matrix, labels)
    weights[:, present] = (
        regression.coef_.T if len(present) > 2 else np.hstack([-regression.coef_.T, regression.coef_.T]) / 2
    )
    intercepts[present] = (
        regression.intercept_ if len(present) > 2 else [-regression.intercept_[0] / 2, regression.intercept_[0] / 2]
    )
    return weights, intercepts


def _nb_one_vs_rest(matrix, labels, n_classes, c) -> tuple[np.ndarray, np.ndarray]:
    """Per class, a binary regression on the columns scaled by their log-count ratio (class against the rest,
    smoothed); the ratio is folded into the weights, so predicting stays one product (scores = x @ weights)."""
    weights = np.zeros((matrix.shape[1], n_classes), dtype=np.float32)
    intercepts = np.full(n_classes, -30.0, dtype=np.float32)  # a class never seen is never said
    present = np.unique(labels)
    if len(present) == 1:
        intercepts[present[0]] = 0.0
        return weights, intercepts
    magnitude = abs(matrix.tocsr())
    for k in present:
        inside = labels == k
        p = 0.1 + np.asarray(magnitude[inside].sum(axis=0)).ravel()
        q = 0.1 + np.asarray(magnitude[~inside].sum(axis=0)).ravel()
        ratio = np.log((p / p.sum()) / (q / q.sum()))
        regression = _regression(c).fit(matrix @ sp.diags(ratio), inside.astype(int))
        weights[:, k] = ratio * regression.coef_[0]
        intercepts[k] = regression.intercept_[0]
    return weights, intercepts


def _regression(c: float) -> LogisticRegression:
    return LogisticRegression(
        C=c,
        max_iter=2000,
        class_weight=CONFIGURATION["class_weight"],
        solver=CONFIGURATION["solver"],
        tol=CONFIGURATION["tol"],
        random_state=SEED,
    )


def _binary(matrix, labels, c) -> tuple[np.ndarray, float]:
    if labels.min() == labels.max():
        return np.zeros(matrix.shape[1], dtype=np.float32), (10.0 if labels[0] else -10.0)
    regression = _regression(c)
    regression.fit(matrix, labels)
    return regression.coef_[0].astype(np.float32), float(regression.intercept_[0])


# -- cross-validation and calibration ------------------------------------------------------------------------
def build(rows: list[dict], language: str, keywords, *, folds: int) -> tuple[LanguageModel, dict]:
    """(the model on every row, calibrated on CV, and the CV figures); with folds < 2, uncalibrated and {}."""
    if folds < 2 or len(rows) < folds * 2:
        return fit(rows, language, keywords), {}
    scores = {"sentiment": np.zeros((len(rows), 3)), "churn": np.zeros((len(rows), 5)), "topics": None}
    scores["topics"] = np.zeros((len(rows), len(training_data.DEFAULT_TOPICS)))
    strata = [row["churn"] if row["churn"] in ("leaving", "looking") else row["sentiment"] for row in rows]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    for train, test in splitter.split(np.zeros(len(rows)), strata):
        model = fit([rows[i] for i in train], language, keywords)
        matrix = model.transform([rows[i]["text"] for i in test])
        for head in scores:
            h = model.heads[head]
            scores[head][test] = np.asarray(matrix @ h.weights) + h.intercepts
    calibration = calibrate(rows, scores)
    model = fit(rows, language, keywords, calibration)
    guesses = decide(model, scores)
    return model, evaluation.measure(rows, guesses)


def calibrate(rows: list[dict], scores: dict) -> dict:
    sentiment = [training_data.SENTIMENTS.index(r["sentiment"]) for r in rows]
    churn = [training_data.CHURN_KINDS.index(r["churn"]) for r in rows]
    calibration = {
        "sentiment": {"temperature": temperature(scores["sentiment"], sentiment)},
        "churn": {"temperature": temperature(scores["churn"], churn)},
    }
    probabilities = softmax(scores["churn"] / calibration["churn"]["temperature"])
    calibration["churn"]["threshold"] = churn_threshold(probabilities, [r["churn"] for r in rows])
    a, b, thresholds = [], [], []
    for j, slug in enumerate(training_data.DEFAULT_TOPICS):
        truth = np.array([slug in r["topics"] for r in rows], dtype=float)
        slope, offset = platt(scores["topics"][:, j], truth)
        a.append(slope)
        b.append(offset)
        thresholds.append(best_f1_threshold(1 / (1 + np.exp(-(slope * scores["topics"][:, j] + offset))), truth))
    calibration["topics"] = {"a": a, "b": b, "thresholds": thresholds}
    return calibration


def temperature(logits: np.ndarray, truth: list[int]) -> float:
    """The softmax temperature with the least log-loss on the out-of-fold scores (a grid, deterministic)."""
    index = np.arange(len(truth))
    best = min(
        np.round(np.arange(0.3, 4.01, 0.05), 2),
        key=lambda t: -np.log(softmax(logits / t)[index, truth] + 1e-12).mean(),
    )
    return float(best)


def platt(scores: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    if truth.min() == truth.max():
        return 1.0, 0.0
    regression = LogisticRegression(C=1e4, max_iter=1000).fit(scores.reshape(-1, 1), truth)
    return float(regression.coef_[0][0]), float(regression.intercept_[0])


def best_f1_threshold(probabilities: np.ndarray, truth: np.ndarray) -> float:
    def score(t):
        guess = probabilities >= t
        tp = int((guess & (truth == 1)).sum())
        return evaluation.f1(tp, int((guess & (truth == 0)).sum()), int((~guess & (truth == 1)).sum()))

    return float(max(np.round(np.arange(0.1, 0.91, 0.05), 2), key=lambda t: (score(t), -abs(t - 0.5))))


def churn_threshold(probabilities: np.ndarray, truth: list[str]) -> float:
    """The lowest joint leaving+looking probability threshold whose CV precision stays ≥ the target (the
    most recall at that precision); 0.5 if none reaches it."""
    classes = training_data.CHURN_KINDS
    for t in np.round(np.arange(0.1, 0.91, 0.025), 3):
        guess = [decide_churn(classes, p, t) for p in probabilities]
        figures = evaluation.churn_intent(truth, guess)
        if figures["precision"] >= CHURN_PRECISION_TARGET:
            return float(t)
    return 0.5


def decide(model: LanguageModel, scores: dict) -> list[dict]:
    """The labels the calibrated model gives for out-of-fold scores."""
    s, c, t = model.heads["sentiment"], model.heads["churn"], model.heads["topics"]
    sentiment = softmax(scores["sentiment"] / s.calibration["temperature"])
    churn = softmax(scores["churn"] / c.calibration["temperature"])
    topics = 1 / (1 + np.exp(-(np.asarray(t.calibration["a"]) * scores["topics"] + np.asarray(t.calibration["b"]))))
    limits = t.calibration.get("thresholds", [0.5] * len(t.classes))
    return [
        {
            "sentiment": s.classes[int(np.argmax(sentiment[i]))],
            "churn": decide_churn(c.classes, churn[i], c.calibration["threshold"]),
            "topics": [slug for j, slug in enumerate(t.classes) if topics[i, j] >= limits[j]],
        }
        for i in range(len(sentiment))
    ]


def cross_validate(languages: list[str] | None = None, *, folds: int = FOLDS) -> dict:
    """Per language, (the model built on every training row, its CV figures) without storing anything:
    what `evaluate_classifier` prints, and what tuning may look at."""
    keywords = default_keywords()
    results = {}
    for language in languages or training_data.LANGUAGES:
        rows = training_rows(language)
        if rows:
            results[language] = (*build(rows, language, keywords[language], folds=folds), len(rows))
    return results


def measure_model(model: LanguageModel, rows: list[dict]) -> dict:
    if not rows:
        return {}
    predictions = model.predict([row["text"] for row in rows], explain=False)
    guesses = [{"sentiment": p.sentiment, "churn": p.churn, "topics": p.topics} for p in predictions]
    return evaluation.measure(rows, guesses)


# -- storing and activating -----------------------------------------------------------------------------------
def active_heldout_figures(languages) -> dict:
    """The active model's held-out figures on today's held-out files (measured again: the files may have grown)."""
    active = ClassifierModel.objects.filter(is_active=True).order_by("-version").first()
    if active is None:
        return {}
    models = unpack(active.weights, active.parameters, active.version)
    return {
        language: measure_model(models[language], training_data.load(language, "heldout"))
        for language in languages
        if language in models
    }


@transaction.atomic
def _store(*, actor, models, figures, fingerprint, force, folds, through: int = 0) -> TrainingOutcome:
    previous = active_heldout_figures(list(models))
    heldout = {language: f["heldout"] for language, f in figures.items() if f.get("heldout")}
    worse = evaluation.worse_figures(heldout, previous)
    activate = force or not worse
    if worse and force:
        reason = "activated by force although worse: " + "; ".join(worse)
    elif worse:
        reason = "not activated, held-out figures worse than the active model's: " + "; ".join(worse)
    else:
        reason = "activated" if previous else "activated (no model was active)"
    last = ClassifierModel.objects.select_for_update().order_by("-version").values_list("version", flat=True).first()
    weights, parameters = pack(models)
    row = ClassifierModel.objects.create(
        version=(last or 0) + 1,
        fingerprint=fingerprint,
        figures=figures,
        parameters={**parameters, "folds": folds, "corrections_through": through},
        weights=weights,
        is_active=activate,
        reason=reason[:300],
    )
    if activate:
        ClassifierModel.objects.filter(is_active=True).exclude(pk=row.pk).update(is_active=False)
    record_activity(
        actor=Actor.of(actor),
        action="reviews.classifier.trained",
        target=row,
        payload={
            "version": row.version,
            "activated": activate,
            "worse": worse,
            "fingerprint": fingerprint,
            "corrections_through": through,
        },
    )
    return TrainingOutcome(activated=activate, reason=reason, version=row.version, figures=figures)


def ensure_model(*, actor=None, folds: int = FOLDS) -> TrainingOutcome | None:
    """Build a model when none is active (`make run`'s demo set-up, the test set-up); None when one is."""
    if ClassifierModel.objects.filter(is_active=True).exists():
        return None
    return train_classifier(actor=actor, folds=folds)
