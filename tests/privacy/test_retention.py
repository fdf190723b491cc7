"""Retention: a nightly sweep anonymises old feedback and closed cases; the reports read the same after it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback_platform.activity import Actor
from feedback_platform.erasure import ERASED
from followup import kpis
from followup.models import Case, CaseEvent, CaseStatus, InboundEmail, OutboxEmail, RetentionPolicy
from followup.retention import set_retention_months, sweep_retention
from reviews import reports, rollups
from reviews.models import Feedback, ImportJob
from surveys.models import Answer
from tests.factories import ContactFactory
from tests.privacy.world import person_with_history

pytestmark = pytest.mark.django_db


def all_reports() -> dict:
    rollups.rebuild_all()
    today = timezone.localdate()
    start = today - timedelta(days=800)
    report = reports.parse_filter({"from": str(start), "to": str(today), "interval": "month"}, kind="nps")
    return {
        "headline": reports.summary(report),
        "trend": reports.trend(report),
        "breakdowns": {by: reports.breakdown(report, by) for by in ("plan", "region", "source", "language")},
        "loop": kpis.loop_report(start=start, end=today, by="segment"),
    }


def aged(days: int, **history):
    contact, survey, answer, feedback, case = person_with_history(**history)
    contact.attributes = {"plan": "pro", "region": "apac"}
    contact.save()
    then = timezone.now() - timedelta(days=days)
    Feedback.objects.filter(pk=feedback.pk).update(received_at=then)
    Answer.objects.filter(pk=answer.pk).update(answered_at=then)
    Case.objects.filter(pk=case.pk).update(opened_at=then, resolved_at=then + timedelta(hours=5))
    OutboxEmail.objects.filter(case=case).update(created_at=then, status="sent")
    return feedback, case


def copies_of_words(days: int, words: str):
    """An unmatched emailed reply, a staff notification quoting a comment and a finished import file."""
    then = timezone.now() - timedelta(days=days)
    reply = InboundEmail.objects.create(
        message_id=f"<{days}@example.com>", sender="x@example.com", body=words, outcome="unmatched", received_at=then
    )
    note = OutboxEmail.objects.create(
        idempotency_key=f"notify:1:{days}:", to_email="agent@example.com", subject="New detractor", body_text=words
    )
    OutboxEmail.objects.filter(pk=note.pk).update(created_at=then, status="sent")
    job = ImportJob.objects.create(filename="r.csv", data=f"id,score,comment\n1,1,{words}\n".encode(), platform="x")
    ImportJob.objects.filter(pk=job.pk).update(created_at=then, status=ImportJob.Status.DONE)
    return reply, note, job


def test_the_sweep_anonymises_old_feedback_and_closed_cases_and_reports_stay(monkeypatch):
    now = timezone.now()
    monkeypatch.setattr(kpis.timezone, "now", lambda: now)  # an open case's waiting time: read at one moment
    old_feedback, old_case = aged(400, name="Old Person", email="old@example.com", comment="slow delivery, sad")
    open_feedback, open_case = aged(400, name="Open Person", email="open@example.com", comment="still waiting")
    Case.objects.filter(pk=open_case.pk).update(status=CaseStatus.IN_PROGRESS, resolved_at=None)
    new_feedback, _ = aged(10, name="New Person", email="new@example.com", comment="recent words")
    old_copies, new_copies = copies_of_words(400, "old words"), copies_of_words(10, "new words")
    ContactFactory()
    set_retention_months(actor=Actor.system("test"), months=12)
    before = all_reports()

    done = sweep_retention(now=now)

    assert done == {"feedback": 1, "cases": 1, "emails": 2, "replies": 1, "files": 1}
    old_feedback.refresh_from_db()
    assert (old_feedback.comment, old_feedback.author_name, old_feedback.score) == (ERASED, "", 2)
    assert Answer.objects.get(pk=old_feedback.answer_id).comment == ERASED
    assert Case.objects.get(pk=old_case.pk).resolution_summary == ERASED
    assert set(CaseEvent.objects.filter(case=old_case).values_list("body", flat=True)) == {ERASED}
    assert Feedback.objects.get(pk=open_feedback.pk).comment == "still waiting"  # an open case keeps its words
    assert Feedback.objects.get(pk=new_feedback.pk).comment == "recent words"
    reply, note, job = (type(row).objects.get(pk=row.pk) for row in old_copies)
    assert (reply.body, note.body_text, bytes(job.data)) == (ERASED, ERASED, ERASED.encode())
    assert OutboxEmail.objects.get(case=old_case).body_text == ERASED
    assert OutboxEmail.objects.get(case=open_case).body_text != ERASED
    reply, note, job = (type(row).objects.get(pk=row.pk) for row in new_copies)
    assert (reply.body, note.body_text, b"new words" in bytes(job.data)) == ("new words", "new words", True)
    assert all_reports() == before
    assert not any(sweep_retention().values())  # idempotent


def test_zero_months_keeps_everything():
    feedback, _ = aged(4000)
    assert RetentionPolicy.current().months == 0
    assert not any(sweep_retention().values())
    assert Feedback.objects.get(pk=feedback.pk).comment != ERASED
