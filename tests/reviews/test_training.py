"""The learned classifiers: the service's shape, storage, determinism and the activation rule."""

import numpy as np
import pytest

from reviews.classify.learned import active_model, forget_active_model, unpack
from reviews.models import ClassifierModel
from reviews.training import TrainingOutcome, train_classifier

pytestmark = pytest.mark.django_db


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
