"""Domain operations of `surveys`: invite, send, find a link, record an answer."""

from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_platform import delivery
from feedback_platform.activity import Actor, changed_fields, record_activity

from . import tokens
from .emails import UNSUBSCRIBE_SALT
from .models import (
    Answer,
    Contact,
    Invitation,
    InvitationStatus,
    Reminder,
    Send,
    Suppression,
    SuppressionReason,
    Survey,
    send_time_holds,
)
from .signals import answer_recorded

#: How long a customer may change an answer they gave.
ANSWER_CHANGE_WINDOW = timedelta(hours=24)


class LinkUnknown(Exception):
    """No invitation has this token (mistyped, or never issued)."""


class LinkRefused(Exception):
    """A real link that cannot take an answer now; carries its invitation."""

    def __init__(self, invitation: Invitation):
        super().__init__(invitation.pk)
        self.invitation = invitation


class LinkExpired(LinkRefused):
    """The link is too old to answer."""


class SurveyClosed(LinkRefused):
    """The survey is paused or archived."""


@transaction.atomic
def invite_contact(
    *,
    survey: Survey,
    contact: Contact,
    idempotency_key: str | None = None,
    exempt_reason: str = "",
    thread_root: str = "",
) -> Invitation:
    """Queue one invitation and publish its delivery once the transaction commits.

    The same idempotency key for the same survey returns the first invitation.
    `exempt_reason` (such as "recovery") is recorded: such an invitation is not throttled.
    `thread_root` is the Message-ID of a conversation the email continues (a case's re-survey).
    """
    (invitation,) = invite_contacts(
        survey=survey,
        contacts=[contact],
        idempotency_keys=[idempotency_key],
        exempt_reason=exempt_reason,
        thread_root=thread_root,
    )
    return invitation


@transaction.atomic
def invite_contacts(
    *,
    survey: Survey,
    contacts: Sequence[Contact],
    idempotency_keys: Sequence[str | None] | None = None,
    send: Send | None = None,
    exempt_reason: str = "",
    thread_root: str = "",
) -> list[Invitation]:
    """Queue invitations for many contacts at once, in their order: the checks of `skip_reasons` made for the
    whole batch in a few queries, one bulk insert, one publish after commit (the worker sends the batch
    over one SMTP connection). A key already used for this survey returns that invitation instead.
    """
    keys = list(idempotency_keys) if idempotency_keys is not None else [None] * len(contacts)
    used = [key for key in keys if key]
    known: dict[str, Invitation] = {}
    for start in range(0, len(used), 500):
        chunk = used[start : start + 500]
        known.update((str(i.idempotency_key), i) for i in survey.invitations.filter(idempotency_key__in=chunk))
    fresh = [(contact, key) for contact, key in zip(contacts, keys, strict=True) if not key or key not in known]
    reasons = skip_reasons(survey=survey, contacts=[contact for contact, _key in fresh], exempt_reason=exempt_reason)
    made = [
        Invitation(
            survey=survey,
            contact=contact,
            idempotency_key=key,
            send=send,
            exempt_reason=exempt_reason or "",
            thread_root=thread_root,
            status=InvitationStatus.SKIPPED if reasons.get(contact.pk) else InvitationStatus.QUEUED,
            skip_reason=reasons.get(contact.pk, ""),
        )
        for contact, key in fresh
    ]
    _insert(made)
    delivery.publish(Invitation, [i.pk for i in made if i.status == InvitationStatus.QUEUED])
    by_key = {i.idempotency_key: i for i in made if i.idempotency_key}
    made_without_key = iter(i for i in made if not i.idempotency_key)
    return [(known.get(key) or by_key[key]) if key else next(made_without_key) for key in keys]


#: Column types `_insert` hands to psycopg2 as they are (no adapter of Django's needed).
_PLAIN_COLUMNS = {
    "AutoField",
    "BigAutoField",
    "BooleanField",
    "CharField",
    "DateTimeField",
    "ForeignKey",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "IntegerField",
    "TextField",
}


