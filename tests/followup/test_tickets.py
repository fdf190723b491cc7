"""A case linked to a helpdesk ticket: the link, the ticket's statuses, a solved ticket resolving the case, and
rule actions other apps register."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from feedback_platform.activity import Actor
from feedback_platform.models import ActivityEntry
from followup import tickets
from followup.models import CaseStatus, EventKind, Rule, RuleFiring
from followup.rule_actions import RuleAction, register_rule_action, rule_action
from followup.rules import act_on_feedback, contradictions
from tests.followup.helpers import detractor_case, detractor_feedback

pytestmark = pytest.mark.django_db
ZENDESK = Actor.system("integrations.zendesk")


def test_it_links_a_ticket_once_and_shows_it_on_the_case_page(client, agent):
    case = detractor_case()
    url = "https://acme.zendesk.com/agent/tickets/35436"
    for _ in range(2):  # the adapter's retry records the same answer again
        tickets.link_ticket(case=case, system="zendesk", ticket_id="35436", url=url, actor=ZENDESK)
    case.refresh_from_db()
    assert (case.ticket_system, case.ticket_id, case.ticket_url) == ("zendesk", "35436", url)
    assert case.events.filter(kind=EventKind.TICKET).count() == 1
    assert ActivityEntry.objects.filter(action="followup.case.ticket_linked").count() == 1
    client.force_login(agent)
    page = client.get(reverse("followup:case", args=[case.pk])).content.decode()
    assert f'href="{url}"' in page and "Zendesk ticket 35436" in page


def test_a_solved_ticket_resolves_the_open_case_without_emailing_the_customer():
    case = detractor_case()
    tickets.link_ticket(
        case=case, system="zendesk", ticket_id="7", url="https://a.zendesk.com/agent/tickets/7", actor=ZENDESK
    )
    assert tickets.record_ticket_status(
        case=case, system="zendesk", ticket_id="7", status="open", solved=False, actor=ZENDESK
    )
    assert (
        tickets.record_ticket_status(
            case=case, system="zendesk", ticket_id="7", status="open", solved=False, actor=ZENDESK
        )
        is None
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW
    tickets.record_ticket_status(
        case=case, system="zendesk", ticket_id="7", status="solved", solved=True, actor=ZENDESK
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED and case.resolved_at and case.recovery_due_at
    assert case.resolution_summary == "Solved in Zendesk ticket 7."
    assert not case.emails.exists()
    assert ActivityEntry.objects.filter(action="followup.case.resolved", payload__by="zendesk").exists()
    statuses = [e.data.get("status") for e in case.events.filter(kind=EventKind.TICKET)]
    assert statuses == [None, "open", "solved"]


def test_a_status_for_another_ticket_is_refused():
    case = detractor_case()
    with pytest.raises(ValidationError):
        tickets.record_ticket_status(
            case=case, system="zendesk", ticket_id="9", status="solved", solved=True, actor=ZENDESK
        )
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW


def test_a_refusal_is_on_the_timeline_with_its_reason(client, agent):
    case = detractor_case()
    tickets.record_ticket_failure(case=case, system="zendesk", reason="requester email: is invalid", actor=ZENDESK)
    client.force_login(agent)
    page = client.get(reverse("followup:case", args=[case.pk])).content.decode()
    assert "Zendesk refused to open a ticket" in page and "requester email: is invalid" in page


@pytest.fixture
def registered_action():
    calls = []

    def run(*, rule, feedback, case):
        calls.append((rule.pk, feedback.pk, case.pk if case else None))
        return f"ticket queued for case {case.pk}"

    previous = rule_action("test_ticket")
    register_rule_action(RuleAction("test_ticket", "Test ticket", run))
    yield calls
    if previous is None:
        from followup import rule_actions

        rule_actions._ACTIONS.pop("test_ticket", None)


def test_a_rule_runs_a_registered_action_once_with_its_case(registered_action):
    Rule.objects.all().delete()
    rule = Rule.objects.create(name="ticket", segments=["detractor"], open_case=True, extra_actions=["test_ticket"])
    feedback = detractor_feedback()
    act_on_feedback(feedback=feedback)
    act_on_feedback(feedback=feedback)
    assert registered_action == [(rule.pk, feedback.pk, feedback.case.pk)]
    firing = RuleFiring.objects.get(rule=rule)
    assert firing.actions[-1] == f"ticket queued for case {feedback.case.pk}"


def test_a_rule_naming_an_unknown_action_is_refused():
    rule = Rule(name="x", extra_actions=["no_such_action"])
    assert "extra_actions" in contradictions(rule)
