"""At 390 px (a phone) nothing a customer sees scrolls sideways: the invitation email of every kind in every
language, and every answer page, including the too-long comment's message."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from surveys import services
from surveys.models import Answer, Invitation
from tests.factories import ContactFactory, SurveyFactory
from tests.surveys.helpers import sent_invitation

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/work/shots/convo-emails")
PHONE = {"width": 390, "height": 844}
KINDS = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7), "star": (1, 5)}
LANGUAGES = ["en", "zh-hans", "ja"]


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def invitation_email(kind: str, language: str) -> str:
    low, high = KINDS[kind]
    survey = SurveyFactory(kind=kind, scale_min=low, scale_max=high, name=f"Northwind {kind}")
    contact = ContactFactory(language=language, name="Maximilian Alexander Featherstonehaugh-Wolfeschlegel")
    services.send_invitation(invitation_id=services.invite_contact(survey=survey, contact=contact).pk)
    return mail.outbox[-1].alternatives[0][0]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", list(KINDS))
def test_the_invitation_email_fits_a_phone(phone, kind, language):
    html = invitation_email(kind, language)
    phone.set_content(html)
    low, high = KINDS[kind]
    last = phone.get_by_role("link", name=str(high), exact=True)
    expect(last).to_be_visible()
    box = last.bounding_box()
    assert box["x"] + box["width"] <= 390  # the highest score is on screen
    assert box["width"] >= 24 and box["height"] >= 36  # still a finger-sized button
    assert scroll_width(phone) <= 390
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / f"invitation-{kind}-{language}.png"), full_page=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_answer_page_fits_a_phone_and_a_too_long_comment_is_explained(phone, live_server, settings, language):
    settings.SITE_URL = live_server.url
    for kind, (low, high) in KINDS.items():
        survey = SurveyFactory(kind=kind, scale_min=low, scale_max=high)
        invitation, token = sent_invitation(survey=survey, contact=ContactFactory(language=language))
        phone.goto(f"{live_server.url}/s/{token}/?score={high}")
        expect(phone.locator("#comment-count")).to_contain_text("0 / 5000")
        assert scroll_width(phone) <= 390, kind
        if kind != "nps":
            phone.get_by_role("button").last.click()
            expect(phone.locator("h1")).to_be_visible()
            assert scroll_width(phone) <= 390, f"{kind} thanks"
            continue
        phone.fill("textarea[name=comment]", "快递太慢了。" * 3334)  # 20,004 characters
        expect(phone.locator("#comment-count")).to_contain_text("20004 / 5000")
        phone.screenshot(path=str(SHOTS / f"answer-counter-{language}.png"))
        phone.get_by_role("button").last.click()
        expect(phone.locator("#comment-error")).to_be_visible()
        assert "20004" in phone.locator("#comment-error").inner_text()
        assert len(phone.input_value("textarea[name=comment]")) == 20004  # kept, not cut
        assert scroll_width(phone) <= 390, "too-long message"
        phone.locator("#comment-error").scroll_into_view_if_needed()
        phone.screenshot(path=str(SHOTS / f"answer-too-long-{language}.png"))
        assert not Answer.objects.filter(invitation=invitation, comment__startswith="快递").exists()
    expired, expired_token = sent_invitation(contact=ContactFactory(language=language))
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    Invitation.objects.filter(pk=expired.pk).update(sent_at=timezone.now() - timedelta(days=400))
    for path in (f"/s/{expired_token}/", "/s/not-a-real-token/"):
        phone.goto(live_server.url + path)
        assert scroll_width(phone) <= 390, path
    phone.goto(f"{live_server.url}/u/{expired_token}/")  # an unsubscribe link older than UNSUBSCRIBE_LINK_DAYS
    expect(phone.locator("h1")).to_be_visible()
    assert scroll_width(phone) <= 390, "expired unsubscribe link"
    phone.screenshot(path=str(SHOTS / f"unsubscribe-expired-{language}.png"))
