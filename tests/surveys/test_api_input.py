"""What a client may send the surveys API: each mistake is a 400 naming the field, never a 500 or a wrong write."""

import json

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from surveys import services
from surveys.models import Answer, Contact, Invitation, Survey
from tests.factories import ContactFactory, SurveyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(manager_api):
    return manager_api


def test_each_invitation_without_a_key_invites_its_own_new_customer(api, django_capture_on_commit_callbacks):
    survey = SurveyFactory(throttle_days=0)
    url = f"/api/v1/surveys/{survey.pk}/invitations/"
    emails = ["mei@example.com", "li@example.com", "wang@example.com"]
    with django_capture_on_commit_callbacks(execute=True):
        responses = [api.post(url, {"email": email}, format="json") for email in emails]
    assert [response.status_code for response in responses] == [201, 201, 201]
    invitations = Invitation.objects.filter(pk__in=[response.json()["id"] for response in responses])
    assert sorted(invitations.values_list("contact__email", flat=True)) == sorted(emails)
    assert sorted(address for message in mail.outbox for address in message.to) == sorted(emails)


def test_an_upsert_whose_id_and_email_name_two_contacts_is_a_400_explaining(api):
    ContactFactory(email="mei@example.com", external_id="c-1")
    ContactFactory(email="li@example.com", external_id="c-2")
    response = api.post("/api/v1/contacts/", {"email": "li@example.com", "external_id": "c-1"}, format="json")
    assert response.status_code == 400
    assert "another contact has this email" in response.json()["email"][0]
    assert Contact.objects.get(external_id="c-1").email == "mei@example.com"


def test_a_contact_file_row_whose_id_and_email_name_two_contacts_is_that_rows_error(client, manager):
    ContactFactory(email="mei@example.com", external_id="c-1")
    ContactFactory(email="li@example.com", external_id="c-2")
    client.force_login(manager)
    rows = "email,external_id,name\nli@example.com,c-1,Li\nnew@example.com,c-3,New\n"
    report = client.post("/api/v1/contacts/import/", {"file": SimpleUploadedFile("c.csv", rows.encode())}).json()
    assert [(error["row"], error["field"]) for error in report["errors"]] == [(2, "email")]
    assert report["created"] == 1 and Contact.objects.get(external_id="c-1").email == "mei@example.com"


def test_an_empty_public_slug_is_no_web_link(api):
    first = api.post("/api/v1/surveys/", {"name": "A", "public_slug": ""}, format="json")
    second = api.post("/api/v1/surveys/", {"name": "B", "public_slug": ""}, format="json")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["public_slug"] is None
    patched = api.patch(f"/api/v1/surveys/{first.json()['id']}/", {"public_slug": ""}, format="json")
    assert patched.status_code == 200 and Survey.objects.filter(public_slug__isnull=True).count() == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"scale_min": 12}, "above the lowest"),
        ({"scale_max": 20}, "no segment thresholds for csat on a scale to 20"),
        ({"kind": "star"}, "no segment thresholds for star on a scale to 10"),
        ({"scale_max": 5}, "outside 1–5"),
    ],
)
def test_a_survey_change_is_checked_as_a_creation_is(api, change, message):
    survey = SurveyFactory(kind="csat", scale_min=1, scale_max=10, public_slug="csat")
    services.record_link_answer(survey=survey, score=9)
    response = api.patch(f"/api/v1/surveys/{survey.pk}/", change, format="json")
    assert response.status_code == 400
    assert message in response.json()["scale_max"][0]
    survey.refresh_from_db()
    assert (survey.kind, survey.scale_min, survey.scale_max) == ("csat", 1, 10)


def test_the_widget_refuses_a_score_outside_the_scale_with_a_400(client):
    SurveyFactory(public_slug="in-app", widget_origins="https://shop.example.com")
    response = client.post(
        "/s/widget/in-app/", '{"score": 15}', content_type="application/json", HTTP_ORIGIN="https://shop.example.com"
    )
    assert response.status_code == 400 and "score" in response.json()["errors"]


@pytest.mark.parametrize(
    "translations",
    [["ja"], {"ja": "question"}, {"xx": {"question": "?"}}, {"ja": {"colour": "red"}}, {"ja": {"question": "q" * 301}}],
)
def test_translations_of_another_shape_are_a_400(api, translations):
    response = api.post("/api/v1/surveys/", {"name": "T", "translations": translations}, format="json")
    assert response.status_code == 400 and "translations" in response.json()


NUL_BODIES = [
    ("/api/v1/contacts/", {"email": "mei@example.com", "name": "Mei\u0000"}, "name"),
    ("/api/v1/contacts/", {"email": "mei@example.com", "attributes": {"plan": "pro\u0000"}}, "attributes.plan"),
    ("/api/v1/contacts/", {"email": "mei@example.com", "attributes": {"plan": "pro\ud800"}}, "attributes.plan"),
    ("/api/v1/surveys/", {"name": "S", "translations": {"ja": {"question": "\u0000"}}}, "translations.ja.question"),
]


@pytest.mark.parametrize(("url", "body", "path"), NUL_BODIES)
def test_a_nul_or_a_lone_surrogate_is_refused_at_the_edge_naming_where(api, url, body, path):
    response = api.post(url, json.dumps(body), content_type="application/json")  # json.dumps: \u escapes
    assert response.status_code == 400
    assert response.json()[path] == ["contains a NUL character or an unpaired surrogate, which cannot be stored"]
    assert not Contact.objects.exists() and not Survey.objects.exists()


def test_the_widget_refuses_a_lone_surrogate_naming_the_field(client):
    SurveyFactory(public_slug="in-app", widget_origins="https://shop.example.com")
    body = json.dumps({"score": 3, "comment": "bad \ud800"})
    response = client.post(
        "/s/widget/in-app/", body, content_type="application/json", HTTP_ORIGIN="https://shop.example.com"
    )
    assert response.status_code == 400 and "comment" in response.json()["errors"]
    assert not Answer.objects.exists()
