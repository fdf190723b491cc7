"""What a client may send the surveys API: each mistake is a 400 naming the field, never a 500 or a wrong write."""

import pytest
from django.core import mail
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from surveys.models import Invitation
from tests.factories import SurveyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(manager) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=manager).key}")
    return client


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
