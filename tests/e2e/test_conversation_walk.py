"""The whole conversation on real parts: a Celery worker, an SMTP sink, a Dovecot mailbox and a browser.

A customer answers as a detractor on a phone → the apology email → the agent replies from a template →
resolves → the customer answers the close-the-loop email by e-mail, read from the IMAP mailbox → the case is
reopened at the top of the queue with only the new text on its timeline → resolved again → that second
close-the-loop email is in the same thread as the apology. In English, Chinese and Japanese.
"""

import re
from email import message_from_bytes, policy

import pytest
from playwright.sync_api import expect

from followup.models import Case, CaseStatus, EventKind, OutboxEmail, OutboxStatus
from followup.tasks import read_inbound_mailbox
from surveys import services
from surveys.models import Invitation, InvitationStatus
from tests.conftest import wait_for
from tests.dovecot import dovecot, raw_email  # noqa: F401  (the fixture)
from tests.factories import ContactFactory, SurveyFactory
from tests.followup.helpers import detractor_case

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = "/work/shots/convo-replies"

WALK = {
    "en": {
        "locale": "en-GB",
        "comment": "The parcel arrived broken.",
        "reply": "We are sending a new one today.",
        "customer": "The new one is broken too!",
        "quote_header": "On Tue, Dec 1, 2026 at 10:00 AM Northwind Care <care@example.com> wrote:",
        "send": "Send",
        "in_progress": "In progress",
    },
    "zh-hans": {
        "locale": "zh-CN",
        "comment": "包裹到的时候是坏的。",
        "reply": "今天就给您重新寄一个。",
        "customer": "新寄来的也坏了！",
        "quote_header": '在 2026-12-01 10:00:00，"Northwind Care" <care@example.com> 写道：',
        "send": "发送",
        "in_progress": "处理中",
    },
    "ja": {
        "locale": "ja-JP",
        "comment": "荷物が壊れて届きました。",
        "reply": "本日、新しい商品をお送りします。",
        "customer": "新しいものも壊れていました！",
        "quote_header": "2026年12月1日(火) 10:00 Northwind Care <care@example.com>:",
        "send": "送信",
        "in_progress": "対応中",
    },
}


def words_of(header: str) -> str:
    """A decoded header's words: the decoder may keep a space of the encoded-word folding."""
    return " ".join(header.split())


def delivered(smtp_sink):
    return [message_from_bytes(m.content, policy=policy.default) for m in smtp_sink.messages]


def sent(key: str) -> OutboxEmail:
    return wait_for(lambda: OutboxEmail.objects.filter(idempotency_key=key, status=OutboxStatus.SENT).first(), 60)


def message_with_key(smtp_sink, key: str):
    return wait_for(lambda: next((m for m in delivered(smtp_sink) if m["X-Idempotency-Key"] == key), None))


