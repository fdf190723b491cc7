"""Every staff write in surveys goes through a service that records who did it: the session user on the pages,
the token's user through the API, the system for delivery reports, the customer for an unsubscribe."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from feedback_platform.models import ActivityEntry, ActorKind
from surveys import services
from surveys.models import Contact, Invitation, SegmentThreshold, Survey, SurveyLogo, SurveyStatus
from tests.factories import ContactFactory, SurveyFactory
from tests.surveys.test_manage import FORM, PNG

pytestmark = pytest.mark.django_db


def _only(action: str) -> ActivityEntry:
    return ActivityEntry.objects.get(action=action)


@pytest.fixture
def token_client(manager) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=manager).key}")
    return api


def test_the_survey_page_saves_through_the_service_with_its_logo(client, manager):
    client.force_login(manager)
    assert client.post("/surveys/manage/new/", FORM).status_code == 302
    survey = Survey.objects.get(name="Delivery CSAT")
    created = _only("surveys.survey.created")
    assert (created.actor_kind, created.actor_user, created.target_id) == (ActorKind.USER, manager, str(survey.pk))
    upload = SimpleUploadedFile("logo.png", PNG)
    assert client.post(f"/surveys/manage/{survey.pk}/", {**FORM, "logo_upload": upload}).status_code == 302
    survey.refresh_from_db()
    assert survey.logo_version and SurveyLogo.objects.get(survey=survey).content_type == "image/png"
    assert _only("surveys.survey.changed").payload == {"fields": ["logo"]}
    client.post(f"/surveys/manage/{survey.pk}/", {**FORM, "remove_logo": "on", "status": "archived"})
    survey.refresh_from_db()
    assert survey.logo_version == "" and not SurveyLogo.objects.exists()
    assert _only("surveys.survey.archived").payload == {"fields": ["status", "logo"]}


def test_survey_writes_through_the_api_record_the_token(token_client, manager):
    created = token_client.post(
        "/api/v1/surveys/", {"name": "Onboarding", "kind": "csat", "scale_min": 1, "scale_max": 5}
    )
    assert created.status_code == 201
    survey_id = created.json()["id"]
    token_client.patch(f"/api/v1/surveys/{survey_id}/", {"status": "active"}, format="json")
    assert token_client.post(f"/api/v1/surveys/{survey_id}/archive/").json()["status"] == "archived"
    token_client.post(f"/api/v1/surveys/{survey_id}/archive/")  # twice: one entry
    entries = list(ActivityEntry.objects.order_by("pk").values_list("action", "actor_kind", "actor_user", "payload"))
    assert [(a, k, u) for a, k, u, _ in entries] == [
        ("surveys.survey.created", ActorKind.TOKEN, manager.pk),
        ("surveys.survey.changed", ActorKind.TOKEN, manager.pk),
        ("surveys.survey.archived", ActorKind.TOKEN, manager.pk),
    ]
    assert entries[1][3] == {"fields": ["status"]} and entries[2][3] == {"from": SurveyStatus.ACTIVE}
    assert Survey.objects.get(pk=survey_id).status == SurveyStatus.ARCHIVED


def test_contact_writes_through_the_api_record_the_token(token_client, manager):
    contact_id = token_client.post("/api/v1/contacts/", {"email": "ada@example.com", "name": "Ada"}).json()["id"]
    token_client.post("/api/v1/contacts/", {"email": "ada@example.com", "name": "Ada"})  # nothing changed
    token_client.patch(f"/api/v1/contacts/{contact_id}/", {"name": "Ada L."}, format="json")
    assert token_client.post(f"/api/v1/contacts/{contact_id}/archive/").json()["archived_at"]
    token_client.post(f"/api/v1/contacts/{contact_id}/archive/")
    actions = list(ActivityEntry.objects.order_by("pk").values_list("action", "actor_kind", "payload"))
    assert actions == [
        ("surveys.contact.created", ActorKind.TOKEN, {"fields": services.CONTACT_FIELDS}),
        ("surveys.contact.updated", ActorKind.TOKEN, {"fields": ["name"]}),
        ("surveys.contact.archived", ActorKind.TOKEN, {}),
    ]
    assert Contact.objects.get(pk=contact_id).archived_at is not None


def test_the_invitations_api_never_matches_another_invitation_without_a_key(token_client, manager):
    survey = SurveyFactory(throttle_days=0)
    other = services.invite_contact(survey=survey, contact=ContactFactory())  # another customer's, no key
    url = f"/api/v1/surveys/{survey.pk}/invitations/"
    first = token_client.post(url, {"email": "mei@example.com"}, format="json")
    second = token_client.post(url, {"email": "li@example.com"}, format="json")
    assert first.status_code == second.status_code == 201
    ids = {first.json()["id"], second.json()["id"], other.pk}
    assert len(ids) == 3  # `filter(idempotency_key=None)` would have returned the other customer's
    assert Invitation.objects.get(pk=first.json()["id"]).contact.email == "mei@example.com"
    invitations = ActivityEntry.objects.filter(action="surveys.invitation.created")
    assert invitations.count() == 2 and {e.actor_kind for e in invitations} == {ActorKind.TOKEN}


def test_the_invitations_api_with_a_key_answers_the_first_invitation_and_writes_once(token_client):
    survey = SurveyFactory()
    url = f"/api/v1/surveys/{survey.pk}/invitations/"
    body = {"email": "mei@example.com", "name": "Mei", "idempotency_key": "ticket-7"}
    first = token_client.post(url, body, format="json")
    again = token_client.post(url, {**body, "name": "Mei Chen"}, format="json")
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    assert Contact.objects.get().name == "Mei"  # a retried request changes nothing
    assert ActivityEntry.objects.filter(action="surveys.invitation.created").count() == 1
    assert ActivityEntry.objects.filter(action__startswith="surveys.contact.").count() == 1


def test_a_contact_import_is_one_entry_with_its_counts(client, manager):
    ContactFactory(email="known@example.com")
    data = b"email,name\nnew@example.com,New\nknown@example.com,Known\nnot-an-email,Bad\n"
    client.force_login(manager)
    client.post(reverse("surveys:contacts"), {"file": SimpleUploadedFile("crm.csv", data)})
    entry = _only("surveys.contact.imported")
    assert (entry.actor_kind, entry.actor_user, entry.target_label) == (ActorKind.USER, manager, "crm.csv")
    assert entry.payload == {"rows": 3, "created": 1, "updated": 1, "errors": 1}
    assert not ActivityEntry.objects.filter(action="surveys.contact.created").exists()


def test_a_send_from_the_page_records_who_scheduled_it(client, manager):
    survey = SurveyFactory()
    ContactFactory(language="ja")
    client.force_login(manager)
    response = client.post(
        reverse("surveys:manage_send", args=[survey.pk]), {"language": "ja", "sample_percent": 50, "action": "send"}
    )
    assert response.status_code == 302
    entry = _only("surveys.send.scheduled")
    assert (entry.actor_kind, entry.actor_user, entry.target_label) == (ActorKind.USER, manager, survey.name)
    assert entry.payload["audience"] == {"language": "ja"} and entry.payload["sample_percent"] == 50


def test_a_send_through_the_api_records_the_token(token_client, manager):
    survey = SurveyFactory()
    assert token_client.post(f"/api/v1/surveys/{survey.pk}/sends/", {}, format="json").status_code == 201
    assert _only("surveys.send.scheduled").actor_kind == ActorKind.TOKEN


def test_an_unsubscribe_is_the_customer_and_a_bounce_is_the_system():
    contact = ContactFactory(email="mei@example.com")
    services.unsubscribe(contact=contact)
    services.unsubscribe(contact=contact)  # once
    entry = _only("surveys.contact.unsubscribed")
    assert (entry.actor_kind, entry.actor_user, entry.target_id) == (ActorKind.CUSTOMER, None, str(contact.pk))
    services.record_delivery_report(
        event_type="bounced",
        recipient="gone@example.com",
        metadata={},
        provider_message_id="",
        when=None,
        description="hard bounce",
        soft=False,
    )
    added = _only("surveys.suppression.added")
    assert added.actor_kind == ActorKind.SYSTEM and added.payload == {"reason": "bounced", "event": "bounced"}


def test_thresholds_changed_in_the_admin_are_recorded(client, admin_user):
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    add = reverse("admin:surveys_segmentthreshold_add")
    limits = {"kind": "csat", "scale_max": 5, "detractor_max": 2, "passive_max": 3}
    assert client.post(add, limits).status_code == 302
    threshold = SegmentThreshold.objects.get(kind="csat", scale_max=5)
    created = _only("surveys.threshold.created")
    assert created.actor_user == admin_user and created.payload["detractor_max"] == 2
    change = reverse("admin:surveys_segmentthreshold_change", args=[threshold.pk])
    client.post(change, {**limits, "detractor_max": 1})
    changed = _only("surveys.threshold.changed")
    assert changed.payload["fields"] == ["detractor_max"] and changed.payload["detractor_max"] == 1
    client.post(reverse("admin:surveys_segmentthreshold_delete", args=[threshold.pk]), {"post": "yes"})
    assert not SegmentThreshold.objects.exists() and _only("surveys.threshold.deleted").actor_user == admin_user
