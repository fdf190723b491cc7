"""The customer email outbox: queue in the caller's transaction, deliver from a task."""

from datetime import timedelta

from django.utils import timezone

from feedback_platform import delivery
from feedback_platform.emails import RenderedEmail
from reviews.models import Feedback

from .models import Case, OutboxEmail, OutboxStatus

#: Attempts before a temporarily refused email is given up as failed (about 40 minutes of back-off).
MAX_ATTEMPTS = delivery.MAX_ATTEMPTS
retry_delay = delivery.retry_delay


def queue_email(
    *,
    key: str,
    to: str,
    email: RenderedEmail,
    language: str,
    case: Case | None = None,
    feedback: Feedback | None = None,
    reply_to: str = "",
    from_email: str = "",
    send_after=None,
) -> OutboxEmail:
    """Write an outbox row (once per key) and publish its delivery after commit.

    Call it inside the transaction of the change that causes the email. A row
    with a later `send_after` is published by the relay when it falls due.
    Every email of a case after its first continues that one's conversation (`first_email_of`).
    """
    now = timezone.now()
    root = first_email_of(case) if case else None
    outbox, created = OutboxEmail.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "to_email": to,
            "reply_to": reply_to,
            "from_email": from_email,
            "subject": reply_subject(root.subject) if root else email.subject,
            "thread_root": root.message_id if root else "",
            "body_text": email.text,
            "body_html": email.html,
            "language": language,
            "case": case,
            "feedback": feedback,
            "send_after": send_after or now,
            "next_attempt_at": send_after if send_after and send_after > now else None,
            "created_at": now,
        },
    )
    if created and outbox.next_attempt_at is None:
        delivery.publish(OutboxEmail, [outbox.pk])
    return outbox


def first_email_of(case: Case) -> OutboxEmail | None:
    """The email that opened the conversation with the customer (the apology, or the agent's first reply);
    every later email of the case carries its Message-ID and subject, and the re-survey its Message-ID."""
    # A withheld one never left (replaced by a changed answer, a suppressed address): nothing to continue.
    return OutboxEmail.objects.filter(case=case).exclude(status=OutboxStatus.WITHHELD).order_by("pk").first()


def reply_subject(subject: str) -> str:
    """ "Re: " once before the conversation's subject, as mail clients write it."""
    return subject if subject[:3].lower() == "re:" else f"Re: {subject}"[:300]


def withhold_for_case(case: Case, *, reason: str) -> int:
    """Stop every email of a case not yet sent (a troll, a fraud): they are kept, marked withheld.

    One in flight at this moment may still leave: its worker took it before the case was stopped."""
    return OutboxEmail.objects.filter(case=case, status__in=[OutboxStatus.QUEUED, OutboxStatus.AWAITING_RETRY]).update(
        status=OutboxStatus.WITHHELD, last_error=reason[:2000]
    )


def message_id(outbox: OutboxEmail) -> str:
    """The same Message-ID on every attempt, so a rare double delivery is recognisable as one message."""
    return outbox.message_id


def deliver_email(*, outbox_id: int) -> str:
    """Send one email now if it is due: "sent", "failed", "retry", "withheld", "not_due" or the status it had.

    The delivery machine (feedback_platform/delivery.py) marks it in flight, sends it outside any
    transaction and records the result; a redelivered task finds it taken or sent and does nothing.
    """
    return delivery.deliver(model=OutboxEmail, ids=[outbox_id])[outbox_id]


def pending_for_relay(*, older_than: timedelta):
    """Emails the relay publishes: delayed ones now due, retries now due, and any whose task may have
    been lost (still queued `older_than` after creation, or in flight past the machine's timeout)."""
    return delivery.relayable(OutboxEmail, timezone.now(), grace=older_than)
