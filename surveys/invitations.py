"""Inviting: queue invitations (one or many, idempotent), who must not be asked now and why, send an
invitation or its reminder through the delivery machine, and what the mail provider reports back."""

from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from feedback_platform import delivery
from feedback_platform.activity import Actor, record_activity

from .models import (
    Contact,
    Invitation,
    InvitationStatus,
    Reminder,
    Send,
    Suppression,
    SuppressionReason,
    Survey,
    send_time_holds,
)


@transaction.atomic
def invite_contact(
    *,
    survey: Survey,
    contact: Contact,
    idempotency_key: str | None = None,
    exempt_reason: str = "",
    thread_root: str = "",
) -> Invitation:
    """Queue one invitation and publish its delivery once the transaction commits.

    The same idempotency key for the same survey returns the first invitation.
    `exempt_reason` (such as "recovery") is recorded: such an invitation is not throttled.
    `thread_root` is the Message-ID of a conversation the email continues (a case's re-survey).
    """
    (invitation,) = invite_contacts(
        survey=survey,
        contacts=[contact],
        idempotency_keys=[idempotency_key],
        exempt_reason=exempt_reason,
        thread_root=thread_root,
    )
    return invitation


@transaction.atomic
def invite_contacts(
    *,
    survey: Survey,
    contacts: Sequence[Contact],
    idempotency_keys: Sequence[str | None] | None = None,
    send: Send | None = None,
    exempt_reason: str = "",
    thread_root: str = "",
) -> list[Invitation]:
    """Queue invitations for many contacts at once, in their order: the checks of `skip_reasons` made for the
    whole batch in a few queries, one bulk insert, one publish after commit (the worker sends the batch
    over one SMTP connection). A key already used for this survey returns that invitation instead.
    """
    keys = list(idempotency_keys) if idempotency_keys is not None else [None] * len(contacts)
    used = [key for key in keys if key]
    known: dict[str, Invitation] = {}
    for start in range(0, len(used), 500):
        chunk = used[start : start + 500]
        known.update((str(i.idempotency_key), i) for i in survey.invitations.filter(idempotency_key__in=chunk))
    fresh = [(contact, key) for contact, key in zip(contacts, keys, strict=True) if not key or key not in known]
    reasons = skip_reasons(survey=survey, contacts=[contact for contact, _key in fresh], exempt_reason=exempt_reason)
    made = [
        Invitation(
            survey=survey,
            contact=contact,
            idempotency_key=key,
            send=send,
            exempt_reason=exempt_reason or "",
            thread_root=thread_root,
            status=InvitationStatus.SKIPPED if reasons.get(contact.pk) else InvitationStatus.QUEUED,
            skip_reason=reasons.get(contact.pk, ""),
        )
        for contact, key in fresh
    ]
    _insert(made)
    delivery.publish(Invitation, [i.pk for i in made if i.status == InvitationStatus.QUEUED])
    by_key = {i.idempotency_key: i for i in made if i.idempotency_key}
    made_without_key = iter(i for i in made if not i.idempotency_key)
    return [(known.get(key) or by_key[key]) if key else next(made_without_key) for key in keys]


#: Column types `_insert` hands to psycopg2 as they are (no adapter of Django's needed).
_PLAIN_COLUMNS = {
    "AutoField",
    "BigAutoField",
    "BooleanField",
    "CharField",
    "DateTimeField",
    "ForeignKey",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "IntegerField",
    "TextField",
}


def _insert(invitations: list[Invitation]) -> None:
    """`bulk_create`, and on PostgreSQL the same INSERT … RETURNING id through psycopg2's execute_values:
    Django prepares each of an invitation's 22 values on its own (about half the time of a 10,000 batch).
    Any column of another type falls back to bulk_create."""
    from django.db import connection

    fields = [field for field in Invitation._meta.concrete_fields if not field.primary_key]
    plain = all(field.get_internal_type() in _PLAIN_COLUMNS for field in fields)
    if connection.vendor != "postgresql" or not plain or not invitations:
        Invitation.objects.bulk_create(invitations, batch_size=1000)
        return
    from psycopg2.extras import execute_values

    stamped = [field for field in fields if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)]
    rows = []
    for invitation in invitations:
        for field in stamped:
            field.pre_save(invitation, add=True)
        rows.append(tuple(getattr(invitation, field.attname) for field in fields))
    columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
    table = connection.ops.quote_name(str(Invitation._meta.db_table))
    sql = f"INSERT INTO {table} ({columns}) VALUES %s RETURNING id"  # noqa: S608 (names from the model, not input)
    with connection.cursor() as cursor:
        ids = execute_values(cursor.cursor, sql, rows, page_size=1000, fetch=True)
    for invitation, (pk,) in zip(invitations, ids, strict=True):
        invitation.pk = pk
        invitation._state.adding, invitation._state.db = False, connection.alias


