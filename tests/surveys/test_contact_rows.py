"""One check per contact row: the same bad rows are refused for the same reasons by the file import and the API,
and the good ones are stored alike (surveys.contact_rows)."""

import csv
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from surveys.models import Contact

pytestmark = pytest.mark.django_db

COLUMNS = ["email", "name", "language", "customer_since"]
ROWS = [
    ["not-an-email", "A", "en", ""],
    ["", "B", "ja", ""],
    ["c@example.com", "C", "fr", ""],
    ["d@example.com", "D", "ja", "2026-02-30"],
    ["e@example.com", "E", "", "31/01/2026"],
    ["bad", "F", "klingon", "yesterday"],
    ["g@example.com", "G", "zh-hans", "2025-12-01"],
    ["h@example.com", "H", "", ""],
]
REFUSED = {
    0: {"email": "not an email address: 'not-an-email'"},
    1: {"email": "not an email address: ''"},
    2: {"language": "unknown language 'fr'; use en, zh-hans or ja"},
    3: {"customer_since": "not a date such as 2026-01-31: '2026-02-30'"},
    4: {"customer_since": "not a date such as 2026-01-31: '31/01/2026'"},
    5: {
        "email": "not an email address: 'bad'",
        "language": "unknown language 'klingon'; use en, zh-hans or ja",
        "customer_since": "not a date such as 2026-01-31: 'yesterday'",
    },
}
STORED = {"g@example.com": ("zh-hans", date(2025, 12, 1)), "h@example.com": ("en", None)}


def stored() -> dict:
    return {c.email: (c.language, c.customer_since) for c in Contact.objects.all()}


def test_the_file_import_refuses_and_stores_as_the_rule(client, manager):
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([COLUMNS, *ROWS])
    client.force_login(manager)
    upload = SimpleUploadedFile("contacts.csv", text.getvalue().encode())
    report = client.post("/api/v1/contacts/import/", {"file": upload}).json()
    refused: dict[int, dict] = {}
    for error in report["errors"]:
        refused.setdefault(error["row"] - 2, {})[error["field"]] = error["reason"]
    assert refused == REFUSED
    assert stored() == STORED


def test_the_api_refuses_and_stores_as_the_rule(client, manager):
    client.force_login(manager)
    refused = {}
    for index, row in enumerate(ROWS):
        body = {name: value for name, value in zip(COLUMNS, row, strict=True) if value != ""}
        response = client.post("/api/v1/contacts/", body, content_type="application/json")
        if response.status_code == 400:
            refused[index] = {field: reasons[0] for field, reasons in response.json().items()}
        else:
            assert response.status_code == 201, response.json()
    assert refused == REFUSED
    assert stored() == STORED


def test_the_contacts_page_reads_a_csv_in_the_encoding_picked(client, manager):
    data = "email,name\nzoe@example.com,Zoë\n".encode("latin_1")
    client.force_login(manager)
    page = client.post("/surveys/contacts/", {"file": SimpleUploadedFile("c.csv", data), "encoding": "latin_1"})
    assert page.status_code == 200 and Contact.objects.get(email="zoe@example.com").name == "Zoë"
    wrong = client.post("/surveys/contacts/", {"file": SimpleUploadedFile("c.csv", data), "encoding": "utf-8"})
    assert wrong.status_code == 400 and "This file is not UTF-8" in wrong.content.decode()
