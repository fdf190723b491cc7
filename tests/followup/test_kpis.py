from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from feedback_platform.models import Profile
from followup import cases
from followup.digest import send_weekly_digest
from followup.kpis import loop_figures, wilson
from followup.models import Case, OutboxEmail, RootCause
from followup.outbox import deliver_email

from .helpers import detractor_case

pytestmark = pytest.mark.django_db


def test_wilson_interval_matches_the_textbook():
    low, high = wilson(8, 10)
    assert round(low, 1) == 49.0 and round(high, 1) == 94.3
    assert wilson(0, 0) is None


def test_loop_figures_from_hand_made_cases(agent):
    fast, also_fast, on_the_dot, slow, untouched = (detractor_case() for _ in range(5))
    now = timezone.now()
    for case in (fast, also_fast):
        Case.objects.filter(pk=case.pk).update(
            opened_at=now - timedelta(minutes=30),
            first_responded_at=now - timedelta(minutes=20),
            first_response_due=now + timedelta(minutes=30),
        )
    Case.objects.filter(pk=on_the_dot.pk).update(  # answered at the deadline itself: within the SLA
        opened_at=now - timedelta(hours=2),
        first_responded_at=now - timedelta(minutes=90),
        first_response_due=now - timedelta(minutes=90),
    )
    Case.objects.filter(pk=slow.pk).update(
        opened_at=now - timedelta(hours=3),
        first_responded_at=now - timedelta(hours=1),
        first_response_due=now - timedelta(hours=2),
    )
    Case.objects.filter(pk=untouched.pk).update(first_response_due=now - timedelta(minutes=1))  # overdue now
    cases.resolve_case(
        case=fast, agent=agent, root_cause=RootCause.objects.first(), summary="ok", subject="s", body="b"
    )
    figures = loop_figures(Case.objects.filter(pk__in=[c.pk for c in (fast, also_fast, on_the_dot, slow, untouched)]))
    assert figures["cases"] == 5
    assert figures["median_first_response_minutes"] == 20.0  # 10, 10, 30 and 120 minutes
    # 3 of 5 in time: a late answer, an early one or no answer counted the other way gives 40% or 80%.
    assert figures["within_sla"] == 60.0
    assert figures["loops_closed"] == 20.0
    assert figures["overdue"] == 1


def test_the_weekly_digest_goes_to_each_manager_in_their_language_once(manager):
    other = type(manager).objects.create(username="kanrisha", email="kanri@example.com")
    other.groups.add(*manager.groups.all())
    Profile.objects.create(user=other, language="ja")
    assert send_weekly_digest() == 2
    assert send_weekly_digest() == 2  # the same week again: no second email
    digests = OutboxEmail.objects.filter(idempotency_key__startswith="digest:")
    assert digests.count() == 2
    japanese = digests.get(to_email="kanri@example.com")
    deliver_email(outbox_id=japanese.pk)
    assert "NPS" in mail.outbox[0].body and "n = 0" in mail.outbox[0].body
    assert "1週間のお客様レポート" in mail.outbox[0].subject and "回答率" in mail.outbox[0].body


def test_the_loop_api_gives_kpis_and_names_a_bad_parameter(client, manager, agent):
    detractor_case()
    client.force_login(manager)
    body = client.get("/api/v1/metrics/loop/?by=team").json()
    assert body["overall"]["cases"] == 1 and body["groups"][0]["label"] == "Customer care"
    bad = client.get("/api/v1/metrics/loop/?from=2026-05-01&to=2026-01-01&by=planet")
    assert bad.status_code == 400 and set(bad.json()) == {"to", "by"}
    client.force_login(agent)
    assert client.get("/api/v1/metrics/loop/").status_code == 403
