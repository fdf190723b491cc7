from celery import shared_task

from . import services


@shared_task
def send_invitation_task(invitation_id: int) -> bool:
    """Kept for messages published before the delivery machine (feedback_platform's deliver_task sends now)."""
    return services.send_invitation(invitation_id=invitation_id)


@shared_task
def run_due_sends() -> int:
    """Beat: work every send whose time has come (and continue capped ones the next day)."""
    from .sending import due_sends, run_send

    return sum(run_send(send_id=send_id) for send_id in due_sends().values_list("pk", flat=True))


@shared_task
def send_reminder_task(invitation_id: int) -> bool:
    """Kept for messages published before the delivery machine."""
    return services.send_reminder(invitation_id=invitation_id)


@shared_task
def queue_due_reminders() -> int:
    """Beat: a reminder for each invitation due one, published in batches (each re-checked when sent)."""
    from .sending import queue_due_reminders as queue

    return len(queue())


@shared_task
def run_send_task(send_id: int) -> int:
    """Start a send now (the beat sweep picks up scheduled ones and continues capped ones)."""
    from .sending import run_send

    return run_send(send_id=send_id)


@shared_task
def run_recurring_sends() -> int:
    """Beat, hourly: each recurring send invites its share for this hour (surveys.recurring)."""
    from .recurring import run_recurring_sends as run

    return run()
