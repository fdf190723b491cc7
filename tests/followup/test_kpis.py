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
    # 10, 10, 30 and 120 minutes, and the untouched case waiting since just now (censored at ~0): of the 4 still
    # at risk at 10 minutes, 2 were answered, so the Kaplan–Meier curve reaches one half there.
    assert figures["first_response"]["median_minutes"] == pytest.approx(10.0)
    assert figures["first_response"]["done"] == 4 and figures["first_response"]["waiting"] == 1
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


def _aged_cases(answered_after_minutes: list[float], waiting_hours: list[float]) -> list[Case]:
    now, made = timezone.now(), []
    for minutes in answered_after_minutes:
        case = detractor_case()
        opened = now - timedelta(hours=1)
        Case.objects.filter(pk=case.pk).update(
            opened_at=opened, first_responded_at=opened + timedelta(minutes=minutes), first_response_due=now
        )
        made.append(case)
    for hours in waiting_hours:
        case = detractor_case()
        Case.objects.filter(pk=case.pk).update(
            opened_at=now - timedelta(hours=hours), first_response_due=now - timedelta(hours=hours - 4)
        )
        made.append(case)
    return made


def test_cases_still_waiting_count_in_the_time_to_first_response():
    made = _aged_cases([1], [20, 30, 40, 50, 70, 80, 95, 110])  # 1 answered in a minute, 8 never answered
    figures = loop_figures(Case.objects.filter(pk__in=[c.pk for c in made]))["first_response"]
    assert figures["median_minutes"] is None and figures["p90_minutes"] is None  # not reached: most still wait
    assert figures["done"] == 1 and figures["waiting"] == 8
    assert figures["oldest_waiting_minutes"] == pytest.approx(110 * 60, abs=1)


def test_kaplan_meier_matches_the_plain_median_with_nobody_waiting_and_drops_only_at_events():
    from followup.kpis import kaplan_meier_quantile

    assert kaplan_meier_quantile([(m, True) for m in (5, 10, 30, 60)], 0.5) == 10
    # S(5) = 4/5; the case waiting 7 minutes leaves 3 at risk: S(10) = 4/5 · 2/3 ≈ 0.53, S(30) ≈ 0.27. The median
    # is 30 minutes, where the answered cases alone (5, 10, 30, 60) would say 20.
    assert kaplan_meier_quantile([(5, True), (7, False), (10, True), (30, True), (60, True)], 0.5) == 30
    assert kaplan_meier_quantile([(1, True), (100, False), (200, False)], 0.5) is None
    assert kaplan_meier_quantile([], 0.5) is None


def test_the_page_the_digest_and_the_api_never_show_the_flattering_median_alone(client, manager, settings):
    settings.LANGUAGE_CODE = "en"
    _aged_cases([1], [20, 30, 40, 50, 70, 80, 95, 110])
    client.force_login(manager)
    page = client.get("/reports/loop/").content.decode()
    assert "over 4.6 d" in page and "1 answered · 8 still waiting · oldest waiting 4.6 d" in page
    assert ">1 min<" not in page
    body = client.get("/api/v1/metrics/loop/").json()["overall"]["first_response"]
    assert body["median_minutes"] is None and body["done"] == 1 and body["waiting"] == 8
    from feedback_platform.emails import render_email
    from followup.digest import week_figures

    figures = {**week_figures(timezone.localdate()), "loop": loop_figures(Case.objects.all()), "manager": manager}
    email = render_email("weekly_digest", figures, language="en")
    for body in (email.text, email.html):
        assert "median over 4.6 d · p90 over 4.6 d · 1 answered · 8 still waiting · oldest waiting 4.6 d" in body


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [(None, "—"), (0.4, "under 1 min"), (1, "1 min"), (59.4, "59 min"), (61, "1.0 h"), (3000, "2.1 d")],
)
def test_every_duration_has_its_unit_and_a_sensible_precision(minutes, shown):
    from django.utils import translation

    from followup.templatetags.casework import duration

    with translation.override("en"):
        assert duration(minutes) == shown
