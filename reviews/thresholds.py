"""Re-classifying stored feedback when the admins' segment thresholds change (surveys.SegmentThreshold).

The rule and the thresholds live in surveys.segments, where the answer page reads them too.
"""

from django.db import transaction
from django.db.models import Case as When_
from django.db.models import CharField, Value, When
from django.db.models.functions import Cast, Concat
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from feedback_platform.publishing import publish_on_commit
from surveys.models import SegmentThreshold
from surveys.segments import current_thresholds as current  # noqa: F401  (reviews.thresholds.current())
from surveys.segments import thresholds_for

from .models import Feedback, Segment
from .signals import segments_reclassified


@transaction.atomic
def reclassify(*, kind: str, scale_max: int) -> int:
    """Re-segment every stored feedback of one kind and scale in one UPDATE; the rollups follow, and
    `segments_reclassified` lets the copies of the segment (a Case's) follow in the same transaction.

    The CASE below repeats surveys.segments.segment_for in SQL, so a million rows cost one statement;
    tests/reviews/test_segment_sql.py holds the two to the same answers.
    """
    detractor_max, passive_max = thresholds_for(kind, scale_max)
    changed = Feedback.objects.filter(kind=kind, scale_max=scale_max).update(
        segment=When_(
            When(score__lte=detractor_max, then=Value(Segment.DETRACTOR)),
            When(score__lte=passive_max, then=Value(Segment.PASSIVE)),
            default=Value(Segment.PROMOTER),
            output_field=CharField(),
        ),
        # surveys.segments.segment_reason, with each row's own score
        segment_reason=Concat(
            Value(f"{kind} "),
            Cast("score", CharField()),
            Value(f"/{scale_max}: detractor ≤{detractor_max}, passive ≤{passive_max}"),
            output_field=CharField(),
        ),
        updated_at=timezone.now(),
    )
    segments_reclassified.send(sender=Feedback, kind=kind, scale_max=scale_max)
    return changed


@receiver(post_save, sender=SegmentThreshold, dispatch_uid="reviews.reclassify_on_threshold_change")
@receiver(post_delete, sender=SegmentThreshold, dispatch_uid="reviews.reclassify_on_threshold_delete")
def _reclassify_later(sender, instance, **kwargs) -> None:  # a deleted row: the defaults apply again
    from .tasks import reclassify_segments_task

    publish_on_commit(reclassify_segments_task, instance.kind, instance.scale_max)
