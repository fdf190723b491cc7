from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from surveys.models import Invitation, Send, SendStatus
from surveys.sending import run_send, send_stats
from surveys.tasks import run_due_sends
from tests.factories import ContactFactory, SurveyFactory

pytestmark = pytest.mark.django_db


def test_a_send_reaches_its_filtered_group_once(django_capture_on_commit_callbacks):
    pros = [ContactFactory(language="ja", attributes={"plan": "pro"}) for _ in range(3)]
    ContactFactory(language="ja", attributes={"plan": "starter"})
    ContactFactory(language="en", attributes={"plan": "pro"})
    send = Send.objects.create(survey=SurveyFactory(), audience={"language": "ja", "plan": "pro"})
    with django_capture_on_commit_callbacks(execute=True):
        assert run_send(send_id=send.pk) == 3
    assert sorted(Invitation.objects.values_list("contact_id", flat=True)) == sorted(c.pk for c in pros)
    assert len(mail.outbox) == 3
    assert run_send(send_id=send.pk) == 0  # done: a second run sends nothing twice
    send.refresh_from_db()
    assert send.status == SendStatus.DONE
    (stats,) = send_stats(Send.objects.all())
    assert (stats["invited"], stats["sent"], stats["answered"], stats["response_rate"]) == (3, 3, 0, 0.0)


def test_sampling_is_stable_and_the_daily_cap_holds():
    for _ in range(40):
        ContactFactory()
    sampled = Send.objects.create(survey=SurveyFactory(), sample_percent=25)
    made = run_send(send_id=sampled.pk)
    assert 2 <= made <= 20
    drawn = set(sampled.invitations.values_list("contact_id", flat=True))
    # The same send run again from the start draws the same contacts, not another quarter of them
    # (a random draw repeats a set of about 10 out of 40 once in hundreds of millions of runs).
    for _ in range(3):
        sampled.invitations.all().delete()
        Send.objects.filter(pk=sampled.pk).update(status=SendStatus.SCHEDULED)
        assert run_send(send_id=sampled.pk) == made
        assert set(sampled.invitations.values_list("contact_id", flat=True)) == drawn
    capped = Send.objects.create(survey=SurveyFactory(throttle_days=0), daily_cap=10)
    assert run_send(send_id=capped.pk) == 10
    assert run_send(send_id=capped.pk) == 0  # the cap for today is spent
    Invitation.objects.filter(send=capped).update(created_at=timezone.now() - timedelta(days=1))
    assert run_send(send_id=capped.pk) == 10  # tomorrow it goes on where it stopped
    assert capped.invitations.values("contact").distinct().count() == 20


def test_a_scheduled_send_waits_for_its_time():
    ContactFactory()
    later = Send.objects.create(survey=SurveyFactory(), scheduled_at=timezone.now() + timedelta(hours=2))
    assert run_due_sends() == 0
    Send.objects.filter(pk=later.pk).update(scheduled_at=timezone.now() - timedelta(minutes=1))
    assert run_due_sends() == 1


def test_a_manager_sends_to_a_filtered_group_from_the_page(client, manager, agent, django_capture_on_commit_callbacks):
    survey = SurveyFactory()
    pros = [ContactFactory(language="ja", attributes={"plan": "pro"}) for _ in range(2)]
    ContactFactory(language="ja", attributes={"plan": "starter"})
    url = f"/surveys/manage/{survey.pk}/send/"
    client.force_login(agent)
    assert client.get(url).status_code == 403
    client.force_login(manager)
    counted = client.post(url, {"language": "ja", "plan": "pro", "sample_percent": 100, "action": "count"})
    assert "2 contacts match these filters." in counted.content.decode() and not Send.objects.exists()
    bad = client.post(url, {"sample_percent": 0, "action": "send"})
    assert bad.status_code == 400 and not Send.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"language": "ja", "plan": "pro", "sample_percent": 100, "action": "send"})
    assert done.status_code == 302
    send = Send.objects.get()
    assert send.audience == {"language": "ja", "plan": "pro"}
    assert sorted(message.to[0] for message in mail.outbox) == sorted(c.email for c in pros)  # at once, by the worker
    (row,) = send_stats(Send.objects.all())
    assert (row["invited"], row["sent"]) == (2, 2)
    assert f"<td>{send.pk}</td><td>2</td><td>2</td>" in client.get(url).content.decode()  # its figures on the page


def test_sends_through_the_api_are_validated_and_scheduled(client, manager, django_capture_on_commit_callbacks):
    survey = SurveyFactory()
    ContactFactory(attributes={"region": "apac"})
    client.force_login(manager)
    bad = client.post(
        f"/api/v1/surveys/{survey.pk}/sends/",
        {"audience": ["ja"], "sample_percent": 101},
        content_type="application/json",
    )
    assert bad.status_code == 400 and set(bad.json()) == {"audience", "sample_percent"}
    later = timezone.now() + timedelta(days=1)
    body = {"audience": {"region": "apac"}, "daily_cap": 50, "scheduled_at": later.isoformat()}
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(f"/api/v1/surveys/{survey.pk}/sends/", body, content_type="application/json")
    assert created.status_code == 201 and created.json()["status"] == "scheduled"
    assert not Invitation.objects.exists() and not mail.outbox  # not due yet: the beat sweep starts it tomorrow
    survey.status = "paused"
    survey.save()
    paused = client.post(f"/api/v1/surveys/{survey.pk}/sends/", {}, content_type="application/json")
    assert paused.status_code == 400 and "survey" in paused.json()
