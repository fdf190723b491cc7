"""The nightly retraining: it builds once enough labels were corrected since the last build, once, and a
worse build stays inactive (the trainer's rule)."""

import pytest
from django.core.cache import cache

from feedback_platform.celery import app
from feedback_platform.models import ActivityEntry
from reviews import retraining, training, training_data
from reviews.models import ClassifierModel, LabelCorrection
from reviews.retraining import corrections_since_last_build, retrain_if_due
from reviews.tasks import retrain_classifier_task
from tests.followup.helpers import detractor_feedback

pytestmark = pytest.mark.django_db
FAST = {"folds": 0, "languages": ["zh-hans"]}  # the real trainer, one language, no cross-validation


@pytest.fixture(autouse=True)
def threshold(settings):
    settings.RETRAIN_MIN_CORRECTIONS = 3


def corrections(n: int, *, confirmations: int = 0) -> None:
    feedback = detractor_feedback(comment="The parcel came late")
    rows = [LabelCorrection(feedback=feedback, kind="sentiment", old_value="neutral", new_value="negative")] * n
    rows += [LabelCorrection(feedback=feedback, kind="churn", old_value="none", new_value="none")] * confirmations
    LabelCorrection.objects.bulk_create([LabelCorrection(**_fields(row)) for row in rows])


def _fields(row: LabelCorrection) -> dict:
    return {"feedback": row.feedback, "kind": row.kind, "old_value": row.old_value, "new_value": row.new_value}


def test_below_the_threshold_nothing_is_trained():
    corrections(2, confirmations=5)  # confirming a label is not a correction
    assert corrections_since_last_build().count() == 2
    assert retrain_if_due(**FAST) is None
    assert ClassifierModel.objects.count() == 1


def test_at_the_threshold_one_build_and_running_again_builds_nothing():
    corrections(3)
    outcome = retrain_if_due(**FAST)
    assert outcome is not None and ClassifierModel.objects.count() == 2
    built = ClassifierModel.objects.get(version=outcome.version)
    assert built.parameters["corrections_through"] == LabelCorrection.objects.latest("pk").pk
    assert corrections_since_last_build().count() == 0
    assert retrain_if_due(**FAST) is None
    assert ClassifierModel.objects.count() == 2
    corrections(3)  # the next three count from the new watermark
    assert corrections_since_last_build().count() == 3


def test_a_worse_build_stays_inactive_and_the_activity_log_says_so(monkeypatch):
    active = ClassifierModel.objects.get(is_active=True)
    few = training_data.load("zh-hans")[:40]  # a model of 40 comments reads the held-out set worse
    monkeypatch.setattr(training, "training_rows", lambda language: few)
    corrections(3)
    outcome = retrain_if_due(**FAST)
    assert outcome is not None and not outcome.activated
    assert ClassifierModel.objects.get(is_active=True) == active
    entry = ActivityEntry.objects.get(action="reviews.classifier.trained")
    assert entry.actor_label == "reviews.nightly_retrain" and entry.payload["activated"] is False
    assert entry.payload["worse"]
    assert retrain_if_due(**FAST) is None  # a rejected build is still the last build: no nightly rebuilds


def test_a_run_that_finds_another_building_builds_nothing():
    corrections(3)
    cache.add(retraining.LOCK, "1", 60)
    try:
        assert retrain_if_due(**FAST) is None
    finally:
        cache.delete(retraining.LOCK)
    assert ClassifierModel.objects.count() == 1


def test_the_beat_runs_the_task_nightly(monkeypatch):
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["retrain-classifier"]
    assert entry["task"] in app.tasks and entry["schedule"].hour == {3}
    corrections(3)
    calls = []
    monkeypatch.setattr(
        retraining, "train_classifier", lambda **kw: calls.append(kw) or training.TrainingOutcome(True, "ok", 9)
    )
    assert retrain_classifier_task.delay().get() == 9
    assert calls and calls[0]["actor"] == retraining.RETRAINER
