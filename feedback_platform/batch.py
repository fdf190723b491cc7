"""Reads shared by every item of one batch: the rules, the webhook endpoints, … read once for the hundreds of
feedback a classification batch announces in its one transaction, instead of once per feedback.

Outside a batch each read happens as it always did (a customer's single answer). Only what the batch itself
does not change may be read once: configuration, never a row the batch writes or locks.
"""

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db.models import Model

T = TypeVar("T")

_scope = threading.local()


@contextmanager
def batch_scope(members: Sequence[Any] = ()) -> Iterator[None]:
    """Inside: `once_per_batch` reads each key once. `members`: the rows the batch announces one by one, so a
    receiver can read what it needs of all of them at once (`batch_members`). Nested scopes share the
    outermost one."""
    if getattr(_scope, "values", None) is not None:
        yield
        return
    _scope.values, _scope.members, _scope.inserts = {}, {row.pk: row for row in members}, []
    try:
        yield
        for rows in _by_model(_scope.inserts):
            type(rows[0])._default_manager.bulk_create(rows)
    finally:
        _scope.values, _scope.members, _scope.inserts = None, {}, []


def insert_at_batch_end(rows: Sequence[Model]) -> None:
    """Insert `rows` now, or inside a batch with every other row of their model when the batch ends (still in
    its transaction; nothing if the batch fails). Only for rows nothing in the batch reads back."""
    if not rows:
        return
    if getattr(_scope, "values", None) is None:
        type(rows[0])._default_manager.bulk_create(rows)
    else:
        _scope.inserts.extend(rows)


def _by_model(rows: list[Model]) -> list[list[Model]]:
    groups: dict[type, list[Model]] = {}
    for row in rows:
        groups.setdefault(type(row), []).append(row)
    return list(groups.values())


def batch_members(row: Any) -> list[Any]:
    """The rows of the batch `row` belongs to; just [row] outside a batch (or for a row not of it)."""
    members: dict[Any, Any] = getattr(_scope, "members", None) or {}
    return list(members.values()) if members.get(row.pk) is row else [row]


def once_per_batch(key: str, read: Callable[[], T]) -> T:
    """`read()`, once per batch scope under `key` (every call outside a scope reads)."""
    values: dict[str, Any] | None = getattr(_scope, "values", None)
    if values is None:
        return read()
    if key not in values:
        values[key] = read()
    return values[key]
