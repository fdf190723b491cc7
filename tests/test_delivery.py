"""The delivery machine (feedback_platform/delivery.py) against a real SMTP server on loopback that accepts,
refuses for good (550) and refuses for now (451); and the sending-path rules it applies, one definition each."""

import re
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core.exceptions import ValidationError
from django.core.mail.backends.smtp import EmailBackend
from django.db import connection
from django.utils import timezone

from feedback_platform import delivery
from feedback_platform.celery import app as celery_app
from feedback_platform.emails import RenderedEmail
from feedback_platform.tasks import deliver_task, relay_deliveries
from followup import outbox
from followup.models import OutboxEmail, OutboxStatus
from surveys import services
from surveys.models import (
    Invitation,
    InvitationStatus,
    Reminder,
    Send,
    Suppression,
    Survey,
    SurveyStatus,
    is_suppressed,
)
from surveys.sending import queue_due_reminders, schedule_send, survey_stats
from tests.conftest import SinkHandler, free_port
from tests.factories import ContactFactory, SurveyFactory

pytestmark = pytest.mark.django_db


class RefusingHandler(SinkHandler):
    """Accepts, except: refused…@ gets 550 (for good), rejected…@ a 554 after the message, and an address in
    `temporary` gets 451 that many times."""

    def __init__(self):
        super().__init__()
        self.temporary = {}
        self.peers = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused"):
            return "550 5.1.1 No such user here"
        if self.temporary.get(address, 0) > 0:
            self.temporary[address] -= 1
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.peers.append(session.peer)
        if any(address.startswith("rejected") for address in envelope.rcpt_tos):
            return "554 5.7.1 Message rejected as spam"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def sink(settings):
    handler = RefusingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "tests.test_delivery.WatchedBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    WatchedBackend.in_transaction.clear()
    yield handler
    controller.stop()


class WatchedBackend(EmailBackend):
    """Django's SMTP backend, noting for every message whether a database transaction was open."""

    in_transaction = []

    def send_messages(self, email_messages):
        WatchedBackend.in_transaction.append(connection.in_atomic_block)
        return super().send_messages(email_messages)


def links_in(message) -> set[str]:
    return set(re.findall(rb"/s/([A-Za-z0-9_-]{43})/", message.content))


