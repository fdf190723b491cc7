from datetime import timedelta

import pytest
from django.utils import timezone

from surveys import services
from surveys.models import Contact, Invitation, InvitationStatus, Suppression, SurveyStatus
from tests.factories import ContactFactory, SurveyFactory

pytestmark = pytest.mark.django_db


def test_a_contact_is_asked_at_most_once_in_30_days_across_surveys():
    contact = ContactFactory()
    first = services.invite_contact(survey=SurveyFactory(), contact=contact)
    second = services.invite_contact(survey=SurveyFactory(), contact=contact)
    assert first.status == InvitationStatus.QUEUED
    assert second.status == InvitationStatus.SKIPPED
    assert "at most once per 30 days" in second.skip_reason
    Invitation.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=31))
    assert services.invite_contact(survey=SurveyFactory(), contact=contact).status == InvitationStatus.QUEUED


def test_a_survey_overrides_the_throttle_and_exemptions_lift_it():
    contact = ContactFactory()
    services.invite_contact(survey=SurveyFactory(), contact=contact)
    assert services.invite_contact(survey=SurveyFactory(throttle_days=0), contact=contact).status == "queued"
    recovery = services.invite_contact(survey=SurveyFactory(), contact=contact, exempt_reason="recovery")
    assert recovery.status == InvitationStatus.QUEUED and recovery.exempt_reason == "recovery"


def test_a_suppressed_contact_is_skipped_even_when_exempt():
    contact = ContactFactory(email="gone@example.com")
    Suppression.objects.create(email="GONE@example.com", reason="unsubscribed")
    skipped = services.invite_contact(survey=SurveyFactory(), contact=contact, exempt_reason="transactional")
    assert (skipped.status, skipped.skip_reason) == (InvitationStatus.SKIPPED, "suppressed: unsubscribed")


def test_surveys_and_contacts_through_the_api(client, manager, agent):
    client.force_login(manager)
    created = client.post("/api/v1/surveys/", {"name": "Onboarding", "kind": "csat", "scale_min": 1, "scale_max": 5})
    assert created.status_code == 201
    survey_id = created.json()["id"]
    assert (
        client.patch(f"/api/v1/surveys/{survey_id}/", {"status": "active"}, content_type="application/json").json()[
            "status"
        ]
        == "active"
    )
    assert client.post(f"/api/v1/surveys/{survey_id}/archive/").json()["status"] == "archived"
    bad = client.post("/api/v1/surveys/", {"name": "Broken", "scale_min": 5, "scale_max": 1})
    assert bad.status_code == 400 and "scale_max" in bad.json()
    first = client.post("/api/v1/contacts/", {"email": "Ada@Example.com", "name": "Ada", "external_id": "c-1"})
    again = client.post(
        "/api/v1/contacts/",
        {"email": "ada@example.com", "name": "Ada L.", "external_id": "c-1"},
        content_type="application/json",
    )
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert Contact.objects.get().name == "Ada L."
    other = Contact.objects.create(email="bob@example.com")
    clash = client.patch(f"/api/v1/contacts/{other.pk}/", {"email": "ADA@example.com"}, content_type="application/json")
    assert clash.status_code == 400 and clash.json() == {"email": ["another contact has this email"]}
    client.force_login(agent)
    assert client.post("/api/v1/surveys/", {"name": "x"}).status_code == 403
    assert client.get("/api/v1/contacts/").status_code == 200


