"""A person's data, erased: one action, across every app; the figures the reports count stay."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback_platform.activity import Actor
from feedback_platform.models import ActivityEntry
from reviews import reports, rollups
from reviews.ingest import classify_stored
from reviews.models import Feedback
from surveys.models import Answer, Contact, Invitation
from surveys.person_data import erase_contact
from tests.privacy.world import EMAIL, person_with_history
from tests.surveys.helpers import sent_invitation

pytestmark = pytest.mark.django_db


def figures(survey) -> dict:
    rollups.rebuild_all()
    today = timezone.localdate()
    period = {"from": str(today - timedelta(days=30)), "to": str(today)}
    report = reports.parse_filter(period, kind="nps")
    pro = reports.parse_filter({**period, "plan": "pro"}, kind="nps")
    return {
        "summary": reports.summary(report),
        "trend": reports.trend(report),
        "rates": reports.response_rates(report),
        "by plan": reports.breakdown(report, "plan"),
        "by stage": reports.breakdown(report, "lifecycle_stage"),
        "pro only": reports.summary(pro),  # from the rollups
        "pro rows": reports.selected_feedback(pro).count(),  # from the raw rows (minefields, churned comments)
        "answers": Answer.objects.filter(survey=survey).count(),
        "feedback": Feedback.objects.filter(survey=survey).count(),
    }


def test_erasing_keeps_answers_feedback_and_invitations_detached_so_nps_and_counts_stay():
    contact, survey, answer, feedback, _case = person_with_history()
    Feedback.objects.filter(pk=feedback.pk).update(lifecycle_stage="established")
    invitation, _token = sent_invitation(survey=survey, contact=contact)
    Answer.objects.filter(pk=answer.pk).update(invitation=invitation)
    other, _ = sent_invitation(survey=survey)
    before = figures(survey)
    assert before["summary"]["n"] == 1 and before["rates"][0]["answered"] == 1
    assert before["pro only"]["n"] == 1  # counted in the customer's group, which goes with the contact row

    erase_contact(contact=contact, actor=Actor.system("test"))

    assert not Contact.objects.filter(pk=contact.pk).exists()
    kept = Answer.objects.get(pk=answer.pk)
    assert kept.contact_id is None and kept.score == 2 and kept.comment == "[erased]"
    assert Invitation.objects.get(pk=invitation.pk).contact_id is None
    assert Feedback.objects.get(pk=feedback.pk).segment == "detractor"
    assert figures(survey) == before
    classify_stored([feedback.pk])  # a later re-classification keeps the group and stage
    assert figures(survey) == before
    assert Invitation.objects.remindable().filter(pk=invitation.pk).count() == 0  # never reminded
    assert Invitation.objects.filter(pk=other.pk).exists()


def test_the_erase_page_asks_for_the_email_and_shows_counts(client, admin_user, manager):
    contact, *_ = person_with_history()
    client.force_login(manager)
    assert client.get(reverse("surveys:contact-erase", args=[contact.pk])).status_code == 403
    client.force_login(admin_user)
    url = reverse("surveys:contact-erase", args=[contact.pk])
    assert 'name="confirm_email"' in client.get(url).text
    wrong = client.post(url, {"confirm_email": "someone@example.com"})
    assert wrong.status_code == 400 and Contact.objects.filter(pk=contact.pk).exists()

    done = client.post(url, {"confirm_email": f"  {EMAIL.upper()} "})

    assert done.status_code == 200 and 'data-testid="erase-counts"' in done.text
    assert not Contact.objects.filter(pk=contact.pk).exists()
    entry = ActivityEntry.objects.get(action="feedback_platform.person.erased")
    assert entry.actor_user_id == admin_user.pk and EMAIL not in str(entry.payload) + entry.target_label


def test_the_api_erases_for_admins_with_the_email_confirmed(client, admin_user, manager_api):
    contact, *_ = person_with_history()
    url = f"/api/v1/contacts/{contact.pk}/erase/"
    assert manager_api.post(url, {"confirm_email": EMAIL}, format="json").status_code == 403
    client.force_login(admin_user)
    assert client.post(url, {"confirm_email": "x@example.com"}, content_type="application/json").status_code == 400

    response = client.post(url, {"confirm_email": EMAIL}, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["contact_id"] == contact.pk and response.json()["rows"]["surveys"] >= 1
    assert not Contact.objects.filter(pk=contact.pk).exists()