def skip_reason(*, survey: Survey, contact: Contact, exempt_reason: str = "") -> str:
    """Why this contact must not be asked now ("" when they may be); see `skip_reasons`."""
    return skip_reasons(survey=survey, contacts=[contact], exempt_reason=exempt_reason).get(contact.pk, "")


def skip_reasons(*, survey: Survey, contacts: Sequence[Contact], exempt_reason: str = "") -> dict[int, str]:
    """{contact pk: why they must not be asked now} for those who must not: the survey not active, the contact
    archived, the address suppressed, or asked too recently (an invitation queued, in flight or sent within the
    throttle; a failed or withheld one never reached them and does not count).

    A named exemption (a transactional survey, the recovery re-survey) lifts the throttle, never the suppression.
    """
    if not survey.is_active:
        return {contact.pk: "survey not active" for contact in contacts}
    reasons = send_time_holds([(contact.pk, survey, contact) for contact in contacts])
    days = survey.throttle_days if survey.throttle_days is not None else settings.SURVEY_THROTTLE_DAYS
    if exempt_reason or not days:
        return reasons
    ids = [contact.pk for contact in contacts if contact.pk not in reasons]
    since = timezone.now() - timedelta(days=days)
    for start in range(0, len(ids), 500):
        recent = (
            Invitation.objects.asking()
            .filter(contact_id__in=ids[start : start + 500], created_at__gte=since)
            .values("contact_id")
            .annotate(last=Max("created_at"))
        )
        for row in recent:
            reasons[row["contact_id"]] = f"throttled: asked on {row['last']:%Y-%m-%d}, at most once per {days} days"
    return reasons


def send_invitation(*, invitation_id: int) -> bool:
    """Send a queued invitation's email now; returns False when there was nothing to send (already sent,
    withheld, in flight elsewhere) or the server refused it (the invitation then says why).

    The delivery machine takes the row, commits, and sends outside any transaction; a task delivered twice
    sends once. The token exists only while the email is built and in the email: the database keeps its hash.
    """
    status = Invitation.objects.filter(pk=invitation_id).values_list("status", flat=True).first()
    if status not in delivery.PENDING:
        return False
    return delivery.deliver(model=Invitation, ids=[invitation_id])[invitation_id] == "sent"


def send_reminder(*, invitation_id: int) -> bool:
    """Remind a contact who has not answered, once, with a second token to the same link; False when they
    may not be reminded (answered, unsubscribed, bounced since, reminded already) or it was not sent."""
    invitation = Invitation.objects.select_related("survey", "contact").filter(pk=invitation_id).first()
    if invitation is None or not invitation.may_be_reminded:
        return False
    reminder, _created = Reminder.objects.get_or_create(invitation=invitation)
    return delivery.deliver(model=Reminder, ids=[reminder.pk])[reminder.pk] == "sent"


SUPPRESSION_OF_EVENT = {
    "bounced": SuppressionReason.BOUNCED,
    "rejected": SuppressionReason.BOUNCED,
    "complained": SuppressionReason.COMPLAINED,
    "unsubscribed": SuppressionReason.UNSUBSCRIBED,
}


@transaction.atomic
def record_delivery_report(
    *, event_type: str, recipient: str, metadata: dict, provider_message_id: str, when, description: str, soft: bool
) -> Invitation | None:
    """Mark the invitation delivered or bounced; a hard bounce, a complaint or an unsubscribe suppresses the address
    (also for emails that were not survey invitations, such as apologies)."""
    when = when or timezone.now()
    reason = None if soft else SUPPRESSION_OF_EVENT.get(event_type)
    if reason and recipient and not Suppression.objects.covering(recipient).exists():
        try:
            with transaction.atomic():
                suppression = Suppression.objects.create(email=recipient, reason=reason)
                record_activity(
                    actor=Actor.system("surveys.delivery_reports"),
                    action="surveys.suppression.added",
                    target=suppression,
                    payload={"reason": reason, "event": event_type},
                )
        except IntegrityError:
            pass  # a report about the same address, recorded a moment ago
    invitation = _reported_invitation(metadata, provider_message_id)
    if invitation is None:
        return None
    invitation.provider_event = description[:200]
    if event_type == "delivered":
        invitation.delivered_at = invitation.delivered_at or when
    elif event_type in ("bounced", "rejected") and not soft:
        invitation.bounced_at = invitation.bounced_at or when
    invitation.save(update_fields=["provider_event", "delivered_at", "bounced_at"])
    return invitation


def _reported_invitation(metadata: dict, provider_message_id: str) -> Invitation | None:
    invitations = Invitation.objects.select_for_update()
    invitation_id = str(metadata.get("invitation", ""))
    if invitation_id.isdigit():
        return invitations.filter(pk=int(invitation_id)).first()
    if provider_message_id:
        return invitations.filter(provider_message_id=provider_message_id).first()
    return None
