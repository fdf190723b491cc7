"""A survey that could not be delivered says so on the survey list and in its API figures: the failed count
with its reasons (address refused, mailbox full, mail server unreachable …), told from the recorded SMTP
error by one rule (feedback_platform.delivery.failure_reason), against a real SMTP server on loopback."""

import pytest

from feedback_platform import delivery
from feedback_platform.delivery import failure_reason
from surveys import services
from surveys.models import Invitation, InvitationStatus, Survey
from surveys.sending import survey_stats
from tests.conftest import SinkHandler, free_port, serve_smtp
from tests.factories import ContactFactory, SurveyFactory

pytestmark = pytest.mark.django_db


class RefusingHandler(SinkHandler):
    """refused…@ gets 550 5.1.1, full…@ gets 552 5.2.2 after the message; the others are accepted."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(address.startswith("full") for address in envelope.rcpt_tos):
            return "552 5.2.2 Mailbox full"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def refusing_sink(settings):
    yield from serve_smtp(settings, RefusingHandler())


def _deliver_last_attempt(survey, email):
    """An invitation on its last attempt (a refusal for now then fails for good), delivered at once."""
    invitation = services.invite_contact(survey=survey, contact=ContactFactory(email=email))
    Invitation.objects.filter(pk=invitation.pk).update(attempts=delivery.MAX_ATTEMPTS - 1)
    delivery.deliver(model=Invitation, ids=[invitation.pk])
    invitation.refresh_from_db()
    return invitation


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ("SMTPRecipientsRefused: {'a@x.jp': (550, b'5.1.1 <a@x.jp>: Recipient address rejected')}", "address_refused"),
        ("SMTPRecipientsRefused: {'a@x.jp': (553, b'sorry, that domain isn't in my list')}", "address_refused"),
        ("SMTPDataError: (552, b'5.2.2 Mailbox full')", "mailbox_full"),
        ("SMTPRecipientsRefused: {'a@x.jp': (452, b'4.2.2 The email account is over quota')}", "mailbox_full"),
        ("SMTPDataError: (550, b'5.7.1 Message rejected as spam')", "message_refused"),
        ("SMTPDataError: (554, b'Transaction failed')", "message_refused"),
        ("ConnectionRefusedError: [Errno 111] Connection refused", "server_unreachable"),
        ("TimeoutError: timed out", "server_unreachable"),
        ("gaierror: [Errno -2] Name or service not known", "server_unreachable"),
        ("SMTPServerDisconnected: Connection unexpectedly closed", "server_unreachable"),
        ("RuntimeError: the message could not be built: 'list' object has no attribute 'get'", "not_built"),
        ("ValueError: something else", "other"),
    ],
)
def test_it_tells_the_reason_from_the_recorded_error(error, reason):
    assert failure_reason(error) == reason


def test_the_survey_list_names_the_failed_count_with_its_reasons(refusing_sink, client, manager):
    survey = SurveyFactory(name="Spring NPS")
    for email in ("refused1@example.com", "refused2@example.com", "full@example.com", "ok@example.com"):
        _deliver_last_attempt(survey, email)
    statuses = sorted(Invitation.objects.values_list("status", flat=True))
    assert statuses == ["failed", "failed", "failed", "sent"]
    (row,) = survey_stats(Survey.objects.filter(pk=survey.pk))
    assert row["failed"] == 3
    assert [(f["reason"], f["count"]) for f in row["failures"]] == [("address_refused", 2), ("mailbox_full", 1)]
    client.force_login(manager)
    page = client.get("/surveys/manage/").content.decode()
    assert "2 × address refused" in page and "1 × mailbox full" in page
    api = client.get(f"/api/v1/surveys/{survey.pk}/stats/").json()["survey"]
    assert api["failures"][0] == {"reason": "address_refused", "label": "address refused", "count": 2}
    japanese = client.get("/surveys/manage/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "2 × 宛先アドレスの拒否" in japanese and "1 × メールボックス容量超過" in japanese


def test_an_unreachable_server_is_named_once_the_retries_are_spent(settings, client, manager):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens there
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2
    survey = SurveyFactory(name="Autumn CSAT")
    invitation = _deliver_last_attempt(survey, "someone@example.com")
    assert invitation.status == InvitationStatus.FAILED
    client.force_login(manager)
    assert "1 × mail server unreachable" in client.get("/surveys/manage/").content.decode()
