"""An admin reads who did what on the activity page, filters it, in English, Chinese and Japanese."""

import pytest
from playwright.sync_api import expect

from feedback_platform.activity import Actor, record_activity
from feedback_platform.roles import ADMIN
from tests.factories import ContactFactory, SurveyFactory, UserFactory

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_filters_the_activity_page_in_three_languages(page, live_server, screenshot_dir):
    admin = UserFactory(username="grace", role=ADMIN, is_staff=True)
    manager = UserFactory(username="ada")
    survey = SurveyFactory(name="Relationship NPS 2026")
    contact = ContactFactory(name="陈美 <script>", email="mei@example.com")
    record_activity(
        actor=Actor.for_user(manager), action="surveys.survey.created", target=survey, payload={"fields": ["name"]}
    )
    record_activity(
        actor=Actor.for_token(manager), action="surveys.survey.archived", target=survey, payload={"from": "active"}
    )
    record_activity(
        actor=Actor.for_user(manager), action="surveys.contact.updated", target=contact, payload={"fields": ["name"]}
    )
    record_activity(
        actor=Actor.system("followup.escalate_overdue"),
        action="followup.case.escalated",
        label="Case #42",
        payload={"target": "first_response"},
    )
    record_activity(actor=Actor.customer(), action="surveys.contact.unsubscribed", target=contact)

    log_in(page, live_server, admin.username)
    page.goto(f"{live_server.url}/settings/activity/")
    expect(page.locator("#activity tbody tr")).to_have_count(5)
    expect(page.locator("#activity")).to_contain_text("陈美 <script>")  # escaped, shown as text
    page.screenshot(path=str(screenshot_dir / "activity_en.png"), full_page=True)

    page.fill("input[name=action]", "surveys.survey")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#activity tbody tr")).to_have_count(2)
    assert "action=surveys.survey" in page.url
    filtered = page.url

    for language, filename, heading in (
        ("zh-hans", "activity_zh.png", "操作记录"),
        ("ja", "activity_ja.png", "操作履歴"),
    ):
        page.goto(filtered)
        page.select_option("#language-select", language)
        page.wait_for_load_state()
        expect(page.locator("h1")).to_have_text(heading)
        expect(page.locator("#activity tbody tr")).to_have_count(2)  # the filter survives the language switch
        page.goto(f"{live_server.url}/settings/activity/")
        page.screenshot(path=str(screenshot_dir / filename), full_page=True)
