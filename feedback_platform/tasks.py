"""Thin Celery tasks of the base layer: the delivery machine's worker and relay."""

from celery import shared_task
from django.apps import apps

from . import delivery


@shared_task(name="feedback_platform.tasks.deliver_task")
def deliver_task(label: str, ids: list[int]) -> dict[int, str]:
    """Deliver a batch of rows of one model (a redelivered task finds them taken or sent and does nothing)."""
    return delivery.deliver(model=apps.get_model(label), ids=ids)


@shared_task(name="feedback_platform.tasks.relay_deliveries")
def relay_deliveries() -> int:
    """Beat: publish rows that are due and whose task was lost, or that were never published."""
    return delivery.relay()
