"""Retention: a nightly sweep anonymises the comments and personal fields of feedback and closed cases older
than the admins' setting (`RetentionPolicy.months`; 0: off), through the erasers' own redaction functions;
and the copies their words travel in: emails sent (staff notifications quote comments), customers' emailed
replies, and the files of finished review imports.

Scores, segments, labels, dates and case statuses stay, and rows keep their contact (the reports group by
its plan and region), so every report reads the same before and after. Idempotent: a row already anonymised
is not picked again. Batched: each batch is one short transaction, so the sweep never holds long locks.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from feedback_platform.activity import Actor, record_activity
from feedback_platform.delivery import PENDING
from feedback_platform.erasure import ERASED, Person
from reviews.erasure import redact_feedback, redact_import_files
from reviews.models import Feedback, ImportJob
from surveys.erasure import redact_answers
from surveys.models import Answer

from .erasure import redact_cases, redact_emails, redact_inbound
from .models import OPEN_STATUSES, Case, InboundEmail, OutboxEmail, RetentionPolicy

BATCH = 200
DAYS_PER_MONTH = 30.44  # a month as the mean Gregorian month: the setting is coarse, the cut need not be


@transaction.atomic
def set_retention_months(*, actor: Actor, months: int) -> RetentionPolicy:
    policy = RetentionPolicy.current()
    policy.months = months
    policy.full_clean()
    policy.save()
    record_activity(actor=actor, action="followup.retention.changed", target=policy, payload={"months": months})
    return policy


def cutoff(months: int, now: datetime | None = None) -> datetime | None:
    if months <= 0:
        return None
    return (now or timezone.now()) - timedelta(days=months * DAYS_PER_MONTH)


def _due_feedback(before: datetime):
    """Old feedback not yet anonymised, whose case (if any) is closed: an open case still needs its words."""
    texts = Q(comment="") | Q(comment=ERASED)
    untouched = ~texts | ~(Q(author_name="") | Q(author_name=ERASED)) | ~Q(review_url="")
    open_ids = Case.objects.filter(status__in=OPEN_STATUSES).values("feedback_id")
    return Feedback.objects.filter(untouched, received_at__lt=before).exclude(pk__in=open_ids)


def _due_cases(before: datetime):
    closed = Case.objects.exclude(status__in=OPEN_STATUSES)
    old = Q(resolved_at__lt=before) | Q(resolved_at__isnull=True, opened_at__lt=before)
    return closed.filter(old).exclude(resolution_summary=ERASED, search_text="")


def _anonymise_feedback_batch(before: datetime) -> int:
    with transaction.atomic():
        rows = list(
            _due_feedback(before)
            .select_for_update(skip_locked=True)
            .only("pk", "answer_id", "comment", "author_name", "explanation")
            .order_by("pk")[:BATCH]
        )
        for row in rows:
            person = Person(contact=None, actor=Actor.system("retention"))
            person.add_texts(row.comment, row.author_name)
            redact_feedback([row], redact_json=person.redact_json)
        redact_answers(Answer.objects.filter(pk__in=[row.answer_id for row in rows if row.answer_id]))
        return len(rows)


def _anonymise_case_batch(before: datetime) -> int:
    with transaction.atomic():
        cases = list(_due_cases(before).select_for_update(skip_locked=True).order_by("pk")[:BATCH])
        for case in cases:
            person = Person(contact=None, actor=Actor.system("retention"))
            person.add_texts(case.resolution_summary)
            redact_cases(person, [case.pk])
        return len(cases)


def _due_copies(before: datetime) -> dict:
    """The old copies of customers' words, not yet redacted: {name: (queryset, redaction)}."""
    sent = OutboxEmail.objects.filter(created_at__lt=before).exclude(status__in=PENDING)
    emails = sent.exclude(body_text=ERASED).exclude(case__status__in=OPEN_STATUSES)  # an open case keeps them
    replies = InboundEmail.objects.filter(received_at__lt=before).exclude(body=ERASED)
    finished = (ImportJob.Status.DONE, ImportJob.Status.FAILED)
    files = ImportJob.objects.filter(created_at__lt=before, status__in=finished).exclude(data=ERASED.encode())
    return {
        "emails": (emails, redact_emails),
        "replies": (replies, redact_inbound),
        "files": (files, redact_import_files),
    }


def _anonymise_copies_batch(due, redact) -> int:
    with transaction.atomic():
        ids = list(due.order_by("pk").values_list("pk", flat=True)[:BATCH])
        if ids:
            redact(due.model.objects.filter(pk__in=ids))
        return len(ids)


def sweep_retention(*, now: datetime | None = None) -> dict[str, int]:
    """Anonymise everything past the retention period, batch by batch; returns how many rows of each."""
    before = cutoff(RetentionPolicy.current().months, now)
    done = {"feedback": 0, "cases": 0, "emails": 0, "replies": 0, "files": 0}
    if before is None:
        return done
    while batch := _anonymise_case_batch(before):
        done["cases"] += batch
    while batch := _anonymise_feedback_batch(before):
        done["feedback"] += batch
    for name, (due, redact) in _due_copies(before).items():
        while batch := _anonymise_copies_batch(due, redact):
            done[name] += batch
    if any(done.values()):
        record_activity(actor=Actor.system("retention"), action="followup.retention.swept", payload=done)
    return done
