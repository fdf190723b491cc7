"""An agent sees a new detractor arrive, claims it with the keyboard, replies and resolves it."""

import re
from email import message_from_bytes, policy

import pytest
from playwright.sync_api import expect

from followup.models import Case, CaseStatus, OutboxEmail, OutboxStatus
from surveys.services import record_answer
from tests.conftest import wait_for
from tests.factories import ContactFactory
from tests.followup.helpers import detractor_case
from tests.surveys.helpers import sent_invitation

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agent_closes_the_loop_from_the_queue(page, live_server, agent, smtp_sink, screenshot_dir):
    older = detractor_case(score=6, comment="A bit slow")  # a milder case already waiting
    log_in(page, live_server, agent.username)
    page.goto(f"{live_server.url}/queue/")
    expect(page.locator(f'tr[data-case="{older.pk}"]')).to_be_visible()

    invitation, _ = sent_invitation(contact=ContactFactory(name="Mei Chen", email="mei@example.com"))
    record_answer(invitation=invitation, score=0, comment="Parcel lost, nobody answers!!! I want a refund")
    case = Case.objects.get(feedback__answer__invitation=invitation)
    Case.objects.filter(pk=case.pk).update(owner=None)  # nobody has it yet: the agent claims it

    first_row = page.locator("#queue-rows tbody tr").first
    expect(first_row).to_have_attribute("data-case", str(case.pk), timeout=15_000)  # htmx polling, no reload
    expect(page).to_have_title(re.compile(r"^\(2\)"))
    page.screenshot(path=str(screenshot_dir / "queue.png"))

    page.keyboard.press("k")  # the top row is selected
    page.keyboard.press("a")
    expect(first_row.locator(".owner")).to_have_text(agent.username)
    assert Case.objects.get(pk=case.pk).owner == agent

    page.keyboard.press("Enter")
    page.wait_for_url(f"**/cases/{case.pk}/")
    expect(page.get_by_test_id("comment")).to_contain_text("Parcel lost")
    page.screenshot(path=str(screenshot_dir / "case.png"), full_page=True)

    with page.expect_response(lambda response: "/reply-template/" in response.url):
        page.select_option("#reply-template", "apology")  # wait for htmx to swap the template's fields in
    expect(page.locator("#reply-fields textarea")).to_contain_text("Dear Mei Chen")
    page.get_by_test_id("submit-reply").click()
    expect(page.locator(".alert-success")).to_contain_text("Reply queued")

    page.get_by_role("button", name="Resolve and close the loop").click()
    resolve = page.locator('form[data-action="resolve"]')
    resolve.locator("select[name=resolve-root_cause]").select_option(label="Delivery delay")
    resolve.locator("textarea[name=resolve-summary]").fill("Re-shipped with express delivery")
    resolve.locator("textarea[name=resolve-body]").fill("Dear Mei Chen,\n\nWe re-shipped your parcel by express today.")
    resolve.get_by_test_id("submit-resolve").click()
    expect(page.get_by_test_id("case-status")).to_have_text("Resolved")

    closing = OutboxEmail.objects.get(idempotency_key=f"resolution:{case.pk}")
    wait_for(lambda: OutboxEmail.objects.get(pk=closing.pk).status == OutboxStatus.SENT)
    delivered = [message_from_bytes(m.content, policy=policy.default) for m in smtp_sink.messages]
    resolution = [m for m in delivered if m["X-Idempotency-Key"] == f"resolution:{case.pk}"]
    assert len(resolution) == 1 and resolution[0]["To"] == "mei@example.com"
    assert "re-shipped your parcel" in resolution[0].get_body(("plain",)).get_content()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RESOLVED


def test_an_agent_of_another_team_gets_404_on_the_case(page, live_server, other_team_agent):
    case = detractor_case()
    log_in(page, live_server, other_team_agent.username)
    response = page.goto(f"{live_server.url}/cases/{case.pk}/")
    assert response.status == 404
    page.goto(f"{live_server.url}/queue/")
    expect(page.locator(f'tr[data-case="{case.pk}"]')).to_have_count(0)
