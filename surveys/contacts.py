"""Contacts: create or update one (the rows' checks), and unsubscribe one from every later send."""

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction

from feedback_platform.activity import Actor, changed_fields, record_activity

from .emails import UNSUBSCRIBE_SALT
from .models import (
    Contact,
    Suppression,
    SuppressionReason,
)

CONTACT_FIELDS = ["email", "name", "language", "external_id", "customer_since", "attributes"]


@transaction.atomic
def upsert_contact(
    *,
    actor: Actor,
    email: str,
    name: str = "",
    language: str | None = None,
    external_id: str | None = None,
    attributes: dict | None = None,
    customer_since=None,
) -> tuple[Contact, bool]:
    """Find the contact by external id, else by email (any case); create or update it: (contact, created)."""
    contact, created, fields = _upsert_contact(
        email=email,
        name=name,
        language=language,
        external_id=external_id,
        attributes=attributes,
        customer_since=customer_since,
    )
    if created or fields:
        action = "surveys.contact.created" if created else "surveys.contact.updated"
        record_activity(actor=actor, action=action, target=contact, payload={"fields": fields})
    return contact, created


def _upsert_contact(
    *,
    email: str,
    name: str = "",
    language: str | None = None,
    external_id: str | None = None,
    attributes: dict | None = None,
    customer_since=None,
) -> tuple[Contact, bool, list[str]]:
    """The upsert without its activity (a file import records one entry for all its rows):
    (contact, created, the fields that changed)."""
    contact = None
    if external_id:
        contact = Contact.objects.select_for_update().filter(external_id=external_id).first()
    if contact is None:
        contact = Contact.objects.select_for_update().filter(email__iexact=email.strip()).first()
    elif Contact.objects.filter(email__iexact=email.strip()).exclude(pk=contact.pk).exists():
        # The id names one contact and the email another: merging them is a person's decision, not an upsert's.
        raise ValidationError(
            {"email": f"another contact has this email; the external id {external_id!r} is contact {contact.pk}'s"}
        )
    created = contact is None
    contact = contact or Contact(email=email.strip())
    contact.email = email.strip()
    contact.name = name or contact.name
    contact.language = language or contact.language
    contact.external_id = external_id or contact.external_id
    contact.customer_since = customer_since or contact.customer_since
    contact.attributes = {**(contact.attributes or {}), **(attributes or {})}
    fields = changed_fields(contact, CONTACT_FIELDS)
    if created or fields:
        contact.save()
    return contact, created, fields


def contact_for_unsubscribe(token: str) -> Contact | None:
    try:
        return Contact.objects.filter(pk=signing.loads(token, salt=UNSUBSCRIBE_SALT)).first()
    except signing.BadSignature:
        return None


@transaction.atomic
def unsubscribe(*, contact: Contact, actor: Actor | None = None) -> Suppression:
    """Put the contact's address on the suppression list (once); every later send skips it.
    The actor is the customer (their signed link) unless a caller says otherwise."""
    existing = Suppression.objects.covering(contact.email).first()
    if existing:
        return existing
    suppression = Suppression.objects.create(email=contact.email, reason=SuppressionReason.UNSUBSCRIBED)
    record_activity(
        actor=actor or Actor.customer(),
        action="surveys.contact.unsubscribed",
        target=contact,
        payload={"suppression": suppression.pk},
    )
    return suppression
