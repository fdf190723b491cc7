"""One email per answer: the automatic follow-up to a customer's answer.

Every rule that matches an answer adds its part (the apology, the thanks, the review invitation's paragraph)
to one message. The answer may change for a day; when it does, the rules run again, and a follow-up still
waiting to leave is cancelled and replaced by the new one. One that has left is never followed by another
automatic email for the same answer: a person (the case's agent) writes the next one.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from feedback_platform import delivery
from feedback_platform.models import display_name_of
from reviews.models import Feedback
from surveys.models import Survey

from . import outbox
from .emails import MissingTemplate, TemplateNeedsAnAgent, from_address, render_follow_up, reply_address, team_sign_off
from .models import OutboxEmail, Rule

REVIEW_INVITATION = "review_invitation"
WAITING = (delivery.DeliveryStatus.QUEUED, delivery.DeliveryStatus.AWAITING_RETRY)
#: A follow-up in one of these has left, or is leaving, or was given up: none follows it automatically.
LEFT = (delivery.DeliveryStatus.INFLIGHT, delivery.DeliveryStatus.SENT, delivery.DeliveryStatus.FAILED)


def wants_email(rule: Rule) -> bool:
    return bool(rule.email_template or rule.invite_review)


def invites_review(rule: Rule) -> bool:
    return rule.invite_review or (settings.FOLLOWUP_INVITE_EVERYONE_TO_REVIEW and bool(rule.email_template))


def review_site(feedback: Feedback) -> str:
    """Where a review invitation points: the survey's review site; none for an answer without one."""
    return feedback.survey.review_url if feedback.survey else ""


def surveys_without_review_site(rule: Rule) -> list[Survey]:
    """The surveys whose promoters this rule would invite to review but cannot: they name no review site."""
    if not invites_review(rule):
        return []
    surveys = Survey.objects.filter(pk=rule.survey_id) if rule.survey_id else Survey.objects.exclude(status="archived")
    return list(surveys.filter(review_url="").order_by("name"))


def send_follow_up(*, feedback: Feedback, rules: list[Rule]) -> list[str] | None:
    """Queue the answer's one follow-up, or replace the one still waiting; what was done, or None when the
    follow-up is already exactly this one."""
    contact = feedback.contact
    if contact is None or not contact.email:
        return ["follow-up: no email address"]
    keys, notes = _parts(feedback, rules)
    if not keys:
        return notes or None
    case = getattr(feedback, "case", None)  # a reverse one-to-one raises AttributeError when absent
    team = case.team if case else None
    language = contact.language or (feedback.survey.default_language if feedback.survey else "en")
    try:
        email = render_follow_up(
            keys, language=language, values=_values(feedback, case), sign_off=team_sign_off(team, language)
        )
    except MissingTemplate:
        return [*notes, f"{keys[0]}: no template"]
    except TemplateNeedsAnAgent as needing:
        return [*notes, f"{needing}: not sent, the template has parts an agent must write"]
    # Two runs for one answer (its score, then its comment) may race: the answer's row lock serialises them.
    Feedback.objects.select_for_update().filter(pk=feedback.pk).values_list("pk", flat=True).first()
    earlier = list(OutboxEmail.objects.filter(feedback=feedback).order_by("pk"))
    waiting = [row for row in earlier if row.status in WAITING]
    if waiting and (waiting[-1].subject, waiting[-1].body_text) == (email.subject, email.text):
        return None
    replaced = delivery.cancel(OutboxEmail, [row.pk for row in waiting], reason="replaced: the answer changed")
    left = any(row.status in LEFT for row in earlier) or len(replaced) < len(waiting)  # one went meanwhile
    if left:  # one email per answer: after it, a person writes the next one
        return [*notes, "follow-up already sent: no second automatic email for this answer"]
    delay = min(rule.email_delay_minutes for rule in rules if wants_email(rule))
    queued = outbox.queue_email(
        key=f"{keys[0]}:{feedback.pk}" + (f":{len(earlier)}" if earlier else ""),  # a replacement is a new row
        to=contact.email,
        email=email,
        language=language,
        case=case,
        feedback=feedback,
        reply_to=reply_address(case) if case else "",
        from_email=from_address(team),
        send_after=timezone.now() + timedelta(minutes=delay),
    )
    done = f"queued {'+'.join(keys)} email {queued.pk}"
    if replaced:
        done += f" (replaces {', '.join(str(pk) for pk in replaced)})"
    return [*notes, done]


def _parts(feedback: Feedback, rules: list[Rule]) -> tuple[list[str], list[str]]:
    """The templates of the follow-up in order, and notes on what was left out and why."""
    keys = list(dict.fromkeys(rule.email_template for rule in rules if rule.email_template))
    notes = []
    if any(invites_review(rule) for rule in rules) and feedback.source != "import":
        if review_site(feedback):
            keys.append(REVIEW_INVITATION)
        else:
            notes.append("review invitation: not sent, the survey has no review site")
    return keys, notes


def _values(feedback: Feedback, case) -> dict:
    contact = feedback.contact
    return {
        "name": contact.name if contact else "",
        "score": feedback.score,
        "survey": feedback.survey.name if feedback.survey else "",
        "case_number": case.pk if case else "",
        "agent_name": display_name_of(case.owner) if case else "",
        "review_url": review_site(feedback),
    }
