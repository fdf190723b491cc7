"""The erasure registry: erasers run in their order, in one transaction, before the contact row goes."""

import pytest

from feedback_platform import erasure
from feedback_platform.activity import Actor, record_activity
from feedback_platform.models import ActivityEntry
from surveys.models import Contact
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(monkeypatch):
    """A registry of the test's own, the apps' registrations set aside (and put back after)."""
    monkeypatch.setattr(erasure, "_registry", {})
    return erasure


def test_erasers_run_in_order_before_the_contact_goes(registry):
    contact = ContactFactory(name="Wilhelmina Okafor", email="w.okafor@example.com")
    calls = []

    def later(person):
        calls.append(("later", Contact.objects.filter(pk=person.contact.pk).exists()))
        return 2

    def first(person):
        calls.append(("first", Contact.objects.filter(pk=person.contact.pk).exists()))
        person.found["first"] = "seen"
        return 1

    registry.register("later", order=registry.SURVEYS, erase=later)
    registry.register("first", order=registry.FOLLOWUP, erase=first)
    counts = registry.erase_person(contact=contact, actor=Actor.system("test"))

    assert calls == [("first", True), ("later", True)]
    assert counts["first"] == 1 and counts["later"] == 2
    assert not Contact.objects.filter(pk=contact.pk).exists()
    entry = ActivityEntry.objects.get(action="feedback_platform.person.erased")
    assert entry.payload["contact_id"] == contact.pk and entry.payload["rows_later"] == 2
    assert "Okafor" not in entry.target_label + str(entry.payload)


def test_one_failing_eraser_rolls_the_whole_erasure_back(registry):
    contact = ContactFactory(name="Rolled Back")
    touched = []

    def writes(person):
        person.contact.name = "changed"
        person.contact.save()
        touched.append(True)
        return 1

    def fails(person):
        raise RuntimeError("boom")

    registry.register("writes", order=1, erase=writes)
    registry.register("fails", order=2, erase=fails)
    with pytest.raises(RuntimeError):
        registry.erase_person(contact=contact, actor=Actor.system("test"))
    assert touched and Contact.objects.get(pk=contact.pk).name == "Rolled Back"
    assert not ActivityEntry.objects.filter(action="feedback_platform.person.erased").exists()


def test_activity_about_the_person_is_redacted_and_kept(registry):
    contact = ContactFactory(name="Ingrid Vasquez-Tanaka", email="ingrid.vt@example.com")
    about = record_activity(
        actor=Actor.system("test"),
        action="surveys.contact.changed",
        target=contact,
        payload={"note": "Ingrid Vasquez-Tanaka called"},
    )
    mentions = record_activity(
        actor=Actor.system("test"), action="surveys.contact.imported", payload={"emails": ["INGRID.VT@example.com"]}
    )
    other = record_activity(actor=Actor.system("test"), action="surveys.survey.archived", payload={"name": "Q3"})
    registry.erase_person(contact=contact, actor=Actor.system("test"))

    about, mentions, other = (ActivityEntry.objects.get(pk=entry.pk) for entry in (about, mentions, other))
    assert about.action == "surveys.contact.changed" and about.redacted_at is not None
    assert "Ingrid" not in about.target_label + str(about.payload)
    assert about.payload == {"note": "[erased] called"}
    assert mentions.payload == {"emails": ["[erased]"]}
    assert other.redacted_at is None and other.payload == {"name": "Q3"}


def test_person_redacts_quotes_ignoring_case_and_skips_short_texts():
    contact = ContactFactory.build(pk=1, name="Al", email="al@example.com", external_id=None)
    person = erasure.Person(contact=contact, actor=Actor.system("test"))
    person.add_texts("The refund never came")
    assert person.redact("Al said: the REFUND never came, mail AL@example.com") == "Al said: [erased], mail [erased]"
    assert person.redact("Al") == "[erased]"  # a field that is the person's short name, whole
    assert person.redact_json({"phrases": ["the refund never came"], "n": 3}) == {"phrases": ["[erased]"], "n": 3}
