"""Domain operations of `surveys`: invite, send, find a link, record an answer."""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_platform.emails import build_message

from . import tokens
from .emails import UNSUBSCRIBE_SALT, render_invitation
from .models import (
    Answer,
    Contact,
    Invitation,
    InvitationStatus,
    Suppression,
    SuppressionReason,
    Survey,
    SurveyStatus,
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
    *, survey: Survey, contact: Contact, idempotency_key: str | None = None, exempt_reason: str = ""
) -> Invitation:
    """Queue one invitation and publish its send task once the transaction commits.

    The same idempotency key for the same survey returns the first invitation.
    `exempt_reason` (such as "recovery") is recorded: such an invitation is not throttled.
    """
    if idempotency_key:
        existing = Invitation.objects.filter(survey=survey, idempotency_key=idempotency_key).first()
        if existing:
            return existing
    skip = skip_reason(survey=survey, contact=contact, exempt_reason=exempt_reason)
    invitation = Invitation.objects.create(
        survey=survey,
        contact=contact,
        idempotency_key=idempotency_key,
        exempt_reason=exempt_reason or "",
        status=InvitationStatus.SKIPPED if skip else InvitationStatus.QUEUED,
        skip_reason=skip,
    )
    if not skip:
        from .tasks import send_invitation_task

        transaction.on_commit(partial(send_invitation_task.delay, invitation.pk), robust=True)
    return invitation


def skip_reason(*, survey: Survey, contact: Contact, exempt_reason: str = "") -> str:
    """Why this contact must not be asked now ("" when they may be): suppressed, or asked too recently.

    A named exemption (a transactional survey, the recovery re-survey) lifts the throttle, never the suppression.
    """
    if contact.archived_at:
        return "contact archived"
    suppressed = Suppression.objects.filter(email__iexact=contact.email).first()
    if suppressed:
        return f"suppressed: {suppressed.reason}"
    days = survey.throttle_days if survey.throttle_days is not None else settings.SURVEY_THROTTLE_DAYS
    if exempt_reason or not days:
        return ""
    recent = (
        Invitation.objects.filter(contact=contact, status__in=[InvitationStatus.SENT, InvitationStatus.QUEUED])
        .filter(created_at__gte=timezone.now() - timedelta(days=days))
        .order_by("-created_at")
        .first()
    )
    if recent:
        return f"throttled: asked on {recent.created_at:%Y-%m-%d}, at most once per {days} days"
    return ""


@transaction.atomic
def send_invitation(*, invitation_id: int) -> bool:
    """Send a queued invitation's email; returns False when there was nothing to send.

    The row is locked so a task delivered twice sends once. The token exists
    only in this function and in the email: the database keeps its hash.
    """
    invitation = _locked_invitation(invitation_id)
    if invitation is None or invitation.status != InvitationStatus.QUEUED:
        return False
    token, invitation.token_hash = tokens.new_token()
    invitation.start_clock()
    _mail(invitation, render_invitation(invitation, token))
    invitation.status = InvitationStatus.SENT
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at", "status", "provider_message_id"])
    return True


@transaction.atomic
def send_reminder(*, invitation_id: int) -> bool:
    """Remind a contact who has not answered, once, with a second token to the same link.

    Locked like the first email; checked again here because the customer may have answered,
    unsubscribed or bounced since the reminder was queued.
    """
    invitation = _locked_invitation(invitation_id)
    if invitation is None or not _may_remind(invitation):
        return False
    token, invitation.reminder_token_hash = tokens.new_token()
    invitation.reminded_at = timezone.now()
    _mail(invitation, render_invitation(invitation, token, reminder=True))
    invitation.save(update_fields=["reminder_token_hash", "reminded_at", "provider_message_id"])
    return True


def _may_remind(invitation: Invitation) -> bool:
    return (
        invitation.status == InvitationStatus.SENT
        and invitation.reminded_at is None
        and invitation.bounced_at is None
        and not invitation.is_expired
        and invitation.survey.status == SurveyStatus.ACTIVE
        and invitation.contact.archived_at is None
        and not Answer.objects.filter(invitation=invitation).exists()
        and not Suppression.objects.filter(email__iexact=invitation.contact.email).exists()
    )


def _locked_invitation(invitation_id: int) -> Invitation | None:
    return Invitation.objects.select_for_update().select_related("survey", "contact").filter(pk=invitation_id).first()


