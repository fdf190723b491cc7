"""After an erasure the address is kept only as a keyed hash on the suppression list, and every send checks it."""

import pytest
from django.core import mail

from feedback_platform.activity import Actor
from surveys.editing import import_contact_file
from surveys.models import Contact, Invitation, InvitationStatus, Send, Suppression, email_hash
from surveys.person_data import erase_contact
from surveys.sending import run_send
from tests.factories import ContactFactory, SurveyFactory
from tests.privacy.world import EMAIL, person_with_history

pytestmark = pytest.mark.django_db


def test_a_reimported_erased_address_is_never_sent_a_survey(django_capture_on_commit_callbacks):
    contact, *_ = person_with_history()
    Suppression.objects.create(email=EMAIL.upper(), reason="unsubscribed")
    erase_contact(contact=contact, actor=Actor.system("test"))
    (kept,) = Suppression.objects.all()
    assert kept.email == "" and kept.email_hash == email_hash(EMAIL) and kept.reason == "unsubscribed"
    assert EMAIL not in kept.email_hash

    csv_file = f"email,name\n {EMAIL.upper()} ,Philippa Again\nfresh@example.com,Fresh\n".encode()
    import_contact_file(actor=Actor.system("test"), data=csv_file, filename="contacts.csv")
    assert Contact.objects.filter(email__iexact=EMAIL).exists()  # they may be a contact again…
    send = Send.objects.create(survey=SurveyFactory())
    with django_capture_on_commit_callbacks(execute=True):
        run_send(send_id=send.pk)

    again = Invitation.objects.get(contact__email__iexact=EMAIL)
    assert again.status == InvitationStatus.SKIPPED and again.skip_reason.startswith("suppressed")
    assert [message.to for message in mail.outbox] == [["fresh@example.com"]]  # …never emailed


def test_erasing_an_unlisted_address_lists_its_hash_and_other_addresses_stay_sendable():
    contact = ContactFactory(email="gone@example.com")
    erase_contact(contact=contact, actor=Actor.system("test"))
    assert Suppression.objects.covering(" GONE@example.com").exists()
    assert not Suppression.objects.covering("other@example.com").exists()
    assert Suppression.objects.covering_any(["Gone@Example.com", "x@example.com"]) == {"Gone@Example.com": "erased"}
