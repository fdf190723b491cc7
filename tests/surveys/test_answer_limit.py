"""The hourly limit on anonymous answers (web link and widget): only step two of an answer this browser holds
the key of goes past it, and the address it counts is the client's, behind our proxies too."""

import json

import pytest
from django.test import RequestFactory

from feedback_platform.clientip import client_address
from surveys.models import Answer
from surveys.views import LINK_ANSWERS_PER_HOUR
from tests.factories import SurveyFactory

pytestmark = pytest.mark.django_db


def answer_key(page) -> str:
    return page.content.decode().split('name="answer" value="')[1].split('"')[0]


def test_an_answer_field_on_a_new_answer_does_not_skip_the_limit(client):
    SurveyFactory(public_slug="loop")
    key = answer_key(client.post("/s/w/loop/", {"score": 0}))
    for _ in range(LINK_ANSWERS_PER_HOUR - 1):
        assert client.post("/s/w/loop/", {"score": 0}).status_code == 200
    # The probe's loop: every POST carries a valid key, but no step two, so each one is a new answer.
    refused = [client.post("/s/w/loop/", {"score": 0, "answer": key}).status_code for _ in range(50)]
    refused += [client.post("/s/w/loop/", {"score": 0, "answer": key, "step": "score"}).status_code for _ in range(5)]
    assert set(refused) == {429}
    assert Answer.objects.count() == LINK_ANSWERS_PER_HOUR


def test_step_two_of_an_answer_this_browser_holds_still_works_past_the_limit(client):
    SurveyFactory(public_slug="two")
    keys = [answer_key(client.post("/s/w/two/", {"score": 9})) for _ in range(LINK_ANSWERS_PER_HOUR)]
    assert client.post("/s/w/two/", {"score": 9}).status_code == 429
    step_two = {"score": 9, "step": "comment", "answer": keys[0], "comment": "Fast delivery"}
    assert client.post("/s/w/two/", step_two).status_code == 200
    assert Answer.objects.filter(comment="Fast delivery").count() == 1
    forged = {**step_two, "answer": keys[0] + "x"}
    assert client.post("/s/w/two/", forged).status_code == 429  # not a key we gave: counted, refused
    assert Answer.objects.count() == LINK_ANSWERS_PER_HOUR


def test_the_widget_counts_a_forged_key_and_lets_a_real_one_add_its_comment(client):
    shop = "https://shop.example.com"
    SurveyFactory(public_slug="in-app", widget_origins=shop)

    def post(body):
        return client.post("/s/widget/in-app/", json.dumps(body), content_type="application/json", HTTP_ORIGIN=shop)

    keys = [post({"score": 2}).json()["answer"] for _ in range(LINK_ANSWERS_PER_HOUR)]
    assert post({"score": 2}).status_code == 429
    assert post({"score": 2, "answer": "forged"}).status_code == 429
    assert post({"score": 2, "answer": keys[-1], "comment": "Slow app"}).status_code == 200
    assert Answer.objects.count() == LINK_ANSWERS_PER_HOUR


def test_behind_our_proxy_each_customer_has_their_own_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    SurveyFactory(public_slug="proxied")

    def post(forwarded_for):  # every request comes from the TLS proxy, which names its client
        return client.post("/s/w/proxied/", {"score": 8}, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for)

    for _ in range(LINK_ANSWERS_PER_HOUR):
        assert post("203.0.113.7").status_code == 200
    assert post("203.0.113.7").status_code == 429
    assert post("1.2.3.4, 203.0.113.7").status_code == 429  # what the client wrote before our proxy's entry
    assert post("198.51.100.9").status_code == 200


def test_without_trusted_proxies_a_forwarded_header_changes_nothing(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    SurveyFactory(public_slug="direct")
    for number in range(LINK_ANSWERS_PER_HOUR):
        client.post("/s/w/direct/", {"score": 8}, HTTP_X_FORWARDED_FOR=f"198.51.100.{number}")
    assert client.post("/s/w/direct/", {"score": 8}, HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded", "address"),
    [
        (0, "203.0.113.7", "10.0.0.2"),
        (1, "", "10.0.0.2"),
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        (2, "1.2.3.4, 203.0.113.7, 10.0.0.1", "203.0.113.7"),
        (2, "203.0.113.7", "203.0.113.7"),  # fewer hops than proxies: the farthest one named
    ],
)
def test_the_client_address_is_the_one_our_outermost_proxy_saw(settings, proxies, forwarded, address):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == address
