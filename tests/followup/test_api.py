import pytest

from followup.cases import add_note

from .helpers import detractor_case

pytestmark = pytest.mark.django_db


def test_an_agent_lists_the_cases_of_their_team_with_a_token(client, agent):
    from rest_framework.authtoken.models import Token

    case = detractor_case()
    token = Token.objects.create(user=agent)
    response = client.get("/api/v1/cases/", headers={"Authorization": f"Token {token.key}"})
    assert response.status_code == 200
    (item,) = response.json()["results"]
    assert (item["id"], item["segment"], item["score"]) == (case.pk, "detractor", 2)


def test_the_detail_carries_the_timeline(client, agent):
    case = detractor_case()
    add_note(case=case, author=agent, body="Called back")
    client.force_login(agent)
    timeline = client.get(f"/api/v1/cases/{case.pk}/").json()["timeline"]
    assert [event["kind"] for event in timeline][-1] == "note"
    assert timeline[-1]["body"] == "Called back"


def test_another_team_gets_404_and_an_empty_list(client, other_team_agent):
    case = detractor_case()
    client.force_login(other_team_agent)
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert client.get("/api/v1/cases/").json()["results"] == []


def test_overdue_filter(client, manager):
    from datetime import timedelta

    from django.utils import timezone

    from followup.models import Case

    late, on_time = detractor_case(), detractor_case()
    Case.objects.filter(pk=late.pk).update(first_response_due=timezone.now() - timedelta(minutes=1))
    client.force_login(manager)
    ids = [c["id"] for c in client.get("/api/v1/cases/?overdue=true").json()["results"]]
    assert ids == [late.pk]
    assert on_time.pk not in ids