def test_survey_a_customer_when_their_ticket_closes(client, manager, django_capture_on_commit_callbacks):
    from django.core import mail

    survey = SurveyFactory(status=SurveyStatus.ACTIVE)
    client.force_login(manager)
    body = {
        "email": "lin@example.com",
        "name": "Lin",
        "language": "zh-hans",
        "idempotency_key": "ticket-42",
        "attributes": {"plan": "pro"},
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/surveys/{survey.pk}/invitations/", body, content_type="application/json")
    assert response.status_code == 201 and response.json()["status"] == "queued"
    repeat = client.post(f"/api/v1/surveys/{survey.pk}/invitations/", body, content_type="application/json")
    assert repeat.status_code == 200 and repeat.json()["id"] == response.json()["id"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["lin@example.com"]
    assert Contact.objects.get(email="lin@example.com").attributes == {"plan": "pro"}
    other = client.post(
        f"/api/v1/surveys/{survey.pk}/invitations/",
        {**body, "idempotency_key": "ticket-43"},
        content_type="application/json",
    )
    assert other.json()["status"] == "skipped" and "throttled" in other.json()["skip_reason"]
    paused = SurveyFactory(status=SurveyStatus.PAUSED)
    refused = client.post(f"/api/v1/surveys/{paused.pk}/invitations/", body, content_type="application/json")
    assert refused.status_code == 400 and "paused" in refused.json()["survey"][0]
    assert client.post(
        f"/api/v1/surveys/{survey.pk}/invitations/", {"email": "nope"}, content_type="application/json"
    ).json() == {"email": ["Enter a valid email address."]}


def test_the_email_carries_one_click_unsubscribe_and_a_get_changes_nothing(client):
    import re

    from django.core import mail
    from django.test import Client

    contact = ContactFactory(email="mei@example.com", language="ja")
    invitation = Invitation.objects.create(survey=SurveyFactory(), contact=contact)
    services.send_invitation(invitation_id=invitation.pk)
    message = mail.outbox[0].message()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.match(r"<https?://[^/]+(/u/[^>]+/)>", message["List-Unsubscribe"]).group(1)
    assert url in mail.outbox[0].body  # the header's link is the body's, whatever second it was signed
    assert "友人や同僚に当社をすすめる可能性" in mail.outbox[0].body  # a blank question: the standard one
    for _ in range(3):  # a mail scanner opening the link
        page = client.get(url)
        assert page.status_code == 200 and client.head(url).status_code == 200
    assert not Suppression.objects.exists()
    assert 'lang="ja"' in page.content.decode()
    one_click = Client(enforce_csrf_checks=True)  # no cookie, no CSRF token: as a mail client posts
    assert one_click.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert one_click.post(url).status_code == 200  # twice is harmless
    assert Suppression.objects.get().email == "mei@example.com"
    skipped = services.invite_contact(survey=SurveyFactory(), contact=contact, exempt_reason="transactional")
    assert skipped.status == InvitationStatus.SKIPPED
    assert client.get("/u/forged-token/").status_code == 404


def test_contacts_import_keeps_valid_rows_and_reports_the_rest(client, manager, agent):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ContactFactory(email="old@example.com", external_id="c-9", name="Old")
    csv_text = (
        "email,name,external_id,language,plan,favourite colour\n"
        "wang@example.com,王芳,c-1,zh-hans,pro,red\n"
        "not-an-email,Bad,c-2,en,,\n"
        "WANG@example.com,Dup,c-3,zh-hans,,\n"
        "new@example.com,新名前,c-9,ja,business,\n"
    )
    client.force_login(agent)
    upload = SimpleUploadedFile("contacts.csv", csv_text.encode("gb18030"))
    assert client.post("/api/v1/contacts/import/", {"file": upload}).status_code == 403
    client.force_login(manager)
    upload = SimpleUploadedFile("contacts.csv", csv_text.encode("gb18030"))
    report = client.post("/api/v1/contacts/import/", {"file": upload}).json()
    assert (report["rows"], report["created"], report["updated"], report["encoding"]) == (4, 1, 1, "gb18030")
    assert report["errors"] == [
        {"row": 1, "field": "favourite colour", "reason": "unknown column, not imported"},
        {"row": 3, "field": "email", "reason": "not an email address: 'not-an-email'"},
        {"row": 4, "field": "email", "reason": "duplicate of row 2"},
    ]
    assert Contact.objects.get(external_id="c-1").attributes == {"plan": "pro"}
    assert Contact.objects.get(external_id="c-9").email == "new@example.com"  # upsert by external id
    empty = client.post("/api/v1/contacts/import/", {})
    assert empty.status_code == 400 and "attach a CSV" in empty.json()["file"][0]


def test_an_archived_contact_is_kept_but_never_asked_again(client, manager, agent):
    contact = ContactFactory()
    client.force_login(agent)
    assert client.post(f"/api/v1/contacts/{contact.pk}/archive/").status_code == 403  # agents only read contacts
    client.force_login(manager)
    archived = client.post(f"/api/v1/contacts/{contact.pk}/archive/")
    assert archived.status_code == 200 and archived.json()["archived_at"]
    assert client.get("/api/v1/contacts/").json()["count"] == 0
    assert [c["id"] for c in client.get("/api/v1/contacts/?archived=true").json()["results"]] == [contact.pk]
    contact.refresh_from_db()
    invitation = services.invite_contact(survey=SurveyFactory(), contact=contact, exempt_reason="transactional")
    assert (invitation.status, invitation.skip_reason) == (InvitationStatus.SKIPPED, "contact archived")
    from surveys.models import Send
    from surveys.sending import run_send

    assert run_send(send_id=Send.objects.create(survey=SurveyFactory()).pk) == 0
