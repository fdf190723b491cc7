import base64
import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from surveys import services
from surveys.models import Answer, Invitation, InvitationStatus, Send, Suppression
from surveys.sending import due_reminders, send_stats, survey_stats
from surveys.tasks import queue_due_reminders
from tests.factories import ContactFactory, SurveyFactory

pytestmark = pytest.mark.django_db


def invite(survey, contact=None, days_ago=4, **kwargs):
    """An invitation whose email went out `days_ago` days ago."""
    invitation = services.invite_contact(survey=survey, contact=contact or ContactFactory(), **kwargs)
    services.send_invitation(invitation_id=invitation.pk)
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now() - timedelta(days=days_ago))
    invitation.refresh_from_db()
    return invitation


def link_of(message) -> str:
    return re.search(r"https?://[^/\s]+(/s/[^/\s?]+/)", message.body).group(1)


def test_one_reminder_goes_to_those_who_did_not_answer_with_a_link_of_its_own(client):
    survey = SurveyFactory(reminder_after_days=3, throttle_days=0)
    silent = invite(survey)
    answered = invite(survey)
    Answer.objects.create(invitation=answered, survey=survey, contact=answered.contact, score=9)
    too_recent = invite(survey, days_ago=1)
    suppressed = invite(survey)
    Suppression.objects.create(email=suppressed.contact.email, reason="unsubscribed")
    archived = invite(survey)
    type(archived.contact).objects.filter(pk=archived.contact_id).update(archived_at=timezone.now())
    invite(SurveyFactory(throttle_days=0), contact=silent.contact)  # a survey without reminders
    first_link = link_of(mail.outbox[0])
    mail.outbox.clear()

    assert queue_due_reminders() == 1  # not the answered, the too recent, the suppressed, the archived
    (reminder,) = mail.outbox
    assert reminder.to == [silent.contact.email] and reminder.subject.startswith("Reminder:")
    assert "A few days ago we asked you one question" in reminder.body
    assert reminder.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    reminder_link = link_of(reminder)
    assert reminder_link != first_link
    assert client.get(first_link).status_code == 200  # the first email's link still works too
    client.post(reminder_link, {"score": 6, "comment": "Slow"})
    assert Answer.objects.get(invitation=silent).score == 6

    assert queue_due_reminders() == 0  # once only
    assert services.send_reminder(invitation_id=silent.pk) is False
    assert not Invitation.objects.filter(pk=too_recent.pk, reminded_at__isnull=False).exists()
    assert [m.subject.startswith("Reminder:") for m in mail.outbox] == [True, False]  # one reminder; the apology


def test_an_archived_or_unsubscribed_contact_is_reminded_by_neither_the_sweep_nor_the_send():
    survey = SurveyFactory(reminder_after_days=3, throttle_days=0)
    silent, archived, suppressed = invite(survey), invite(survey), invite(survey)
    type(archived.contact).objects.filter(pk=archived.contact_id).update(archived_at=timezone.now())
    Suppression.objects.create(email=suppressed.contact.email, reason="unsubscribed")
    assert due_reminders() == [silent.pk]  # the sweep leaves them out
    # The rule's twins agree on every invitation: the sweep's filter and the check of one loaded invitation.
    remindable = set(Invitation.objects.remindable().values_list("pk", flat=True))
    assert remindable == {i.pk for i in Invitation.objects.all() if i.may_be_reminded} == {silent.pk}
    # The send checks again on its own: the contact may be archived after the sweep queued the reminder.
    mail.outbox.clear()
    assert services.send_reminder(invitation_id=archived.pk) is False
    assert services.send_reminder(invitation_id=suppressed.pk) is False
    assert not mail.outbox
    assert not Invitation.objects.filter(pk__in=[archived.pk, suppressed.pk], reminded_at__isnull=False).exists()


def test_reminders_are_off_unless_the_survey_asks_for_them():
    invite(SurveyFactory(), days_ago=40)
    assert queue_due_reminders() == 0


