"""Publishing Celery tasks after commit, without ever failing the request whose data committed.

A task is published once the transaction that made its work commits, so no
worker sees uncommitted rows. If the broker is down at that moment the data is
already safe: the failure is logged and a periodic sweep finds the work undone
and publishes it again. Raising here would turn a saved answer into a 500.
"""

import logging
from typing import Any

from celery import Task
from django.db import transaction

log = logging.getLogger(__name__)

# Two queues, each with its own workers, so bulk work never delays a customer: everything a customer waits
# for (answers, apologies, invitations, replies) is on the default queue; imports and re-classification on bulk.
CUSTOMER_QUEUE = "customer"
DELIVERY_QUEUE = "delivery"  # emails and other messages that leave; the customer workers take it in turn
BULK_QUEUE = "bulk"


def publish_now(task: Task, *args: Any, queue: str | None = None, countdown: float | None = None) -> bool:
    """Publish `task(*args)` at once; False (and logged) when the broker refused it."""
    try:
        task.apply_async(args=args, queue=queue, countdown=countdown)
    except Exception:
        if task.app.conf.task_always_eager and task.app.conf.task_eager_propagates:
            raise  # tests that run tasks in-process want to see their errors
        log.warning("could not publish %s%r; a sweep will publish it again", task.name, args, exc_info=True)
        return False
    return True


def publish_on_commit(task: Task, *args: Any, queue: str | None = None) -> None:
    """Publish `task(*args)` when the current transaction commits (at once outside one)."""

    def publish() -> None:  # a named function: on_commit logs a failing callback by its __qualname__
        publish_now(task, *args, queue=queue)

    transaction.on_commit(publish)