def _insert(invitations: list[Invitation]) -> None:
    """`bulk_create`, and on PostgreSQL the same INSERT … RETURNING id through psycopg2's execute_values:
    Django prepares each of an invitation's 22 values on its own (about half the time of a 10,000 batch).
    Any column of another type falls back to bulk_create."""
    from django.db import connection

    fields = [field for field in Invitation._meta.concrete_fields if not field.primary_key]
    plain = all(field.get_internal_type() in _PLAIN_COLUMNS for field in fields)
    if connection.vendor != "postgresql" or not plain or not invitations:
        Invitation.objects.bulk_create(invitations, batch_size=1000)
        return
    from psycopg2.extras import execute_values

    stamped = [field for field in fields if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)]
    rows = []
    for invitation in invitations:
        for field in stamped:
            field.pre_save(invitation, add=True)
        rows.append(tuple(getattr(invitation, field.attname) for field in fields))
    columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
    table = connection.ops.quote_name(str(Invitation._meta.db_table))
    sql = f"INSERT INTO {table} ({columns}) VALUES %s RETURNING id"  # noqa: S608 (names from the model, not input)
    with connection.cursor() as cursor:
        ids = execute_values(cursor.cursor, sql, rows, page_size=1000, fetch=True)
    for invitation, (pk,) in zip(invitations, ids, strict=True):
        invitation.pk = pk
        invitation._state.adding, invitation._state.db = False, connection.alias


def skip_reason(*, survey: Survey, contact: Contact, exempt_reason: str = "") -> str:
    """Why this contact must not be asked now ("" when they may be); see `skip_reasons`."""
    return skip_reasons(survey=survey, contacts=[contact], exempt_reason=exempt_reason).get(contact.pk, "")


def skip_reasons(*, survey: Survey, contacts: Sequence[Contact], exempt_reason: str = "") -> dict[int, str]:
    """{contact pk: why they must not be asked now} for those who must not: the survey not active, the contact
    archived, the address suppressed, or asked too recently (an invitation queued, in flight or sent within the
    throttle; a failed or withheld one never reached them and does not count).

    A named exemption (a transactional survey, the recovery re-survey) lifts the throttle, never the suppression.
    """
    if not survey.is_active:
        return {contact.pk: "survey not active" for contact in contacts}
    reasons = send_time_holds([(contact.pk, survey, contact) for contact in contacts])
    days = survey.throttle_days if survey.throttle_days is not None else settings.SURVEY_THROTTLE_DAYS
    if exempt_reason or not days:
        return reasons
    ids = [contact.pk for contact in contacts if contact.pk not in reasons]
    since = timezone.now() - timedelta(days=days)
    for start in range(0, len(ids), 500):
        recent = (
            Invitation.objects.asking()
            .filter(contact_id__in=ids[start : start + 500], created_at__gte=since)
            .values("contact_id")
            .annotate(last=Max("created_at"))
        )
        for row in recent:
            reasons[row["contact_id"]] = f"throttled: asked on {row['last']:%Y-%m-%d}, at most once per {days} days"
    return reasons


def send_invitation(*, invitation_id: int) -> bool:
    """Send a queued invitation's email now; returns False when there was nothing to send (already sent,
    withheld, in flight elsewhere) or the server refused it (the invitation then says why).

    The delivery machine takes the row, commits, and sends outside any transaction; a task delivered twice
    sends once. The token exists only while the email is built and in the email: the database keeps its hash.
    """
    status = Invitation.objects.filter(pk=invitation_id).values_list("status", flat=True).first()
    if status not in delivery.PENDING:
        return False
    return delivery.deliver(model=Invitation, ids=[invitation_id])[invitation_id] == "sent"


def send_reminder(*, invitation_id: int) -> bool:
    """Remind a contact who has not answered, once, with a second token to the same link; False when they
    may not be reminded (answered, unsubscribed, bounced since, reminded already) or it was not sent."""
    invitation = Invitation.objects.select_related("survey", "contact").filter(pk=invitation_id).first()
    if invitation is None or not invitation.may_be_reminded:
        return False
    reminder, _created = Reminder.objects.get_or_create(invitation=invitation)
    return delivery.deliver(model=Reminder, ids=[reminder.pk])[reminder.pk] == "sent"


