import json

import pytest

from reviews.models import Feedback
from surveys.models import Answer
from surveys.views import LINK_ANSWERS_PER_HOUR
from tests.factories import SurveyFactory

pytestmark = pytest.mark.django_db
SHOP = "https://shop.example.com"


@pytest.fixture
def survey():
    return SurveyFactory(public_slug="in-app", widget_origins=f"{SHOP}\nhttps://app.example.com")


def post(client, body, origin=SHOP, **query):
    path = "/s/widget/in-app/" + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    return client.post(path, data=json.dumps(body), content_type="application/json", HTTP_ORIGIN=origin)


def test_only_the_surveys_sites_get_cors_headers(client, survey):
    config = client.get("/s/widget/in-app/?lang=ja", HTTP_ORIGIN=SHOP)
    assert config.status_code == 200 and config["Access-Control-Allow-Origin"] == SHOP
    assert config.json()["scores"] == list(range(11)) and "すすめる" in config.json()["question"]
    preflight = client.options("/s/widget/in-app/", HTTP_ORIGIN=SHOP, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert preflight.status_code == 204 and "POST" in preflight["Access-Control-Allow-Methods"]
    assert preflight["Access-Control-Allow-Headers"] == "Content-Type"
    for method in (client.get, client.options):
        refused = method("/s/widget/in-app/", HTTP_ORIGIN="https://evil.example.com")
        assert refused.status_code == 403 and "Access-Control-Allow-Origin" not in refused
    refused = post(client, {"score": 3}, origin="https://evil.example.com")
    assert refused.status_code == 403 and not Answer.objects.exists()
    assert client.get("/s/widget/nope/", HTTP_ORIGIN=SHOP).status_code == 404


def test_the_widget_records_the_score_then_the_comment_like_any_answer(client, survey):
    first = post(client, {"score": 2})
    assert first.status_code == 201 and first["Access-Control-Allow-Origin"] == SHOP
    key = first.json()["answer"]
    assert first.json()["follow_up"]  # the detractor's follow-up question comes back for step two
    second = post(client, {"score": 3, "answer": key, "comment": "The export button is hidden"})
    assert second.status_code == 200
    answer = Answer.objects.get()
    assert (answer.channel, answer.score, answer.comment) == ("widget", 3, "The export button is hidden")
    feedback = Feedback.objects.get(answer=answer)
    assert (feedback.source, feedback.score, feedback.comment) == ("widget", 3, "The export button is hidden")
    assert post(client, {"score": 3, "answer": key + "x", "comment": "forged"}).status_code == 400


def test_bad_input_is_named_and_bots_are_kept_out(client, survey):
    bad = post(client, {"score": 11})
    assert bad.status_code == 400 and "score" in bad.json()["errors"]
    not_json = client.post("/s/widget/in-app/", data="score=3", content_type="text/plain", HTTP_ORIGIN=SHOP)
    assert not_json.status_code == 400 and "body" in not_json.json()["errors"]
    assert post(client, {"score": 9, "website": "http://spam"}).status_code == 201
    assert not Answer.objects.exists()  # the honeypot: thanked, nothing kept
    for _ in range(LINK_ANSWERS_PER_HOUR - 1):  # the refused score counted too
        assert post(client, {"score": 9}).status_code == 201
    assert post(client, {"score": 9}).status_code == 429
    survey.status = "paused"
    survey.save()
    assert client.get("/s/widget/in-app/", HTTP_ORIGIN=SHOP).status_code == 410


def test_a_survey_refuses_an_origin_that_is_not_one():
    from surveys.models import Survey

    survey = Survey(name="x", widget_origins="https://ok.example.com\nhttps://bad.example.com/path")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        survey.full_clean()
    assert "https://bad.example.com/path is not an origin" in str(error.value)


def test_the_embed_page_gives_the_snippet_and_shows_the_widget_live(client, manager, agent, survey, settings):
    settings.SITE_URL = "https://feedback.example.com"
    client.force_login(agent)
    assert client.get(f"/surveys/manage/{survey.pk}/embed/").status_code == 403
    client.force_login(manager)
    page = client.get(f"/surveys/manage/{survey.pk}/embed/").content.decode()
    assert 'src="https://feedback.example.com/static/js/widget.js" data-survey="in-app"' in page.replace("&quot;", '"')
    assert '<script src="/static/js/widget.js" data-survey="in-app"' in page  # the live preview
    own = client.post(  # from the product's own page
        "/s/widget/in-app/",
        data=json.dumps({"score": 7}),
        content_type="application/json",
        HTTP_ORIGIN="http://testserver",
    )
    assert own.status_code == 201 and Answer.objects.get().channel == "widget"
