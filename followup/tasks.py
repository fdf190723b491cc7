"""Thin Celery tasks: load by id, call one service."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from . import escalation, outbox, recovery
from .models import OutboxEmail


@shared_task(bind=True, max_retries=outbox.MAX_ATTEMPTS)
def deliver_email_task(self, outbox_id: int) -> str:
    status = outbox.deliver_email(outbox_id=outbox_id)
    if status == "retry":
        attempts = OutboxEmail.objects.values_list("attempts", flat=True).get(pk=outbox_id)
        raise self.retry(countdown=outbox.retry_delay(attempts).total_seconds())
    return status


@shared_task
def relay_pending_outbox() -> int:
    """Publish emails now due, and re-publish those whose task was lost; the row lock makes duplicates harmless."""
    pending = outbox.pending_for_relay(older_than=timedelta(seconds=settings.OUTBOX_RELAY_AFTER_SECONDS))
    ids = list(pending.values_list("pk", flat=True)[:1000])
    for outbox_id in ids:
        deliver_email_task.delay(outbox_id)
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
