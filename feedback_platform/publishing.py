"""Publishing Celery tasks after commit, without ever failing the request whose data committed.

A task is published once the transaction that made its work commits, so no
worker sees uncommitted rows. If the broker is down at that moment the data is
already safe: the failure is logged and a periodic sweep finds the work undone
and publishes it again. Raising here would turn a saved answer into a 500.
"""

import logging
from collections.abc import Callable
from functools import cache
from typing import Any

import redis
from celery import Task
from django.conf import settings
from django.db import connection, transaction

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


# Coalesced publishing, for work that arrives one item at a time and fast (a customer's taps): each item joins
# a Redis set in one round trip, and a task that drains the set is published only when none is queued yet.
# A Celery publish costs several times that round trip, on the customer's request. The flag that says "a drain
# is queued" expires on its own, so a drain that was lost only delays the next one; whatever stays in the set
# past that is found by the sweep (the database, not the set, says what is undone).
DRAIN_QUEUED_SECONDS = 10


@cache
def _redis() -> "redis.Redis | None":
    """The broker's Redis (one connection pool per process); None with the embedded filesystem broker."""
    return redis.Redis.from_url(settings.REDIS_URL) if settings.REDIS_URL else None


def _pending_key(name: str) -> str:
    # Per database: test runs, benchmarks and the product may share one Redis.
    return f"pending:{connection.settings_dict['NAME']}:{name}"


def publish_coalesced_on_commit(*, item_task: Task, drain_task: Task, item: int, pending: str) -> None:
    """After commit: `item` joins the `pending` set and `drain_task()` is published unless one is queued;
    with no Redis (or tasks run in-process), `item_task(item)` is published as it is."""
    client = _redis()
    if client is None or item_task.app.conf.task_always_eager:
        publish_on_commit(item_task, item)
        return

    def publish() -> None:
        key = _pending_key(pending)
        try:
            pipeline = client.pipeline(transaction=False)
            pipeline.sadd(key, item)
            pipeline.set(f"{key}:drain-queued", 1, nx=True, ex=DRAIN_QUEUED_SECONDS)
            _added, drain_needed = pipeline.execute()
        except redis.RedisError:
            log.warning("could not queue %s %s; a sweep will publish it again", pending, item, exc_info=True)
            return
        if drain_needed:
            publish_now(drain_task)

    transaction.on_commit(publish)


def drain_pending(pending: str, handle: Callable[[int], Any], *, drain_task: Task, batch: int = 20) -> int:
    """Run `handle(item)` for every item in the `pending` set, taking them out a few at a time; items added
    meanwhile are taken too (the flag is cleared first, so an item added after this drain's last look
    publishes the next drain). While items wait beyond the ones taken, one more `drain_task` is published,
    so every free worker process helps instead of one taking a burst alone. A failing item is logged and
    left to the sweep; the others go on."""
    client = _redis()
    if client is None:
        return 0
    key, done = _pending_key(pending), 0
    flag = f"{key}:drain-queued"
    client.delete(flag)
    while items := client.spop(key, batch):
        if client.scard(key) and client.set(flag, 1, nx=True, ex=DRAIN_QUEUED_SECONDS):
            publish_now(drain_task)
        for item in items:
            try:
                handle(int(item))
            except Exception:
                log.exception("%s %s failed; the sweep will try it again", pending, int(item))
            done += 1
    return done
