"""Which team gets a case, and which of its available agents owns it."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from feedback_platform.batch import once_per_batch
from reviews.models import Feedback

from .models import Case, Team, TeamMembership


def team_for(feedback: Feedback, rule_team: Team | None = None) -> Team | None:
    """The rule's team, else the first team routed one of the feedback's topics, else the default team."""
    if rule_team is not None:
        return rule_team
    topics = feedback.topic_slugs() if feedback.pk else set()  # a batch prefetched them
    routed, default = once_per_batch("followup.routing", _routing)
    return next((team for team in routed if topics & set(team.topics)), default)


def _routing() -> tuple[list[Team], Team | None]:
    """(the teams topics are routed to, in order; the default team)."""
    return list(Team.objects.exclude(topics=[])), Team.objects.filter(is_default=True).first()


# Nested in a caller's transaction (the rule engine, a batch of hundreds) it adds no savepoint: its failure
# is the caller's, which rolls back whole (a savepoint costs two round trips per call).
@transaction.atomic(savepoint=False)
def next_agent(team: Team):
    """Round robin: the available member whose last assignment is oldest (never assigned first).

    Two cases opened at once: the team row lock makes them take turns, so they
    go to two agents instead of both to the same one. A batch takes the lock and reads the members once,
    then takes its turns in order.
    """
    turns = once_per_batch(f"followup.round_robin:{team.pk}", lambda: _turns(team))
    if not turns:
        return None
    membership = turns.pop(0)
    membership.last_assigned_at = timezone.now()
    TeamMembership.objects.filter(pk=membership.pk).update(last_assigned_at=membership.last_assigned_at)
    turns.append(membership)  # the oldest assignment is now the next one's
    return membership.user


def _turns(team: Team) -> list[TeamMembership]:
    """The team's available members, locked, the next to be assigned first."""
    Team.objects.select_for_update().filter(pk=team.pk).first()
    return list(
        TeamMembership.objects.filter(team=team, is_available=True, user__is_active=True)
        .order_by(F("last_assigned_at").asc(nulls_first=True), "joined_at", "pk")
        .select_related("user")
    )


def may_own(user, case: Case) -> bool:
    """Only a member of the case's team (or someone who sees every case) may own it."""
    if user.has_perm("followup.view_all_cases"):
        return True
    return case.team_id is not None and TeamMembership.objects.filter(team_id=case.team_id, user=user).exists()
