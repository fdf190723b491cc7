"""One email per answer: the follow-up is one message, a changed score replaces it while it waits, and a review
invitation goes only to a real review site."""

import re
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from feedback_platform import delivery
from followup import rules
from followup.models import OutboxEmail, OutboxStatus, Rule
from reviews.models import Feedback
from surveys import services
from surveys.models import Answer, Invitation, InvitationStatus
from tests.conftest import wait_for
from tests.factories import ContactFactory, SurveyFactory
from tests.surveys.helpers import sent_invitation

REVIEW_SITE = "https://www.trustpilot.com/review/northwind-care"
PROMOTER_RULE = "Promoter: thank you and a review invitation"


def answer(invitation, score, comment=""):
    return services.record_answer(invitation=invitation, score=score, comment=comment)


@pytest.mark.django_db
def test_a_changed_score_replaces_the_waiting_follow_up_instead_of_adding_one(django_capture_on_commit_callbacks):
    invitation, _token = sent_invitation(survey=SurveyFactory(review_url=REVIEW_SITE))
    with django_capture_on_commit_callbacks(execute=True):
        answer(invitation, 9)
    thanks = OutboxEmail.objects.get()
    assert thanks.status == OutboxStatus.QUEUED and thanks.next_attempt_at > timezone.now()  # waits to settle
    with django_capture_on_commit_callbacks(execute=True):
        answer(invitation, 5)
    thanks.refresh_from_db()
    assert thanks.status == OutboxStatus.WITHHELD and thanks.last_error == "replaced: the answer changed"
    apology = OutboxEmail.objects.exclude(pk=thanks.pk).get()
    assert apology.idempotency_key.startswith("apology:") and apology.status == OutboxStatus.SENT
    assert "We are sorry" in apology.subject
    with django_capture_on_commit_callbacks(execute=True):
        answer(invitation, 10)  # the apology has left: no second automatic email for this answer
    assert OutboxEmail.objects.count() == 2
    firing = Feedback.objects.get().rule_firings.get(rule__name=PROMOTER_RULE)
    assert "follow-up already sent: no second automatic email for this answer" in firing.actions


@pytest.mark.django_db
def test_the_comment_after_the_score_keeps_the_one_follow_up(django_capture_on_commit_callbacks):
    invitation, _token = sent_invitation(survey=SurveyFactory(review_url=REVIEW_SITE))
    with django_capture_on_commit_callbacks(execute=True):
        answer(invitation, 10)
        answer(invitation, 10, comment="Great service")
    (thanks,) = OutboxEmail.objects.all()
    assert thanks.status == OutboxStatus.QUEUED


@pytest.mark.django_db
def test_without_a_review_site_no_invitation_is_sent_and_the_firing_says_why():
    invitation, _token = sent_invitation(survey=SurveyFactory(review_url=""))
    answer_row = Answer.objects.create(
        invitation=invitation, survey=invitation.survey, contact=invitation.contact, score=10
    )
    from reviews.ingest import ingest_answer

    feedback = ingest_answer(answer=answer_row, announce=False)
    rules.act_on_feedback(feedback=feedback)
    (thanks,) = OutboxEmail.objects.all()
    assert "share your experience" not in thanks.body_text and "http" not in thanks.body_text
    firing = feedback.rule_firings.get(rule__name=PROMOTER_RULE)
    assert "review invitation: not sent, the survey has no review site" in firing.actions


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://www.example.com/reviews/northwind", "is an example address"),
        ("http://www.trustpilot.com/review/northwind", "https://"),
        ("https://reviews.northwind.test/", "is an example address"),
    ],
)
def test_the_survey_editor_refuses_a_review_site_that_is_not_real(client, admin_user, url, message):
    survey = SurveyFactory()
    with pytest.raises(ValidationError, match=re.escape(message)):
        survey.review_url = url
        survey.full_clean()
    client.force_login(admin_user)
    page = client.get(reverse("surveys:manage_edit", args=[survey.pk])).content.decode()
    assert "Empty: no review invitation is sent." in page


@pytest.mark.django_db
def test_the_rule_editor_says_which_surveys_get_no_review_invitation(client, admin_user):
    SurveyFactory(name="Store NPS", review_url="")
    SurveyFactory(name="App NPS", review_url=REVIEW_SITE)
    client.force_login(admin_user)
    rule = Rule.objects.get(name=PROMOTER_RULE)
    page = client.get(reverse("followup:rule_edit", args=[rule.pk])).content.decode()
    warning = re.search(r'data-testid="no-review-site">(.*?)</div>', page, re.S).group(1)
    assert "Store NPS" in warning and "App NPS" not in warning
    apology_rule = Rule.objects.get(name="Detractor: apology and a case within the hour")
    page = client.get(reverse("followup:rule_edit", args=[apology_rule.pk])).content.decode()
    assert 'data-testid="no-review-site"' not in page