def find_invitation(token: str, *, for_answer: bool = False) -> Invitation:
    """The invitation a link's token belongs to; LinkUnknown, LinkExpired or SurveyClosed otherwise.

    `for_answer` (inside a transaction): the invitation row locked, so two POSTs racing on one link wait
    for each other here.
    """
    token_hash = tokens.hash_token(token)
    invitations = Invitation.objects.select_related("survey", "contact")
    if for_answer:
        invitations = invitations.select_for_update(of=("self",))
    # One indexed equality each, unordered (an OR of the two columns plans slowly and may walk the primary key).
    try:
        invitation = invitations.get(token_hash=token_hash)
    except Invitation.DoesNotExist:
        try:
            invitation = invitations.get(reminder_token_hash=token_hash)
        except Invitation.DoesNotExist:
            raise LinkUnknown from None
    if not invitation.survey.is_active:
        raise SurveyClosed(invitation)
    if invitation.is_expired:
        raise LinkExpired(invitation)
    return invitation


def validate_score(survey: Survey, score) -> int:
    try:
        score = int(score)
    except (TypeError, ValueError):
        raise ValidationError({"score": _("Choose a score.")}) from None
    if score not in survey.scores:
        raise ValidationError(
            {
                "score": _("Choose a score from %(low)s to %(high)s.")
                % {"low": survey.scale_min, "high": survey.scale_max}
            }
        )
    return score


@transaction.atomic
def answer_link(*, token: str, score: int | str | None, comment: str | None = None) -> Answer:
    """The customer's answer through their link: find, lock, insert or update, commit, in one small
    transaction; LinkUnknown or LinkRefused as `find_invitation`. Everything else runs after commit."""
    invitation = find_invitation(token, for_answer=True)
    return _save_answer(invitation=invitation, score=score, comment=comment)


@transaction.atomic
def record_answer(*, invitation: Invitation, score: int | str | None, comment: str | None = None) -> Answer:
    """`answer_link` for an invitation already in hand."""
    locked = Invitation.objects.select_related("survey", "contact").select_for_update(of=("self",))
    return _save_answer(invitation=locked.get(pk=invitation.pk), score=score, comment=comment)


def _save_answer(*, invitation: Invitation, score: int | str | None, comment: str | None) -> Answer:
    """Store the customer's answer, or change it within 24 hours; announce it to `reviews`.

    The score comes first (one tap) and the comment may follow: `comment=None` keeps the one stored.
    The caller holds the invitation's row lock. The answer is read after it, in a statement of its own: one
    joined to the locking query would come from the snapshot taken before the wait, so the second of two racing
    POSTs would miss the first one's answer (or overwrite its comment). The answer's unique invitation keeps a
    second row out even where locks are no-ops (an IntegrityError rolls the caller back).
    """
    score = validate_score(invitation.survey, score)
    answer = Answer.objects.filter(invitation=invitation).first()
    created = answer is None
    if answer is None:
        contact = invitation.contact
        answer = Answer(invitation=invitation, survey=invitation.survey, contact=contact)
        answer.language = (contact.language if contact else "") or invitation.survey.default_language
    elif timezone.now() - answer.answered_at > ANSWER_CHANGE_WINDOW:
        raise ValidationError({"score": _("This answer was given more than a day ago and can no longer be changed.")})
    answer.score = score
    if comment is not None:
        answer.comment = comment.strip()
    try:
        answer.save()
    except IntegrityError:
        raise ValidationError({"score": _("This link was just answered. Please reload the page.")}) from None
    answer_recorded.send(sender=Answer, answer=answer, created=created)
    return answer


@transaction.atomic
def add_emailed_comment(*, answer: Answer, text: str) -> Answer:
    """A customer's emailed reply to a survey email (the invitation, a thank-you) joins their answer's comment,
    whatever the 24-hour window (it adds words, it changes no score), and is announced like a changed answer,
    so `reviews` classifies it again and `followup`'s rules may open a case."""
    answer = Answer.objects.select_for_update().get(pk=answer.pk)
    text = text.strip()
    if text:
        limit = Answer._meta.get_field("comment").max_length or 5000
        answer.comment = "\n\n".join(part for part in (answer.comment, text) if part)[:limit]
        answer.save(update_fields=["comment", "updated_at"])
        answer_recorded.send(sender=Answer, answer=answer, created=False)
    return answer


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


