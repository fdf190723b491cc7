"""Rollups: feedback counted per day and dimension, kept current by recomputing touched days.

A day is recomputed whole (delete its rows, insert its GROUP BY) whenever any of
its feedback was created or changed since the watermark, so re-classification
and changed answers are counted right without tracking old values.
"""

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, F, Max, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from .models import Feedback, FeedbackRollup, RollupState, Segment, TopicRollup

SCORE_COLUMNS = [f"s{score}" for score in range(11)]


KEY_COLUMNS = [
    *["day", "kind", "survey_key", "source", "language"],
    *["plan", "region", "product", "platform", "lifecycle_stage"],
]


def _keyed(feedback):
    """A Feedback queryset annotated with the rollup key (reviews.models.RollupKey), shared by both rollups."""
    return feedback.annotate(
        day=TruncDate("received_at"),
        survey_key=Coalesce("survey_id", Value(0)),
    )


def _grouped(feedback):
    """The rollup rows of a Feedback queryset, as dicts ready for FeedbackRollup(**row)."""
    counts = {f"s{score}": Count("pk", filter=Q(score=score)) for score in range(11)}
    return (
        _keyed(feedback)
        .values(*KEY_COLUMNS, "scale_max")
        .annotate(
            n=Count("pk"),
            detractors=Count("pk", filter=Q(segment=Segment.DETRACTOR)),
            passives=Count("pk", filter=Q(segment=Segment.PASSIVE)),
            promoters=Count("pk", filter=Q(segment=Segment.PROMOTER)),
            score_sum=Sum("score"),
            **counts,
        )
        .order_by()
    )


def _grouped_by_topic(feedback):
    """The topic rollup rows of a Feedback queryset: one per key, topic and segment."""
    return (
        _keyed(feedback)
        .annotate(topic_key=F("topics"))
        .filter(topic_key__isnull=False)
        .values(*KEY_COLUMNS, "topic_key", "segment")
        .annotate(n=Count("pk"))
        .order_by()
    )


@transaction.atomic
def rebuild_days(*, days: list[date]) -> int:
    """Recompute the rollup rows of these days from the raw feedback; returns rows written."""
    if not days:
        return 0
    FeedbackRollup.objects.filter(day__in=days).delete()
    TopicRollup.objects.filter(day__in=days).delete()
    rows = []
    # The time range lets the database read only those days off the received_at index.
    zone = timezone.get_current_timezone()  # the days are local days, as TruncDate makes them
    first = datetime.combine(min(days), time.min, tzinfo=zone)
    last = datetime.combine(max(days) + timedelta(days=1), time.min, tzinfo=zone)
    in_range = Feedback.objects.filter(received_at__gte=first, received_at__lt=last, received_at__date__in=days)
    for row in _grouped(in_range):
        row["survey_id"] = row.pop("survey_key")
        rows.append(FeedbackRollup(**row))
    FeedbackRollup.objects.bulk_create(rows, batch_size=2000)
    topic_rows = []
    for row in _grouped_by_topic(in_range):
        row["survey_id"], row["topic_id"] = row.pop("survey_key"), row.pop("topic_key")
        topic_rows.append(TopicRollup(**row))
    TopicRollup.objects.bulk_create(topic_rows, batch_size=2000)
    return len(rows)


def refresh() -> int:
    """Bring the rollups up to date with feedback changed since the watermark; returns days recomputed."""
    with transaction.atomic():
        state, _ = RollupState.objects.select_for_update().get_or_create(name="feedback")
        changed = Feedback.objects.all()
        if state.watermark:
            changed = changed.filter(updated_at__gt=state.watermark)
        # Read the new watermark first: rows changed meanwhile are picked up next time.
        newest = changed.aggregate(newest=Max("updated_at"))["newest"]
        if newest is None:
            return 0
        days = sorted(
            set(changed.filter(updated_at__lte=newest).annotate(d=TruncDate("received_at")).values_list("d", flat=True))
        )
        rebuild_days(days=days)
        state.watermark = newest
        state.save(update_fields=["watermark"])
    return len(days)


@transaction.atomic
def rebuild_all() -> int:
    """Recompute every rollup row from scratch (the `rebuild_rollups` command)."""
    FeedbackRollup.objects.all().delete()
    TopicRollup.objects.all().delete()
    now = timezone.now()
    rows = 0
    days = sorted(set(Feedback.objects.annotate(d=TruncDate("received_at")).values_list("d", flat=True)))
    for start in range(0, len(days), 31):
        rows += rebuild_days(days=days[start : start + 31])
    RollupState.objects.update_or_create(name="feedback", defaults={"watermark": now})
    return rows
