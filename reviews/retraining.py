"""The nightly retraining: build a new model once people have corrected enough labels since the last build.

The watermark is the newest LabelCorrection id a build could read (ClassifierModel.parameters
["corrections_through"], written by reviews.training.train_classifier for every build, activated or not):
corrections with a larger id are new to every model. A build from before the watermark existed is compared
by its creation time instead. Whether the new build is activated is the trainer's rule (a model worse than
the active one on the held-out files is stored inactive); its outcome is in the activity log
(reviews.classifier.trained, actor "reviews.nightly_retrain").
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, QuerySet

from feedback_platform.activity import Actor

from .models import ClassifierModel, LabelCorrection
from .training import FOLDS, TrainingOutcome, train_classifier

log = logging.getLogger(__name__)
RETRAINER = Actor.system("reviews.nightly_retrain")
# One build at a time even if the beat's task is delivered twice (Redis is at-least-once); an hour is longer
# than any build and short enough that a worker killed mid-build does not block the next night.
LOCK = "reviews:retrain-lock"
LOCK_SECONDS = 3600


def corrections_since_last_build() -> QuerySet[LabelCorrection]:
    """Corrections no stored build has read: a label changed (a confirmation, old == new, adds nothing new)."""
    changed = LabelCorrection.objects.exclude(old_value=F("new_value"))
    last = ClassifierModel.objects.order_by("-version").only("created_at", "parameters").first()
    if last is None:
        return changed
    through = last.parameters.get("corrections_through")
    if isinstance(through, int):
        return changed.filter(pk__gt=through)
    return changed.filter(corrected_at__gt=last.created_at)


def retrain_if_due(
    *, minimum: int | None = None, folds: int = FOLDS, languages: list[str] | None = None
) -> TrainingOutcome | None:
    """Train (every language, `folds`-fold calibration) when at least `minimum` (settings.
    RETRAIN_MIN_CORRECTIONS) corrections are new since the last build; None when too few are, or another run
    is building. Running it again right after builds nothing."""
    minimum = settings.RETRAIN_MIN_CORRECTIONS if minimum is None else minimum
    new = corrections_since_last_build().count()
    if new < minimum:
        log.info("nightly retraining skipped: %d new corrections, %d needed", new, minimum)
        return None
    if not cache.add(LOCK, "1", LOCK_SECONDS):
        log.info("nightly retraining skipped: another run is building")
        return None
    try:
        if corrections_since_last_build().count() < minimum:  # a run that held the lock just built
            return None
        outcome = train_classifier(actor=RETRAINER, folds=folds, languages=languages)
    finally:
        cache.delete(LOCK)
    log.info("nightly retraining built v%d from %d new corrections: %s", outcome.version, new, outcome.reason)
    return outcome
