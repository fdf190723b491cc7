import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import QueryDict
from django.utils import timezone

from followup import cases, escalation, recovery
from followup.kpis import loop_figures
from followup.models import (
    Case,
    CaseEvent,
    CaseStatus,
    EventKind,
    OutboxEmail,
    RootCause,
    RuleFiring,
    Team,
    TeamMembership,
)
from followup.priority import compute_priority
from reviews.ingest import ingest_answer
from surveys.models import Answer, Invitation, SegmentThreshold
from tests.factories import ContactFactory, UserFactory

from .helpers import detractor_case, detractor_feedback

pytestmark = pytest.mark.django_db


def factor_names(factors):
    return {f["factor"]: f["weight"] for f in factors}


def test_a_zero_weighs_more_than_a_six():
    zero = factor_names(compute_priority(detractor_feedback(score=0))[1])
    six = factor_names(compute_priority(detractor_feedback(score=6))[1])
    assert zero["score"] == 40 and six["score"] == 16


def test_priority_counts_value_tenure_and_a_repeat_detractor():
    contact = ContactFactory(attributes={"lifetime_value": 5000}, customer_since=timezone.localdate())
    detractor_feedback(score=5, contact=contact)
    priority, factors = compute_priority(detractor_feedback(score=3, contact=contact))
    weights = factor_names(factors)
    assert {"high_value", "new_customer", "repeat_detractor"} <= set(weights)
    assert priority == sum(weights.values())


def test_admins_tune_the_weights():
    from followup.models import PriorityWeight

    PriorityWeight.objects.filter(factor="score").update(weight=80)
    assert factor_names(compute_priority(detractor_feedback(score=0))[1])["score"] == 80


def test_a_rule_floor_raises_priority_and_says_so():
    priority, factors = compute_priority(detractor_feedback(score=6), floor=90)
    assert priority == 90 and factors[-1]["factor"] == "rule_floor"


def test_cases_go_round_robin_to_available_agents():
    team = Team.objects.get(is_default=True)
    first, second, away = UserFactory(role="Agent"), UserFactory(role="Agent"), UserFactory(role="Agent")
    for user in (first, second, away):
        TeamMembership.objects.create(team=team, user=user, is_available=user != away)
    owners = [detractor_case().owner for _ in range(4)]
    assert owners == [first, second, first, second]


def test_an_agent_claims_a_case_but_not_one_someone_owns(agent, other_team_agent, manager):
    case = detractor_case()
    Case.objects.filter(pk=case.pk).update(owner=None)
    with pytest.raises(PermissionDenied):  # not their team's case
        cases.claim_case(case=case, user=other_team_agent)
    assert Case.objects.get(pk=case.pk).owner is None
    cases.claim_case(case=case, user=agent)
    assert Case.objects.get(pk=case.pk).owner == agent
    assert case.events.filter(kind=EventKind.ASSIGNED, actor=agent).exists()
    second = UserFactory(role="Agent")
    TeamMembership.objects.create(team=case.team, user=second)
    with pytest.raises(ValidationError, match=f"{agent} already owns"):
        cases.claim_case(case=case, user=second)
    assert Case.objects.get(pk=case.pk).owner == agent  # the refused claim changed nothing
    TeamMembership.objects.create(team=case.team, user=manager)
    cases.claim_case(case=case, user=manager)  # who sees every case may take one over
    assert Case.objects.get(pk=case.pk).owner == manager


def test_the_timeline_records_every_action_and_is_append_only(agent):
    case = detractor_case()
    cases.add_note(case=case, author=agent, body="Called the warehouse")
    cases.log_call(case=case, agent=agent, outcome="reached", notes="Apologised")
    cases.record_compensation(case=case, agent=agent, kind="coupon", amount="10.00", currency="eur")
    cases.change_status(case=case, status=CaseStatus.WAITING, actor=agent)
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == [
        EventKind.CREATED,
        EventKind.ASSIGNED,  # round robin: the agent is the default team's only member
        EventKind.NOTE,
        EventKind.CALL,
        EventKind.COMPENSATION,
        EventKind.STATUS,
    ]
    assert case.compensations.get().currency == "EUR"
    case.refresh_from_db()
    assert case.first_responded_at is not None  # the call was the first response
    event = case.events.first()
    with pytest.raises(ValueError, match="append-only"):
        event.save()


