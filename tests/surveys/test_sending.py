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