@pytest.mark.parametrize("language", list(WALK))
def test_the_conversation_with_a_detractor_stays_one_thread_and_every_reply_reaches_the_agent(
    browser,
    live_server,
    settings,
    celery_worker,
    smtp_sink,
    dovecot,  # noqa: F811  (the fixture imported above)
    agent,
    language,
):
    words = WALK[language]
    settings.SITE_URL, settings.INBOUND_IMAP_URL = live_server.url, dovecot.url
    milder = [detractor_case(score=6, comment="A bit slow"), detractor_case(score=5, comment="OK-ish")]
    contact = ContactFactory(name="Mei", language=language)
    invitation = services.invite_contact(survey=SurveyFactory(), contact=contact)
    wait_for(lambda: Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.SENT)
    html = delivered(smtp_sink)[0].get_body(("html",)).get_content()
    link = re.search(r'href="([^"]+\?score=2)"', html).group(1)

    # The customer answers as a detractor, on a phone.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    customer = phone.new_page()
    customer.goto(link)
    customer.fill("textarea[name=comment]", words["comment"])
    customer.get_by_role("button", name=words["send"]).click()
    expect(customer.locator("h1")).to_be_visible()
    phone.close()
    case = wait_for(lambda: Case.objects.filter(contact=contact).first(), 60)
    apology = message_with_key(smtp_sink, f"apology:{case.feedback_id}")
    root = apology["Message-ID"]

    # The agent replies from a template, then resolves.
    staff = browser.new_context(locale=words["locale"], viewport={"width": 1280, "height": 900})
    page = staff.new_page()
    log_in(page, live_server, agent.username)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    with page.expect_response(lambda response: "/reply-template/" in response.url):
        page.select_option("#reply-template", "reply")  # the template's fields replace the form's (htmx)
    body = page.locator("#reply-fields textarea")
    expect(body).to_contain_text("[[")  # the part the agent must write
    write_required_part(body, words["reply"])
    page.get_by_test_id("submit-reply").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert words["reply"] in OutboxEmail.objects.get(case=case, idempotency_key__startswith="reply:").body_text
    resolve(page, case)
    first_resolution = message_with_key(smtp_sink, f"resolution:{case.pk}")

    # The customer answers the close-the-loop email by e-mail; the beat's reader takes it from the mailbox.
    quoted = f"{words['quote_header']}\n> {words['reply']}"
    dovecot.append(raw_email(body=f"{words['customer']}\n\n{quoted}\n", in_reply_to=first_resolution["Message-ID"]))
    read_inbound_mailbox.delay()
    wait_for(lambda: Case.objects.get(pk=case.pk).status == CaseStatus.IN_PROGRESS, 60)
    reply = Case.objects.get(pk=case.pk).events.get(kind=EventKind.CUSTOMER_REPLY)
    assert reply.body == words["customer"]

    page.goto(f"{live_server.url}/queue/")
    top = page.locator("#queue-rows tbody tr").first
    expect(top).to_have_attribute("data-case", str(case.pk))
    expect(top.get_by_test_id("reopened")).to_be_visible()
    assert Case.objects.get(pk=case.pk).priority > max(Case.objects.get(pk=c.pk).priority for c in milder)
    page.screenshot(path=f"{SHOTS}/walk-queue-reopened-{language}.png")

    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.get_by_test_id("case-status")).to_have_text(words["in_progress"])
    fold = page.get_by_test_id("quoted-thread")
    expect(fold).to_have_count(1)
    expect(fold.locator("div")).to_be_hidden()  # folded until the agent opens it
    expect(page.get_by_test_id("timeline")).to_contain_text(words["customer"])
    page.get_by_test_id("timeline").scroll_into_view_if_needed()
    page.screenshot(path=f"{SHOTS}/walk-timeline-folded-{language}.png", full_page=True)
    fold.locator("summary").click()
    expect(fold.locator("div")).to_contain_text(words["reply"])
    page.screenshot(path=f"{SHOTS}/walk-timeline-unfolded-{language}.png", full_page=True)

    # Resolved again: the second close-the-loop email continues the apology's thread, as every email did.
    resolve(page, case)
    sent(f"resolution:{case.pk}:2")
    thread = [m for m in delivered(smtp_sink) if m["To"] == contact.email and m["Message-ID"] != root]
    later = [m for m in thread if not m["Message-ID"].startswith("<invitation-")]
    assert len(later) == 3  # the agent's reply and two close-the-loop emails
    for message in later:
        assert (message["In-Reply-To"], message["References"]) == (root, root)
        assert words_of(message["Subject"]) == words_of(f"Re: {apology['Subject']}")
    staff.close()


def write_required_part(textarea, text: str) -> None:
    """Replace the template's [[part to write]] by the agent's words, as an agent does."""
    value = textarea.input_value()
    textarea.fill(re.sub(r"\[\[[^\]]*\]\]", text, value) if "[[" in value else f"{value}\n\n{text}")


def resolve(page, case):
    page.locator('button[data-bs-target="#action-resolve"]').click()
    form = page.locator('form[data-action="resolve"]')
    form.locator("select[name=resolve-root_cause]").select_option(index=1)
    form.locator("textarea[name=resolve-summary]").fill("Re-shipped")
    write_required_part(form.locator("textarea[name=resolve-body]"), "We re-shipped your parcel by express today.")
    form.get_by_test_id("submit-resolve").click()
    wait_for(lambda: Case.objects.get(pk=case.pk).status == CaseStatus.RESOLVED, 30)
