"""What the erasure reaches beyond the contact's own rows: their links, reviews signed with their name in
another case or spacing, and import files saved in Shift_JIS or GB18030."""

import pytest
from django.urls import reverse

from feedback_platform.activity import Actor
from feedback_platform.erasure import ERASED
from reviews.models import Feedback, ImportJob
from surveys.person_data import erase_contact
from tests.factories import ContactFactory
from tests.privacy.world import PHRASE, import_job_naming
from tests.surveys.helpers import sent_invitation

pytestmark = pytest.mark.django_db


def test_an_erased_person_s_survey_link_is_unknown_not_an_error(client):
    invitation, token = sent_invitation()
    erase_contact(contact=invitation.contact, actor=Actor.system("test"))
    response = client.get(reverse("surveys:answer", args=[token]))
    assert response.status_code in (404, 410) and invitation.contact.email not in response.text


@pytest.mark.parametrize("encoding", ["shift_jis", "gb18030", "utf-16"])
def test_import_files_in_other_encodings_are_searched(encoding):
    name = "山田花子" if encoding != "gb18030" else "王小明"
    contact = ContactFactory(name=name, email="hanako@example.com")
    job = import_job_naming(name, encoding=encoding)
    other = import_job_naming("Somebody Else", encoding=encoding)
    erase_contact(contact=contact, actor=Actor.system("test"))
    assert bytes(ImportJob.objects.get(pk=job.pk).data) == ERASED.encode()
    assert PHRASE in bytes(ImportJob.objects.get(pk=other.pk).data).decode(encoding)  # not theirs: kept


def test_imported_reviews_signed_with_the_name_in_another_case_or_spacing_are_erased():
    contact = ContactFactory(name="Bartholomew Nkemelu", email="bart.n@example.com")
    signed = [
        Feedback.objects.create(
            source="import", kind="star", scale_min=1, scale_max=5, score=1, segment="detractor",
            author_name=author, comment="Never again",
        )
        for author in ("  bartholomew NKEMELU ", "BART.N@example.com", "Bartholomew N.")
    ]  # fmt: skip
    erase_contact(contact=contact, actor=Actor.system("test"))
    authors = [Feedback.objects.get(pk=row.pk).author_name for row in signed]
    assert authors == [ERASED, ERASED, "Bartholomew N."]  # a shortened name is not theirs for certain
