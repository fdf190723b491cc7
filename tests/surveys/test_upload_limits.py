"""Every way a contact file arrives (the page, the API) has the same limits, from one definition
(feedback_platform.textfiles.CONTACT_FILES), and a refusal names the limit."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from feedback_platform.textfiles import CONTACT_FILES
from surveys.models import Contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(manager_api):
    return manager_api


def oversized() -> SimpleUploadedFile:
    line = b"someone@example.com,A name\n"
    return SimpleUploadedFile("big.csv", b"email,name\n" + line * (CONTACT_FILES.max_bytes // len(line) + 1))


def test_the_api_refuses_a_file_over_the_pages_size_limit_with_413(api, client, manager):
    response = api.post("/api/v1/contacts/import/", {"file": oversized()}, format="multipart")
    assert response.status_code == 413
    assert response.json() == {"file": ["The file is larger than 20 MB."]}
    client.force_login(manager)
    page = client.post("/surveys/contacts/", {"file": oversized()})
    assert page.status_code == 400 and "The file is larger than 20 MB." in page.content.decode()
    assert not Contact.objects.exists()


def test_the_api_and_the_page_refuse_a_file_over_the_row_limit(api, client, manager):
    rows = "".join(f"c{n}@example.com\n" for n in range(CONTACT_FILES.max_rows + 1))
    upload = SimpleUploadedFile("many.csv", ("email\n" + rows).encode())
    response = api.post("/api/v1/contacts/import/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"file": ["The file has more than 100,000 rows: split it into smaller files."]}
    client.force_login(manager)
    page = client.post("/surveys/contacts/", {"file": SimpleUploadedFile("many.csv", ("email\n" + rows).encode())})
    assert page.status_code == 400 and "more than 100,000 rows" in page.content.decode()
    assert not Contact.objects.exists()
