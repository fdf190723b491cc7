"""The agent's queue and case page: order, filters, query counts, escaping, actions and scope."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from followup.models import Case, CaseStatus, EventKind, OutboxEmail, RootCause
from tests.factories import ContactFactory

from .helpers import detractor_case

pytestmark = pytest.mark.django_db


def rows(page: str) -> list[int]:
    import re

    return [int(pk) for pk in re.findall(r'<tr data-case="(\d+)"', page)]


def test_the_queue_orders_by_priority_then_due_time(client, agent):
    mild, severe, mild_sooner = detractor_case(score=6), detractor_case(score=0), detractor_case(score=6)
    Case.objects.filter(pk=mild_sooner.pk).update(first_response_due=timezone.now() + timedelta(minutes=5))
    client.force_login(agent)
    assert rows(client.get(reverse("followup:queue")).content.decode()) == [severe.pk, mild_sooner.pk, mild.pk]


def test_filters_live_in_the_url(client, agent):
    late, other = detractor_case(comment="parcel lost"), detractor_case(comment="too expensive")
    Case.objects.filter(pk=late.pk).update(first_response_due=timezone.now() - timedelta(minutes=1))
    client.force_login(agent)
    assert rows(client.get(reverse("followup:queue") + "?overdue=true").content.decode()) == [late.pk]
    assert rows(client.get(reverse("followup:queue") + "?q=EXPENSIVE").content.decode()) == [other.pk]
    Case.objects.filter(pk=other.pk).update(owner=None)
    assert other.pk in rows(client.get(reverse("followup:queue") + "?unassigned=true").content.decode())


def test_search_finds_chinese_and_japanese_text(client, agent):
    zh, ja = detractor_case(comment="快递太慢了，很失望"), detractor_case(comment="配送が遅すぎます")
    client.force_login(agent)
    assert rows(client.get(reverse("followup:queue"), {"q": "快递"}).content.decode()) == [zh.pk]
    assert rows(client.get(reverse("followup:queue"), {"q": "配送"}).content.decode()) == [ja.pk]


def test_the_query_count_does_not_grow_with_the_page_size(client, agent):
    for _ in range(500):
        detractor_case()
    client.force_login(agent)
    client.get(reverse("followup:queue"))  # warm the session and permission caches
    counts = {}
    for size in (10, 500):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("followup:queue"), {"size": size})
        assert len(rows(response.content.decode())) == size
        counts[size] = len(queries)
    assert counts[10] == counts[500]


def test_htmx_polling_gets_only_the_rows(client, agent):
    case = detractor_case()
    client.force_login(agent)
    response = client.get(reverse("followup:queue"), headers={"HX-Request": "true"})
    page = response.content.decode()
    assert f'data-case="{case.pk}"' in page and '<nav class="navbar' not in page
    assert 'data-count="1"' in page


def test_customer_text_is_escaped_everywhere(client, agent):
    case = detractor_case(comment='<script>alert("x")</script><b>bold</b>', contact=ContactFactory(name="<i>Eve</i>"))
    client.force_login(agent)
    for url in (reverse("followup:queue"), reverse("followup:case", args=[case.pk])):
        # The highlighted phrases (<mark>, whatever weighed most for the labels) may sit inside the comment.
        page = re.sub(r"</?mark[^>]*>", "", client.get(url).content.decode())
        assert "<script>alert" not in page and "<b>bold</b>" not in page and "<i>Eve</i>" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_the_case_page_explains_priority_and_shows_history(client, agent):
    contact = ContactFactory(attributes={"plan": "pro", "lifetime_value": 4200})
    detractor_case(score=5, contact=contact)
    case = detractor_case(score=1, contact=contact)
    client.force_login(agent)
    page = client.get(reverse("followup:case", args=[case.pk])).content.decode()
    assert "Score 1 of 10: <strong>+36</strong>" in page
    assert "Repeat detractor: <strong>" in page and "High-value customer (lifetime value 4200)" in page
    assert '<svg class="spark"' in page and "pro" in page


def test_an_agent_works_a_case_through_the_page(client, agent):
    case = detractor_case()
    client.force_login(agent)
    base = f"/cases/{case.pk}"
    assert client.post(f"{base}/note/", {"body": "Checked the order"}).status_code == 302
    assert client.post(f"{base}/call/", {"outcome": "reached", "notes": "Apologised"}).status_code == 302
    response = client.post(f"{base}/reply/", {"reply-subject": "About your order", "reply-body": "We are on it."})
    assert response.status_code == 302
    cause = RootCause.objects.get(name="Delivery delay")
    response = client.post(
        f"{base}/resolve/",
        {
            "resolve-root_cause": cause.pk,
            "resolve-summary": "Re-shipped",
            "resolve-subject": "Fixed",
            "resolve-body": "We re-shipped your order.",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    kinds = list(case.events.values_list("kind", flat=True))
    assert EventKind.NOTE in kinds and EventKind.CALL in kinds and kinds.count(EventKind.EMAIL_SENT) == 2
    assert OutboxEmail.objects.filter(case=case, idempotency_key=f"resolution:{case.pk}").exists()


def test_a_bad_action_is_a_400_naming_the_field(client, agent):
    case = detractor_case()
    client.force_login(agent)
    response = client.post(f"/cases/{case.pk}/compensation/", {"kind": "refund", "amount": "5", "currency": "E1R"})
    assert response.status_code == 400
    assert "three-letter currency code" in response.content.decode()
    response = client.post(f"/cases/{case.pk}/resolve/", {"resolve-summary": "", "resolve-subject": ""})
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).status == CaseStatus.NEW


def test_actions_outside_the_scope_are_404(client, other_team_agent):
    case = detractor_case()
    client.force_login(other_team_agent)
    for action in ("note", "claim", "reply", "resolve", "troll", "status"):
        assert client.post(f"/cases/{case.pk}/{action}/", {"body": "x"}).status_code == 404
    assert client.get(f"/cases/{case.pk}/reply-template/?template=apology").status_code == 404
    assert not case.events.exclude(kind__in=[EventKind.CREATED, EventKind.ASSIGNED]).exists()


def test_the_reply_template_is_filled_in_the_customers_language(client, agent):
    case = detractor_case(contact=ContactFactory(language="zh-hans", name="王芳"))
    client.force_login(agent)
    page = client.get(f"/cases/{case.pk}/reply-template/", {"template": "apology"}).content.decode()
    assert "尊敬的王芳" in page


def test_bulk_actions_touch_only_cases_in_scope(client, agent, other_team_agent):
    mine, theirs = detractor_case(), detractor_case()
    Case.objects.filter(pk=theirs.pk).update(team=other_team_agent.support_teams.get())
    client.force_login(agent)
    client.post(reverse("followup:bulk"), {"action": "spam", "cases": [mine.pk, theirs.pk]})
    assert Case.objects.get(pk=mine.pk).status == CaseStatus.SPAM
    assert Case.objects.get(pk=theirs.pk).status == CaseStatus.NEW


def test_rules_and_templates_pages_are_for_admins(client, agent, admin_user):
    client.force_login(agent)
    assert client.get(reverse("followup:rules")).status_code == 403
    client.force_login(admin_user)
    assert client.get(reverse("followup:rules")).status_code == 200
    response = client.post(
        reverse("followup:rule_new"),
        {
            "name": "Bad",
            "position": 1,
            "score_min": 9,
            "score_max": 2,
            "segments": "[]",
            "kinds": "[]",
            "sources": "[]",
            "topics": "[]",
            "churn_intents": "[]",
            "attribute_conditions": "[]",
            "suspicion": "any",
            "email_delay_minutes": 0,
            "priority_floor": 0,
        },
    )
    assert response.status_code == 400
    assert "above the highest" in response.content.decode()
    response = client.post(
        reverse("followup:template_preview"),
        {"key": "apology", "language": "en", "subject": "Hi {name}", "body": "Score {score} {oops}"},
    )
    page = response.content.decode()
    assert "Hi Ada Lovelace" in page and "Unknown placeholder {oops}" in page


def test_the_phrases_behind_the_labels_are_highlighted(client, agent):
    case = detractor_case(comment="The refund never arrived <b>!!!</b>")  # classified on ingestion
    client.force_login(agent)
    page = client.get(reverse("followup:case", args=[case.pk])).content.decode()
    assert '<mark class="label-phrase">never arrived</mark>' in page
    assert "&lt;b&gt;" in page and "<b>!!!</b>" not in page
