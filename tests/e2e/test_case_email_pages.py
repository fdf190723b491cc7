"""The agent's side of the conversation in a browser, in the three languages: the reply form refuses a
template's prompt and previews the email as it will leave, the profile sets the signature, and the case page
shows the re-survey."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from feedback_platform.models import Profile
from followup import cases
from followup.models import OutboxEmail, RootCause
from tests.factories import ContactFactory
from tests.followup.helpers import detractor_case

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/work/shots/convo-emails")
WORDS = {
    "en": {
        "name": "Mei Chen",
        "prompt": "write your answer",
        "refused": "Replace “write your answer”",
        "preview": "Preview: the email as it will be sent",
        "due": "will be sent on",
    },
    "zh-hans": {
        "name": "王芳",
        "prompt": "请填写回复内容",
        "refused": "请用您自己的话替换“请填写回复内容”",
        "preview": "预览：邮件发出时的样子",
        "due": "将于",
    },
    "ja": {
        "name": "田中",
        "prompt": "回答内容を記入",
        "refused": "送信する前に「回答内容を記入」",
        "preview": "プレビュー：送信されるメールの内容",
        "due": "に送信する予定です",
    },
}


@pytest.mark.parametrize("language", list(WORDS))
def test_the_agent_is_stopped_by_a_prompt_previews_the_email_and_sees_the_re_survey(page, live_server, agent, language):
    words = WORDS[language]
    SHOTS.mkdir(parents=True, exist_ok=True)
    Profile.objects.filter(user=agent).update(
        display_name="Anna Schmidt",
        language=language,
        signatures={
            "en": "Customer Care, Northwind",
            "zh-hans": "Northwind 客户关怀团队",
            "ja": "Northwind カスタマーケア",
        },
    )
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    log_in(page, live_server, agent.username)
    case = detractor_case(contact=ContactFactory(language=language, name=words["name"]))
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    reply = page.locator('form[data-action="reply"]')
    expect(reply.locator("textarea")).to_contain_text(f"[[{words['prompt']}]]")
    page.get_by_test_id("submit-reply").click()
    expect(page.locator("#action-reply")).to_contain_text(words["refused"])
    assert not OutboxEmail.objects.filter(idempotency_key__startswith="reply:").exists()
    expect(page.frame_locator(".email-preview-frame").locator("body")).to_contain_text(f"[[{words['prompt']}]]")
    page.locator("#actions").screenshot(path=str(SHOTS / f"reply-refused-{language}.png"))

    body = reply.locator("textarea").input_value().replace(f"[[{words['prompt']}]]", "We re-shipped your parcel.")
    reply.locator("textarea").fill(body)
    page.get_by_test_id("preview-reply").click()
    preview = page.get_by_test_id("email-preview")
    expect(preview).to_contain_text(words["preview"])
    expect(preview.get_by_test_id("preview-text")).to_contain_text("Anna Schmidt", use_inner_text=False)
    assert agent.username not in preview.get_by_test_id("preview-text").text_content()
    expect(page.frame_locator(".email-preview-frame").locator("body")).to_contain_text("Anna Schmidt")
    page.locator("#actions").screenshot(path=str(SHOTS / f"reply-preview-{language}.png"))
    assert not OutboxEmail.objects.filter(idempotency_key__startswith="reply:").exists()

    page.goto(f"{live_server.url}/accounts/profile/")
    expect(page.get_by_test_id("signature-preview").first).to_contain_text("Anna Schmidt")
    page.screenshot(path=str(SHOTS / f"profile-{language}.png"), full_page=True)

    cases.resolve_case(
        case=case, agent=agent, root_cause=RootCause.objects.first(), summary="Fixed", subject="Fixed", body="Fixed."
    )
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.get_by_test_id("recovery-due")).to_contain_text(words["due"])
    page.get_by_test_id("recovery").screenshot(path=str(SHOTS / f"case-resurvey-{language}.png"))
    page.get_by_test_id("recovery-cancel").click()
    expect(page.get_by_test_id("timeline")).to_contain_text(
        {"en": "Re-survey cancelled.", "zh-hans": "已取消回访调查。", "ja": "再調査を取り消しました。"}[language]
    )
    page.screenshot(path=str(SHOTS / f"case-resurvey-cancelled-{language}.png"), full_page=True)
