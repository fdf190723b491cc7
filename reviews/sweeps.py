"""What a lost task leaves undone, found again in the database (the broker is not the source of truth).

At-least-once delivery loses nothing while the worker lives; a worker killed mid-task, a broker restarted
without its queue or a publish during an outage can drop a message. The beat sweep finds the work such a
message carried and publishes it again; every task it publishes is idempotent.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from surveys.models import Answer

from .models import Feedback, Source

#: How far back the sweep looks: older work was either done or needs a person, not a sweep.
SWEEP_WINDOW = timedelta(days=7)
#: Imports are published in large batches onto the bulk queue, where a backlog of hours is normal.
IMPORT_SETTLE = timedelta(hours=2)
#: At most this many rows per kind and sweep, so one sweep never floods the queue it feeds.
SWEEP_LIMIT = 2000
BATCH = 500


def answers_not_ingested(*, settled_before, since) -> list[int]:
    """Answers saved in the window whose Feedback is missing, unclassified or older than the answer's change."""
    window = Q(updated_at__lt=settled_before, updated_at__gte=since)
    missing = Answer.objects.filter(window, feedback__isnull=True).values_list("pk", flat=True)[:SWEEP_LIMIT]
    stale = (
        Feedback.objects.filter(answer__updated_at__lt=settled_before, answer__updated_at__gte=since)
        .filter(Q(classified_at__isnull=True) | ~Q(score=F("answer__score")) | ~Q(comment=F("answer__comment")))
        .values_list("answer_id", flat=True)[:SWEEP_LIMIT]
    )
    return sorted({*missing, *stale})


def feedback_not_classified(*, created_before, since, sources) -> list[int]:
    """Stored feedback with no answer behind it (API items, imports) that no task has classified yet."""
    pending = Feedback.objects.filter(
        classified_at__isnull=True, answer__isnull=True, source__in=sources, created_at__lt=created_before
    )
    return list(pending.filter(created_at__gte=since).order_by("pk").values_list("pk", flat=True)[:SWEEP_LIMIT])


def _batches(ids: list[int]) -> list[list[int]]:
    return [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]


def unfinished_work() -> tuple[list[int], list[list[int]], list[list[int]]]:
    """(answers to ingest, customer-facing feedback batches to classify, imported batches to classify)."""
    now = timezone.now()
    settled = now - timedelta(seconds=settings.SWEEP_AFTER_SECONDS)
    since = now - SWEEP_WINDOW
    answers = answers_not_ingested(settled_before=settled, since=since)
    direct = feedback_not_classified(created_before=settled, since=since, sources=[Source.API])
    imported = feedback_not_classified(created_before=now - IMPORT_SETTLE, since=since, sources=[Source.IMPORT])
    return answers, _batches(direct), _batches(imported)
