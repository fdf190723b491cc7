"""The erasure registry: each app erases (and exports) what it holds of a person.

The base declares, the apps register (as with visibility and the activity log): in its `AppConfig.ready` an
app calls ::

    erasure.register("followup", order=erasure.FOLLOWUP, erase=erase_person, export=export_person)

`erase(person)` removes or redacts every row of that app about the person and returns how many rows it
changed; `export(person)` yields `Table`s (a name, a header and rows, read lazily) for the person's data
download. `erase_person` calls every eraser in ascending `order`, in one transaction, and only then deletes
the contact row; one failing eraser rolls the whole erasure back (a half-erased person is worse than none).

The order runs against the arrow of knowledge: the apps to the right hold rows that point at the rows of the
apps to their left, and must find them while they still exist. Integrations (webhook deliveries, helpdesk
payloads) come first, then followup (cases, emails), reviews (feedback, imports), surveys (answers,
invitations, the suppression list) last. Erasers share one `Person`: what the earlier ones found (the
person's comments, case ids…) is there for the later ones, and every one adds the texts it erased to
`person.texts`, so the activity log's redaction (which runs last, here) and `person.redact()` remove them
wherever they were quoted.

Erased text becomes `ERASED` ("[erased]"), translated where it is displayed (`display_text`).
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils.translation import gettext as _

from .activity import Actor, record_activity, redact_activity_text
from .models import ActivityEntry

#: What every erased text becomes. Stored untranslated (one value to recognise); `display_text` translates it.
ERASED = "[erased]"

#: Conventional orders: the rightmost apps first (see the module's docstring). Leave gaps for new apps.
INTEGRATIONS = 10
FOLLOWUP = 20
REVIEWS = 30
SURVEYS = 40
BASE = 90  # the base layer's own (Django admin's log); the activity log is redacted after every eraser

#: Texts shorter than this are not searched for inside other text (a one-letter name would mangle words);
#: fields that belong to the person are replaced whole whatever their length.
MIN_QUOTED_LENGTH = 3


@dataclass(frozen=True)
class Table:
    """One file of a person's export: `rows` is read once, lazily (an iterator over a queryset)."""

    name: str
    header: list[str]
    rows: Iterable[Iterable[Any]]


@dataclass
class Person:
    """The person being exported or erased, and what the erasers learn about them on the way."""

    contact: models.Model | None  # a surveys.Contact (the base does not import the apps); None: retention
    actor: Actor
    email: str = ""
    name: str = ""
    #: Texts of the person's (address, name, comments, replies) that must not survive anywhere.
    texts: set[str] = field(default_factory=set)
    #: (model, primary keys) of the rows about the person: the activity log's entries about them are redacted.
    rows: dict[type[models.Model], set] = field(default_factory=dict)
    #: What each eraser changed: {eraser name: rows}.
    counts: dict[str, int] = field(default_factory=dict)
    #: Anything an eraser wants a later one to know (e.g. "case_ids"), keyed by its app.
    found: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        self.email = self.email or getattr(self.contact, "email", "") or ""
        self.name = self.name or getattr(self.contact, "name", "") or ""
        self.add_texts(self.email, self.name, getattr(self.contact, "external_id", None))
        if self.contact is not None:
            self.add_rows(type(self.contact), [self.contact.pk])

    @property
    def contact_id(self) -> int:
        """The contact's id, for the erasers and exporters (which only ever run on a contact)."""
        if self.contact is None:
            raise ValueError("no contact: retention redacts rows, it does not run the erasers")
        return self.contact.pk

    def add_texts(self, *texts) -> None:
        for text in texts:
            text = (text or "").strip() if isinstance(text, str) else ""
            if text and text != ERASED:
                self.texts.add(text)

    def add_rows(self, model: type[models.Model], pks: Iterable) -> None:
        self.rows.setdefault(model, set()).update(pk for pk in pks if pk is not None)

    def redact(self, text: str) -> str:
        """`text` with every known text of the person's replaced by the marker (longest first, any case); a
        text that is itself part of one of theirs becomes the marker whole."""
        if not text:
            return text
        folded = text.strip().casefold()
        if len(folded) >= MIN_QUOTED_LENGTH and any(folded in secret.casefold() for secret in self.texts):
            return ERASED  # a phrase quoted from one of their texts (a classifier's explanation)
        for secret in sorted(self.texts, key=len, reverse=True):
            if len(secret) >= MIN_QUOTED_LENGTH or secret == text.strip():
                text = _replace_ignoring_case(text, secret, ERASED)
        return text

    def redact_json(self, value):
        """A JSON value with every string redacted (`redact`), keys and structure kept."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, list):
            return [self.redact_json(item) for item in value]
        if isinstance(value, dict):
            return {key: self.redact_json(item) for key, item in value.items()}
        return value


def _replace_ignoring_case(text: str, old: str, new: str) -> str:
    lowered, needle = text.casefold(), old.casefold()
    if len(lowered) != len(text) or needle not in lowered:  # casefold changed lengths (ß): exact match only
        return text.replace(old, new)
    out, start = [], 0
    while (found := lowered.find(needle, start)) != -1:
        out.append(text[start:found] + new)
        start = found + len(needle)
    return "".join(out) + text[start:]


Eraser = Callable[[Person], int]
Exporter = Callable[[Person], Iterator[Table]]


@dataclass(frozen=True)
class Registration:
    name: str
    order: int
    erase: Eraser | None
    export: Exporter | None


_registry: dict[str, Registration] = {}


def register(name: str, *, order: int, erase: Eraser | None = None, export: Exporter | None = None) -> None:
    """Register an app's eraser and exporter under `name` (registering a name again replaces it)."""
    _registry[name] = Registration(name, order, erase, export)


