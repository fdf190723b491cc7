import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from feedback_platform.emails import RenderedEmail
from followup import outbox
from followup.models import OutboxEmail, OutboxStatus
from followup.tasks import relay_pending_outbox
from surveys.models import Suppression

pytestmark = pytest.mark.django_db


def queued(key="apology:1") -> OutboxEmail:
    email = RenderedEmail(subject="Sorry", text="We are sorry.", html="<p>We are sorry.</p>")
    return outbox.queue_email(key=key, to="ada@example.com", email=email, language="en")


def test_one_key_makes_one_row():
    first, again = queued(), queued()
    assert first.pk == again.pk
    assert OutboxEmail.objects.count() == 1


def test_delivering_twice_sends_once():
    row = queued()
    assert outbox.deliver_email(outbox_id=row.pk) == "sent"
    assert outbox.deliver_email(outbox_id=row.pk) == "sent"
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT and row.attempts == 1
    assert row.provider_message_id == mail.outbox[0].extra_headers["Message-ID"]


class FailingBackend:
    """An email backend whose server answers with a chosen SMTP error."""

    error = None

    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        raise FailingBackend.error


@pytest.fixture
def failing_backend(settings):
    settings.EMAIL_BACKEND = "tests.followup.test_outbox.FailingBackend"
    return FailingBackend


def test_a_temporary_refusal_is_retried_later(failing_backend):
    failing_backend.error = smtplib.SMTPDataError(451, b"try again later")
    row = queued()
    assert outbox.deliver_email(outbox_id=row.pk) == "retry"
    row.refresh_from_db()
    assert row.status == OutboxStatus.AWAITING_RETRY and row.attempts == 1
    assert row.next_attempt_at > timezone.now()
    assert outbox.deliver_email(outbox_id=row.pk) == "not_due"  # not before its back-off is over
    assert "451" in row.last_error


def test_a_permanent_refusal_fails_without_retry(failing_backend):
    failing_backend.error = smtplib.SMTPRecipientsRefused({"ada@example.com": (550, b"no such user")})
    row = queued()
    assert outbox.deliver_email(outbox_id=row.pk) == "failed"
    row.refresh_from_db()
    assert row.status == OutboxStatus.FAILED and "550" in row.last_error


def test_temporary_errors_give_up_after_the_last_attempt(failing_backend):
    failing_backend.error = ConnectionRefusedError("mail server down")
    row = queued()
    results = []
    for _ in range(outbox.MAX_ATTEMPTS):
        results.append(outbox.deliver_email(outbox_id=row.pk))
        OutboxEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())  # the back-off is over
    assert results == ["retry"] * (outbox.MAX_ATTEMPTS - 1) + ["failed"]


def published_by_the_relay(monkeypatch) -> list:
    published = []
    monkeypatch.setattr("feedback_platform.delivery.publish_now", lambda model, ids, **kw: published.extend(ids))
    return published


def test_the_relay_republishes_only_stuck_rows(monkeypatch):
    published = published_by_the_relay(monkeypatch)
    stuck, fresh, sent, backing_off, abandoned, sending = (queued(f"a:{n}") for n in range(6))
    old = timezone.now() - timedelta(minutes=5)
    OutboxEmail.objects.exclude(pk=fresh.pk).update(created_at=old, send_after=old)
    OutboxEmail.objects.filter(pk=sent.pk).update(status=OutboxStatus.SENT)
    OutboxEmail.objects.filter(pk=backing_off.pk).update(
        status=OutboxStatus.AWAITING_RETRY, attempts=1, next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    OutboxEmail.objects.filter(pk=abandoned.pk).update(
        status=OutboxStatus.INFLIGHT, attempts=1, inflight_since=timezone.now() - timedelta(hours=1)
    )
    OutboxEmail.objects.filter(pk=sending.pk).update(
        status=OutboxStatus.INFLIGHT, attempts=1, inflight_since=timezone.now() - timedelta(seconds=5)
    )
    assert relay_pending_outbox() == 2
    assert published == [stuck.pk, abandoned.pk]


def test_a_delayed_email_waits_until_due_then_the_relay_publishes_it(monkeypatch):
    published_by_the_relay(monkeypatch)
    email = RenderedEmail(subject="Thanks", text="Thank you.", html="")
    later = outbox.queue_email(
        key="thanks:1",
        to="ada@example.com",
        email=email,
        language="en",
        send_after=timezone.now() + timedelta(minutes=5),
    )
    assert outbox.deliver_email(outbox_id=later.pk) == "not_due"
    assert relay_pending_outbox() == 0
    now = timezone.now()  # five minutes later:
    OutboxEmail.objects.filter(pk=later.pk).update(
        created_at=now - timedelta(minutes=5), send_after=now, next_attempt_at=now
    )
    assert relay_pending_outbox() == 1
    assert outbox.deliver_email(outbox_id=later.pk) == "sent"
    assert len(mail.outbox) == 1


def test_a_suppressed_address_is_withheld():
    Suppression.objects.create(email="ADA@example.com", reason="unsubscribed")
    row = queued()
    assert outbox.deliver_email(outbox_id=row.pk) == "withheld"
    assert not mail.outbox
