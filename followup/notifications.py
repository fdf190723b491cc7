"""Emails to the team (not to customers): new cases for a rule, escalations."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from feedback_platform.emails import render_email
from feedback_platform.models import language_of
from reviews.models import Feedback

from . import outbox
from .models import Case, Team


def _case_url(case: Case | None) -> str:
    return settings.SITE_URL + reverse("followup:case", args=[case.pk]) if case else settings.SITE_URL


def _send(recipients, *, key_prefix: str, template: str, context: dict) -> int:
    sent = 0
    for user in recipients:
        if not user.email:
            continue
        language = language_of(user)
        email = render_email(template, context, language=language)
        outbox.queue_email(key=f"{key_prefix}:{user.pk}", to=user.email, email=email, language=language)
        sent += 1
    return sent


def notify_team(*, team: Team, feedback: Feedback, case: Case | None, rule) -> str:
    members = set(team.members.filter(is_active=True))
    if team.lead:
        members.add(team.lead)
    context = {"team": team, "feedback": feedback, "case": case, "case_url": _case_url(case), "rule": rule}
    count = _send(members, key_prefix=f"notify:{rule.pk}:{feedback.pk}", template="team_notification", context=context)
    return f"notified {count} of {team}"


def notify_escalation(*, case: Case, reason: str) -> int:
    """The team lead hears first; without one, every manager."""
    recipients = [case.team.lead] if case.team and case.team.lead else []
    if not recipients:
        recipients = list(get_user_model().objects.filter(groups__name="Manager", is_active=True))
    context = {"case": case, "case_url": _case_url(case), "reason": reason}
    return _send(recipients, key_prefix=f"escalation:{case.pk}:{reason}", template="escalation", context=context)


def notify_customer_reply(*, case: Case, event, reopened: bool) -> int:
    """The owner hears that the customer wrote back (without an owner, the team lead): the reply must reach
    a person, not only the timeline."""
    owner = case.owner or (case.team.lead if case.team else None)
    if owner is None or not owner.is_active:
        return 0
    context = {"case": case, "case_url": _case_url(case), "reply": event.body, "reopened": reopened}
    return _send([owner], key_prefix=f"customer_reply:{event.pk}", template="customer_reply", context=context)


def notify_unmatched_reply(*, inbound, recipients) -> int:
    """A customer wrote to us and nothing of ours matches (an invitation never answered, a stray address):
    the managers read it rather than nobody."""
    url = settings.SITE_URL + reverse("admin:followup_inboundemail_change", args=[inbound.pk])
    context = {"inbound": inbound, "contact": inbound.contact, "url": url}
    return _send(recipients, key_prefix=f"unmatched_reply:{inbound.pk}", template="unmatched_reply", context=context)
