"""Which team gets a case, and which of its available agents owns it."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from reviews.models import Feedback

from .models import Case, Team, TeamMembership


def team_for(feedback: Feedback, rule_team: Team | None = None) -> Team | None:
    """The rule's team, else the first team routed one of the feedback's topics, else the default team."""
    if rule_team is not None:
        return rule_team
    topics = set(_topic_slugs(feedback))
    if topics:
        for team in Team.objects.exclude(topics=[]):
            if topics & set(team.topics):
                return team
    return Team.objects.filter(is_default=True).first()


def _topic_slugs(feedback: Feedback) -> list[str]:
    return list(feedback.topics.values_list("slug", flat=True)) if feedback.pk else []


@transaction.atomic
def next_agent(team: Team):
    """Round robin: the available member whose last assignment is oldest (never assigned first).

    Two cases opened at once: the team row lock makes them take turns, so they
    go to two agents instead of both to the same one.
    """
    Team.objects.select_for_update().filter(pk=team.pk).first()
    membership = (
        TeamMembership.objects.filter(team=team, is_available=True, user__is_active=True)
        .order_by(F("last_assigned_at").asc(nulls_first=True), "joined_at", "pk")
        .select_related("user")
        .first()
    )
    if membership is None:
        return None
    membership.last_assigned_at = timezone.now()
    membership.save(update_fields=["last_assigned_at"])
    return membership.user


def may_own(user, case: Case) -> bool:
    """Only a member of the case's team (or someone who sees every case) may own it."""
    if user.has_perm("followup.view_all_cases"):
        return True
    return case.team_id is not None and TeamMembership.objects.filter(team_id=case.team_id, user=user).exists()
