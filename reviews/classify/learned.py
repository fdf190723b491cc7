"""The learned classifiers at run time: a small predictor over plain arrays, and the active model's memo.

A model (reviews.training builds it) is per language: the hashed n-gram columns it keeps, their IDF
weights, and per head (sentiment, churn, topics) a coefficient matrix and intercepts. Predicting is one
sparse product and a softmax (sentiment, churn) or Platt-scaled sigmoids (topics): no scikit-learn
estimator, nothing unpickled. The confidences are calibrated on the training set's cross-validation
(a temperature per head, a sigmoid per topic), and churn intent uses a threshold chosen there too.

Every label keeps the n-grams that weighed most for it, mapped back to the words of the comment, under
``phrases`` in Feedback.explanation, which the case page highlights (followup.templatetags.casework).

The product reads the newest active ClassifierModel row, once per process and again every
MODEL_CHECK_SECONDS or at once after a build in this process; with none it keeps the lexicons.
"""

import io
import re
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import features
from .tokens import merge_spans

MODEL_CHECK_SECONDS = 60
TOP_PHRASES = 4


@dataclass
class Head:
    """One linear classifier: scores = x @ weights + intercepts."""

    classes: list[str]
    weights: np.ndarray  # (columns + rules, classes)
    intercepts: np.ndarray
    calibration: dict = field(default_factory=dict)
    _relative: np.ndarray | None = None

    def relative(self, index: int) -> np.ndarray:
        """Each column's evidence for class `index` against the mean of the others (topics: the weight)."""
        if self._relative is None:
            k = self.weights.shape[1]
            others = (self.weights.sum(axis=1, keepdims=True) - self.weights) / max(k - 1, 1)
            self._relative = self.weights - others if k > 1 else self.weights
        return self._relative[:, index]


@dataclass
class Prediction:
    sentiment: str
    sentiment_score: float
    churn: str
    topics: list[str]
    explanation: dict


