"""Writes made in Django's admin that no service makes are recorded in the activity log, in their transaction."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from feedback_platform.models import ActivityEntry
from feedback_platform.roles import MANAGER
from followup.models import PriorityWeight
from surveys import services
from surveys.models import Answer, Contact
from tests.factories import ContactFactory, UserFactory
from tests.surveys.helpers import sent_invitation

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client, admin_user):
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    return admin_user


def test_a_users_role_changed_in_the_admin_is_recorded_with_the_fields_only(client, superuser):
    user = UserFactory(username="kenji")
    form = {"username": "kenji", "groups": [Group.objects.get(name=MANAGER).pk], "is_active": "on"}
    form |= {"date_joined_0": "2026-01-01", "date_joined_1": "00:00:00", "initial-date_joined_0": "2026-01-01"}
    form["initial-date_joined_1"] = "00:00:00"
    response = client.post(reverse("admin:auth_user_change", args=[user.pk]), form)
    assert response.status_code == 302, response.content[:2000]
    entry = ActivityEntry.objects.get(action="auth.user.changed_in_admin")
    assert (entry.actor_user_id, entry.target_id) == (superuser.pk, str(user.pk))
    assert "groups" in entry.payload["fields"]


def test_an_answer_deleted_in_the_admin_leaves_an_entry_naming_it(client, superuser):
    invitation, _token = sent_invitation()
    answer = services.record_answer(invitation=invitation, score=3, comment="slow")
    url = reverse("admin:surveys_answer_delete", args=[answer.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Answer.objects.exists()
    entry = ActivityEntry.objects.get(action="surveys.answer.deleted_in_admin")
    assert (entry.actor_user_id, entry.target_id) == (superuser.pk, str(answer.pk))


def test_a_bulk_delete_records_every_row(client, superuser):
    contacts = ContactFactory.create_batch(3)
    form = {"action": "delete_selected", "_selected_action": [c.pk for c in contacts], "post": "yes"}
    assert client.post(reverse("admin:surveys_contact_changelist"), form).status_code == 302
    assert not Contact.objects.exists()
    recorded = ActivityEntry.objects.filter(action="surveys.contact.deleted_in_admin")
    assert sorted(recorded.values_list("target_id", flat=True)) == sorted(str(c.pk) for c in contacts)


def test_a_save_through_a_service_is_recorded_once_by_the_service(client, superuser):
    weight, _created = PriorityWeight.objects.get_or_create(factor="churn_risk", defaults={"weight": 10})
    url = reverse("admin:followup_priorityweight_change", args=[weight.pk])
    assert client.post(url, {"factor": "churn_risk", "weight": 42}).status_code == 302
    assert ActivityEntry.objects.filter(action__startswith="followup.priority").exists()  # the service's own
    assert not ActivityEntry.objects.filter(action__endswith="_in_admin").exists()
