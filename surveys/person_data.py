"""A person's data: the download of everything the product holds on a contact, and its erasure.

Both go through the base layer's erasure registry (each app exports and erases its own rows); this module is
the one entry the contact page and the API call, and what the activity log records.
"""

from collections.abc import Iterator

from django.db import transaction

from feedback_platform import erasure
from feedback_platform.activity import Actor, record_activity
from feedback_platform.person_zip import zip_stream

from .models import Contact, normalized_email


def contact_by_email(email: str, contacts=None) -> Contact | None:
    """The contact with this address (ignoring case and surrounding spaces), among `contacts` if given."""
    rows = Contact.objects.all() if contacts is None else contacts
    return rows.filter(email__iexact=normalized_email(email)).first()


def export_filename(contact: Contact) -> str:
    return f"contact-{contact.pk}-data.zip"


@transaction.atomic
def export_contact(*, contact: Contact, actor: Actor) -> Iterator[bytes]:
    """Record the download, then return the ZIP's bytes (generated lazily, as the response streams)."""
    record_activity(actor=actor, action="surveys.contact.exported", target=contact, payload={"contact_id": contact.pk})
    person = erasure.Person(contact=contact, actor=actor)
    return zip_stream(erasure.export_tables(person))


def erase_contact(*, contact: Contact, actor: Actor) -> dict[str, int]:
    """Erase the contact across every app (the registry, in one transaction); returns the rows per eraser."""
    return erasure.erase_person(contact=contact, actor=actor)
