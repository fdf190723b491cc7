"""An email's unsubscribe link carries that email's own link token: it names no contact, and it stops working
UNSUBSCRIBE_LINK_DAYS after the email was sent, with a page that says what to do instead."""

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.test import Client
from django.utils import timezone

from surveys import services, tokens
from surveys.contacts import LEGACY_UNSUBSCRIBE_SALT
from surveys.models import Invitation, Suppression
from tests.factories import ContactFactory, SurveyFactory

pytestmark = pytest.mark.django_db


def _emailed_unsubscribe_path(invitation: Invitation, *, reminder: bool = False) -> str:
    if reminder:
        services.send_reminder(invitation_id=invitation.pk)
    else:
        services.send_invitation(invitation_id=invitation.pk)
    return re.search(r"https?://[^/\s]+(/u/[^\s\"<>]+/)", mail.outbox[-1].body).group(1)


def _invitation(**contact):
    return Invitation.objects.create(survey=SurveyFactory(), contact=ContactFactory(**contact))


def test_the_link_is_the_emails_token_and_names_no_contact():
    invitation = _invitation(email="ana@example.com")
    path = _emailed_unsubscribe_path(invitation)
    token = path.split("/")[2]
    assert token == tokens.link_token(invitation)  # an HMAC of the row's random salt, as the score buttons carry
    with pytest.raises(signing.BadSignature):
        signing.loads(token, salt=LEGACY_UNSUBSCRIBE_SALT)
    assert Client(enforce_csrf_checks=True).post(path).status_code == 200
    assert Suppression.objects.get().email == "ana@example.com"


def test_a_reminders_link_unsubscribes_too():
    invitation = _invitation(email="bo@example.com")
    _emailed_unsubscribe_path(invitation)
    path = _emailed_unsubscribe_path(invitation, reminder=True)
    assert Client().post(path).status_code == 200
    assert Suppression.objects.get().email == "bo@example.com"


def test_a_link_older_than_the_setting_says_so_and_unsubscribes_nobody(client, settings):
    settings.UNSUBSCRIBE_LINK_DAYS = 30
    invitation = _invitation(email="cy@example.com", language="ja")
    path = _emailed_unsubscribe_path(invitation)
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now() - timedelta(days=29))
    assert client.get(path).status_code == 200
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now() - timedelta(days=31))
    page = client.post(path)
    assert page.status_code == 410
    assert "この配信停止リンクは有効期限が切れています" in page.content.decode()  # in the customer's language
    assert not Suppression.objects.exists()


def test_a_link_sent_before_the_change_works_until_it_is_too_old(client, settings):
    contact = ContactFactory(email="di@example.com")
    legacy = signing.dumps(contact.pk, salt=LEGACY_UNSUBSCRIBE_SALT)
    assert client.get(f"/u/{legacy}/").status_code == 200
    settings.UNSUBSCRIBE_LINK_DAYS = 0
    assert client.post(f"/u/{legacy}/").status_code == 410
    assert client.get(f"/u/{legacy[:-2]}xx/").status_code == 404  # a forged signature
    assert not Suppression.objects.exists()
