"""Reads shared by every item of one batch: the rules, the webhook endpoints, … read once for the hundreds of
feedback a classification batch announces in its one transaction, instead of once per feedback.

Outside a batch each read happens as it always did (a customer's single answer). Only what the batch itself
does not change may be read once: configuration, never a row the batch writes or locks.
"""

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import connection
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
        while _scope.inserts:  # what the announcements insert is inserted in turn
            waiting, _scope.inserts = _scope.inserts, []
            _insert(waiting)
    finally:
        _scope.values, _scope.members, _scope.inserts = None, {}, []


Announce = Callable[[list[Any]], None]  # called with the rows it was given, saved


def insert_at_batch_end(rows: Sequence[Model], *, announce: Announce | None = None) -> None:
    """Insert `rows` now, or inside a batch with every other row of their model when the batch ends (still in
    its transaction; nothing if the batch fails), then `announce(rows)` with their ids set. Only for rows
    nothing in the batch reads back; models are inserted in the order they first came, so a row's parent
    inserted this way goes first."""
    if not rows:
        return
    pending = [(row, announce) for row in rows]
    if getattr(_scope, "values", None) is None:
        _insert(pending)
    else:
        _scope.inserts.extend(pending)


def insert_with_id(row: Model) -> None:
    """Insert `row`, its id set at once: now, or inside a batch on PostgreSQL (whose sequences hand out ids
    before the insert; its foreign keys are checked at commit) with the other rows of its model when the
    batch ends. For a row the batch refers to by id but never reads back from the database."""
    if getattr(_scope, "values", None) is None or connection.vendor != "postgresql":
        row.save(force_insert=True)
        return
    row.pk = _next_id(type(row))
    _scope.inserts.append((row, None))


def _next_id(model: type[Model]) -> int:
    ids: list[int] = once_per_batch(f"ids:{model._meta.db_table}", list)
    if not ids:  # enough for one per member, in one round trip
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, model._meta.pk.column, max(len(_scope.members), 1)],
            )
            ids.extend(row[0] for row in cursor.fetchall())
    return ids.pop(0)


def _insert(pending: list[tuple[Model, Announce | None]]) -> None:
    groups: dict[type, list[Model]] = {}
    announcements: dict[Announce, list[Model]] = {}
    for row, announce in pending:
        groups.setdefault(type(row), []).append(row)
        if announce is not None:
            announcements.setdefault(announce, []).append(row)
    for rows in groups.values():
        type(rows[0])._default_manager.bulk_create(rows)
    for announce, rows in announcements.items():
        announce(rows)


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