class LanguageModel:
    def __init__(self, *, language, columns, idf, keywords, rule_scale, heads, version=0):
        self.language, self.columns, self.idf = language, columns, idf
        self.keywords, self.rule_scale, self.heads, self.version = keywords, rule_scale, heads, version

    # -- features -------------------------------------------------------------------------------------------
    def transform(self, texts: list[str], grams: features.Grams | None = None) -> sp.csr_matrix:
        """Sublinear tf × idf over the kept columns, rows of unit length, then the rule signals (`grams`: the
        texts' features.ngrams, when the caller has them)."""
        grams = grams or features.ngrams(texts, self.language)
        return self.from_hashed(grams.counts(), texts)

    def from_hashed(self, raw: sp.csr_matrix, texts: list[str]) -> sp.csr_matrix:
        position = np.searchsorted(self.columns, raw.indices)
        position[position >= len(self.columns)] = 0
        known = self.columns[position] == raw.indices if len(self.columns) else np.zeros(len(raw.indices), bool)
        data = np.where(known, (1 + np.log(raw.data)) * self.idf[position], 0).astype(np.float32)
        matrix = sp.csr_matrix((data, position, raw.indptr), shape=(raw.shape[0], len(self.columns)))
        matrix.eliminate_zeros()
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        matrix = sp.diags(1 / norms).dot(matrix)
        rules = features.rule_matrix(texts, self.language, self.keywords) * self.rule_scale
        return sp.hstack([matrix, rules], format="csr")

    # -- prediction -----------------------------------------------------------------------------------------
    def probabilities(self, head: str, matrix) -> np.ndarray:
        h = self.heads[head]
        scores = np.asarray(matrix @ h.weights) + h.intercepts
        if head == "topics":
            a, b = np.asarray(h.calibration["a"]), np.asarray(h.calibration["b"])
            return 1 / (1 + np.exp(-(a * scores + b)))
        return softmax(scores / h.calibration.get("temperature", 1.0))

    def predict(self, texts: list[str], *, explain: bool = True) -> list[Prediction]:
        if not texts:
            return []
        grams = features.ngrams(texts, self.language)
        matrix = self.transform(texts, grams)
        sentiment = self.probabilities("sentiment", matrix)
        churn = self.probabilities("churn", matrix)
        topics = self.probabilities("topics", matrix)
        results = []
        for i, text in enumerate(texts):
            row = Evidence(text, i, grams, matrix) if explain else None
            results.append(self._one(row, sentiment[i], churn[i], topics[i]))
        return results

    def _one(self, row: "Evidence | None", sentiment, churn, topics) -> Prediction:
        s_head, c_head, t_head = self.heads["sentiment"], self.heads["churn"], self.heads["topics"]
        s_label = s_head.classes[int(np.argmax(sentiment))]
        c_label = decide_churn(c_head.classes, churn, c_head.calibration.get("threshold", 0.5))
        thresholds = t_head.calibration.get("thresholds", [0.5] * len(t_head.classes))
        chosen = [j for j, slug in enumerate(t_head.classes) if topics[j] >= thresholds[j]]
        score = float(sentiment[s_head.classes.index("positive")] - sentiment[s_head.classes.index("negative")])
        confidence = float(sentiment.max())
        churn_yes = float(sum(churn[c_head.classes.index(k)] for k in ("leaving", "looking")))
        why = {
            "model": {"version": self.version},
            "sentiment": {"label": s_label, "confidence": round(confidence, 3), "phrases": []},
            "churn": {
                "label": c_label,
                "confidence": round(float(churn.max()), 3),
                "churn_intent": round(churn_yes, 3),
            },
            "topics": {},
        }
        why["churn"]["phrases"] = []
        wanted = [("sentiment", s_head.classes.index(s_label))]
        wanted += [("churn", c_head.classes.index(c_label))] if c_label != "none" else []
        wanted += [("topics", j) for j in chosen]
        phrases = self.phrases(row, wanted) if row is not None else [[] for _ in wanted]
        why["sentiment"]["phrases"] = phrases[0]
        if c_label != "none":
            why["churn"]["phrases"] = phrases[1]
        for j, found in zip(chosen, phrases[len(wanted) - len(chosen) :], strict=True):
            why["topics"][t_head.classes[j]] = {"confidence": round(float(topics[j]), 3), "phrases": found}
        return Prediction(s_label, round(score, 3), c_label, [t_head.classes[j] for j in chosen], why)

    # -- explanation ----------------------------------------------------------------------------------------
    def phrases(self, row: "Evidence", wanted: list[tuple[str, int]]) -> list[list[str]]:
        """For each (head, class) of `wanted`: the words of the text behind the n-gram columns that pushed hardest
        towards that class. One product and one sort for all of them (they are many texts' worth of small calls)."""
        columns, values = row.ngram_columns(len(self.columns))
        relative = np.column_stack([self._evidence(head, index)[columns] for head, index in wanted])
        contribution = values[:, None] * relative
        order = np.argsort(-contribution, axis=0, kind="stable")[: TOP_PHRASES * 2]
        tops = [self.columns[columns[order[contribution[order[:, k], k] > 0, k]]] for k in range(len(wanted))]
        found = row.grams.matching(row.index, np.concatenate(tops))
        phrases = []
        for top in tops:
            kept = set(top.tolist())
            behind = [gram for column, gram in found if column in kept]
            phrases.append(spans_to_phrases(row.text, behind, self.language)[:TOP_PHRASES] if behind else [])
        return phrases

    def _evidence(self, head: str, index: int) -> np.ndarray:
        """Each column's weight for class `index` (sentiment, churn: against the mean of the other classes)."""
        h = self.heads[head]
        return h.weights[:, index] if head == "topics" else h.relative(index)


@dataclass
class Evidence:
    """What one text of a batch prediction offers an explanation: its row of the feature matrix (read in place)
    and its n-grams."""

    text: str
    index: int
    grams: features.Grams
    matrix: sp.csr_matrix

    def ngram_columns(self, kept: int) -> tuple[np.ndarray, np.ndarray]:
        """(model columns, values) of the row's n-gram features (the rule columns come after the `kept`)."""
        start, end = self.matrix.indptr[self.index], self.matrix.indptr[self.index + 1]
        columns, values = self.matrix.indices[start:end], self.matrix.data[start:end]
        mask = columns < kept
        return columns[mask], values[mask]


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def decide_churn(classes: list[str], probabilities, threshold: float) -> str:
    """Going or shopping around (leaving + looking) once their joint probability reaches the threshold chosen
    on cross-validation (for recall at a kept precision), then the likelier of the two; else the likeliest
    of the rest."""
    going = [classes.index("leaving"), classes.index("looking")]
    if sum(probabilities[i] for i in going) >= threshold:
        return classes[max(going, key=lambda i: probabilities[i])]
    rest = [i for i in range(len(classes)) if i not in going]
    return classes[max(rest, key=lambda i: probabilities[i])]


