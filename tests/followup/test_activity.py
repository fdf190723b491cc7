"""Every staff write in followup leaves an activity entry with the right actor and action."""

import pytest
from django.urls import reverse

from feedback_platform.activity import Actor
from feedback_platform.models import ActivityEntry, ActorKind
from feedback_platform.roles import AGENT
from followup import cases
from followup.models import Case, CaseStatus, EmailTemplate, PriorityWeight, RootCause, Rule
from tests.factories import UserFactory
from tests.followup.helpers import detractor_case

pytestmark = pytest.mark.django_db


def _only(action: str) -> ActivityEntry:
    return ActivityEntry.objects.get(action=action)


def _rule_form(**overrides) -> dict:
    fields = {
        "name": "Detractors to care",
        "position": 5,
        "is_active": "on",
        "segments": '["detractor"]',
        "kinds": "[]",
        "sources": "[]",
        "topics": "[]",
        "churn_intents": "[]",
        "attribute_conditions": "[]",
        "suspicion": "any",
        "email_delay_minutes": 0,
        "priority_floor": 0,
    }
    return {**fields, **overrides}


def test_saving_a_rule_on_the_settings_page_records_who_and_which_fields(client, admin_user):
    client.force_login(admin_user)
    assert client.post(reverse("followup:rule_new"), _rule_form()).status_code == 302
    rule = Rule.objects.get(name="Detractors to care")
    created = _only("followup.rule.created")
    assert (created.actor_kind, created.actor_user) == (ActorKind.USER, admin_user)
    assert created.target_id == str(rule.pk) and created.target_label == "Detractors to care"
    response = client.post(reverse("followup:rule_edit", args=[rule.pk]), _rule_form(position=7))
    assert response.status_code == 302
    changed = _only("followup.rule.changed")
    assert changed.payload == {"fields": ["position"]} and changed.actor_user == admin_user


def test_saving_a_template_records_its_activity(client, admin_user):
    client.force_login(admin_user)
    form = {"key": "late_delivery", "language": "ja", "subject": "申し訳ありません", "body": "{name} 様"}
    assert client.post(reverse("followup:template_new"), form).status_code == 302
    template = EmailTemplate.objects.get(key="late_delivery", language="ja")
    entry = _only("followup.template.created")
    assert entry.actor_user == admin_user and entry.target_id == str(template.pk)
    form["body"] = "{name} 様、ご不便をおかけしました。"
    client.post(reverse("followup:template_edit", args=[template.pk]), form)
    assert _only("followup.template.changed").payload == {"fields": ["body"]}


def test_saving_priority_weights_records_old_and_new_weights(client, admin_user):
    weights = list(PriorityWeight.objects.order_by("pk"))
    data = {"form-TOTAL_FORMS": len(weights), "form-INITIAL_FORMS": len(weights)}
    for i, weight in enumerate(weights):
        data[f"form-{i}-id"] = weight.pk
        data[f"form-{i}-weight"] = weight.weight + (5 if weight.factor == "churn_intent" else 0)
    client.force_login(admin_user)
    assert client.post(reverse("followup:priority"), data).status_code == 302
    old = next(w.weight for w in weights if w.factor == "churn_intent")
    entry = _only("followup.priority.changed")
    assert entry.payload == {"churn_intent": {"from": old, "to": old + 5}} and entry.actor_user == admin_user
    assert PriorityWeight.objects.get(factor="churn_intent").weight == old + 5


def test_the_case_services_record_each_action_with_the_agent(agent):
    case = detractor_case()
    opened = _only("followup.case.opened")
    assert opened.actor_kind == ActorKind.SYSTEM and opened.target_id == str(case.pk)
    auto = _only("followup.case.assigned")  # the default team assigns round robin
    assert (auto.actor_kind, auto.payload) == (ActorKind.SYSTEM, {"owner": agent.pk})
    Case.objects.filter(pk=case.pk).update(owner=None)
    case.refresh_from_db()
    auto_pk = auto.pk
    cases.claim_case(case=case, user=agent)
    cases.add_note(case=case, author=agent, body="Called the depot")
    cases.log_call(case=case, agent=agent, outcome="reached")
    cases.record_compensation(case=case, agent=agent, kind="coupon", amount="10", currency="eur")
    cases.reply_to_customer(case=case, agent=agent, subject="Sorry", body="We are on it")
    cause = RootCause.objects.filter(is_active=True).first()
    cases.resolve_case(case=case, agent=agent, root_cause=cause, summary="Refunded", subject="Done", body="Refunded")
    cases.change_status(case=Case.objects.get(pk=case.pk), status=CaseStatus.IN_PROGRESS, actor=agent)
    cases.mark_troll(case=Case.objects.get(pk=case.pk), agent=agent, reason="Fake order")
    actions = list(
        ActivityEntry.objects.for_target(case)
        .exclude(pk__lte=auto_pk)
        .order_by("pk")
        .values_list("action", "actor_kind", "actor_user")
    )
    assert [a for a, _, _ in actions] == [
        "followup.case.assigned",
        "followup.case.noted",
        "followup.case.called",
        "followup.case.compensated",
        "followup.case.replied",
        "followup.case.status_changed",  # a reply moves a new case to in progress
        "followup.case.resolved",
        "followup.case.reopened",
        "followup.case.marked_troll",
    ]
    assert {(kind, user) for _, kind, user in actions} == {(ActorKind.USER, agent.pk)}
    assert _only("followup.case.compensated").payload["amount"] == "10"
    assert _only("followup.case.reopened").payload == {"from": CaseStatus.RESOLVED, "to": CaseStatus.IN_PROGRESS}


def test_assigning_from_the_case_page_records_the_session_user(client, manager, agent):
    case = detractor_case()
    other = UserFactory(role=AGENT)
    case.team.members.add(other)
    client.force_login(manager)
    client.post(reverse("followup:assign", args=[case.pk]), {"owner": other.pk})
    entry = ActivityEntry.objects.filter(action="followup.case.assigned").latest("pk")
    assert (entry.actor_kind, entry.actor_user, entry.payload) == (ActorKind.USER, manager, {"owner": other.pk})


def test_an_explicit_actor_passes_through():
    assert Actor.of(Actor.system("x")) == Actor.system("x")