def test_no_example_review_site_ships_in_the_settings():
    from django.conf import settings

    assert not hasattr(settings, "FOLLOWUP_REVIEW_URL")


@pytest.mark.django_db
def test_cancel_stops_only_what_has_not_left():
    invitation, _token = sent_invitation()
    rows = [
        OutboxEmail.objects.create(
            idempotency_key=f"k{i}", to_email="a@example.com", subject="s", body_text="b", status=status
        )
        for i, status in enumerate(
            [OutboxStatus.QUEUED, OutboxStatus.AWAITING_RETRY, OutboxStatus.INFLIGHT, OutboxStatus.SENT]
        )
    ]
    cancelled = delivery.cancel(OutboxEmail, [row.pk for row in rows], reason="replaced")
    assert cancelled == [rows[0].pk, rows[1].pk]
    statuses = list(OutboxEmail.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == [OutboxStatus.WITHHELD, OutboxStatus.WITHHELD, OutboxStatus.INFLIGHT, OutboxStatus.SENT]


def _delivered(smtp_sink, skip=1):
    return [message_from_bytes(m.content, policy=policy.default) for m in smtp_sink.messages[skip:]]


def _emailed_answer(smtp_sink, survey):
    invitation = services.invite_contact(survey=survey, contact=ContactFactory(name="Lin"))
    wait_for(lambda: Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.SENT)
    return Invitation.objects.get(pk=invitation.pk)


def test_a_promoter_gets_exactly_one_email_on_a_real_worker(celery_worker, smtp_sink):
    Rule.objects.filter(name=PROMOTER_RULE).update(email_delay_minutes=0)  # no settling time: see it leave
    invitation = _emailed_answer(smtp_sink, SurveyFactory(review_url=REVIEW_SITE))
    answer(invitation, 10, comment="Lovely")
    follow_up = wait_for(lambda: OutboxEmail.objects.filter(status=OutboxStatus.SENT).first(), timeout=60)
    wait_for(lambda: not Feedback.objects.filter(classified_at__isnull=True).exists())
    delivered = _delivered(smtp_sink)
    assert len(delivered) == 1 and delivered[0]["X-Idempotency-Key"] == follow_up.idempotency_key
    text = delivered[0].get_body(("plain",)).get_content()
    assert "Thank you for your kind words" in text and REVIEW_SITE in text


def test_nine_then_five_within_the_window_is_exactly_one_email_the_apology(celery_worker, smtp_sink):
    invitation = _emailed_answer(smtp_sink, SurveyFactory(review_url=REVIEW_SITE))
    answer(invitation, 9)
    thanks = wait_for(lambda: OutboxEmail.objects.first(), timeout=60)  # the promoter's, waiting to settle
    answer(invitation, 5, comment="Actually the parcel was late")
    apology = wait_for(
        lambda: OutboxEmail.objects.filter(idempotency_key__startswith="apology:", status=OutboxStatus.SENT).first(),
        timeout=60,
    )
    OutboxEmail.objects.filter(pk=thanks.pk, status=OutboxStatus.QUEUED).update(
        next_attempt_at=timezone.now() - timedelta(minutes=1)
    )  # had it not been replaced, it would be due now
    delivery.relay()
    wait_for(lambda: OutboxEmail.objects.get(pk=thanks.pk).status == OutboxStatus.WITHHELD, timeout=10)
    delivered = _delivered(smtp_sink)
    assert [m["X-Idempotency-Key"] for m in delivered] == [apology.idempotency_key]
    assert "We are sorry" in delivered[0]["Subject"]


@pytest.mark.django_db
def test_a_replacement_does_not_continue_the_thread_of_the_email_it_replaced(django_capture_on_commit_callbacks):
    Rule.objects.filter(name="Detractor: apology and a case within the hour").update(email_delay_minutes=10)
    invitation, _token = sent_invitation(survey=SurveyFactory(review_url=REVIEW_SITE))
    with django_capture_on_commit_callbacks(execute=True):
        answer(invitation, 3)
    with django_capture_on_commit_callbacks(execute=True):
        answer(invitation, 10)
    apology, thanks = OutboxEmail.objects.order_by("pk")
    assert apology.status == OutboxStatus.WITHHELD
    assert thanks.status == OutboxStatus.QUEUED and thanks.thread_root == ""
    assert thanks.subject.startswith("Thank you") and not thanks.subject.startswith("Re:")
