"""Sending a survey to a group: in batches, sampled, capped per day, and safe to run twice."""

import hashlib
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from . import services
from .models import Contact, Invitation, InvitationStatus, Send, SendStatus, Suppression, Survey, SurveyStatus

BATCH = 500
CONTACT_FIELDS = {"language"}


def audience(send: Send):
    """The contacts a send is for: its filters on contact fields and attributes."""
    contacts = Contact.objects.filter(archived_at__isnull=True).order_by("pk")
    for name, value in (send.audience or {}).items():
        field = name if name in CONTACT_FIELDS else f"attributes__{name}"
        contacts = contacts.filter(**{field: value})
    return contacts


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
    made = 0
    while True:
        batch_made, finished = _run_batch(send_id)
        made += batch_made
        if finished or not batch_made:
            return made


@transaction.atomic
def _run_batch(send_id: int) -> tuple[int, bool]:
    """One batch of invitations; (made, whether the send is finished or must wait)."""
    send = Send.objects.select_for_update(skip_locked=True).filter(pk=send_id).first()
    if send is None or send.status == SendStatus.DONE or send.scheduled_at > timezone.now():
        return 0, True
    if send.status != SendStatus.RUNNING:
        send.status = SendStatus.RUNNING
        send.save(update_fields=["status"])
    room = _room_today(send)
    done_ids = set(send.invitations.values_list("contact_id", flat=True))
    made = 0
    for contact in audience(send).iterator(chunk_size=BATCH):
        if contact.pk in done_ids or not in_sample(send, contact.pk):
            continue
        if made >= BATCH:
            return made, False
        if room is not None and made >= room:
            return made, True  # the daily cap: tomorrow's sweep continues
        invitation = services.invite_contact(
            survey=send.survey, contact=contact, idempotency_key=f"send:{send.pk}:{contact.pk}"
        )
        Invitation.objects.filter(pk=invitation.pk).update(send=send)
        made += 1
    Send.objects.filter(pk=send.pk).update(status=SendStatus.DONE)
    return made, True


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
    """Delivered is what the provider reported; with no reports at all (plain SMTP), sent minus bounced."""
    bounced = row.failed + row.bounced_later
    delivered = row.reported_delivered or max(row.sent - row.bounced_later, 0)
    return {
        "invited": row.invited,
        "sent": row.sent,
        "skipped": row.skipped,
        "delivered": delivered,
        "delivered_reported": bool(row.reported_delivered),
        "bounced": bounced,
        "reminded": row.reminded,
        "answered": row.answered,
        "response_rate": 100 * row.answered / delivered if delivered else None,
    }


def send_stats(sends) -> list[dict]:
    """Per send: invited, sent, skipped, delivered, bounced, reminded, answered, answered / delivered."""
    return [{"send": send.pk, "survey": send.survey_id, **_stats_row(send)} for send in _counted(sends, "invitations")]


def survey_stats(surveys) -> list[dict]:
    """The same figures per survey, over every invitation it sent (sends, API and single invitations)."""
    return [
        {"survey": survey.pk, "name": survey.name, "object": survey, **_stats_row(survey)}
        for survey in _counted(surveys, "invitations")
    ]


def due_reminders(limit: int = 1000) -> list[int]:
    """Invitations whose survey reminds after N days, sent that long ago, not answered, not yet reminded."""
    now, due = timezone.now(), []
    for survey in Survey.objects.filter(status=SurveyStatus.ACTIVE, reminder_after_days__isnull=False):
        due += (
            survey.invitations.filter(
                status=InvitationStatus.SENT,
                reminded_at__isnull=True,
                bounced_at__isnull=True,
                answer__isnull=True,
                contact__archived_at__isnull=True,
                sent_at__lte=now - timedelta(days=survey.reminder_after_days),
            )
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .exclude(Exists(Suppression.objects.filter(email__iexact=OuterRef("contact__email"))))
            .order_by("pk")
            .values_list("pk", flat=True)[: limit - len(due)]
        )
        if len(due) >= limit:
            break
    return due


AUDIENCE_FIELDS = ["language", "plan", "region", "product"]  # what the send page filters on


@transaction.atomic
def schedule_send(
    *, survey, audience: dict, sample_percent: int = 100, daily_cap: int | None = None, scheduled_at=None
) -> Send:
    """Record a send to the contacts matching `audience`; one that is due starts at once, in the worker."""
    from .tasks import run_send_task

    send = Send.objects.create(
        survey=survey,
        audience=audience,
        sample_percent=sample_percent,
        daily_cap=daily_cap,
        scheduled_at=scheduled_at or timezone.now(),
    )
    if send.scheduled_at <= timezone.now():
        transaction.on_commit(partial(run_send_task.delay, send.pk), robust=True)
    return send
