"""The activity log: every service records what it did and who did it (audit now, webhooks later).

Services take an explicit keyword-only `actor` and call `record_activity` inside their own transaction, so
an entry exists exactly when the change committed. Views pass `Actor.from_request(request)` (the session
user, or the user whose API token made the call); Celery tasks and beat pass `Actor.system(...)`.

Entries are append-only (`ActivityEntry` refuses save-after-insert and delete); `redact_activity` blanks
personal data and keeps the entry, which is what an erasure request builds on.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone

from .batch import insert_at_batch_end
from .models import ActivityEntry, ActivityQuerySet, ActorKind

ACTION = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2,}")  # app.object.verb, e.g. surveys.survey.archived

#: Sent with `entries` (saved, ids set) in the transaction that recorded them: what the webhooks and Slack
#: announce. A batch's entries come together when the batch ends.
activity_recorded = Signal()


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, a user's API token, the system (a task, the beat, a webhook), or a
    customer through one of their signed links."""

    kind: str
    user_id: int | None = None
    label: str = ""

    @classmethod
    def for_user(cls, user) -> "Actor":
        return cls(ActorKind.USER, user.pk, user.get_username())

    @classmethod
    def for_token(cls, user) -> "Actor":
        """A call made with `user`'s API token (DRF keeps one token per user: the user names the token)."""
        return cls(ActorKind.TOKEN, user.pk, user.get_username())

    @classmethod
    def system(cls, label: str = "system") -> "Actor":
        """The product itself; `label` names the task or sweep, e.g. "reviews.run_import"."""
        return cls(ActorKind.SYSTEM, None, label)

    @classmethod
    def customer(cls) -> "Actor":
        """The customer themselves, through a signed link (the entry's target says which contact)."""
        return cls(ActorKind.CUSTOMER, None, "")

    @classmethod
    def from_request(cls, request) -> "Actor":
        """The token's user when a DRF request came with an API token, else the session user."""
        from rest_framework.authtoken.models import Token

        from .models import ApiToken

        if isinstance(getattr(request, "auth", None), (Token, ApiToken)):
            return cls.for_token(request.user)
        return cls.for_user(request.user)

    @classmethod
    def of(cls, who: "Actor | models.Model | None") -> "Actor":
        """For services whose callers pass a user (an agent working a case): a user is a session user and
        None is the system. An Actor passes through, so a caller that knows better (a token) says so."""
        if isinstance(who, Actor):
            return who
        if who is None:
            return cls.system()
        return cls.for_user(who)

    @property
    def is_system(self) -> bool:
        return self.kind == ActorKind.SYSTEM


def record_activity(
    *,
    actor: Actor,
    action: str,
    target: models.Model | None = None,
    payload: dict | None = None,
    label: str | None = None,
) -> ActivityEntry:
    """Append one entry: one INSERT, in the caller's transaction (it sits on hot paths, so no savepoint);
    inside a classification batch, one INSERT for all the batch's entries when it ends (the entry's id is
    None until then).

    `action` is namespaced `app.object.verb`; `target` is any saved row (a generic reference: content
    type, id and `label`, by default `str(target)`); `payload` a small JSON object: ids, field names, counts.
    Keep customer text out of the payload, or name its keys in the erasure code that redacts them.
    """
    if not ACTION.fullmatch(action):
        raise ValueError(f"activity action {action!r} is not app.object.verb")
    entry = ActivityEntry(
        actor_kind=actor.kind,
        actor_user_id=actor.user_id,
        actor_label=actor.label[:150],
        action=action,
        payload=payload or {},
    )
    if target is not None:
        entry.target_type = ContentType.objects.get_for_model(target)  # cached after the first call
        entry.target_id = str(target.pk)
        entry.target_label = (str(target) if label is None else label)[:200]
    elif label:
        entry.target_label = label[:200]
    insert_at_batch_end([entry], announce=_announce)
    return entry


def _announce(entries: list[ActivityEntry]) -> None:
    activity_recorded.send(sender=ActivityEntry, entries=entries)


@transaction.atomic
def redact_activity(*, entries: ActivityQuerySet, keys: Iterable[str], target_label: bool = False) -> int:
    """Blank the named payload keys (the key stays, its value becomes null) and, if asked, the target's label,
    in every entry of `entries`; each is marked redacted and kept. Returns how many entries changed.

    Only top-level payload keys: services keep payloads flat so that an erasure can name what it removes.
    """
    keys = set(keys)
    now, changed = timezone.now(), 0
    for entry in entries.select_for_update().only("pk", "payload", "target_label"):
        payload = {key: (None if key in keys else value) for key, value in (entry.payload or {}).items()}
        fields = {"payload": payload, "redacted_at": now}
        if target_label:
            fields["target_label"] = ""
        # The one sanctioned update: the plain QuerySet.update, past the append-only manager's refusal.
        changed += models.QuerySet.update(ActivityEntry.objects.filter(pk=entry.pk), **fields)
    return changed


@transaction.atomic
def redact_activity_text(*, entries: ActivityQuerySet, redact: Callable[[str], str]) -> int:
    """Pass every string of each entry's payload (at any depth) and its target's label through `redact` (an
    erasure's: a person's texts become "[erased]"); an entry that changed is marked redacted and kept."""
    now, changed = timezone.now(), 0
    for entry in entries.select_for_update().only("pk", "payload", "target_label").iterator(chunk_size=500):
        payload, label = _redact_value(entry.payload or {}, redact), redact(entry.target_label)
        if payload == (entry.payload or {}) and label == entry.target_label:
            continue
        fields = {"payload": payload, "target_label": label, "redacted_at": now}
        changed += models.QuerySet.update(ActivityEntry.objects.filter(pk=entry.pk), **fields)
    return changed


def _redact_value(value, redact: Callable[[str], str]):
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redact_value(item, redact) for item in value]
    if isinstance(value, dict):
        return {key: _redact_value(item, redact) for key, item in value.items()}
    return value


def changed_fields(instance: models.Model, fields: Iterable[str]) -> list[str]:
    """The names among `fields` whose value in `instance` differs from the saved row (all of them for a new
    row); call it before saving. For the payload of a `….changed` entry: names, never the values."""
    fields = list(fields)
    if instance._state.adding or instance.pk is None:
        return fields
    attnames = {name: instance._meta.get_field(name).attname for name in fields}
    saved = type(instance)._base_manager.filter(pk=instance.pk).values(*attnames.values()).first() or {}
    return [name for name, attname in attnames.items() if saved.get(attname) != getattr(instance, attname)]
