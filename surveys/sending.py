"""Sending a survey to a group: in batches, sampled, capped per day, and safe to run twice."""

import hashlib

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from . import services
from .models import Contact, Invitation, InvitationStatus, Send, SendStatus

BATCH = 500
CONTACT_FIELDS = {"language"}


def audience(send: Send):
    """The contacts a send is for: its filters on contact fields and attributes."""
    contacts = Contact.objects.order_by("pk")
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


def send_stats(sends) -> list[dict]:
    """Per send: invited, sent, skipped, bounced, answered, and the response rate (answered / delivered)."""
    rows = sends.annotate(
        invited=Count("invitations"),
        sent=Count("invitations", filter=Q(invitations__status=InvitationStatus.SENT)),
        skipped=Count("invitations", filter=Q(invitations__status=InvitationStatus.SKIPPED)),
        failed=Count("invitations", filter=Q(invitations__status=InvitationStatus.FAILED)),
        answered=Count("invitations", filter=Q(invitations__answer__isnull=False)),
    )
    result = []
    for send in rows:
        delivered = send.sent  # without provider delivery reports, a sent email counts as delivered
        result.append(
            {
                "send": send.pk,
                "survey": send.survey_id,
                "invited": send.invited,
                "sent": send.sent,
                "skipped": send.skipped,
                "bounced": send.failed,
                "answered": send.answered,
                "response_rate": 100 * send.answered / delivered if delivered else None,
            }
        )
    return result
