"""The first turn of the loop: invitation → answer → feedback → apology and case."""

import re
from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.urls import reverse

from followup.models import Case, OutboxEmail, OutboxStatus
from reviews.models import Feedback
from surveys import services
from surveys.models import Invitation, InvitationStatus
from tests.conftest import wait_for
from tests.factories import ContactFactory, SurveyFactory


def answer_link(html: str, score: int) -> str:
    return re.search(rf'href="https?://[^/]+(/s/[^/]+/\?score={score})"', html).group(1)


@pytest.mark.django_db
def test_a_detractor_answer_opens_a_case_and_queues_one_apology(client, django_capture_on_commit_callbacks, agent):
    contact = ContactFactory(name="Grace")
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_contact(survey=SurveyFactory(), contact=contact)
    link = answer_link(mail.outbox[0].alternatives[0][0], 3)
    client.get(link)
    assert not Feedback.objects.exists()
    sent_before = len(mail.outbox)
    client.post(link.split("?")[0], {"score": 3, "comment": "Waited two weeks"})  # the worker's part follows commit
    assert len(mail.outbox) == sent_before + 1
    feedback = Feedback.objects.get()
    case = Case.objects.get(feedback=feedback)
    apology = OutboxEmail.objects.get(idempotency_key=f"apology:{feedback.pk}")
    assert apology.status == OutboxStatus.SENT and apology.case == case
    assert mail.outbox[-1].to == [contact.email]
    assert "Dear Grace," in mail.outbox[-1].body
    assert "tell us a little more" in mail.outbox[-1].body


@pytest.mark.django_db
def test_a_promoter_answer_gets_one_email_thanks_and_review_invitation_together_but_no_case(
    client, django_capture_on_commit_callbacks
):
    survey = SurveyFactory(review_url="https://www.trustpilot.com/review/northwind-care")
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_contact(survey=survey, contact=ContactFactory())
    link = answer_link(mail.outbox[0].alternatives[0][0], 10)
    client.post(link.split("?")[0], {"score": 10})
    feedback = Feedback.objects.get()
    assert feedback.segment == "promoter"
    assert not Case.objects.exists()
    (follow_up,) = OutboxEmail.objects.all()
    assert follow_up.idempotency_key == f"promoter_thanks:{feedback.pk}"
    assert "Thank you for your kind words" in follow_up.body_text
    assert "share your experience with other customers here: https://www.trustpilot.com/review/northwind-care" in (
        follow_up.body_text
    )
    assert follow_up.body_text.endswith("\n\nThe Northwind Care team")


def test_the_loop_runs_end_to_end_on_a_real_worker_and_smtp(celery_worker, smtp_sink, client, agent, manager):
    """Real broker (Redis in CI), real worker, real SMTP server on loopback."""
    contact = ContactFactory(name="Lin", language="zh-hans")
    invitation = services.invite_contact(survey=SurveyFactory(), contact=contact)
    wait_for(lambda: Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.SENT)
    (invitation_mail,) = smtp_sink.messages
    html = message_from_bytes(invitation_mail.content, policy=policy.default).get_body(("html",)).get_content()
    link = re.search(r"(/s/[A-Za-z0-9_-]+/)\?score=2", html).group(1)

    response = client.post(link, {"score": 2, "comment": "快递太慢了！"})
    assert response.status_code == 200
    feedback = wait_for(Feedback.objects.first)  # the worker's part, after the answer committed
    assert (feedback.segment, feedback.language) == ("detractor", "zh-hans")

    apology = wait_for(
        lambda: OutboxEmail.objects.filter(idempotency_key=f"apology:{feedback.pk}", status=OutboxStatus.SENT).first(),
        timeout=60,
    )
    assert len(smtp_sink.messages) == 2
    assert smtp_sink.messages[1].rcpt_tos == [contact.email]
    assert apology.provider_message_id

    client.force_login(agent)
    queue = client.get(reverse("followup:queue")).content.decode()
    assert f'data-case="{Case.objects.get(feedback=feedback).pk}"' in queue
    assert "快递太慢了！" in queue
    client.force_login(manager)
    overview = client.get(reverse("reviews:overview")).content.decode()
    assert '<span data-testid="nps-n">1</span>' in overview
