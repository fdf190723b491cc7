"""A review import never stays "running": a row the database cannot store is that row's error, and anything
unexpected ends the job as failed with the cause, in its error report."""

import json

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from feedback_platform.models import ActivityEntry
from reviews import import_jobs
from reviews.import_jobs import run_import
from reviews.models import Feedback, ImportJob

pytestmark = pytest.mark.django_db


def job_for(text: str, manager, filename="tmall.csv") -> ImportJob:
    return ImportJob.objects.create(data=text.encode(), filename=filename, platform="tmall", created_by=manager)


def test_a_nul_in_a_review_file_is_that_rows_error_and_the_other_rows_are_kept(manager):
    rows = [f"r-{n},4,Fine {n},2026-11-01" for n in range(1, 501)]
    rows[9] = "r-10,2,Broken\x00text,2026-11-01"
    job = job_for("review_id,rating,text,date\n" + "\n".join(rows) + "\n", manager)
    run_import(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.message
    assert job.errors == [
        {
            "row": 11,
            "field": "comment",
            "reason": "contains a NUL character or an unpaired surrogate, which cannot be stored",
        }
    ]
    assert (job.created, job.failed) == (499, 1)
    assert Feedback.objects.count() == 499


def test_a_review_id_too_long_for_its_column_is_that_rows_error(manager):
    job = job_for(f"review_id,rating\n{'i' * 199},4\nr-2,5\n", manager)  # with "tmall:", 205 > 200
    run_import(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.message
    assert [(e["row"], e["field"], e["reason"]) for e in job.errors] == [
        (2, "external_id", "longer than 149 characters")
    ]
    assert list(Feedback.objects.values_list("external_id", flat=True)) == ["tmall:r-2"]


def test_an_unexpected_error_ends_the_import_as_failed_with_its_cause(manager, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(import_jobs, "import_reviews", broken)
    job = job_for("review_id,rating\nr-1,4\n", manager)
    run_import(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.finished_at is not None
    assert "disk on fire" not in job.message  # the cause is logged for us; the manager reads what to do
    assert job.message and job.errors == [{"row": None, "field": "file", "reason": job.message}]
    assert ActivityEntry.objects.filter(action="reviews.import.failed").exists()


def test_a_nul_in_a_feedback_batch_is_that_items_error_and_the_valid_items_are_kept(manager):
    manager.user_permissions.add(Permission.objects.get(codename="add_feedback"))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=manager).key}")
    items = [
        {"external_id": "a-1", "score": 4, "comment": "Nice"},
        {"external_id": "a-2", "score": 2, "comment": "Bad\u0000"},
        {"external_id": "a-3", "score": 2, "comment": "Lone \ud800 surrogate"},
        {"external_id": "a-4", "score": 5, "author_name": "Mei\u0000"},
    ]
    response = api.post("/api/v1/feedback/", json.dumps(items), content_type="application/json")  # \u escapes
    assert response.status_code == 207, response.content
    errors = response.json()["errors"]
    assert [(e["index"], list(e["fields"])) for e in errors] == [
        (1, ["comment"]),
        (2, ["comment"]),
        (3, ["author_name"]),
    ]
    assert list(Feedback.objects.values_list("external_id", flat=True)) == ["a-1"]


def _stall(job: ImportJob, *, minutes: int, attempts: int = 1) -> None:
    """What a worker killed mid-import leaves: the job running, its heartbeat stopped `minutes` ago."""
    from datetime import timedelta

    from django.utils import timezone

    then = timezone.now() - timedelta(minutes=minutes)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=then, heartbeat_at=then, attempts=attempts
    )


def test_an_import_whose_worker_died_is_taken_over_by_the_sweep_and_adds_only_the_rest(manager):
    from reviews.tasks import sweep_unfinished_work

    rows = [f"r-{n},4,Fine {n},2026-11-01" for n in range(1, 41)]
    job = job_for("review_id,rating,text,date\n" + "\n".join(rows) + "\n", manager)
    first_half = job_for("review_id,rating,text,date\n" + "\n".join(rows[:20]) + "\n", manager)
    run_import(job_id=first_half.pk)  # the rows the dead worker had saved
    _stall(job, minutes=3)
    run_import(job_id=job.pk)  # a redelivered message while the worker may still be alive: left alone
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.RUNNING
    sweep_unfinished_work()
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.RUNNING  # not silent long enough
    _stall(job, minutes=11)
    sweep_unfinished_work()
    job.refresh_from_db()
    assert (job.status, job.attempts, job.created) == (ImportJob.Status.DONE, 2, 20), job.message
    assert Feedback.objects.count() == 40


def test_an_import_that_keeps_losing_its_worker_ends_failed_and_says_why(manager):
    from reviews.tasks import sweep_unfinished_work

    job = job_for("review_id,rating\nr-1,4\n", manager)
    _stall(job, minutes=11, attempts=import_jobs.MAX_ATTEMPTS)
    sweep_unfinished_work()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "stopped 3 times" in job.message and job.errors[0]["field"] == "file"
    assert not Feedback.objects.exists()
    assert ActivityEntry.objects.filter(action="reviews.import.failed", target_id=str(job.pk)).exists()


def test_an_import_whose_message_was_lost_is_published_again(manager):
    from datetime import timedelta

    from django.utils import timezone

    from reviews.tasks import sweep_unfinished_work

    job = job_for("review_id,rating\nr-1,4\n", manager)
    sweep_unfinished_work()
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.QUEUED  # its message may be on its way
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    sweep_unfinished_work()
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE
