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


def test_a_tapped_score_is_kept_before_any_comment(browser, live_server, settings):
    settings.SITE_URL = live_server.url
    invitation = services.invite_contact(survey=SurveyFactory(), contact=ContactFactory(language="ja"))
    services.send_invitation(invitation_id=invitation.pk)
    link = re.search(r'href="([^"]+\?score=9)"', mail.outbox[-1].alternatives[0][0]).group(1)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(link)
    page.locator("label[for=score-4]").tap()  # the customer changes their mind, then leaves without a comment
    expect(page.locator("#score-status")).to_have_text("評価を保存しました。ほかに何かございますか？")
    expect(page.locator("#follow-up")).not_to_have_text("")
    answer = Answer.objects.get()
    assert (answer.score, answer.comment) == (4, "")
    assert Feedback.objects.get(answer=answer).segment == "detractor"
    page.fill("textarea[name=comment]", "配送が遅い")
    page.get_by_role("button", name="送信").click()
    expect(page.locator("h1")).to_be_visible()
    assert Answer.objects.values_list("score", "comment").get() == (4, "配送が遅い")
    phone.close()
