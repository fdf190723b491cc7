"""Sending to a saved segment and on a schedule: the API, the preview against what is sent, the recurring
sends' spread, their throttle and idempotency."""

from datetime import UTC, datetime, timedelta

import pytest

from feedback_platform.activity import Actor
from surveys.audiences import preview, save_audience
from surveys.models import Audience, Contact, Invitation, InvitationStatus, RecurringSend, Send
from surveys.recurring import hourly_share, run_recurring_send, run_recurring_sends
from surveys.sending import run_send
from tests.factories import ContactFactory, SurveyFactory

pytestmark = pytest.mark.django_db

PRO = [{"field": "attributes.plan", "op": "equals", "value": "pro"}]
BIG = [{"field": "attributes.ltv", "op": "gte", "value": 100}]


def _segment(conditions, name="Pro") -> Audience:
    return save_audience(actor=Actor.system("tests"), audience=Audience(name=name, conditions=conditions))


def test_the_api_saves_a_segment_previews_it_and_names_a_wrong_part(manager_api):
    for ltv in (50, 150, "300"):
        ContactFactory(attributes={"plan": "pro", "ltv": ltv})
    made = manager_api.post("/api/v1/segments/", {"name": "Big pros", "conditions": PRO + BIG}, format="json")
    assert made.status_code == 201, made.json()
    shown = manager_api.get(f"/api/v1/segments/{made.json()['id']}/preview/").json()
    assert shown["count"] == 2 and len(shown["sample"]) == 2
    wrong = [*PRO, {"field": "attributes.ltv", "op": "bigger", "value": 1}]
    refused = manager_api.post("/api/v1/segments/", {"name": "Wrong", "conditions": wrong}, format="json")
    assert refused.status_code == 400 and list(refused.json()) == ["conditions[1].op"]
    refused = manager_api.post("/api/v1/segments/preview/", {"conditions": [{"field": "x"}]}, format="json")
    assert refused.status_code == 400 and "conditions[0].field" in refused.json()
    assert Audience.objects.count() == 1


def test_agents_neither_see_nor_make_segments(client, agent):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent).key}")
    assert api.get("/api/v1/segments/").status_code == 403
    assert api.post("/api/v1/recurring-sends/", {}, format="json").status_code == 403


def test_a_send_to_a_saved_segment_invites_exactly_the_previewed_contacts(
    manager_api, django_capture_on_commit_callbacks
):
    survey, other = SurveyFactory(), SurveyFactory()
    for ltv in (10, 120, 150, "200", "n/a"):
        ContactFactory(attributes={"plan": "pro", "ltv": ltv})
    ContactFactory(attributes={"plan": "starter", "ltv": 500})
    asked = ContactFactory(attributes={"plan": "pro", "ltv": 900})
    Invitation.objects.create(survey=other, contact=asked, status=InvitationStatus.SENT)  # throttled now
    segment = _segment(PRO)
    count, _sample = preview(segment.conditions + BIG)
    assert count == 4
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_api.post(
            f"/api/v1/surveys/{survey.pk}/sends/", {"segment": segment.pk, "conditions": BIG}, format="json"
        )
    assert response.status_code == 201, response.json()
    send = Send.objects.get()
    assert send.segment == segment and send.conditions == PRO + BIG
    invitations = Invitation.objects.filter(send=send)
    assert invitations.count() == count  # the throttled one is there too, skipped with its reason
    assert invitations.get(contact=asked).skip_reason.startswith("throttled")
    # a later change of the segment does not move the send that was made from it
    segment.conditions = [{"field": "language", "op": "equals", "value": "ja"}]
    segment.save()
    send.refresh_from_db()
    assert send.conditions == PRO + BIG


