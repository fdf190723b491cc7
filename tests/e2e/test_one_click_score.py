"""The score an email's link carries counts once a person is on the page, never on the GET alone."""

import re
import time

import pytest
from django.core import mail
from playwright.sync_api import expect

from surveys import services
from surveys.models import Answer
from tests.factories import ContactFactory, SurveyFactory

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = "/work/shots/convo-replies"
SAVED = {"en": "Your score is saved", "zh-hans": "您的评分已保存", "ja": "評価を保存しました"}


def emailed_link(settings, live_server, *, score: int, language: str = "en") -> str:
    settings.SITE_URL = live_server.url
    invitation = services.invite_contact(survey=SurveyFactory(), contact=ContactFactory(language=language))
    services.send_invitation(invitation_id=invitation.pk)
    return re.search(rf'href="([^"]+\?score={score})"', mail.outbox[-1].alternatives[0][0]).group(1)


def phone(browser):
    return browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)


def test_a_browser_that_opens_the_link_and_leaves_at_once_records_nothing(browser, live_server, settings):
    link = emailed_link(settings, live_server, score=10)
    context = phone(browser)
    page = context.new_page()
    page.goto(link)
    expect(page.locator("#score-10")).to_be_checked()
    context.close()  # a scanner's headless browser: no input, gone before the dwell
    time.sleep(2.5)
    assert not Answer.objects.exists()


@pytest.mark.parametrize("language", ["en", "zh-hans", "ja"])
def test_the_carried_score_is_saved_after_a_short_dwell_on_screen(browser, live_server, settings, language):
    link = emailed_link(settings, live_server, score=10, language=language)
    context = phone(browser)
    page = context.new_page()
    page.goto(link)
    assert not Answer.objects.exists()
    expect(page.locator("#score-status")).to_contain_text(SAVED[language], timeout=6000)
    assert Answer.objects.get().score == 10
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=f"{SHOTS}/one-click-saved-{language}.png", full_page=True)
    context.close()


def test_a_scroll_saves_the_carried_score_before_the_dwell(browser, live_server, settings):
    link = emailed_link(settings, live_server, score=3)
    context = browser.new_context(viewport={"width": 390, "height": 400})
    page = context.new_page()
    page.goto(link)
    page.mouse.wheel(0, 300)
    expect(page.locator("#score-status")).to_contain_text(SAVED["en"], timeout=1500)
    assert Answer.objects.get().score == 3
    context.close()


def test_a_tap_on_another_score_saves_that_one_not_the_carried_one(browser, live_server, settings):
    link = emailed_link(settings, live_server, score=10)
    context = phone(browser)
    page = context.new_page()
    page.goto(link)
    page.locator("label[for=score-4]").tap()
    expect(page.locator("#score-status")).to_contain_text(SAVED["en"])
    time.sleep(2.5)  # past the dwell: the carried 10 must not come after
    assert Answer.objects.get().score == 4
    context.close()
