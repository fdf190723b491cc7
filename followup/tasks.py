"""Thin Celery tasks: load by id, call one service."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from feedback_platform import delivery

from . import escalation, outbox, recovery
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
