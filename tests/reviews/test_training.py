"""The learned classifiers: the service's shape, storage, determinism, the activation rule, the product's use
of the active model, and explanations."""

import numpy as np
import pytest

from followup.templatetags.casework import highlight_labels
from reviews import training, training_data
from reviews.classify import classify_text, features
from reviews.classify.learned import active_model, forget_active_model, unpack
from reviews.corrections import correct_label
from reviews.models import ClassifierModel, Topic
from reviews.training import TrainingOutcome, train_classifier
from tests.followup.helpers import detractor_feedback

pytestmark = pytest.mark.django_db
PROBE = "Honestly we're switching to a cheaper competitor next quarter."


def test_a_build_is_stored_activated_and_read_by_the_product():
    ClassifierModel.objects.all().delete()
    outcome = train_classifier(folds=0, languages=["zh-hans"])
    assert isinstance(outcome, TrainingOutcome) and outcome.activated
    assert outcome.version >= 1 and "heldout" in outcome.figures["zh-hans"]
    stored = ClassifierModel.objects.get(version=outcome.version)
    assert stored.is_active and len(stored.fingerprint) == 64
    forget_active_model()
    assert active_model()["zh-hans"].version == outcome.version
    models = unpack(stored.weights, stored.parameters)
    assert np.isfinite(models["zh-hans"].heads["sentiment"].weights).all()


def test_the_same_fingerprint_builds_the_same_weights():
    first = train_classifier(folds=2, languages=["zh-hans"], force=True)
    second = train_classifier(folds=2, languages=["zh-hans"], force=True)
    a, b = ClassifierModel.objects.get(version=first.version), ClassifierModel.objects.get(version=second.version)
    assert a.fingerprint == b.fingerprint
    assert bytes(a.weights) == bytes(b.weights) and a.parameters == b.parameters


def test_a_worse_build_is_stored_but_not_activated_and_says_which_figure(monkeypatch):
    active = ClassifierModel.objects.get(is_active=True)  # the test set-up's build
    few = training_data.load("zh-hans")[:40]  # a model of 40 comments reads the held-out set worse
    monkeypatch.setattr(training, "training_rows", lambda language: few)
    outcome = train_classifier(folds=0, languages=["zh-hans"])
    assert not outcome.activated
    assert "not activated" in outcome.reason and "zh-hans sentiment macro-F1" in outcome.reason
    assert ClassifierModel.objects.get(is_active=True) == active
    assert ClassifierModel.objects.get(version=outcome.version).reason == outcome.reason
    forced = train_classifier(folds=0, languages=["zh-hans"], force=True)
    assert forced.activated and "by force" in forced.reason
    assert ClassifierModel.objects.get(is_active=True).version == forced.version


def test_the_product_labels_with_the_active_model_and_explains_each_label():
    assert classify_text(PROBE, "en", taxonomy=[]).sentiment_label == "positive"  # the lexicons' miss
    feedback = detractor_feedback(comment=PROBE)
    assert (feedback.sentiment_label, feedback.churn_intent) == ("negative", "looking")
    why = feedback.explanation
    assert why["model"]["version"] == ClassifierModel.objects.get(is_active=True).version
    assert why["sentiment"]["phrases"] and why["churn"]["phrases"] and 0.5 < why["sentiment"]["confidence"] <= 1
    for slug in feedback.topics.values_list("slug", flat=True):
        assert why["topics"][slug]["phrases"]
    assert '<mark class="label-phrase">' in highlight_labels(feedback)


def test_without_a_model_the_lexicons_label():
    ClassifierModel.objects.all().delete()
    feedback = detractor_feedback(comment=PROBE)
    assert "model" not in feedback.explanation and feedback.churn_intent == "looking"  # "competitor" phrase


def test_a_topic_an_admin_adds_later_matches_by_its_keywords():
    Topic.objects.create(slug="packaging_smell", name="Smell", keywords={"en": ["smell", "odour"]})
    feedback = detractor_feedback(comment="The box had a strong chemical smell and the parcel came late.")
    slugs = set(feedback.topics.values_list("slug", flat=True))
    assert {"packaging_smell", "delivery"} <= slugs
    assert feedback.explanation["topics"]["packaging_smell"]["phrases"] == ["smell"]


def test_corrections_become_training_rows(agent):
    feedback = detractor_feedback(comment="Fine I guess, the app is what it is.")
    correct_label(actor=agent, feedback=feedback, kind="churn", value="venting")
    row = next(r for r in training.training_rows("en") if r["text"] == feedback.comment)
    assert row["churn"] == "venting" and row["sentiment"] == feedback.sentiment_label


@pytest.mark.parametrize(
    ("text", "tail"),
    [
        ("Lovely quality, but support took a week. Never again!", "never again!"),
        ("Lovely quality, but support took a week", " support took a week"),
        ("Arrived late. Tastes great though", "tastes great though"),
        ("ok but", "ok but"),
        ("Not bad at all!", "not bad at all!"),
        ("Great app.  ", "great app.  "),
    ],
)
def test_english_reads_the_last_clause_apart(text, tail):
    """The README labels the attitude at the end of a comment: English has a block of the last clause's words."""
    assert features.last_clause(text) == tail
    assert "tail_word" in [block[0] for block in features.BLOCKS["en"]]


MIXED = {
    "en": ["Third time I've reported this bug. I'm done 😡", "not bad, not bad at all", "ok"],
    "zh-hans": ["快递晚了五天，盒子还压坏了。", "太贵了太贵了"],
    "ja": ["返信が遅いです。残念です…", "ｱﾌﾟﾘ最高！"],
}


@pytest.mark.parametrize("language", training_data.LANGUAGES)
def test_the_ngrams_are_counted_and_hashed_as_scikit_learns_vectorizer_does(language):
    """The model's columns are scikit-learn's hashing of each block (the analysis is shared with the
    explanations, so it is done once by hand): the same matrix, count for count, column for column."""
    import scipy.sparse as sp

    texts = MIXED[language]
    expected = sp.hstack([vectorizer.transform(texts) for vectorizer in features.vectorizers(language)], format="csr")
    found = features.hashed(texts, language)
    assert found.shape == expected.shape
    assert (found != expected).nnz == 0 and found.dtype == expected.dtype
    # An explanation maps a column back to the text's n-grams that scikit-learn hashes to it.
    from sklearn.feature_extraction import FeatureHasher

    hasher = FeatureHasher(n_features=features.N_FEATURES, input_type="string", alternate_sign=False)
    grams = features.ngrams(texts, language)
    for block, analyzer in enumerate(features._analyzers(language)):
        for gram in analyzer(texts[1]):
            column = block * features.N_FEATURES + hasher.transform([[gram]]).indices[0]
            assert (column, gram) in grams.matching(1, np.array([column]))


@pytest.mark.parametrize(
    ("text", "grams", "phrases"),
    [
        ("The refund never arrived", ["efun", "ver a"], ["refund", "never arrived"]),
        ("I don't like it", ["on't"], ["don't"]),
        ("Great!! Love it 😍", ["eat", "ove"], ["Great", "Love"]),
        ("re-ordered twice", ["ordere"], ["ordered"]),
        ("bad", ["bad"], ["bad"]),
    ],
)
def test_an_english_explanation_quotes_whole_words(text, grams, phrases):
    from reviews.classify.learned import spans_to_phrases

    assert spans_to_phrases(text, grams, "en") == phrases