_LATIN_LETTER = re.compile(r"[\w']", re.UNICODE)
# A phrase is words: punctuation, spaces and emoji at its ends are not highlighted.
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$", re.UNICODE)


def spans_to_phrases(text: str, grams: list[str], language: str) -> list[str]:
    """Where the n-grams occur in `text`, merged into whole phrases (English widened to whole words)."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = text
    spans = []
    for gram in dict.fromkeys(g.strip() for g in grams):
        if not gram:
            continue
        start = lowered.find(gram)
        while start != -1:
            spans.append([start, start + len(gram)])
            start = lowered.find(gram, start + 1)
    if language == "en":
        for span in spans:
            while span[0] > 0 and _LATIN_LETTER.match(text[span[0] - 1]):
                span[0] -= 1
            while span[1] < len(text) and _LATIN_LETTER.match(text[span[1]]):
                span[1] += 1
    merged = merge_spans(spans)
    found = [_EDGE_PUNCTUATION.sub("", text[start:end]) for start, end in merged]
    shortest = 3 if language == "en" else 2
    return list(dict.fromkeys(p for p in found if len(p) >= shortest))


# -- storage --------------------------------------------------------------------------------------------------
def pack(models: dict[str, "LanguageModel"]) -> tuple[bytes, dict]:
    """(npz bytes, JSON parameters) of the per-language models: arrays only, loadable with allow_pickle=False."""
    arrays, parameters = {}, {}
    for language, model in models.items():
        arrays[f"{language}/columns"], arrays[f"{language}/idf"] = model.columns, model.idf
        heads = {}
        for name, head in model.heads.items():
            arrays[f"{language}/{name}/weights"] = head.weights.astype(np.float32)
            arrays[f"{language}/{name}/intercepts"] = head.intercepts.astype(np.float32)
            heads[name] = {"classes": head.classes, "calibration": head.calibration}
        parameters[language] = {"keywords": model.keywords, "rule_scale": model.rule_scale, "heads": heads}
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue(), parameters


def unpack(weights: bytes, parameters: dict, version: int = 0) -> dict[str, "LanguageModel"]:
    arrays = np.load(io.BytesIO(bytes(weights)), allow_pickle=False)
    models = {}
    for language, p in parameters.items():
        if not isinstance(p, dict) or "heads" not in p:
            continue
        heads = {
            name: Head(
                classes=h["classes"],
                weights=arrays[f"{language}/{name}/weights"],
                intercepts=arrays[f"{language}/{name}/intercepts"],
                calibration=h["calibration"],
            )
            for name, h in p["heads"].items()
        }
        models[language] = LanguageModel(
            language=language,
            columns=arrays[f"{language}/columns"],
            idf=arrays[f"{language}/idf"],
            keywords=p["keywords"],
            rule_scale=p["rule_scale"],
            heads=heads,
            version=version,
        )
    return models


# -- the active model -----------------------------------------------------------------------------------------
_active: tuple[float, int | None, dict] | None = None


def active_model() -> dict[str, LanguageModel]:
    """The newest active model's per-language predictors ({} when none is built: the lexicons then label).

    Memoised per process; the version is looked up again every MODEL_CHECK_SECONDS (one indexed query) and
    the arrays are read only when it changed."""
    global _active
    from reviews.models import ClassifierModel

    if _active is not None and time.monotonic() - _active[0] <= MODEL_CHECK_SECONDS:
        return _active[2]
    current = ClassifierModel.objects.filter(is_active=True).order_by("-version").values_list("version", flat=True)
    version = current.first()
    if _active is not None and _active[1] == version:
        _active = (time.monotonic(), version, _active[2])
        return _active[2]
    models = {}
    if version is not None:
        row = ClassifierModel.objects.only("weights", "parameters").get(version=version)
        models = unpack(row.weights, row.parameters, version)
    _active = (time.monotonic(), version, models)
    return models


@receiver([post_save, post_delete], sender="reviews.ClassifierModel", dispatch_uid="reviews.forget_active_model")
def forget_active_model(**kwargs) -> None:
    """Forget this process's copy now and after the change commits; other processes see it within a minute."""
    global _active
    _active = None
    if kwargs.get("sender"):
        transaction.on_commit(forget_active_model)