def test_a_send_with_a_wrong_condition_is_refused_with_its_name(manager_api):
    survey = SurveyFactory()
    bad = [{"field": "tags", "op": "has", "value": ""}]
    response = manager_api.post(f"/api/v1/surveys/{survey.pk}/sends/", {"conditions": bad}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["conditions[0].value"]
    assert not Send.objects.exists()


def test_contacts_carry_tags_through_the_api_and_a_file(manager_api):
    made = manager_api.post("/api/v1/contacts/", {"email": "a@example.com", "tags": ["VIP", " beta "]}, format="json")
    assert made.status_code == 201 and made.json()["tags"] == ["beta", "vip"]
    pk = made.json()["id"]
    assert manager_api.patch(f"/api/v1/contacts/{pk}/", {"tags": ["vip"]}, format="json").json()["tags"] == ["vip"]
    assert manager_api.patch(f"/api/v1/contacts/{pk}/", {"tags": "vip"}, format="json").status_code == 400
    csv = b"email,tags\na@example.com,churn-risk; vip\nb@example.com,beta\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    report = manager_api.post("/api/v1/contacts/import/", {"file": SimpleUploadedFile("c.csv", csv)})
    assert report.status_code == 200 and report.json()["errors"] == []
    tagged = {c.email: sorted(t.name for t in c.tags.all()) for c in Contact.objects.all()}
    assert tagged == {"a@example.com": ["churn-risk", "vip"], "b@example.com": ["beta"]}


# Recurring sends. 2026-12-07 is a Monday; the schedules open Monday to Wednesday, 9 to 12 in Tokyo (UTC+9).
MONDAY_10_TOKYO = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


def _schedule(segment, survey=None, **fields) -> RecurringSend:
    defaults = {"every_days": 7, "weekdays": [0, 1, 2], "hour_from": 9, "hour_to": 12, "timezone": "Asia/Tokyo"}
    return RecurringSend.objects.create(survey=survey or SurveyFactory(), segment=segment, **{**defaults, **fields})


def test_a_recurring_send_spreads_its_contacts_over_the_open_hours():
    for _ in range(45):
        ContactFactory(attributes={"plan": "pro"})
    ContactFactory(attributes={"plan": "starter"})
    schedule = _schedule(_segment(PRO), survey=SurveyFactory(throttle_days=0))
    assert hourly_share(schedule, 45) == 5  # 45 a week over 3 days × 3 hours
    made, hour = [], MONDAY_10_TOKYO - timedelta(hours=2)  # 08:00 in Tokyo: closed
    for _ in range(7 * 24):
        made.append(run_recurring_sends(now=hour))
        hour += timedelta(hours=1)
    opened = [n for n in made if n]
    assert sum(made) == 45 and opened == [5] * 9  # every contact once in the week, in equal batches
    assert Invitation.objects.filter(contact__attributes__plan="starter").count() == 0
    # the next week: nobody asked in the last 7 days is due, everybody asked before is
    next_monday = MONDAY_10_TOKYO + timedelta(days=7)
    Invitation.objects.update(created_at=next_monday - timedelta(days=6))
    assert run_recurring_send(schedule_id=schedule.pk, now=next_monday) == 0
    Invitation.objects.update(created_at=next_monday - timedelta(days=7, minutes=1))
    assert run_recurring_send(schedule_id=schedule.pk, now=next_monday + timedelta(hours=1)) == 5


def test_a_recurring_send_runs_only_in_its_hours_and_days():
    ContactFactory(attributes={"plan": "pro"})
    schedule = _schedule(_segment(PRO))
    for closed in (
        MONDAY_10_TOKYO - timedelta(hours=2),  # 08:00
        MONDAY_10_TOKYO + timedelta(hours=2),  # 12:00, the window's end
        MONDAY_10_TOKYO + timedelta(days=3),  # Thursday
    ):
        assert run_recurring_send(schedule_id=schedule.pk, now=closed) == 0
    assert run_recurring_send(schedule_id=schedule.pk, now=MONDAY_10_TOKYO) == 1


def test_a_recurring_send_run_twice_in_an_hour_invites_once():
    for _ in range(30):
        ContactFactory(attributes={"plan": "pro"})
    schedule = _schedule(_segment(PRO))
    first = run_recurring_send(schedule_id=schedule.pk, now=MONDAY_10_TOKYO)
    again = run_recurring_send(schedule_id=schedule.pk, now=MONDAY_10_TOKYO + timedelta(minutes=40))
    assert first == hourly_share(schedule, 30) == 4 and again == 0
    assert Invitation.objects.count() == 4


def test_a_recurring_send_respects_the_throttle_and_waits_a_cycle_for_a_throttled_contact():
    survey, other = SurveyFactory(throttle_days=30), SurveyFactory()
    recent = ContactFactory(attributes={"plan": "pro"})
    Invitation.objects.create(survey=other, contact=recent, status=InvitationStatus.SENT)
    schedule = _schedule(_segment(PRO), survey=survey)
    assert run_recurring_send(schedule_id=schedule.pk, now=MONDAY_10_TOKYO) == 1
    invitation = Invitation.objects.get(survey=survey)
    assert invitation.status == InvitationStatus.SKIPPED and invitation.skip_reason.startswith("throttled")
    # the next hour it is not due again: asked (and skipped) within the schedule's 7 days
    assert run_recurring_send(schedule_id=schedule.pk, now=MONDAY_10_TOKYO + timedelta(hours=1)) == 0


def test_a_paused_survey_or_schedule_invites_nobody():
    ContactFactory(attributes={"plan": "pro"})
    schedule = _schedule(_segment(PRO), survey=SurveyFactory(status="paused"))
    assert run_recurring_send(schedule_id=schedule.pk, now=MONDAY_10_TOKYO) == 0
    RecurringSend.objects.filter(pk=schedule.pk).update(active=False, survey=SurveyFactory())
    assert run_recurring_send(schedule_id=schedule.pk, now=MONDAY_10_TOKYO) == 0
    assert not Invitation.objects.exists()


def test_the_api_makes_a_schedule_and_names_wrong_fields(manager_api):
    segment, survey = _segment(PRO), SurveyFactory()
    good = {"survey": survey.pk, "segment": segment.pk, "every_days": 90, "weekdays": [1, 3]}
    made = manager_api.post("/api/v1/recurring-sends/", {**good, "timezone": "Europe/Paris"}, format="json")
    assert made.status_code == 201, made.json()
    for bad, named in (
        ({"weekdays": [7], "hour_from": 12, "hour_to": 9}, {"weekdays", "hour_to"}),
        ({"timezone": "Mars/Olympus"}, {"timezone"}),
        ({"weekdays": "Monday"}, {"weekdays"}),
        ({"every_days": 0}, {"every_days"}),
    ):
        refused = manager_api.post("/api/v1/recurring-sends/", {**good, **bad}, format="json")
        assert refused.status_code == 400 and set(refused.json()) == named, refused.json()
    assert RecurringSend.objects.count() == 1


def test_run_send_still_reads_plain_audiences():
    ContactFactory(language="ja", attributes={"plan": "pro"})
    ContactFactory(language="en", attributes={"plan": "pro"})
    send = Send.objects.create(survey=SurveyFactory(), audience={"language": "ja", "plan": "pro"})
    assert run_send(send_id=send.pk) == 1