def test_bad_compensation_and_transitions_name_the_problem(agent):
    case = detractor_case()
    with pytest.raises(ValidationError, match="three-letter"):
        cases.record_compensation(case=case, agent=agent, kind="refund", amount="5", currency="euro")
    with pytest.raises(ValidationError, match="cannot be negative"):
        cases.record_compensation(case=case, agent=agent, kind="refund", amount="-5", currency="EUR")
    with pytest.raises(ValidationError, match="cannot go from new to closed"):
        cases.change_status(case=case, status=CaseStatus.CLOSED, actor=agent)


def test_resolving_emails_what_was_done_and_schedules_the_recovery_survey(agent, settings):
    case = detractor_case()
    cause = RootCause.objects.get(name="Delivery delay")
    cases.resolve_case(
        case=case, agent=agent, root_cause=cause, summary="Re-shipped", subject="Your order", body="We re-shipped it."
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED and case.root_cause == cause
    assert (case.recovery_due_at - case.resolved_at).days == settings.FOLLOWUP_RECOVERY_DAYS
    email = OutboxEmail.objects.get(idempotency_key=f"resolution:{case.pk}")
    assert email.body_text == f"We re-shipped it.\n\nAnna {agent.username}" and email.subject == "Your order"


def test_resolving_needs_a_root_cause_and_summary(agent):
    with pytest.raises(ValidationError) as error:
        cases.resolve_case(case=detractor_case(), agent=agent, root_cause=None, summary=" ", subject="", body="")
    assert set(error.value.message_dict) == {"root_cause", "summary"}


def test_marking_a_troll_withholds_its_queued_emails(agent):
    from followup.rules import act_on_feedback

    feedback = detractor_feedback()
    OutboxEmail.objects.all().delete()
    act_on_feedback(feedback=feedback)
    case = Case.objects.get(feedback=feedback)
    OutboxEmail.objects.update(status="queued")
    cases.mark_troll(case=case, agent=agent, reason="same text from five accounts")
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {"withheld"}
    assert Case.objects.get(pk=case.pk).status == CaseStatus.SPAM


def test_the_recovery_survey_goes_out_once_and_its_answer_sets_the_outcome(agent):
    case = detractor_case()
    cases.resolve_case(
        case=case, agent=agent, root_cause=RootCause.objects.first(), summary="Fixed", subject="Fixed", body="Fixed."
    )
    Case.objects.filter(pk=case.pk).update(recovery_due_at=timezone.now() - timedelta(minutes=1))
    assert recovery.send_due_recovery_surveys() == 1
    assert recovery.send_due_recovery_surveys() == 0
    case.refresh_from_db()
    invitation = case.recovery_invitation
    assert invitation.idempotency_key == f"recovery:{case.pk}"
    answer = Answer.objects.create(invitation=invitation, survey=invitation.survey, contact=invitation.contact, score=9)
    ingest_answer(answer=answer)  # announces feedback_classified, as a real answer does
    case.refresh_from_db()
    assert case.recovery_outcome == "promoter"
    assert case.events.filter(kind=EventKind.RECOVERY).count() == 2


def test_an_expired_unanswered_recovery_is_no_answer(agent):
    case = detractor_case()
    cases.resolve_case(
        case=case, agent=agent, root_cause=RootCause.objects.first(), summary="Fixed", subject="S", body="B"
    )
    Case.objects.filter(pk=case.pk).update(recovery_due_at=timezone.now())
    recovery.send_due_recovery_surveys()
    Invitation.objects.filter(pk=Case.objects.get(pk=case.pk).recovery_invitation_id).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    assert recovery.mark_unanswered_recoveries() == 1
    assert Case.objects.get(pk=case.pk).recovery_outcome == "no_answer"


def test_an_overdue_case_is_escalated_once(manager):
    case = detractor_case()
    Case.objects.filter(pk=case.pk).update(first_response_due=timezone.now() - timedelta(minutes=1))
    before = Case.objects.get(pk=case.pk).priority
    assert escalation.escalate_overdue() == 1
    assert escalation.escalate_overdue() == 0
    case.refresh_from_db()
    assert case.priority == min(100, before + 20)
    assert case.events.filter(kind=EventKind.ESCALATED).count() == 1
    assert OutboxEmail.objects.filter(idempotency_key__startswith=f"escalation:{case.pk}:", to_email=manager.email)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_escalate_nothing_twice(manager):
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED need PostgreSQL; CI runs this on PostgreSQL")
    overdue = [detractor_case() for _ in range(30)]
    Case.objects.update(first_response_due=timezone.now() - timedelta(minutes=5))
    barrier, results = threading.Barrier(2), []

    def sweep():
        barrier.wait()
        try:
            results.append(escalation.escalate_overdue())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == len(overdue)
    assert CaseEvent.objects.filter(kind=EventKind.ESCALATED).count() == len(overdue)


def test_overdue_is_one_rule_for_the_queryset_and_the_case_and_everyone_uses_it(client, manager):
    now = timezone.now()
    shapes = {  # name: (first response due, first responded, status)
        "late": (now - timedelta(hours=1), None, CaseStatus.NEW),
        "late_in_progress": (now - timedelta(minutes=1), None, CaseStatus.IN_PROGRESS),
        "not_yet_due": (now + timedelta(hours=1), None, CaseStatus.NEW),
        "answered_late": (now - timedelta(hours=1), now - timedelta(minutes=5), CaseStatus.IN_PROGRESS),
        "closed_unanswered": (now - timedelta(hours=1), None, CaseStatus.WONT_FIX),
    }
    made = {}
    for name, (due, responded, status) in shapes.items():
        made[name] = detractor_case().pk
        Case.objects.filter(pk=made[name]).update(first_response_due=due, first_responded_at=responded, status=status)
    overdue = {made["late"], made["late_in_progress"]}
    assert set(Case.objects.overdue().values_list("pk", flat=True)) == overdue
    assert {case.pk for case in Case.objects.all() if case.is_overdue} == overdue  # the twin agrees
    client.force_login(manager)
    listed = client.get("/api/v1/cases/?overdue=true&page_size=50").json()["results"]
    assert {row["id"] for row in listed} == overdue
    assert loop_figures(Case.objects.all())["overdue"] == 2
    assert escalation.escalate_overdue() == 2  # the first-response sweep takes exactly these
    escalated = CaseEvent.objects.filter(kind=EventKind.ESCALATED, body=escalation.FIRST_RESPONSE)
    assert set(escalated.values_list("case_id", flat=True)) == overdue


def test_a_threshold_change_moves_the_cases_copy_of_the_segment_and_the_queue_follows(
    manager, django_capture_on_commit_callbacks
):
    from followup.selectors import queue_for

    case = detractor_case(score=5)  # NPS 5: a detractor by the default thresholds
    assert case.segment == "detractor"
    emails, firings = OutboxEmail.objects.count(), RuleFiring.objects.count()
    with django_capture_on_commit_callbacks(execute=True):  # the re-classification task, run here
        SegmentThreshold.objects.create(kind="nps", scale_max=10, detractor_max=4, passive_max=6)
    case.refresh_from_db()
    assert (case.feedback.segment, case.segment) == ("passive", "passive")
    detractors = queue_for(manager, QueryDict("segment=detractor")).qs
    passives = queue_for(manager, QueryDict("segment=passive")).qs
    assert case not in detractors and case in passives
    # Set-based, not re-announced: no rule runs again for an old answer because a threshold moved.
    assert (OutboxEmail.objects.count(), RuleFiring.objects.count()) == (emails, firings)
