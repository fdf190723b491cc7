"""The one-click corrections over HTTP: the labels fragment for the script, field errors as a 400, the scope of
an agent, and the case page's controls."""

import pytest
from django.urls import reverse

from reviews.models import LabelCorrection
from tests.followup.helpers import detractor_case

pytestmark = pytest.mark.django_db
SCRIPTED = {"HTTP_X_REQUESTED_WITH": "labels"}


def url(feedback):
    return reverse("reviews:correct_labels", args=[feedback.pk])


def test_an_agent_corrects_the_churn_of_a_case_they_see_and_the_fragment_comes_back(client, agent):
    case = detractor_case(comment="The app is slow today")
    client.force_login(agent)
    response = client.post(url(case.feedback), {"kind": "churn", "value": "looking"}, **SCRIPTED)
    assert response.status_code == 200
    assert 'value="looking" selected' in response.content.decode()
    case.refresh_from_db()
    assert case.churn_intent == "looking"
    page = client.get(reverse("followup:case", args=[case.pk])).content.decode()
    assert 'data-testid="labels-' in page and "Churn intent: Looking at alternatives" in page


def test_an_unknown_topic_is_a_400_with_the_field_error_and_nothing_stored(client, agent):
    case = detractor_case()
    client.force_login(agent)
    response = client.post(url(case.feedback), {"kind": "topic_added", "value": "<b>nope</b>"}, **SCRIPTED)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="label-errors"' in body and "&lt;b&gt;nope&lt;/b&gt;" in body and "<b>nope" not in body
    plain = client.post(url(case.feedback), {"kind": "sentiment", "value": "furious"})
    assert plain.status_code == 400 and "Choose negative, neutral or positive." in plain.content.decode()
    assert not LabelCorrection.objects.exists()


def test_an_agent_of_another_team_gets_a_404(client, other_team_agent):
    case = detractor_case()
    client.force_login(other_team_agent)
    assert client.post(url(case.feedback), {"kind": "churn", "value": "leaving"}).status_code == 404
    assert not LabelCorrection.objects.exists()


def test_a_plain_post_goes_back_to_its_page_and_never_elsewhere(client, manager):
    case = detractor_case()
    client.force_login(manager)
    back = reverse("followup:case", args=[case.pk])
    response = client.post(url(case.feedback), {"kind": "sentiment", "value": "negative", "next": back})
    assert response.status_code == 302 and response.url == back
    away = client.post(url(case.feedback), {"kind": "sentiment", "value": "positive", "next": "https://evil.example/"})
    assert away.url == reverse("reviews:explorer")


def test_the_explorer_shows_the_controls(client, manager):
    detractor_case(comment="The invoice was wrong")
    client.force_login(manager)
    body = client.get(reverse("reviews:explorer")).content.decode()
    assert "data-label-form" in body and "js/labels.js" in body
