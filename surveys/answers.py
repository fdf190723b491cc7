"""Answering: find a link by its token, check the score, record or change an answer (the customer's own
transaction, nothing downstream inside it), and the web link's and emailed replies' answers."""

from datetime import timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_platform.prepared import PreparedLookup

from . import tokens
from .models import Answer, AnswerChannel, Invitation, Survey
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


_BY_TOKEN: PreparedLookup[Invitation] = PreparedLookup(
    lambda token_hash: Invitation.objects.select_related("survey", "contact").filter(token_hash=token_hash)
)


def find_invitation(token: str) -> Invitation:
    """The invitation a link's token belongs to; LinkUnknown, LinkExpired or SurveyClosed otherwise."""
    # Most answers come through the invitation's own link: that lookup is compiled once (the customer's hot path).
    invitation = _BY_TOKEN.get(tokens.hash_token(token)) or invitation_of_token(
        token, Invitation.objects.select_related("survey", "contact")
    )
    if not invitation.survey.is_active:
        raise SurveyClosed(invitation)
    if invitation.is_expired:
        raise LinkExpired(invitation)
    return invitation


def invitation_of_token(token: str, invitations: QuerySet[Invitation]) -> Invitation:
    """The invitation whose email carried `token` (its own or its reminder's); LinkUnknown if none did."""
    token_hash = tokens.hash_token(token)
    # One indexed equality each, unordered (an OR of the two columns plans slowly and may walk the primary key).
    try:
        return invitations.get(token_hash=token_hash)
    except Invitation.DoesNotExist:
        try:
            return invitations.get(reminder_token_hash=token_hash)
        except Invitation.DoesNotExist:
            raise LinkUnknown from None


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


def answer_link(*, token: str, score: int | str | None, comment: str | None = None) -> Answer:
    """The customer's answer through their link: one lookup, then one statement that inserts or changes the
    answer (`_save_answer`), each committing on its own; LinkUnknown or LinkRefused as `find_invitation`.
    Everything else runs after commit."""
    return _save_answer(invitation=find_invitation(token), score=score, comment=comment)


def record_answer(*, invitation: Invitation, score: int | str | None, comment: str | None = None) -> Answer:
    """`answer_link` for an invitation already in hand."""
    fresh = Invitation.objects.select_related("survey", "contact").get(pk=invitation.pk)
    return _save_answer(invitation=fresh, score=score, comment=comment)


# Insert the link's answer, or change it while it is younger than the window: one statement, atomic on its own,
# so two POSTs racing on one link are ordered by the answer's unique invitation and neither is lost (the later
# one wins; a comment of None keeps the stored one). No row comes back when the answer is too old to change.
# `created` tells an insert (both times the same) from an update (updated_at moves, answered_at stays).
_UPSERT_ANSWER = """
INSERT INTO surveys_answer (invitation_id, channel, survey_id, contact_id, score, comment, language, answered_at,
                            updated_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (invitation_id) DO UPDATE SET
    score = excluded.score,
    comment = CASE WHEN %s THEN surveys_answer.comment ELSE excluded.comment END,
    updated_at = excluded.updated_at
WHERE surveys_answer.answered_at > %s
RETURNING id, invitation_id, channel, survey_id, contact_id, score, comment, language, answered_at, updated_at,
          answered_at = updated_at AS created
"""


def _save_answer(*, invitation: Invitation, score: int | str | None, comment: str | None) -> Answer:
    """Store the customer's answer, or change it within 24 hours (ANSWER_CHANGE_WINDOW); announce it to
    `reviews`. The score comes first (one tap) and the comment may follow: `comment=None` keeps the one
    stored. Written out once: every tap runs it, and the ORM's three statements and a row lock cost more
    than the database answering one."""
    score = validate_score(invitation.survey, score)
    contact, now = invitation.contact, timezone.now()
    language = (contact.language if contact else "") or invitation.survey.default_language
    params = [
        invitation.pk,
        AnswerChannel.EMAIL.value,
        invitation.survey_id,
        invitation.contact_id,
        score,
        (comment or "").strip(),
        language,
        now,
        now,
        comment is None,
        now - ANSWER_CHANGE_WINDOW,
    ]
    try:
        found = list(Answer.objects.raw(_UPSERT_ANSWER, params))
    except IntegrityError:  # the invitation or its contact went (an erasure) between the lookup and now
        raise LinkUnknown from None
    if not found:
        raise ValidationError({"score": _("This answer was given more than a day ago and can no longer be changed.")})
    answer = found[0]
    answer.invitation, answer.survey, answer.contact = invitation, invitation.survey, contact  # rows in hand
    created = bool(answer.created)  # type: ignore[attr-defined]  # the statement's own column
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
