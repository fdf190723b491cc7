import re

import pytest
from django.core import mail

from surveys import services, tokens
from surveys.models import Invitation, InvitationStatus
from tests.factories import ContactFactory, SurveyFactory

pytestmark = pytest.mark.django_db


def test_it_emails_eleven_score_buttons_and_stores_only_the_tokens_hash(django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://feedback.example.com"
    contact = ContactFactory(name="Ada")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite_contact(survey=SurveyFactory(), contact=contact)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT
    assert invitation.expires_at > invitation.sent_at
    (message,) = mail.outbox
    html = message.alternatives[0][0]
    links = re.findall(r'href="(https://feedback\.example\.com/s/([^/]+)/\?score=(\d+))"', html)
    assert [int(score) for _, _, score in links] == list(range(11))
    token = links[0][1]
    assert len({t for _, t, _ in links}) == 1
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    assert invitation.token_hash == tokens.hash_token(token) != token
    assert token not in str(Invitation.objects.values_list().get())
    assert "Hello Ada," in message.body
    assert f"10: https://feedback.example.com/s/{token}/?score=10" in message.body


def test_sending_twice_sends_one_email():
    invitation = Invitation.objects.create(survey=SurveyFactory(), contact=ContactFactory())
    assert services.send_invitation(invitation_id=invitation.pk) is True
    assert services.send_invitation(invitation_id=invitation.pk) is False
    assert len(mail.outbox) == 1


def test_the_same_idempotency_key_gives_the_same_invitation():
    survey, contact = SurveyFactory(), ContactFactory()
    first = services.invite_contact(survey=survey, contact=contact, idempotency_key="order-1")
    again = services.invite_contact(survey=survey, contact=contact, idempotency_key="order-1")
    assert first.pk == again.pk
    assert Invitation.objects.count() == 1


def test_a_name_cannot_inject_headers():
    contact = ContactFactory(name="Eve\r\nBcc: victim@example.com")
    survey = SurveyFactory(name="Shop\nX-Evil: 1")
    invitation = Invitation.objects.create(survey=survey, contact=contact)
    services.send_invitation(invitation_id=invitation.pk)
    message = mail.outbox[0].message()
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert "\n" not in message["Subject"]


def test_the_email_is_in_the_contacts_language():
    invitation = Invitation.objects.create(survey=SurveyFactory(), contact=ContactFactory(language="ja", name="花子"))
    services.send_invitation(invitation_id=invitation.pk)
    assert "花子" in mail.outbox[0].body
    assert "こんにちは" in mail.outbox[0].body


def test_a_mail_scanner_opening_every_link_three_times_records_nothing(client, django_capture_on_commit_callbacks):
    """Outlook Safe Links, Proofpoint and antivirus GET (and HEAD) every link of every email."""
    from reviews.models import Feedback
    from surveys.models import Answer, Suppression

    with django_capture_on_commit_callbacks(execute=True):
        for kind, low, high in (("nps", 0, 10), ("csat", 1, 5), ("ces", 1, 7), ("star", 1, 5)):
            services.invite_contact(
                survey=SurveyFactory(kind=kind, scale_min=low, scale_max=high), contact=ContactFactory()
            )
    links = set()
    for message in mail.outbox:
        html = message.alternatives[0][0]
        links |= set(re.findall(r'href="https?://[^/]+(/[^"]*)"', html))
        links |= set(re.findall(r"https?://[^/\s]+(/\S+)", message.body))
    assert len(links) == 4 * 1 + 11 + 5 + 7 + 5  # one unsubscribe link per email and every score button
    for _ in range(3):
        for link in links:
            assert client.get(link.replace("&amp;", "&")).status_code == 200
            assert client.head(link.replace("&amp;", "&")).status_code == 200
    assert not Answer.objects.exists() and not Feedback.objects.exists() and not Suppression.objects.exists()


@pytest.mark.parametrize("batch", [False, True])
def test_the_subject_and_text_keep_customer_text_as_typed_and_the_html_escapes_it(batch):
    from surveys.emails import render_invitation
    from tests.surveys.helpers import sent_invitation

    invitation, token = sent_invitation(
        survey=SurveyFactory(email_subject="A & B's <survey>"), contact=ContactFactory(name="Zoë & Co")
    )
    email = render_invitation(invitation, token, cache={} if batch else None)
    assert email.subject == "A & B's <survey>"
    assert email.text.startswith("Hello Zoë & Co,")  # plain text: as typed
    assert "Zoë &amp; Co" in email.html  # the HTML part escapes
