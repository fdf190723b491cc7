"""The emailed link's score goes to the page's script to save once a person is there; the GET saves nothing."""

import pytest

from surveys.models import Answer
from tests.surveys.helpers import sent_invitation

pytestmark = pytest.mark.django_db


def form_tag(client, url: str) -> str:
    page = client.get(url).content.decode()
    return page[page.index("<form") : page.index(">", page.index("<form"))]


def test_the_page_hands_the_link_s_score_to_its_script_and_records_nothing(client):
    _invitation, token = sent_invitation()
    assert 'data-carried-score="10"' in form_tag(client, f"/s/{token}/?score=10")
    assert not Answer.objects.exists()


@pytest.mark.parametrize("query", ["", "?score=", "?score=11", "?score=ten", "?score=-1"])
def test_no_score_or_one_off_the_scale_is_handed_on(client, query):
    _invitation, token = sent_invitation()
    assert "data-carried-score" not in form_tag(client, f"/s/{token}/{query}")


def test_the_score_already_saved_is_not_saved_again(client):
    invitation, token = sent_invitation()
    Answer.objects.create(invitation=invitation, survey=invitation.survey, contact=invitation.contact, score=10)
    assert "data-carried-score" not in form_tag(client, f"/s/{token}/?score=10")
    assert 'data-carried-score="4"' in form_tag(client, f"/s/{token}/?score=4")
