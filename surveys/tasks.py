from smtplib import SMTPException

from celery import shared_task

from . import services


@shared_task(
    autoretry_for=(SMTPException, OSError), retry_backoff=True, retry_backoff_max=600, max_retries=8, retry_jitter=True
)
def send_invitation_task(invitation_id: int) -> bool:
    return services.send_invitation(invitation_id=invitation_id)


@shared_task
def run_due_sends() -> int:
    """Beat: work every send whose time has come (and continue capped ones the next day)."""
    from .sending import due_sends, run_send

    return sum(run_send(send_id=send_id) for send_id in due_sends().values_list("pk", flat=True))


@shared_task(
    autoretry_for=(SMTPException, OSError), retry_backoff=True, retry_backoff_max=600, max_retries=8, retry_jitter=True
)
def send_reminder_task(invitation_id: int) -> bool:
    return services.send_reminder(invitation_id=invitation_id)


@shared_task
def queue_due_reminders() -> int:
    """Beat: one reminder task per invitation that is due one (each re-checks under a row lock)."""
    from .sending import due_reminders

    due = list(due_reminders())
    for invitation_id in due:
        send_reminder_task.delay(invitation_id)
    return len(due)


@shared_task
def run_send_task(send_id: int) -> int:
    """Start a send now (the beat sweep picks up scheduled ones and continues capped ones)."""
    from .sending import run_send

    return run_send(send_id=send_id)