def invite(survey, contact, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.invite_contact(survey=survey, contact=contact)


def test_a_refused_invitation_fails_with_its_error_shows_on_the_figures_and_does_not_throttle(
    sink, client, manager, django_capture_on_commit_callbacks
):
    survey, contact = SurveyFactory(), ContactFactory(email="refused@example.com")
    invitation = invite(survey, contact, django_capture_on_commit_callbacks)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.FAILED and "550" in invitation.last_error
    assert not sink.messages
    (row,) = survey_stats(Survey.objects.filter(pk=survey.pk))
    assert (row["invited"], row["sent"], row["failed"]) == (1, 0, 1)
    client.force_login(manager)
    assert client.get(f"/api/v1/surveys/{survey.pk}/stats/").json()["survey"]["failed"] == 1
    assert "1 invitation refused" in client.get("/surveys/contacts/").content.decode()
    again = services.invite_contact(survey=SurveyFactory(), contact=contact)
    assert (again.status, again.skip_reason) == (InvitationStatus.QUEUED, "")  # never asked: not throttled


def test_a_message_refused_after_its_data_fails_for_good(sink, django_capture_on_commit_callbacks):
    invitation = invite(
        SurveyFactory(), ContactFactory(email="rejected@example.com"), django_capture_on_commit_callbacks
    )
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.FAILED and "554" in invitation.last_error


def test_a_temporary_refusal_is_retried_then_sent_with_a_working_link(sink, client, django_capture_on_commit_callbacks):
    contact = ContactFactory(email="busy@example.com")
    sink.temporary[contact.email] = 1
    invitation = invite(SurveyFactory(), contact, django_capture_on_commit_callbacks)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.AWAITING_RETRY and "451" in invitation.last_error
    assert invitation.next_attempt_at > timezone.now() and not sink.messages
    assert relay_deliveries() == 0  # not before its back-off is over
    Invitation.objects.filter(pk=invitation.pk).update(next_attempt_at=timezone.now())
    assert relay_deliveries() == 1
    invitation.refresh_from_db()
    assert (invitation.status, invitation.attempts, invitation.last_error) == (InvitationStatus.SENT, 2, "")
    (token,) = links_in(sink.messages[0])
    assert client.get(f"/s/{token.decode()}/").status_code == 200


def test_an_invitation_sent_again_after_a_lost_worker_carries_the_same_working_link(
    sink, client, django_capture_on_commit_callbacks
):
    """The worker sent the email, then died before recording it: the relay sends it again after the
    in-flight timeout. Both copies carry one link, and it works."""
    invitation = invite(SurveyFactory(), ContactFactory(), django_capture_on_commit_callbacks)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Invitation.objects.filter(pk=invitation.pk).update(status=InvitationStatus.INFLIGHT, inflight_since=an_hour_ago)
    assert relay_deliveries() == 1
    first, second = sink.messages
    assert links_in(first) == links_in(second) and len(links_in(first)) == 1
    (token,) = links_in(first)
    assert client.get(f"/s/{token.decode()}/").status_code == 200


def test_a_row_whose_task_was_lost_is_relayed(sink):
    invitation = services.invite_contact(survey=SurveyFactory(), contact=ContactFactory())  # never published:
    email = RenderedEmail(subject="Sorry", text="We are sorry.", html="")  # the test's transaction never commits
    apology = outbox.queue_email(key="apology:1", to="ada@example.com", email=email, language="en")
    assert relay_deliveries() == 0  # too fresh: its own task is probably on its way
    a_while_ago = timezone.now() - timedelta(minutes=5)
    Invitation.objects.filter(pk=invitation.pk).update(created_at=a_while_ago)
    OutboxEmail.objects.filter(pk=apology.pk).update(created_at=a_while_ago)
    assert relay_deliveries() == 2
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.SENT
    assert OutboxEmail.objects.get(pk=apology.pk).status == OutboxStatus.SENT
    assert len(sink.messages) == 2


def test_a_redelivered_task_sends_once(sink):
    survey = SurveyFactory()
    ids = [services.invite_contact(survey=survey, contact=ContactFactory()).pk for _ in range(3)]
    Invitation.objects.filter(pk=ids[0]).update(status=InvitationStatus.INFLIGHT, inflight_since=timezone.now())
    first = deliver_task(f"{Invitation._meta.label}", ids)  # the first copy; the row in flight elsewhere is left
    again = deliver_task(f"{Invitation._meta.label}", ids)
    assert first == {ids[0]: "inflight", ids[1]: "sent", ids[2]: "sent"}
    assert again == {ids[0]: "inflight", ids[1]: "sent", ids[2]: "sent"}
    assert len(sink.messages) == 2


@pytest.mark.django_db(transaction=True)
def test_the_smtp_conversation_has_no_transaction_open_and_a_batch_shares_one_connection(sink, monkeypatch):
    monkeypatch.setattr(delivery, "publish_now", lambda *args, **kwargs: None)  # these commit: no task yet
    survey = SurveyFactory()
    ids = [services.invite_contact(survey=survey, contact=ContactFactory()).pk for _ in range(2)]
    refused = services.invite_contact(survey=survey, contact=ContactFactory(email="refused@example.com"))
    ids += [services.invite_contact(survey=survey, contact=ContactFactory()).pk for _ in range(3)]
    email = RenderedEmail(subject="Sorry", text="We are sorry.", html="")
    apology = outbox.queue_email(key="apology:1", to="ada@example.com", email=email, language="en")
    outcomes = delivery.deliver(model=Invitation, ids=[*ids, refused.pk])
    assert outcomes == {**dict.fromkeys(ids, "sent"), refused.pk: "failed"}
    assert outbox.deliver_email(outbox_id=apology.pk) == "sent"
    assert WatchedBackend.in_transaction == [False] * 7
    assert len(sink.messages) == 6
    assert len(set(sink.peers[:5])) == 1  # one connection for the batch, the 550 in its middle included


def test_publishing_never_fails_the_request_whose_data_committed(monkeypatch, django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(deliver_task, "apply_async", broker_down)
    celery_app.conf.task_eager_propagates = False  # as in production: a publishing error is not the caller's
    try:
        with django_capture_on_commit_callbacks(execute=True):
            invitation = services.invite_contact(survey=SurveyFactory(), contact=ContactFactory())
    finally:
        celery_app.conf.task_eager_propagates = True
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.QUEUED  # the relay sends it later


def test_a_batch_is_checked_and_inserted_set_based_and_published_once(monkeypatch, django_capture_on_commit_callbacks):
    published = []
    monkeypatch.setattr(delivery, "publish_now", lambda model, ids, **kw: published.append(list(ids)))
    survey = SurveyFactory()
    asked = ContactFactory()
    services.invite_contact(survey=SurveyFactory(), contact=asked)
    archived = ContactFactory(archived_at=timezone.now())
    suppressed = ContactFactory(email="Quiet@Example.com")
    Suppression.objects.create(email="quiet@example.COM", reason="unsubscribed")
    fresh = [ContactFactory() for _ in range(5)]
    published.clear()
    contacts = [asked, archived, suppressed, *fresh]
    with django_capture_on_commit_callbacks(execute=True):
        made = services.invite_contacts(
            survey=survey, contacts=contacts, idempotency_keys=[f"k{c.pk}" for c in contacts]
        )
        again = services.invite_contacts(
            survey=survey, contacts=contacts, idempotency_keys=[f"k{c.pk}" for c in contacts]
        )
    assert [i.pk for i in again] == [i.pk for i in made]
    assert [i.skip_reason.split(":")[0] for i in made] == ["throttled", "contact archived", "suppressed"] + [""] * 5
    assert published == [[i.pk for i in made[3:]]]  # one publish for the batch, nothing for the repeat


def test_the_worker_gets_one_task_per_batch_not_one_per_row(monkeypatch):
    tasks = []
    monkeypatch.setattr(deliver_task, "apply_async", lambda args, **kwargs: tasks.append(args))
    delivery.publish_now(Invitation, list(range(1, 451)))
    assert [(label, len(ids)) for label, ids in tasks] == [("surveys.Invitation", 200)] * 2 + [
        ("surveys.Invitation", 50)
    ]


def test_the_reminder_rule_has_one_definition_with_two_twins():
    """Each invitation breaks one condition of `may_be_reminded`: both twins must turn each of them down."""
    from surveys.models import Answer
    from tests.surveys.helpers import sent_invitation

    good, _ = sent_invitation()
    broken = {}
    broken["queued"], _ = sent_invitation()
    Invitation.objects.filter(pk=broken["queued"].pk).update(status=InvitationStatus.QUEUED)
    broken["reminded"], _ = sent_invitation()
    Invitation.objects.filter(pk=broken["reminded"].pk).update(reminded_at=timezone.now())
    broken["bounced"], _ = sent_invitation()
    Invitation.objects.filter(pk=broken["bounced"].pk).update(bounced_at=timezone.now())
    broken["expired"], _ = sent_invitation()
    Invitation.objects.filter(pk=broken["expired"].pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    broken["paused"], _ = sent_invitation(survey=SurveyFactory(status=SurveyStatus.PAUSED))
    broken["archived survey"], _ = sent_invitation(survey=SurveyFactory(status=SurveyStatus.ARCHIVED))
    broken["archived contact"], _ = sent_invitation(contact=ContactFactory(archived_at=timezone.now()))
    broken["answered"], _ = sent_invitation()
    Answer.objects.create(invitation=broken["answered"], survey=broken["answered"].survey, score=9)
    broken["suppressed"], _ = sent_invitation(contact=ContactFactory(email="Gone@Example.com"))
    Suppression.objects.create(email="gone@example.com", reason="bounced")
    remindable = set(Invitation.objects.remindable().values_list("pk", flat=True))
    assert remindable == {good.pk}
    assert Invitation.objects.get(pk=good.pk).may_be_reminded
    for name, invitation in broken.items():
        assert not Invitation.objects.get(pk=invitation.pk).may_be_reminded, name


def test_a_reminder_is_withheld_when_its_invitation_may_no_longer_be_reminded(settings):
    from tests.surveys.helpers import sent_invitation

    survey = SurveyFactory(reminder_after_days=3)
    invitation, _ = sent_invitation(survey=survey)
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now() - timedelta(days=4))
    Suppression.objects.create(email=invitation.contact.email.upper(), reason="unsubscribed")
    assert queue_due_reminders() == []  # the suppressed are not due
    Suppression.objects.all().delete()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(delivery, "publish_now", lambda *args, **kwargs: None)  # a task that has not run yet
        assert queue_due_reminders() == [invitation.pk]
    Suppression.objects.create(email=invitation.contact.email.upper(), reason="unsubscribed")  # meanwhile
    reminder = Reminder.objects.get()
    assert delivery.deliver(model=Reminder, ids=[reminder.pk]) == {reminder.pk: "withheld"}
    assert Invitation.objects.get(pk=invitation.pk).reminded_at is None


def test_the_survey_active_rule_has_one_definition_and_every_path_checks_it():
    surveys = {status: SurveyFactory(status=status) for status in SurveyStatus}
    assert set(Survey.objects.active()) == {surveys[SurveyStatus.ACTIVE]}
    assert [s.is_active for s in surveys.values()] == [s.status == SurveyStatus.ACTIVE for s in surveys.values()]
    paused = surveys[SurveyStatus.PAUSED]
    skipped = services.invite_contact(survey=paused, contact=ContactFactory())
    assert (skipped.status, skipped.skip_reason) == (InvitationStatus.SKIPPED, "survey not active")
    with pytest.raises(ValidationError):
        schedule_send(survey=paused, audience={})
    queued = services.invite_contact(survey=surveys[SurveyStatus.ACTIVE], contact=ContactFactory())
    Survey.objects.filter(pk=queued.survey_id).update(status=SurveyStatus.PAUSED)  # paused before it went out
    assert services.send_invitation(invitation_id=queued.pk) is False
    queued.refresh_from_db()
    assert (queued.status, queued.last_error) == (InvitationStatus.WITHHELD, "survey not active")
    send = Send.objects.create(survey=paused)
    from surveys.sending import run_send

    assert run_send(send_id=send.pk) == 0 and not send.invitations.exists()  # a paused survey's send waits


def test_the_suppression_rule_ignores_case_and_spaces_on_every_path():
    Suppression.objects.create(email="Ada@Example.com", reason="unsubscribed")
    assert is_suppressed(" ada@example.COM ")
    assert Suppression.objects.covering_any(["ADA@example.com", "bob@example.com"]) == {
        "ADA@example.com": "unsubscribed"
    }
    contact = ContactFactory(email="ada@EXAMPLE.com")
    skipped = services.invite_contact(survey=SurveyFactory(), contact=contact)
    assert skipped.skip_reason == "suppressed: unsubscribed"
    email = RenderedEmail(subject="Sorry", text="We are sorry.", html="")
    apology = outbox.queue_email(key="apology:1", to="ADA@example.com", email=email, language="en")
    assert outbox.deliver_email(outbox_id=apology.pk) == "withheld"


def test_a_batch_renders_each_email_as_rendering_it_alone_would(monkeypatch):
    from surveys.emails import render_invitation

    monkeypatch.setattr("surveys.emails.unsubscribe_url", lambda token: f"https://x.example/u/{token}:a-b/")
    survey, cache = SurveyFactory(), {}
    for name, language in (("Ada", "en"), ("", "en"), ('Eve <b>&</b> "Bob"', "en"), ("花子", "ja"), ("", "zh-hans")):
        invitation = Invitation.objects.create(survey=survey, contact=ContactFactory(name=name, language=language))
        for reminder in (False, True):
            token = f"token-{invitation.pk}-{reminder}"
            alone = render_invitation(invitation, token, reminder=reminder)
            assert render_invitation(invitation, token, reminder=reminder, cache=cache) == alone
    assert len(cache) == 8  # rendered once per language, greeting and kind of email


def test_a_digest_task_run_twice_sends_each_manager_one_digest(manager, django_capture_on_commit_callbacks):
    from django.core import mail

    from followup.tasks import send_weekly_digest

    for _ in range(2):  # the beat's task delivered twice
        with django_capture_on_commit_callbacks(execute=True):
            send_weekly_digest()
    assert relay_deliveries() == 0
    assert [message.to for message in mail.outbox] == [[manager.email]]
    assert OutboxEmail.objects.get().status == OutboxStatus.SENT
