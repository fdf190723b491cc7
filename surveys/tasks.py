from smtplib import SMTPException

from celery import shared_task

from . import services


@shared_task(
    autoretry_for=(SMTPException, OSError), retry_backoff=True, retry_backoff_max=600, max_retries=8, retry_jitter=True
)
def send_invitation_task(invitation_id: int) -> bool:
    return services.send_invitation(invitation_id=invitation_id)