def registrations() -> list[Registration]:
    return sorted(_registry.values(), key=lambda registration: (registration.order, registration.name))


def erase_person(*, contact: models.Model, actor: Actor) -> dict[str, int]:
    """Erase a contact across every app, in one transaction, then delete the contact row. Returns what each
    eraser changed (also the activity entry's payload, which names no personal data)."""
    with transaction.atomic():
        contact = type(contact)._default_manager.select_for_update().get(pk=contact.pk)
        person = Person(contact=contact, actor=actor)
        for registration in registrations():
            if registration.erase is not None:
                person.counts[registration.name] = registration.erase(person)
        person.counts["activity"] = redact_about(person)
        contact_id = contact.pk
        contact.delete()
        record_activity(
            actor=actor,
            action="feedback_platform.person.erased",
            label=f"contact #{contact_id}",
            payload={"contact_id": contact_id, **{f"rows_{name}": count for name, count in person.counts.items()}},
        )
    return person.counts


def redact_about(person: Person) -> int:
    """Redact the activity log's entries about the person's rows, and any entry whose payload names their
    address; entries are kept (who did what, when), their labels and quoted texts blanked."""
    about = models.Q(pk__in=[])
    for model, pks in person.rows.items():
        if pks:
            kind = ContentType.objects.get_for_model(model)
            about |= models.Q(target_type=kind, target_id__in=[str(pk) for pk in pks])
    if person.email:
        about |= models.Q(payload__icontains=person.email)
    return redact_activity_text(entries=ActivityEntry.objects.filter(about), redact=person.redact)


def export_tables(person: Person) -> Iterator[Table]:
    """Every registered exporter's tables, in the registry's order."""
    for registration in registrations():
        if registration.export is not None:
            yield from registration.export(person)


def display_text(value: str) -> str:
    """The erased marker in the reader's language; any other text as it is."""
    return _("[erased]") if value == ERASED else value


def erase_admin_log(person: Person) -> int:
    """Django admin's own log names the rows it changed (`object_repr` is the contact's name): redacted."""
    from django.contrib.admin.models import LogEntry

    changed = 0
    for model, pks in person.rows.items():
        kind = ContentType.objects.get_for_model(model)
        for entry in LogEntry.objects.filter(content_type=kind, object_id__in=[str(pk) for pk in pks]):
            entry.object_repr, entry.change_message = ERASED, person.redact(entry.change_message)
            entry.save(update_fields=["object_repr", "change_message"])
            changed += 1
    return changed