@transaction.atomic
def record_link_answer(
    *, survey: Survey, score, comment: str = "", language: str = "en", channel: str = "link"
) -> Answer:
    """An anonymous answer from the survey's web link (or the widget); announced like any other."""
    if not survey.is_active:
        raise ValidationError({"survey": _("This survey is not taking answers right now")})
    answer = Answer.objects.create(
        survey=survey, channel=channel, score=validate_score(survey, score), comment=comment.strip(), language=language
    )
    answer_recorded.send(sender=Answer, answer=answer, created=True)
    return answer


LINK_ANSWER_SALT = "surveys.link-answer"


def link_answer_key(answer: Answer) -> str:
    """A signed handle on an anonymous answer, so its author (and only they) can add the comment."""
    return signing.dumps(answer.pk, salt=LINK_ANSWER_SALT)


def link_answer_id(key: str) -> int | None:
    """The answer a handle from `link_answer_key` names, while it may still change; None for any other text."""
    try:
        return int(signing.loads(key, salt=LINK_ANSWER_SALT, max_age=ANSWER_CHANGE_WINDOW))
    except (signing.BadSignature, TypeError, ValueError):
        return None


@transaction.atomic
def update_link_answer(*, survey: Survey, key: str, score=None, comment: str | None = None) -> Answer:
    """Change an anonymous answer (its score, its comment: the second step) within the 24 hours an answer may change.
    `key` is the signed handle its author got back, so nobody else can."""
    answer_id = link_answer_id(key)
    if answer_id is None:
        raise ValidationError({"answer": _("This answer can no longer be changed.")})
    answer = Answer.objects.select_for_update().filter(pk=answer_id, survey=survey).first()
    if answer is None:
        raise ValidationError({"answer": _("This answer can no longer be changed.")})
    if score is not None:
        answer.score = validate_score(survey, score)
    if comment is not None:
        answer.comment = comment.strip()
    answer.save(update_fields=["score", "comment", "updated_at"])
    answer_recorded.send(sender=Answer, answer=answer, created=False)
    return answer


SUPPRESSION_OF_EVENT = {
    "bounced": SuppressionReason.BOUNCED,
    "rejected": SuppressionReason.BOUNCED,
    "complained": SuppressionReason.COMPLAINED,
    "unsubscribed": SuppressionReason.UNSUBSCRIBED,
}


@transaction.atomic
def record_delivery_report(
    *, event_type: str, recipient: str, metadata: dict, provider_message_id: str, when, description: str, soft: bool
) -> Invitation | None:
    """Mark the invitation delivered or bounced; a hard bounce, a complaint or an unsubscribe suppresses the address
    (also for emails that were not survey invitations, such as apologies)."""
    when = when or timezone.now()
    reason = None if soft else SUPPRESSION_OF_EVENT.get(event_type)
    if reason and recipient and not Suppression.objects.covering(recipient).exists():
        try:
            with transaction.atomic():
                suppression = Suppression.objects.create(email=recipient, reason=reason)
                record_activity(
                    actor=Actor.system("surveys.delivery_reports"),
                    action="surveys.suppression.added",
                    target=suppression,
                    payload={"reason": reason, "event": event_type},
                )
        except IntegrityError:
            pass  # a report about the same address, recorded a moment ago
    invitation = _reported_invitation(metadata, provider_message_id)
    if invitation is None:
        return None
    invitation.provider_event = description[:200]
    if event_type == "delivered":
        invitation.delivered_at = invitation.delivered_at or when
    elif event_type in ("bounced", "rejected") and not soft:
        invitation.bounced_at = invitation.bounced_at or when
    invitation.save(update_fields=["provider_event", "delivered_at", "bounced_at"])
    return invitation


def _reported_invitation(metadata: dict, provider_message_id: str) -> Invitation | None:
    invitations = Invitation.objects.select_for_update()
    invitation_id = str(metadata.get("invitation", ""))
    if invitation_id.isdigit():
        return invitations.filter(pk=int(invitation_id)).first()
    if provider_message_id:
        return invitations.filter(provider_message_id=provider_message_id).first()
    return None
