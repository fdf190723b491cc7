"""The customer email outbox: queue in the caller's transaction, deliver from a task."""

import logging
import smtplib
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from feedback_platform.emails import RenderedEmail, header_safe
from surveys.models import is_suppressed

from .models import Case, OutboxEmail, OutboxStatus

log = logging.getLogger(__name__)

#: Attempts before a temporarily refused email is given up as failed (about 40 minutes of back-off).
MAX_ATTEMPTS = 9


class TransientEmailError(Exception):
    """The mail server could not take the message now; a retry may succeed."""


def queue_email(
    *,
    key: str,
    to: str,
    email: RenderedEmail,
    language: str,
    case: Case | None = None,
    reply_to: str = "",
    send_after=None,
) -> OutboxEmail:
    """Write an outbox row (once per key) and publish its delivery after commit.

    Call it inside the transaction of the change that causes the email. A row
    with a later `send_after` is published by the relay when it falls due.
    """
    now = timezone.now()
    outbox, created = OutboxEmail.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "to_email": to,
            "reply_to": reply_to,
            "subject": email.subject,
            "body_text": email.text,
            "body_html": email.html,
            "language": language,
            "case": case,
            "send_after": send_after or now,
            "created_at": now,
        },
    )
    if created and outbox.send_after <= now:
        publish(outbox.pk)
    return outbox


def withhold_for_case(case: Case, *, reason: str) -> int:
    """Stop every queued email of a case (a troll, a fraud): they are kept, marked withheld."""
    return OutboxEmail.objects.filter(case=case, status=OutboxStatus.QUEUED).update(
        status=OutboxStatus.WITHHELD, last_error=reason[:2000]
    )


def publish(outbox_id: int) -> None:
    from .tasks import deliver_email_task

    # robust: with the broker down the row is still committed, and the relay publishes it later.
    transaction.on_commit(partial(deliver_email_task.delay, outbox_id), robust=True)


def message_id(outbox: OutboxEmail) -> str:
    """The same Message-ID on every attempt, so a rare double delivery is recognisable as one message."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ")
    return f"<outbox-{outbox.pk}@{domain}>"


def _message(outbox: OutboxEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=header_safe(outbox.subject),
        body=outbox.body_text,
        to=[outbox.to_email],
        reply_to=[outbox.reply_to] if outbox.reply_to else None,
        headers={"Message-ID": message_id(outbox), "X-Idempotency-Key": header_safe(outbox.idempotency_key)},
    )
    if outbox.body_html:
        message.attach_alternative(outbox.body_html, "text/html")
    return message


def retry_delay(attempt: int) -> timedelta:
    """Back-off after a failed attempt: 10 s, 20 s, 40 s … capped at 10 minutes."""
    return timedelta(seconds=min(600, 10 * 2 ** (attempt - 1)))


@transaction.atomic
def deliver_email(*, outbox_id: int) -> str:
    """Send one queued email; returns "sent", "failed", "retry" or the status it already had.

    The row lock makes a redelivered or relayed task wait, then find the email
    already sent and do nothing. A permanent refusal (SMTP 5xx) is recorded as
    failed at once; a temporary one (4xx, connection lost) is recorded with the
    time of the next attempt and returns "retry", until MAX_ATTEMPTS are spent.
    """
    outbox = OutboxEmail.objects.select_for_update().filter(pk=outbox_id).first()
    if outbox is None or outbox.status != OutboxStatus.QUEUED:
        return outbox.status if outbox else "missing"
    if outbox.send_after > timezone.now():
        return "not_due"  # published early; the relay publishes it again when due
    if is_suppressed(outbox.to_email):
        outbox.status, outbox.last_error = OutboxStatus.WITHHELD, "address is on the suppression list"
        outbox.save(update_fields=["status", "last_error"])
        return outbox.status
    outbox.attempts += 1
    message = _message(outbox)
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        outbox.last_error = f"{type(error).__name__}: {error}"[:2000]
        if _is_temporary(error) and outbox.attempts < MAX_ATTEMPTS:
            outbox.next_attempt_at = timezone.now() + retry_delay(outbox.attempts)
            outbox.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            return "retry"
        outbox.status = OutboxStatus.FAILED
        outbox.save(update_fields=["attempts", "last_error", "status"])
        log.warning("outbox %s failed: %s", outbox.idempotency_key, error)
        return outbox.status
    outbox.status, outbox.sent_at, outbox.next_attempt_at = OutboxStatus.SENT, timezone.now(), None
    outbox.provider_message_id, outbox.last_error = message.extra_headers["Message-ID"], ""
    outbox.save(update_fields=["status", "sent_at", "next_attempt_at", "provider_message_id", "last_error", "attempts"])
    return outbox.status


def _is_temporary(error: Exception) -> bool:
    """SMTP 4xx replies and lost connections are temporary; 5xx replies are permanent."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return True


def pending_for_relay(*, older_than: timedelta):
    """Queued emails to publish: delayed ones now due, and any whose task may have been
    lost (broker restart, worker killed) because they stayed queued `older_than`."""
    now = timezone.now()
    delayed_now_due = Q(send_after__gt=F("created_at"), send_after__lte=now, attempts=0)
    stuck = Q(send_after__lte=now - older_than) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    return OutboxEmail.objects.filter(status=OutboxStatus.QUEUED).filter(delayed_now_due | stuck)
