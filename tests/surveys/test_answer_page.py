from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reviews.models import Feedback
from surveys.models import Answer, SegmentThreshold, SurveyStatus
from surveys.segments import segment_for
from tests.factories import ContactFactory, SurveyFactory

from .helpers import sent_invitation

pytestmark = pytest.mark.django_db


def answer_url(token):
    return reverse("surveys:answer", args=[token])


def test_a_get_shows_the_chosen_score_and_records_nothing(client):
    invitation, token = sent_invitation()
    for method in (client.get, client.head, client.get):
        response = method(answer_url(token) + "?score=3")
        assert response.status_code == 200
    page = client.get(answer_url(token) + "?score=3").content.decode()
    assert 'id="score-3" value="3" checked' in page
    assert page.count('type="radio" name="score"') == 11
    assert not Answer.objects.exists()
    assert not Feedback.objects.exists()


def test_a_post_records_the_answer_and_its_feedback(client):
    invitation, token = sent_invitation()
    response = client.post(answer_url(token), {"score": 9, "comment": "  Fast delivery  "})
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    answer = Answer.objects.get(invitation=invitation)
    assert (answer.score, answer.comment) == (9, "Fast delivery")
    feedback = Feedback.objects.get(answer=answer)
    assert (feedback.segment, feedback.kind, feedback.language) == ("promoter", "nps", "en")


@pytest.mark.parametrize("score", ["11", "-1", "abc", ""])
def test_a_score_outside_the_scale_is_a_400_naming_the_problem(client, score):
    invitation, token = sent_invitation()
    response = client.post(answer_url(token), {"score": score})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose a score" in page
    assert not Answer.objects.exists()


def test_a_second_post_within_a_day_changes_the_same_answer(client):
    invitation, token = sent_invitation()
    client.post(answer_url(token), {"score": 2, "comment": "late"})
    client.post(answer_url(token), {"score": 7, "comment": "arrived after all"})
    assert Answer.objects.count() == 1
    assert Answer.objects.get().score == 7
    assert Feedback.objects.get().segment == "passive"


def test_an_answer_older_than_a_day_cannot_be_changed(client):
    invitation, token = sent_invitation()
    client.post(answer_url(token), {"score": 2})
    Answer.objects.update(answered_at=timezone.now() - timedelta(hours=25))
    response = client.post(answer_url(token), {"score": 10})
    assert response.status_code == 400
    assert Answer.objects.get().score == 2


