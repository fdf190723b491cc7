"""Contacts: create or update one (the rows' checks), and unsubscribe one from every later send."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_platform.activity import Actor, changed_fields, record_activity
from feedback_platform.cleantext import UNSTORABLE, is_storable

from .answers import LinkUnknown, invitation_of_token
from .models import Contact, Invitation, Suppression, SuppressionReason, Tag, tag_name

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


MAX_TAGS = 50  # on one contact


def parse_tags(text: str) -> list[str]:
    """Tags as a person types them or a file column holds them: separated by commas or semicolons."""
    return [name for name in (tag_name(part) for part in text.replace(";", ",").split(",")) if name]


def tag_problem(names: object) -> str:
    """Why `names` cannot be a contact's tags; "" when they can."""
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        return _("A list of texts.")
    if len(names) > MAX_TAGS:
        return _("At most %(n)s tags.") % {"n": MAX_TAGS}
    if any(len(name.strip()) > 50 for name in names):
        return _("A tag has at most 50 characters.")
    if not all(is_storable(name) for name in names):
        return str(UNSTORABLE)
    return ""


def set_tags(*, contact: Contact, names: list[str], replace: bool = True) -> bool:
    """Give the contact these tags (each in its one spelling, made when new); `replace=False` adds them to
    the ones it has (an upsert, a file's row). Returns whether its tags changed; the caller records activity."""
    wanted = {tag_name(name) for name in names if tag_name(name)}
    before = set(contact.tags.values_list("name", flat=True))
    after = wanted if replace else before | wanted
    if after == before:
        return False
    Tag.objects.bulk_create([Tag(name=name) for name in after - before], ignore_conflicts=True)
    contact.tags.set(Tag.objects.filter(name__in=after))
    return True


class UnsubscribeLinkExpired(Exception):
    """The email that carried this unsubscribe link was sent more than UNSUBSCRIBE_LINK_DAYS ago; carries
    its contact, whose language the page speaks."""

    def __init__(self, contact: Contact | None):
        super().__init__(contact.pk if contact else None)
        self.contact = contact


#: Links sent before unsubscribe links carried the email's token: a signed contact id. Honoured for their last
#: UNSUBSCRIBE_LINK_DAYS (they carry their signing time), then this goes.
LEGACY_UNSUBSCRIBE_SALT = "surveys.unsubscribe"


def contact_for_unsubscribe(token: str) -> Contact | None:
    """The contact an email's unsubscribe link was sent to; None for a token never issued here;
    UnsubscribeLinkExpired when the email is older than UNSUBSCRIBE_LINK_DAYS."""
    lifetime = timedelta(days=settings.UNSUBSCRIBE_LINK_DAYS)
    if ":" in token:  # a legacy signed id (link tokens are URL-safe base64)
        try:
            contact_id = signing.loads(token, salt=LEGACY_UNSUBSCRIBE_SALT, max_age=lifetime)
        except signing.SignatureExpired:
            raise UnsubscribeLinkExpired(None) from None
        except signing.BadSignature:
            return None
        return Contact.objects.filter(pk=contact_id).first()
    try:
        invitation = invitation_of_token(token, Invitation.objects.select_related("contact"))
    except LinkUnknown:
        return None
    sent_at = invitation.sent_at or invitation.created_at
    if timezone.now() - sent_at > lifetime:
        raise UnsubscribeLinkExpired(invitation.contact)
    return invitation.contact


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
