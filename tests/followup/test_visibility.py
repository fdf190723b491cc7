"""Team scoping beyond the case pages: an agent sees the customers their teams work with, and those
customers' feedback and comments, through every list, search, export and detail; managers see everything."""

import csv
import io
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from rest_framework.authtoken.models import Token

from feedback_platform.visibility import visible_to
from reviews.models import Feedback
from surveys.models import Contact
from tests.factories import ContactFactory
from tests.followup.helpers import detractor_case, detractor_feedback

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers():
    """A case of the default team (the agent's), the same customer's later praise (no case), and another
    customer's feedback nobody opened a case for."""
    case = detractor_case(comment="Mon colis est arrivé cassé")
    later = detractor_feedback(score=10, comment="Fixed quickly, thanks", contact=case.contact)
    stranger = detractor_feedback(score=9, comment="Cassé mais remboursé")
    return {"case": case, "later": later, "stranger": stranger, "stranger_contact": stranger.contact}


def api(client, user):
    client.credentials = None
    token = Token.objects.get_or_create(user=user)[0].key
    return lambda url: client.get(url, HTTP_AUTHORIZATION=f"Token {token}")


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


def test_the_feedback_api_shows_an_agent_their_teams_customers_only(client, customers, agent, other_team_agent):
    mine = {customers["case"].feedback_id, customers["later"].pk}
    assert ids(api(client, agent)("/api/v1/feedback/")) == mine
    assert ids(api(client, agent)("/api/v1/feedback/?q=cass")) == {customers["case"].feedback_id}
    assert ids(api(client, other_team_agent)("/api/v1/feedback/")) == set()
    assert ids(api(client, other_team_agent)("/api/v1/feedback/?q=cass")) == set()


def test_managers_and_admins_see_all_feedback(client, customers, manager, admin_user):
    for user in (manager, admin_user):
        assert ids(api(client, user)("/api/v1/feedback/?q=cass")) == {
            customers["case"].feedback_id,
            customers["stranger"].pk,
        }


@pytest.mark.parametrize("export", ["", "csv", "xlsx"])
def test_the_explorer_and_its_exports_are_scoped(client, customers, agent, other_team_agent, manager, export):
    def comments(user) -> str:
        client.force_login(user)
        response = client.get(reverse("reviews:explorer"), {"kind": "nps", "export": export} if export else {})
        assert response.status_code == 200
        if export == "xlsx":
            from openpyxl import load_workbook

            sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
            return " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)
        if export == "csv":
            return " ".join(" ".join(row) for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        # The comment's highlighted phrases (<mark>) are whatever weighed most for its labels; read past them.
        return re.sub(r"</?mark[^>]*>", "", response.content.decode())

    assert "Mon colis" in comments(agent) and "remboursé" not in comments(agent)
    assert "Mon colis" not in comments(other_team_agent) and "remboursé" not in comments(other_team_agent)
    assert "Mon colis" in comments(manager) and "remboursé" in comments(manager)


def test_the_contacts_api_lists_and_shows_an_agent_their_teams_customers_only(
    client, customers, agent, other_team_agent, manager
):
    mine, stranger = customers["case"].contact, customers["stranger_contact"]
    ContactFactory()  # a contact with no feedback at all
    assert ids(api(client, agent)("/api/v1/contacts/")) == {mine.pk}
    assert api(client, agent)(f"/api/v1/contacts/{mine.pk}/").json()["email"] == mine.email
    assert api(client, agent)(f"/api/v1/contacts/{stranger.pk}/").status_code == 404
    assert ids(api(client, other_team_agent)("/api/v1/contacts/")) == set()
    assert api(client, other_team_agent)(f"/api/v1/contacts/{mine.pk}/").status_code == 404
    assert ids(api(client, manager)("/api/v1/contacts/")) == set(Contact.objects.values_list("pk", flat=True))


def test_an_agent_moved_to_another_team_no_longer_sees_its_customers(customers, agent):
    assert visible_to(agent, Feedback.objects.all()).count() == 2
    agent.support_teams.clear()
    assert visible_to(agent, Feedback.objects.all()).count() == 0
    assert visible_to(agent, Contact.objects.all()).count() == 0


def test_a_model_without_a_rule_is_refused_not_shown():
    with pytest.raises(ImproperlyConfigured, match="Token"):
        visible_to(None, Token.objects.all())
