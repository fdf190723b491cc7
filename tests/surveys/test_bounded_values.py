"""A value longer than the column it reaches is refused where it enters, naming the field; and one already
stored (from before this check) never stops the reports."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reviews import rollups
from reviews.models import FeedbackRollup
from surveys.models import Contact
from tests.factories import ContactFactory, SurveyFactory
from tests.reviews.test_reports import feedback

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(manager_api):
    return manager_api


def test_a_stored_attribute_longer_than_its_rollup_column_never_stops_the_reports(api):
    contact = ContactFactory(attributes={"plan": "p" * 60, "region": "r" * 300, "product": "x" * 101})
    feedback(contact=contact)
    assert rollups.refresh() == 1  # PostgreSQL raised DataError here, and every report after it
    row = FeedbackRollup.objects.get()
    assert (row.plan, row.region, row.product) == ("p" * 50, "r" * 50, "x" * 100)
    assert api.get("/api/v1/metrics/nps/").status_code == 200


def test_a_reported_attribute_that_is_not_text_is_rolled_up_as_its_text():
    feedback(contact=ContactFactory(attributes={"plan": {"tier": "pro"}, "region": 7}))
    rollups.refresh()
    assert FeedbackRollup.objects.values_list("region", flat=True).get() == "7"


@pytest.mark.parametrize(
    ("attributes", "reason"),
    [
        ({"plan": "p" * 51}, "plan: longer than 50 characters"),
        ({"product": "x" * 101}, "product: longer than 100 characters"),
        ({"region": ["eu", "us"]}, "region: a text, a number, true/false or null"),
        ({"note": "n" * 1001}, "note: longer than 1000 characters"),
    ],
)
def test_the_contacts_api_refuses_an_attribute_too_long_for_the_reports(api, attributes, reason):
    response = api.post("/api/v1/contacts/", {"email": "mei@example.com", "attributes": attributes}, format="json")
    assert response.status_code == 400
    assert reason in response.json()["attributes"][0]
    contact = ContactFactory()
    patched = api.patch(f"/api/v1/contacts/{contact.pk}/", {"attributes": attributes}, format="json")
    assert patched.status_code == 400 and reason in patched.json()["attributes"][0]
    assert not Contact.objects.filter(email="mei@example.com").exists()


def test_the_contacts_api_refuses_attributes_that_are_not_an_object(api):
    response = api.post("/api/v1/contacts/", {"email": "mei@example.com", "attributes": ["pro"]}, format="json")
    assert response.status_code == 400 and "attributes" in response.json()


def test_the_invitations_api_refuses_an_attribute_too_long_for_the_reports(api):
    survey = SurveyFactory()
    body = {"email": "mei@example.com", "attributes": {"region": "r" * 51}}
    response = api.post(f"/api/v1/surveys/{survey.pk}/invitations/", body, format="json")
    assert response.status_code == 400 and "region: longer than 50 characters" in response.json()["attributes"][0]
    assert not Contact.objects.exists()


def test_a_contact_file_reports_long_values_per_row_and_keeps_the_good_rows(client, manager):
    client.force_login(manager)
    rows = [
        "email,name,external_id,plan,region",
        "ok@example.com,Ok,c-1,pro,eu",
        f"long-name@example.com,{'N' * 250},c-2,pro,eu",
        f"long-plan@example.com,Plan,c-3,{'p' * 51},eu",
        f"long-id@example.com,Id,{'i' * 101},pro,eu",
    ]
    upload = SimpleUploadedFile("contacts.csv", "\n".join(rows).encode())
    response = client.post("/api/v1/contacts/import/", {"file": upload})
    assert response.status_code == 200
    report = response.json()
    assert [(error["row"], error["field"]) for error in report["errors"]] == [
        (3, "name"),
        (4, "plan"),
        (5, "external_id"),
    ]
    assert "longer than 200 characters" in report["errors"][0]["reason"]
    assert list(Contact.objects.values_list("email", flat=True)) == ["ok@example.com"]


def test_the_admins_contact_form_refuses_an_attribute_too_long_for_the_reports():
    from django.forms import modelform_factory

    form = modelform_factory(Contact, fields=["email", "name", "language", "attributes"])(
        {"email": "mei@example.com", "name": "Mei", "language": "en", "attributes": '{"plan": "' + "p" * 51 + '"}'}
    )
    assert not form.is_valid()
    assert "plan: longer than 50 characters" in form.errors["attributes"][0]
