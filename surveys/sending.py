"""Sending a survey to a group: in batches, sampled, capped per day, and safe to run twice."""

import hashlib
import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_platform import delivery
from feedback_platform.delivery import DeliveryStatus

from . import services
from .audiences import condition_problems, legacy_conditions, matching_contacts
from .models import Audience, Invitation, InvitationStatus, Reminder, Send, SendStatus, Survey

log = logging.getLogger(__name__)

BATCH = 1000


def send_conditions(send: Send) -> list[dict]:
    """A send's conditions: its plain equalities (`audience`) and its conditions (a saved segment's, copied)."""
    return legacy_conditions(send.audience) + list(send.conditions or [])


def audience(send: Send):
    """The contacts a send is for, in the order it invites them (surveys.audiences)."""
    return matching_contacts(send_conditions(send))


def in_sample(send: Send, contact_id: int) -> bool:
    """A stable draw: the same contact is in or out of the sample on every run."""
    if send.sample_percent >= 100:
        return True
    digest = hashlib.sha256(f"{send.pk}:{contact_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < send.sample_percent


def run_send(*, send_id: int) -> int:
    """Invite a due send's contacts, one committed batch at a time, so the worker starts sending while the
    next batch is made; returns invitations made. Stops at the daily cap; a later run goes on where this one
    stopped. Two sweeps at once: each batch holds the send's row lock, and the other skips it."""
    made, after = 0, 0
    done = set(Invitation.objects.filter(send_id=send_id).values_list("contact_id", flat=True))  # earlier runs
    while True:
        batch_made, finished, after = _run_batch(send_id, after, done)
        made += batch_made
        if finished or not batch_made:
            return made


@transaction.atomic
def _run_batch(send_id: int, after: int, done: set[int]) -> tuple[int, bool, int]:
    """One batch of invitations to contacts past `after` (a pk) not in `done` (invited by an earlier run),
    checked and inserted set-based (services.invite_contacts); (made, whether the send is finished or must
    wait, the last contact looked at). The idempotency key per send and contact keeps a contact invited once
    even by two runs that overlap."""
    send = Send.objects.select_for_update(skip_locked=True).select_related("survey").filter(pk=send_id).first()
    if send is None or send.status == SendStatus.DONE or send.scheduled_at > timezone.now():
        return 0, True, after
    if not send.survey.is_active:
        return 0, True, after  # paused: the sweep goes on once it is active again
    if send.status != SendStatus.RUNNING:
        send.status = SendStatus.RUNNING
        send.save(update_fields=["status"])
    room = _room_today(send)
    limit = BATCH if room is None else min(BATCH, room)
    if limit <= 0:
        return 0, True, after  # the daily cap: tomorrow's sweep continues
    candidates = audience(send).filter(pk__gt=after).only("pk", "email", "name", "archived_at")
    picked, exhausted = [], True
    for contact in candidates.iterator(chunk_size=BATCH):
        after = contact.pk
        if contact.pk in done or not in_sample(send, contact.pk):
            continue
        picked.append(contact)
        if len(picked) >= limit:
            exhausted = False
            break
    services.invite_contacts(
        survey=send.survey,
        contacts=picked,
        idempotency_keys=[f"send:{send.pk}:{contact.pk}" for contact in picked],
        send=send,
    )
    if exhausted:
        Send.objects.filter(pk=send.pk).update(status=SendStatus.DONE)
        return len(picked), True, after
    return len(picked), limit < BATCH, after


def _room_today(send: Send) -> int | None:
    if send.daily_cap is None:
        return None
    today = send.invitations.filter(created_at__date=timezone.localdate()).count()
    return max(0, send.daily_cap - today)


def due_sends():
    return Send.objects.filter(status__in=[SendStatus.SCHEDULED, SendStatus.RUNNING], scheduled_at__lte=timezone.now())


def _counted(queryset, prefix: str):
    """Invitation counts for each send or survey; `prefix` is the path from the row to its invitations."""

    def count(**condition):
        return Count(prefix, filter=Q(**{f"{prefix}__{name}": value for name, value in condition.items()}))

    return queryset.annotate(
        invited=Count(prefix),
        sent=count(status=InvitationStatus.SENT),
        skipped=count(status=InvitationStatus.SKIPPED),
        failed=count(status=InvitationStatus.FAILED),
        bounced_later=count(bounced_at__isnull=False),
        reported_delivered=count(delivered_at__isnull=False),
        reminded=count(reminded_at__isnull=False),
        answered=count(answer__isnull=False),
    )


def _stats_row(row) -> dict:
    """Delivered is what the provider reported; with no reports at all (plain SMTP), sent minus bounced.
    Failed: refused by the mail server for good (such an invitation never asked its contact); bounced counts
    them with the bounces the provider reported later."""
    bounced = row.failed + row.bounced_later
    delivered = row.reported_delivered or max(row.sent - row.bounced_later, 0)
    return {
        "invited": row.invited,
        "sent": row.sent,
        "skipped": row.skipped,
        "failed": row.failed,
        "delivered": delivered,
        "delivered_reported": bool(row.reported_delivered),
        "bounced": bounced,
        "reminded": row.reminded,
        "answered": row.answered,
        "response_rate": 100 * row.answered / delivered if delivered else None,
    }


def failures_by(owner: str, ids: list[int]) -> dict[int, list[dict]]:
    """{send or survey id: [{"reason", "label", "count"}, …]}, the failed invitations of each told apart by
    feedback_platform.delivery.failure_reason, most frequent first; `owner` is "send_id" or "survey_id"."""
    counts: dict[int, dict[str, int]] = {}
    rows = (
        Invitation.objects.filter(**{f"{owner}__in": ids}, status=InvitationStatus.FAILED)
        .values_list(owner, "last_error")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for key, error, n in rows:
        reason = delivery.failure_reason(error)
        counts.setdefault(key, {})[reason] = counts.get(key, {}).get(reason, 0) + n
    labels = dict(delivery.FailureReason.choices)
    return {
        key: [
            {"reason": reason, "label": str(labels[reason]), "count": n}
            for reason, n in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
        ]
        for key, reasons in counts.items()
    }


def send_stats(sends) -> list[dict]:
    """Per send: invited, sent, skipped, failed (with its reasons), delivered, bounced, reminded, answered,
    answered / delivered."""
    rows = list(_counted(sends, "invitations"))
    failures = failures_by("send_id", [send.pk for send in rows if send.failed])
    return [
        {"send": send.pk, "survey": send.survey_id, **_stats_row(send), "failures": failures.get(send.pk, [])}
        for send in rows
    ]


def survey_stats(surveys) -> list[dict]:
    """The same figures per survey, over every invitation it sent (sends, API and single invitations)."""
    rows = list(_counted(surveys, "invitations"))
    failures = failures_by("survey_id", [survey.pk for survey in rows if survey.failed])
    return [
        {"survey": s.pk, "name": s.name, "object": s, **_stats_row(s), "failures": failures.get(s.pk, [])} for s in rows
    ]


def due_reminders(limit: int = 1000) -> list[int]:
    """Invitations whose survey reminds after N days, sent that long ago, that may be reminded
    (`Invitation.objects.remindable()`) and have no reminder yet."""
    now, due = timezone.now(), list[int]()
    for survey in Survey.objects.active().filter(reminder_after_days__isnull=False):
        due += (
            survey.invitations.remindable()
            .filter(reminder__isnull=True, sent_at__lte=now - timedelta(days=survey.reminder_after_days))
            .order_by("pk")
            .values_list("pk", flat=True)[: limit - len(due)]
        )
        if len(due) >= limit:
            break
    return due


def queue_due_reminders(limit: int = 1000) -> list[int]:
    """Make the reminders now due (one per invitation, ever) and publish them; returns the invitations."""
    due = due_reminders(limit)
    with transaction.atomic():
        Reminder.objects.bulk_create([Reminder(invitation_id=pk) for pk in due], ignore_conflicts=True)
        ids = list(
            Reminder.objects.filter(invitation_id__in=due, status=DeliveryStatus.QUEUED).values_list("pk", flat=True)
        )
    delivery.publish_now(Reminder, ids)
    return due


AUDIENCE_FIELDS = ["language", "plan", "region", "product"]  # what the send page filters on


@transaction.atomic
def schedule_send(
    *,
    survey,
    audience: dict,
    conditions: list[dict] | None = None,
    segment: Audience | None = None,
    sample_percent: int = 100,
    daily_cap: int | None = None,
    scheduled_at=None,
) -> Send:
    """Record a send to the contacts matching `audience`, `conditions` and the saved `segment`'s conditions
    (copied, so a later change of the segment does not move a send under way); one that is due starts at
    once, in the worker."""
    from .tasks import run_send_task

    if not survey.is_active:
        raise ValidationError({"survey": _("This survey is not taking answers right now")})
    problems = condition_problems(conditions)
    if problems:
        raise ValidationError(problems)
    send = Send.objects.create(
        survey=survey,
        audience=audience,
        conditions=list(segment.conditions if segment else []) + list(conditions or []),
        segment=segment,
        sample_percent=sample_percent,
        daily_cap=daily_cap,
        scheduled_at=scheduled_at or timezone.now(),
    )
    if send.scheduled_at <= timezone.now():
        send_id = send.pk

        def start_after_commit() -> None:  # named: on_commit logs a failing callback by its __qualname__
            try:
                run_send_task.delay(send_id)
            except Exception:
                log.exception("could not publish send %s; the beat sweep starts it", send_id)

        transaction.on_commit(start_after_commit)
    return send
