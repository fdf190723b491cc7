"""A customer answers from the email's link on a phone (390x844), in Chinese and in Japanese."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from reviews.models import Feedback
from surveys import services
from surveys.models import Answer
from tests.factories import ContactFactory, SurveyFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("language", "kind", "low", "high", "score", "comment", "send_label"),
    [
        ("zh-hans", "nps", 0, 10, 3, "快递太慢了", "发送"),
        ("ja", "ces", 1, 7, 6, "とても簡単でした", "送信"),
    ],
)
def test_a_customer_answers_from_the_email_on_a_phone(
    browser, live_server, settings, screenshot_dir, language, kind, low, high, score, comment, send_label
):
    settings.SITE_URL = live_server.url
    contact = ContactFactory(language=language)
    invitation = services.invite_contact(
        survey=SurveyFactory(kind=kind, scale_min=low, scale_max=high), contact=contact
    )
    services.send_invitation(invitation_id=invitation.pk)
    html = mail.outbox[-1].alternatives[0][0]
    link = re.search(rf'href="([^"]+\?score={score})"', html).group(1)

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(link)
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator(f"#score-{score}")).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    assert not Answer.objects.exists()  # opening the link recorded nothing
    page.fill("textarea[name=comment]", comment)
    page.screenshot(path=str(screenshot_dir / f"answer-{language}.png"), full_page=True)
    page.get_by_role("button", name=send_label).click()
    expect(page.locator("h1")).to_be_visible()
    answer = Answer.objects.get()
    assert (answer.score, answer.comment) == (score, comment)
    assert Feedback.objects.get(answer=answer).language == language
    phone.close()
