"""An answer is committed first; its Feedback, rules, case and emails follow in the worker, and a sweep
publishes again whatever a lost task left undone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback_platform.celery import app as celery_app
from followup.models import Case
from reviews import sweeps
from reviews.models import Feedback
from reviews.tasks import sweep_unfinished_work
from surveys.models import Answer
from tests.surveys.helpers import sent_invitation

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules_broken():
    """The rule engine raises until the test fixes it; the task's error stays in the worker, as in production."""
    patch = pytest.MonkeyPatch()

    def explode(**kwargs):
        raise RuntimeError("a bug in a follow-up rule")

    patch.setattr("followup.rules.act_on_feedback", explode)
    celery_app.conf.task_eager_propagates = False
    yield patch
    patch.undo()
    celery_app.conf.task_eager_propagates = True


def test_a_failing_rule_engine_loses_no_answer_and_the_sweep_finishes_the_loop(
    client, rules_broken, django_capture_on_commit_callbacks, settings
):
    invitation, token = sent_invitation()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/s/{token}/", {"score": 2, "comment": "Third time the parcel is late"})
    assert response.status_code == 200
    answer = Answer.objects.get(invitation=invitation)
    assert (answer.score, answer.comment) == (2, "Third time the parcel is late")
    assert not Feedback.objects.exists() and not Case.objects.exists()  # rolled back with the failing task

    rules_broken.undo()  # the fault is fixed; a minute later the beat's sweep comes by
    settings.SWEEP_AFTER_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_unfinished_work() == 1
    feedback = Feedback.objects.get(answer=answer)
    assert feedback.segment == "detractor"
    assert Case.objects.filter(feedback=feedback).count() == 1


def test_the_sweep_leaves_done_and_fresh_work_alone(settings):
    invitation, _ = sent_invitation()
    answer = Answer.objects.create(invitation=invitation, survey=invitation.survey, contact=invitation.contact, score=9)
    settled, since = timezone.now() + timedelta(seconds=1), timezone.now() - timedelta(days=1)
    assert sweeps.answers_not_ingested(settled_before=settled, since=since) == [answer.pk]
    # Too fresh: its own task may still be on its way.
    assert sweeps.answers_not_ingested(settled_before=timezone.now() - timedelta(minutes=1), since=since) == []

    from reviews.ingest import ingest_recorded_answer

    assert ingest_recorded_answer(answer_id=answer.pk) is not None
    assert sweeps.answers_not_ingested(settled_before=settled, since=since) == []
    assert ingest_recorded_answer(answer_id=answer.pk) is None  # a second delivery of the task does nothing

    answer.comment = "Changed my mind"
    answer.save()
    assert sweeps.answers_not_ingested(settled_before=timezone.now() + timedelta(seconds=1), since=since) == [answer.pk]