def postmark(client, settings, payload):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hooks:s3cret"}
    return client.post(
        "/anymail/postmark/tracking/",
        data=json.dumps(payload),
        content_type="application/json",
        headers={"Authorization": "Basic " + base64.b64encode(b"hooks:s3cret").decode()},
    )


def test_the_providers_reports_mark_delivery_and_bounces_suppress_the_address(client, settings):
    survey = SurveyFactory(throttle_days=0)
    send = Send.objects.create(survey=survey)
    delivered, bounced, soft = (invite(survey, days_ago=0) for _ in range(3))
    Invitation.objects.update(send=send)
    Answer.objects.create(invitation=delivered, survey=survey, contact=delivered.contact, score=10)
    meta = {"invitation": str(delivered.pk)}
    response = postmark(
        client,
        settings,
        {"RecordType": "Delivery", "MessageID": "pm-1", "Recipient": delivered.contact.email, "Metadata": meta},
    )
    assert response.status_code == 200
    hard = {"RecordType": "Bounce", "Type": "HardBounce", "ID": 1, "MessageID": "pm-2", "Email": bounced.contact.email}
    postmark(client, settings, {**hard, "Metadata": {"invitation": str(bounced.pk)}})
    postmark(client, settings, {**hard, "Type": "SoftBounce", "Email": soft.contact.email})
    Invitation.objects.filter(pk=soft.pk).update(provider_message_id="pm-3")  # as anymail's backends record it
    postmark(client, settings, {"RecordType": "Delivery", "MessageID": "pm-3", "Recipient": soft.contact.email})
    postmark(client, settings, {"RecordType": "SpamComplaint", "ID": 2, "MessageID": "x", "Email": "angry@example.com"})

    delivered.refresh_from_db()
    bounced.refresh_from_db()
    assert delivered.delivered_at and not delivered.bounced_at
    assert Invitation.objects.get(pk=soft.pk).delivered_at  # no metadata: found by the provider's message id
    assert bounced.bounced_at and "bounced" in bounced.provider_event
    reasons = dict(Suppression.objects.values_list("email", "reason"))
    assert reasons == {bounced.contact.email: "bounced", "angry@example.com": "complained"}  # a soft bounce: none
    later = services.invite_contact(survey=survey, contact=bounced.contact)
    assert later.status == InvitationStatus.SKIPPED and later.skip_reason == "suppressed: bounced"

    (row,) = send_stats(Send.objects.all())
    assert (row["sent"], row["delivered"], row["delivered_reported"], row["bounced"]) == (3, 2, True, 1)
    assert (row["answered"], row["response_rate"]) == (1, 50.0)  # answered / delivered
    (by_survey,) = survey_stats(type(survey).objects.filter(pk=survey.pk))
    assert by_survey["invited"] == 4 and by_survey["skipped"] == 1


def test_a_wrong_webhook_secret_changes_nothing(client, settings):
    invitation = invite(SurveyFactory(), days_ago=0)
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hooks:s3cret"}
    response = client.post(
        "/anymail/postmark/tracking/",
        data=json.dumps({"RecordType": "Bounce", "Type": "HardBounce", "ID": 1, "Email": invitation.contact.email}),
        content_type="application/json",
        headers={"Authorization": "Basic " + base64.b64encode(b"hooks:guess").decode()},
    )
    assert response.status_code == 400
    assert not Suppression.objects.exists()


def test_the_stats_come_through_the_api_for_the_survey_and_each_send(client, manager):
    survey = SurveyFactory(throttle_days=0)
    send = Send.objects.create(survey=survey)
    answered = invite(survey, days_ago=0)
    invite(survey, days_ago=0)  # a second one, not answered
    Invitation.objects.update(send=send)
    Answer.objects.create(invitation=answered, survey=survey, contact=answered.contact, score=3)
    client.force_login(manager)
    stats = client.get(f"/api/v1/surveys/{survey.pk}/stats/").json()
    assert stats["survey"]["sent"] == 2 and stats["survey"]["answered"] == 1
    assert stats["survey"]["response_rate"] == 50.0 and stats["survey"]["delivered_reported"] is False
    assert [row["send"] for row in stats["sends"]] == [send.pk]
