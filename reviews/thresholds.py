"""Segment thresholds from configuration, and re-classifying stored feedback when they change."""

from functools import partial

from django.db import transaction
from django.db.models import Case as When_
from django.db.models import CharField, Value, When
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from .models import Feedback, Segment, SegmentThreshold
from .segments import DEFAULT_THRESHOLDS


def current() -> dict:
    """The thresholds in force: the defaults, overridden by the admins' rows."""
    configured = {
        (row.kind, row.scale_max): (row.detractor_max, row.passive_max) for row in SegmentThreshold.objects.all()
    }
    return {**DEFAULT_THRESHOLDS, **configured}


@transaction.atomic
def reclassify(*, kind: str, scale_max: int) -> int:
    """Re-segment every stored feedback of one kind and scale in one UPDATE; the rollups follow."""
    detractor_max, passive_max = current()[(kind, scale_max)]
    reason = f"{kind} n/{scale_max}: detractor ≤{detractor_max}, passive ≤{passive_max}"
    changed = Feedback.objects.filter(kind=kind, scale_max=scale_max).update(
        segment=When_(
            When(score__lte=detractor_max, then=Value(Segment.DETRACTOR)),
            When(score__lte=passive_max, then=Value(Segment.PASSIVE)),
            default=Value(Segment.PROMOTER),
            output_field=CharField(),
        ),
        segment_reason=reason,
        updated_at=timezone.now(),
    )
    return changed


@receiver(post_save, sender=SegmentThreshold, dispatch_uid="reviews.reclassify_on_threshold_change")
def _reclassify_later(sender, instance, **kwargs):
    from .tasks import reclassify_segments_task

    transaction.on_commit(partial(reclassify_segments_task.delay, instance.kind, instance.scale_max), robust=True)
