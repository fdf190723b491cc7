"""The agent sees the scheduled re-survey on the case page and may move or cancel it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback_platform.models import ActivityEntry
from followup import cases, recovery
from followup.models import Case, EventKind, RootCause

from .helpers import detractor_case

pytestmark = pytest.mark.django_db


def resolved_case(agent):
    case = detractor_case()
    case.team.members.add(agent) if case.team else None
    cases.resolve_case(
        case=case, agent=agent, root_cause=RootCause.objects.first(), summary="Fixed", subject="Fixed", body="Fixed."
    )
    case.refresh_from_db()
    return case


def test_the_case_page_shows_the_date_and_the_survey_of_the_re_survey(client, agent):
    case = resolved_case(agent)
    client.force_login(agent)
    page = client.get(reverse("followup:case", args=[case.pk])).content.decode()
    when = timezone.localtime(case.recovery_due_at).strftime("%Y-%m-%d %H:%M")
    assert f"“{case.feedback.survey}” will be sent on {when}." in page
    assert 'data-testid="recovery-cancel"' in page and 'type="datetime-local"' in page


def test_an_agent_moves_the_re_survey_and_the_timeline_and_activity_log_say_so(client, agent):
    case = resolved_case(agent)
    client.force_login(agent)
    new_time = (timezone.localtime() + timedelta(days=30)).replace(second=0, microsecond=0)
    response = client.post(
        reverse("followup:recovery", args=[case.pk]),
        {"recovery-action": "move", "recovery-recovery_due_at": new_time.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.recovery_due_at == new_time
    event = case.events.filter(kind=EventKind.RECOVERY).get()
    assert event.actor == agent and "moved" in event.body
    assert ActivityEntry.objects.for_target(case).filter(action="followup.case.resurvey_moved").exists()


def test_a_cancelled_re_survey_is_never_sent(client, agent):
    case = resolved_case(agent)
    client.force_login(agent)
    response = client.post(reverse("followup:recovery", args=[case.pk]), {"recovery-action": "cancel"})
    assert response.status_code == 302
    Case.objects.filter(pk=case.pk).update(resolved_at=timezone.now() - timedelta(days=60))
    assert recovery.send_due_recovery_surveys() == 0
    case.refresh_from_db()
    assert case.recovery_due_at is None and case.recovery_invitation is None
    assert ActivityEntry.objects.for_target(case).filter(action="followup.case.resurvey_cancelled").exists()
    page = client.get(reverse("followup:case", args=[case.pk])).content.decode()
    assert "No re-survey is scheduled." in page and "Re-survey cancelled." in page


def test_moving_into_the_past_or_after_sending_is_a_400_naming_the_field(client, agent):
    case = resolved_case(agent)
    client.force_login(agent)
    url = reverse("followup:recovery", args=[case.pk])
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"recovery-action": "move", "recovery-recovery_due_at": past})
    assert response.status_code == 400 and "Choose a time in the future." in response.content.decode()
    Case.objects.filter(pk=case.pk).update(recovery_due_at=timezone.now() - timedelta(minutes=1))
    assert recovery.send_due_recovery_surveys() == 1
    response = client.post(url, {"recovery-action": "cancel"})
    assert response.status_code == 400
    assert "The re-survey has already been sent." in response.content.decode()


def test_an_agent_of_another_team_cannot_touch_the_re_survey(client, agent, other_team_agent):
    case = resolved_case(agent)
    client.force_login(other_team_agent)
    response = client.post(reverse("followup:recovery", args=[case.pk]), {"recovery-action": "cancel"})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.recovery_due_at is not None