def test_the_database_allows_one_answer_per_invitation():
    invitation, _ = sent_invitation()
    Answer.objects.create(invitation=invitation, survey=invitation.survey, contact=invitation.contact, score=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(invitation=invitation, survey=invitation.survey, contact=invitation.contact, score=6)


def test_an_unknown_token_gets_a_friendly_404(client):
    response = client.get(answer_url("not-a-real-token"))
    assert response.status_code == 404
    assert "We could not find this survey link" in response.content.decode()


def test_an_expired_link_gets_a_friendly_410_in_the_customers_language(client):
    invitation, token = sent_invitation(contact=ContactFactory(language="ja"))
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save()
    response = client.post(answer_url(token), {"score": 5})
    assert response.status_code == 410
    assert 'lang="ja"' in response.content.decode()
    assert not Answer.objects.exists()


def test_a_paused_survey_gets_its_own_page(client):
    invitation, token = sent_invitation(survey=SurveyFactory(status=SurveyStatus.PAUSED))
    response = client.get(answer_url(token))
    assert response.status_code == 410
    assert "not taking answers" in response.content.decode()


def test_the_page_speaks_the_customers_language(client):
    invitation, token = sent_invitation(contact=ContactFactory(language="zh-hans"))
    page = client.get(answer_url(token)).content.decode()
    assert 'lang="zh-hans"' in page
    assert "发送" in page  # the Send button


@pytest.mark.parametrize(
    ("kind", "low", "high", "scores", "ends"),
    [
        ("nps", 0, 10, 11, "Not likely"),
        ("csat", 1, 5, 5, "Very satisfied"),
        ("ces", 1, 7, 7, "Strongly agree"),
        ("star", 1, 5, 5, "Excellent"),
    ],
)
def test_each_kind_has_its_scale_and_refuses_a_score_outside_it(client, kind, low, high, scores, ends):
    invitation, token = sent_invitation(survey=SurveyFactory(kind=kind, scale_min=low, scale_max=high))
    page = client.get(answer_url(token)).content.decode()
    assert page.count('type="radio" name="score"') == scores and ends in page
    assert client.post(answer_url(token), {"score": high + 1}).status_code == 400
    assert client.post(answer_url(token), {"score": low - 1}).status_code == 400
    assert client.post(answer_url(token), {"score": high}).status_code == 200
    assert Feedback.objects.get().kind == kind


def test_the_anonymous_web_link_records_like_any_answer(client, settings):
    survey = SurveyFactory(public_slug="spring-nps")
    assert client.get("/s/w/spring-nps/?score=9").status_code == 200
    assert not Answer.objects.exists()  # a GET records nothing
    response = client.post("/s/w/spring-nps/", {"score": 3, "comment": "Checkout is slow"})
    assert response.status_code == 200
    answer = Answer.objects.get()
    assert (answer.channel, answer.invitation, answer.contact) == ("link", None, None)
    feedback = Feedback.objects.get(answer=answer)
    assert (feedback.source, feedback.segment) == ("link", "detractor")
    assert client.post("/s/w/spring-nps/", {"score": 42}).status_code == 400
    assert client.get("/s/w/no-such-link/").status_code == 404
    survey.status = "paused"
    survey.save()
    assert client.get("/s/w/spring-nps/").status_code == 410


def test_the_web_link_keeps_bots_out(client):
    from surveys.views import LINK_ANSWERS_PER_HOUR

    SurveyFactory(public_slug="bots")
    assert client.post("/s/w/bots/", {"score": 0, "website": "http://spam"}).status_code == 200
    assert not Answer.objects.exists()  # the honeypot was filled: thanked, nothing kept
    for _ in range(LINK_ANSWERS_PER_HOUR):
        assert client.post("/s/w/bots/", {"score": 8}).status_code == 200
    assert client.post("/s/w/bots/", {"score": 8}).status_code == 429
    assert Answer.objects.count() == LINK_ANSWERS_PER_HOUR


def test_the_follow_up_question_and_thanks_follow_the_segment_and_language(client):
    survey = SurveyFactory(
        review_url="https://reviews.example.com/northwind",
        brand_color="#1e8449",
        translations={"ja": {"question": "友人に勧めますか？", "detractor_question": "何が問題でしたか？"}},
    )
    invitation, token = sent_invitation(survey=survey, contact=ContactFactory(language="ja"))
    page = client.get(answer_url(token) + "?score=2").content.decode()
    assert "友人に勧めますか？" in page and ">何が問題でしたか？</label>" in page
    assert "/s/brand/1e8449.css" in page  # the brand colour, by stylesheet (the CSP allows no style=)
    english, english_token = sent_invitation(survey=survey)
    page = client.get(answer_url(english_token) + "?score=10").content.decode()
    assert ">What did you like most?</label>" in page  # no translation: the survey's own text
    thanks = client.post(answer_url(english_token), {"score": 10}).content.decode()
    assert "Thank you, that means a lot to us!" in thanks and "https://reviews.example.com/northwind" in thanks
    sorry = client.post(answer_url(token), {"score": 1}).content.decode()
    assert "reviews.example.com" not in sorry  # only promoters are invited to review


def test_the_score_is_kept_first_and_the_comment_follows_on_the_same_answer(client):
    invitation, token = sent_invitation()
    saved = client.post(answer_url(token), {"score": 4, "step": "score"}, HTTP_ACCEPT="application/json")
    assert saved.status_code == 200 and saved.json() == {"score": 4, "comment": ""}
    feedback = Feedback.objects.get(answer__invitation=invitation)
    assert (feedback.score, feedback.segment) == (4, "detractor")  # the score alone already reached `reviews`
    bad = client.post(answer_url(token), {"score": 12, "step": "score"}, HTTP_ACCEPT="application/json")
    assert bad.status_code == 400 and "score" in bad.json()["errors"]

    # Without the page's script: a score with no comment is stored, and the thank-you page asks for the comment.
    page = client.post(answer_url(token), {"score": 3}).content.decode()
    assert 'name="step" value="comment"' in page and 'id="comment-form"' in page
    done = client.post(answer_url(token), {"score": 3, "step": "comment", "comment": "Box arrived crushed"})
    assert 'id="comment-form"' not in done.content.decode()
    answer = Answer.objects.get()
    assert (answer.score, answer.comment) == (3, "Box arrived crushed")
    feedback.refresh_from_db()
    assert (Feedback.objects.count(), feedback.comment) == (1, "Box arrived crushed")
    # Saving a score again keeps the comment already given.
    client.post(answer_url(token), {"score": 5, "step": "score"}, HTTP_ACCEPT="application/json")
    assert Answer.objects.values_list("score", "comment").get() == (5, "Box arrived crushed")


def test_an_anonymous_answer_takes_its_comment_in_a_second_step_and_only_its_own(client):
    survey = SurveyFactory(public_slug="two-step")
    other = SurveyFactory(public_slug="other")
    page = client.post("/s/w/two-step/", {"score": 9}).content.decode()
    key = page.split('name="answer" value="')[1].split('"')[0]
    client.post("/s/w/two-step/", {"score": 9, "step": "comment", "answer": key, "comment": "Loved the app"})
    assert Answer.objects.values_list("survey", "score", "comment").get() == (survey.pk, 9, "Loved the app")
    forged = client.post("/s/w/two-step/", {"score": 9, "step": "comment", "answer": key + "x", "comment": "spam"})
    assert forged.status_code == 400 and "can no longer be changed" in forged.content.decode()
    client.post("/s/w/other/", {"score": 9, "step": "comment", "answer": key, "comment": "elsewhere"})
    assert Answer.objects.filter(survey=other, comment="elsewhere").count() == 0
    assert Answer.objects.get(survey=survey).comment == "Loved the app"


def test_the_follow_up_question_and_the_thanks_follow_the_admins_thresholds(client):
    invitation, token = sent_invitation()
    assert ">What went wrong?</label>" in client.get(answer_url(token) + "?score=5").content.decode()  # default
    # 5 and 6 are detractors by default; with these thresholds they are passives, 7 a promoter. The page
    # read the defaults a moment ago, and shows the change at once all the same.
    SegmentThreshold.objects.create(kind="nps", scale_max=10, detractor_max=4, passive_max=6)
    for score, segment, question in [
        (4, "detractor", "What went wrong?"),
        (5, "passive", "What is the main reason for your score?"),
        (7, "promoter", "What did you like most?"),
    ]:
        assert segment_for("nps", score, 10)[0] == segment  # what the Feedback will say
        page = client.get(answer_url(token) + f"?score={score}").content.decode()
        assert f">{question}</label>" in page, score
        assert 'data-detractor-max="4" data-passive-max="6"' in page  # the page's script uses the same
    thanks = client.post(answer_url(token), {"score": 5, "step": "score"}).content.decode()
    assert "Thank you for your feedback!" in thanks and "We are sorry" not in thanks
    assert ">What is the main reason for your score?</label>" in thanks
    widget = SurveyFactory(public_slug="in-app", widget_origins="https://shop.example.com")
    config = client.get(f"/s/widget/{widget.public_slug}/", HTTP_ORIGIN="https://shop.example.com").json()
    assert (config["detractor_max"], config["passive_max"]) == (4, 6)


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "the limit is 5000"), ("zh-hans", "上限为 5000"), ("ja", "上限は 5000")],
)
def test_a_too_long_comment_is_refused_in_the_customers_language_and_kept(client, language, words):
    invitation, token = sent_invitation(contact=ContactFactory(language=language))
    comment = "长" * 20_000
    response = client.post(answer_url(token), {"score": 4, "comment": comment})
    assert response.status_code == 400
    page = response.content.decode()
    assert words in page and "20000" in page
    assert comment in page  # what the customer typed is still in the box
    assert 'maxlength="' not in page  # the browser never cuts a paste silently
    assert not Answer.objects.exists()