def _mail(invitation: Invitation, rendered) -> None:
    """Send, tagged so the provider's delivery and bounce reports find this invitation again."""
    message = build_message(rendered, to=invitation.contact.email)  # List-Unsubscribe comes with the rendering
    message.metadata = {"invitation": str(invitation.pk)}  # django-anymail passes it to the provider
    message.send()
    status = getattr(message, "anymail_status", None)  # set by anymail's backends, not by plain SMTP
    if status is not None and status.message_id:
        invitation.provider_message_id = str(status.message_id)[:200]


def find_invitation(token: str) -> Invitation:
    """The invitation a link's token belongs to; LinkUnknown, LinkExpired or SurveyClosed otherwise."""
    token_hash = tokens.hash_token(token)
    invitation = (
        Invitation.objects.select_related("survey", "contact")
        .filter(Q(token_hash=token_hash) | Q(reminder_token_hash=token_hash))
        .first()
    )
    if invitation is None:
        raise LinkUnknown
    if invitation.survey.status in (SurveyStatus.PAUSED, SurveyStatus.ARCHIVED):
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
def record_answer(*, invitation: Invitation, score, comment: str | None = None) -> Answer:
    """Store the customer's answer, or change it within 24 hours; announce it to `reviews`.

    The score comes first (one tap) and the comment may follow: `comment=None` keeps the one stored.

    Two POSTs racing on one link: the invitation row lock serialises them and the
    answer's unique invitation keeps a second row out even where locks are no-ops.
    """
    score = validate_score(invitation.survey, score)
    Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
    answer = Answer.objects.filter(invitation=invitation).first()
    created = answer is None
    if created:
        answer = Answer(invitation=invitation, survey=invitation.survey, contact=invitation.contact)
        answer.language = invitation.contact.language or invitation.survey.default_language
    elif timezone.now() - answer.answered_at > ANSWER_CHANGE_WINDOW:
        raise ValidationError({"score": _("This answer was given more than a day ago and can no longer be changed.")})
    answer.score = score
    if comment is not None:
        answer.comment = comment.strip()
    try:
        with transaction.atomic():
            answer.save()
    except IntegrityError:
        raise ValidationError({"score": _("This link was just answered. Please reload the page.")}) from None
    answer_recorded.send(sender=Answer, answer=answer, created=created)
    return answer


@transaction.atomic
def upsert_contact(
    *,
    email: str,
    name: str = "",
    language: str | None = None,
    external_id: str | None = None,
    attributes: dict | None = None,
    customer_since=None,
) -> tuple[Contact, bool]:
    """Find the contact by external id, else by email (any case); create or update it: (contact, created)."""
    contact = None
    if external_id:
        contact = Contact.objects.select_for_update().filter(external_id=external_id).first()
    if contact is None:
        contact = Contact.objects.select_for_update().filter(email__iexact=email.strip()).first()
    created = contact is None
    contact = contact or Contact(email=email.strip())
    contact.email = email.strip()
    contact.name = name or contact.name
    contact.language = language or contact.language
    contact.external_id = external_id or contact.external_id
    contact.customer_since = customer_since or contact.customer_since
    contact.attributes = {**(contact.attributes or {}), **(attributes or {})}
    contact.save()
    return contact, created


def contact_for_unsubscribe(token: str) -> Contact | None:
    try:
        return Contact.objects.filter(pk=signing.loads(token, salt=UNSUBSCRIBE_SALT)).first()
    except signing.BadSignature:
        return None


@transaction.atomic
def unsubscribe(*, contact: Contact) -> Suppression:
    """Put the contact's address on the suppression list (once); every later send skips it."""
    existing = Suppression.objects.filter(email__iexact=contact.email).first()
    return existing or Suppression.objects.create(email=contact.email, reason=SuppressionReason.UNSUBSCRIBED)


@transaction.atomic
def record_link_answer(
    *, survey: Survey, score, comment: str = "", language: str = "en", channel: str = "link"
) -> Answer:
    """An anonymous answer from the survey's web link (or the widget); announced like any other."""
    if survey.status != SurveyStatus.ACTIVE:
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


@transaction.atomic
def update_link_answer(*, survey: Survey, key: str, score=None, comment: str | None = None) -> Answer:
    """Change an anonymous answer (its score, its comment: the second step) within the 24 hours an answer may change.
    `key` is the signed handle its author got back, so nobody else can."""
    try:
        answer_id = signing.loads(key, salt=LINK_ANSWER_SALT, max_age=ANSWER_CHANGE_WINDOW)
    except signing.BadSignature:
        raise ValidationError({"answer": _("This answer can no longer be changed.")}) from None
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
    if reason and recipient and not Suppression.objects.filter(email__iexact=recipient).exists():
        try:
            with transaction.atomic():
                Suppression.objects.create(email=recipient, reason=reason)
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
