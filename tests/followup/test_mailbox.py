"""Customer replies from a plain support mailbox, read from a real Dovecot on loopback."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from feedback_platform.environment import LoudEnv
from followup import inbound, mailbox
from followup.models import EventKind, InboundEmail
from followup.rules import act_on_feedback
from followup.tasks import read_inbound_mailbox
from tests.dovecot import dovecot, raw_email  # noqa: F401  (the fixture)

from .helpers import detractor_feedback

pytestmark = pytest.mark.django_db


def apology_case():
    feedback = detractor_feedback()
    act_on_feedback(feedback=feedback)
    return feedback.case


def seen(flags: list[bytes]) -> list[bool]:
    return [b"\\Seen" in line for line in flags]


def test_it_reads_unseen_replies_through_the_inbound_path_and_flags_them_seen(dovecot):  # noqa: F811
    case = apology_case()
    dovecot.append(raw_email(body="Still broken.\n\n> We are sorry", in_reply_to=case.emails.get().message_id))
    dovecot.append(raw_email(body="Who are you?", to="care@example.com"))

    outcome = mailbox.read_mailbox(url=dovecot.url)

    assert (outcome.received, outcome.already_in, outcome.failed) == (2, 0, 0)
    reply = case.events.get(kind=EventKind.CUSTOMER_REPLY)
    assert (reply.body, reply.data["quoted"]) == ("Still broken.", "> We are sorry")
    assert InboundEmail.objects.count() == 2
    assert seen(dovecot.flags()) == [True, True]
    assert mailbox.read_mailbox(url=dovecot.url).received == 0  # a second run finds nothing new


def test_a_crash_before_the_seen_flag_neither_loses_nor_doubles_the_reply(dovecot, monkeypatch):  # noqa: F811
    case = apology_case()
    dovecot.append(raw_email(body="Still broken.", in_reply_to=case.emails.get().message_id))
    real_uid = mailbox.imaplib.IMAP4.uid

    def crash_on_store(self, command, *args):
        if command == "STORE":
            raise ConnectionResetError("the worker died here")
        return real_uid(self, command, *args)

    monkeypatch.setattr(mailbox.imaplib.IMAP4, "uid", crash_on_store)
    with pytest.raises(ConnectionResetError):
        mailbox.read_mailbox(url=dovecot.url)
    assert seen(dovecot.flags()) == [False]  # committed, not yet flagged
    monkeypatch.setattr(mailbox.imaplib.IMAP4, "uid", real_uid)

    outcome = mailbox.read_mailbox(url=dovecot.url)

    assert (outcome.received, outcome.already_in) == (0, 1)
    assert case.events.filter(kind=EventKind.CUSTOMER_REPLY).count() == 1
    assert seen(dovecot.flags()) == [True]


def test_a_message_the_inbound_path_fails_on_stays_unseen_and_the_others_go_on(dovecot, monkeypatch):  # noqa: F811
    case = apology_case()
    dovecot.append(raw_email(body="poison", message_id="<poison@customer.example>"))
    dovecot.append(raw_email(body="Still broken.", in_reply_to=case.emails.get().message_id))
    real = inbound.receive_email

    def fail_on_poison(*, message, raw=None):
        if message.get("Message-ID") == "<poison@customer.example>":
            raise ValueError("a bug downstream")
        return real(message=message, raw=raw)

    monkeypatch.setattr(mailbox, "receive_email", fail_on_poison)
    outcome = mailbox.read_mailbox(url=dovecot.url)
    assert (outcome.received, outcome.failed) == (1, 1)
    assert seen(dovecot.flags()) == [False, True]


def test_the_beat_task_does_nothing_without_a_mailbox(settings):
    settings.INBOUND_IMAP_URL = ""
    assert read_inbound_mailbox() == "no mailbox, or already being read"
    assert settings.CELERY_BEAT_SCHEDULE["read-inbound-mailbox"]["task"] == "followup.tasks.read_inbound_mailbox"


def test_the_beat_task_reads_the_configured_mailbox(dovecot, settings):  # noqa: F811
    settings.INBOUND_IMAP_URL = dovecot.url
    dovecot.append(raw_email(body="Hello"))
    assert "received=1" in read_inbound_mailbox()


@pytest.mark.parametrize("url", ["imap://host-without-user", "pop3://u:p@host/", "imaps://u:p@host:99x/INBOX"])
def test_a_malformed_mailbox_url_stops_start_up(url):
    with pytest.raises(ImproperlyConfigured, match="INBOUND_IMAP_URL"):
        LoudEnv({"INBOUND_IMAP_URL": url}).imap_url("INBOUND_IMAP_URL")


def test_the_mailbox_url_reads_an_encoded_user_and_a_folder():
    box = mailbox.mailbox_of("imaps://care%40example.com:p%2Fss@imap.example.com/Support%20Replies")
    assert (box.user, box.password, box.host, box.port, box.folder, box.ssl) == (
        "care@example.com",
        "p/ss",
        "imap.example.com",
        993,
        "Support Replies",
        True,
    )
