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
