"""Thin Celery tasks: load by id, call one service."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from feedback_platform import delivery

from . import escalation, mailbox, outbox, recovery
from .models import OutboxEmail


@shared_task
def deliver_email_task(outbox_id: int) -> str:
    """Kept for messages published before the delivery machine; new ones go to feedback_platform's deliver_task."""
    return outbox.deliver_email(outbox_id=outbox_id)


@shared_task
def relay_pending_outbox() -> int:
    """Publish emails now due and re-publish those whose task was lost (the beat runs feedback_platform's
    relay_deliveries, which covers every kind of delivery; this one only the outbox)."""
    pending = outbox.pending_for_relay(older_than=timedelta(seconds=settings.OUTBOX_RELAY_AFTER_SECONDS))
    ids = list(pending.order_by("pk").values_list("pk", flat=True)[:20_000])
    delivery.publish_now(OutboxEmail, ids)
    return len(ids)


@shared_task
def escalate_overdue_cases() -> int:
    return escalation.escalate_overdue()


@shared_task
def send_recovery_surveys() -> int:
    recovery.mark_unanswered_recoveries()
    return recovery.send_due_recovery_surveys()


@shared_task
def send_weekly_digest() -> int:
    from .digest import send_weekly_digest as send

    return send()


@shared_task
def read_inbound_mailbox() -> str:
    """Customer replies from the support mailbox (INBOUND_IMAP_URL), when one is configured."""
    outcome = mailbox.read_mailbox()
    return "no mailbox, or already being read" if outcome is None else str(outcome)


@shared_task
def sweep_retention_task() -> dict:
    """Nightly: anonymise feedback and closed cases past the admins' retention setting (idempotent)."""
    from . import retention

    return retention.sweep_retention()
