"""A person's data, exported: a ZIP of JSON and CSV per table, from the contact's page and the API."""

import csv
import io
import json
import zipfile

import pytest
from django.urls import reverse

from feedback_platform.models import ActivityEntry
from surveys.models import Answer
from tests.factories import ContactFactory
from tests.privacy.world import EMAIL, NAME, person_with_history

pytestmark = pytest.mark.django_db


def unzip(response) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    return {name: archive.read(name) for name in archive.namelist()}


def test_it_downloads_everything_held_on_the_contact_and_records_it(client, manager):
    contact, survey, answer, feedback, case = person_with_history(comment='=HYPERLINK("http://evil") late')
    ContactFactory(name="Someone Else", email="else@example.com")
    client.force_login(manager)
    page = client.get(reverse("surveys:contact", args=[contact.pk]))
    assert page.status_code == 200 and reverse("surveys:contact-export", args=[contact.pk]) in page.text

    files = unzip(client.get(reverse("surveys:contact-export", args=[contact.pk])))

    expected = {"contact", "answers", "invitations", "suppression", "feedback", "cases", "case_timeline"}
    assert {name.rsplit(".", 1)[0] for name in files} >= expected | {"emails_sent", "emails_received"}
    assert json.loads(files["contact.json"])[0]["email"] == EMAIL
    assert [row["id"] for row in json.loads(files["answers.json"])] == [answer.pk]
    assert json.loads(files["answers.json"])[0]["comment"].startswith("=HYPERLINK")  # JSON keeps the value
    answers_csv = list(csv.reader(io.StringIO(files["answers.csv"].decode("utf-8-sig"))))
    assert answers_csv[1][4].startswith("'=HYPERLINK")  # a spreadsheet never runs it
    assert [row["case_id"] for row in json.loads(files["case_timeline.json"])] == [case.pk, case.pk]
    assert json.loads(files["emails_sent.json"])[0]["subject"] == f"Sorry, {NAME}"
    assert b"else@example.com" not in b"".join(files.values())
    entry = ActivityEntry.objects.get(action="surveys.contact.exported")
    assert entry.target_id == str(contact.pk) and entry.actor_user_id == manager.pk


def test_the_api_exports_by_id_and_by_email_for_managers_only(client, manager_api, agent):
    contact, *_ = person_with_history()
    by_id = manager_api.get(f"/api/v1/contacts/{contact.pk}/export/")
    by_email = manager_api.get("/api/v1/contacts/export/", {"email": EMAIL.upper()})
    assert by_id["Content-Type"] == "application/zip" and "answers.csv" in unzip(by_id)
    assert json.loads(unzip(by_email)["contact.json"])[0]["id"] == contact.pk
    assert manager_api.get("/api/v1/contacts/export/", {"email": "nobody@example.com"}).status_code == 404
    assert manager_api.get("/api/v1/contacts/export/").status_code == 400
    assert "email" in manager_api.get("/api/v1/contacts/export/", {"email": "a\x00@example.com"}).json()
    assert ActivityEntry.objects.filter(action="surveys.contact.exported").count() == 2
    client.force_login(agent)
    assert client.get(f"/api/v1/contacts/{contact.pk}/export/").status_code == 403
    assert client.get(reverse("surveys:contact-export", args=[contact.pk])).status_code == 403
    assert Answer.objects.filter(contact=contact).exists()
