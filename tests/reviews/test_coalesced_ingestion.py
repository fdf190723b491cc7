"""Customers' answers reach the worker through a Redis set and one drain task per burst (the customer's
request pays one Redis round trip, not a Celery publish); a lost drain or a Redis outage loses no answer."""

import time

import pytest
from django.conf import settings as django_settings

from feedback_platform import publishing
from feedback_platform.celery import app as celery_app
from reviews.models import Feedback
from reviews.tasks import PENDING_ANSWERS, ingest_pending_answers_task
from surveys.models import Answer
from tests.surveys.helpers import sent_invitation

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not django_settings.REDIS_URL, reason="the pending set lives in Redis; CI runs this with it"),
]


@pytest.fixture
def published(monkeypatch):
    """Tasks published from here, by name, instead of onto the broker (no worker runs: the test drains)."""
    names: list[str] = []
    monkeypatch.setattr(publishing, "publish_now", lambda task, *args, **kwargs: names.append(task.name) or True)
    celery_app.conf.task_always_eager = False
    client = publishing._redis()
    key = publishing._pending_key(PENDING_ANSWERS)
    client.delete(key, f"{key}:drain-queued")
    yield names
    client.delete(key, f"{key}:drain-queued")


def answer(client, score: int) -> Answer:
    invitation, token = sent_invitation()
    response = client.post(f"/s/{token}/", {"score": score, "step": "score"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return Answer.objects.get(invitation=invitation)


def test_a_burst_of_answers_publishes_one_drain_that_ingests_every_one(client, published):
    answers = [answer(client, score) for score in (2, 7, 10, 0, 9)]
    assert published == ["reviews.tasks.ingest_pending_answers_task"]  # one publish for the burst, not five
    assert not Feedback.objects.exists()

    assert ingest_pending_answers_task() == 5
    assert sorted(Feedback.objects.values_list("answer_id", flat=True)) == sorted(a.pk for a in answers)
    answer(client, 3)  # the drain cleared its flag: the next answer publishes the next drain
    assert published == ["reviews.tasks.ingest_pending_answers_task"] * 2


def test_a_lost_drain_only_delays_the_next_one(client, published, monkeypatch):
    monkeypatch.setattr(publishing, "DRAIN_QUEUED_SECONDS", 1)
    first = answer(client, 1)  # its drain is published, then lost (the worker died, the broker restarted)
    time.sleep(1.2)
    second = answer(client, 2)
    assert len(published) == 2  # the flag of the lost drain expired, so the second answer published again
    assert ingest_pending_answers_task() == 2
    assert Feedback.objects.filter(answer__in=[first, second]).count() == 2


def test_with_redis_down_the_answer_is_stored_and_left_to_the_sweep(client, published, monkeypatch):
    monkeypatch.setattr(publishing, "_redis", lambda: publishing.redis.Redis(port=1, socket_connect_timeout=0.2))
    stored = answer(client, 2)
    assert stored.score == 2 and published == []
    assert not Feedback.objects.exists()  # the sweep's to publish (tests/reviews/test_after_commit.py)


def test_a_drain_with_more_waiting_publishes_one_more_so_free_workers_help(client, published):
    for score in (2, 7, 10, 0, 9):
        answer(client, score)
    handled: list[int] = []
    drained = publishing.drain_pending(PENDING_ANSWERS, handled.append, drain_task=ingest_pending_answers_task, batch=2)
    assert drained == 5 and len(set(handled)) == 5
    # the answers' own drain, then one more while the first two were handled (the flag keeps it to one)
    assert published == ["reviews.tasks.ingest_pending_answers_task"] * 2