def test_a_comment_at_the_limit_is_kept_whole_with_line_breaks_counted_once(client):
    invitation, token = sent_invitation()
    comment = ("x" * 99 + "\r\n") * 50  # 5,000 characters as the page counts them, 5,050 as sent
    response = client.post(answer_url(token), {"score": 8, "comment": comment})
    assert response.status_code == 200
    assert Answer.objects.get().comment == comment.replace("\r\n", "\n").strip()


def test_the_page_shows_the_limit_and_loads_the_counter(client):
    invitation, token = sent_invitation()
    page = client.get(answer_url(token)).content.decode()
    assert 'data-max-length="5000"' in page and "Up to 5000 characters." in page
    assert "js/comment_counter.js" in page


def test_the_comment_step_reads_each_row_once():
    """The tap and then the comment: the thank-you page is rendered from the rows the answer was saved with,
    not read again (the page is on the customer's hot path, where each statement costs a tenth of its speed)."""
    client = Client()  # Django's own: the after-commit work (the worker's, in production) does not run here
    invitation, token = sent_invitation()
    client.post(answer_url(token), {"score": 3, "step": "score"}, HTTP_ACCEPT="application/json")
    client.get(answer_url(token))  # the thresholds the page's words follow are read once per process
    with CaptureQueriesContext(connection) as queries:
        response = client.post(answer_url(token), {"score": 3, "step": "comment", "comment": "快递晚了五天"})
    assert response.status_code == 200
    statements = [q["sql"].split()[0] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert statements == ["SELECT", "INSERT"]  # the invitation (with survey, contact), the answer's upsert
