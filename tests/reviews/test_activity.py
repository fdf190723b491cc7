"""Review imports and the topic taxonomy record their activity: the manager who started, the system that finished."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from feedback_platform.models import ActivityEntry, ActorKind
from reviews.import_jobs import run_import
from reviews.models import ImportJob

pytestmark = pytest.mark.django_db

REVIEWS = "review_id,rating,text,date\nr-1,2,Parcel never came,2026-11-01\nr-2,5,Great,2026-11-02\n"


def test_an_import_from_the_page_records_who_started_it_and_the_system_finishing_it(client, manager):
    client.force_login(manager)
    upload = SimpleUploadedFile("tmall.csv", REVIEWS.encode())
    response = client.post(reverse("reviews:imports"), {"file": upload, "platform": "tmall"})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    started = ActivityEntry.objects.get(action="reviews.import.started")
    assert (started.actor_kind, started.actor_user, started.target_id) == (ActorKind.USER, manager, str(job.pk))
    assert started.target_label == "tmall.csv" and started.payload["platform"] == "tmall"
    finished = ActivityEntry.objects.get(action__in=["reviews.import.finished", "reviews.import.failed"])
    assert finished.action == "reviews.import.finished", ImportJob.objects.get().message
    assert finished.actor_kind == ActorKind.SYSTEM and finished.actor_label == "reviews.run_import"
    assert finished.payload["rows"] == 2 and finished.target_id == str(job.pk)


def test_an_unreadable_import_is_recorded_as_failed_by_the_system(manager):
    job = ImportJob.objects.create(data=b"\x00\x01\x02", filename="broken.xlsx", platform="tmall", created_by=manager)
    run_import(job_id=job.pk)
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.FAILED
    failed = ActivityEntry.objects.get(action="reviews.import.failed")
    assert failed.actor_kind == ActorKind.SYSTEM and failed.target_id == str(job.pk)


def test_the_encoding_picked_on_the_form_reads_the_file(client, manager):
    """Kanji-only names read as Chinese by detection: the user who knows the file is Shift_JIS says so."""
    from reviews.models import Feedback

    client.force_login(manager)
    names = "review_id,rating,author\nr-1,2,山田太郎\nr-2,5,佐藤花子\n".encode("shift_jis")
    upload = SimpleUploadedFile("rakuten.csv", names)
    form = {"file": upload, "platform": "rakuten", "encoding": "shift_jis"}
    assert client.post(reverse("reviews:imports"), form).status_code == 302
    job = ImportJob.objects.get()
    assert (job.status, job.encoding) == (ImportJob.Status.DONE, "shift_jis"), job.message
    assert sorted(Feedback.objects.values_list("author_name", flat=True)) == ["佐藤花子", "山田太郎"]
    wrong = {"file": SimpleUploadedFile("again.csv", names), "platform": "rakuten", "encoding": "utf-8"}
    assert client.post(reverse("reviews:imports"), wrong).status_code == 302
    failed = ImportJob.objects.get(filename="again.csv")
    assert failed.status == ImportJob.Status.FAILED
    assert failed.message == "This file is not UTF-8: choose another encoding, or Detect."
    assert client.post(reverse("reviews:imports"), {**wrong, "encoding": "ebcdic"}).status_code == 400
