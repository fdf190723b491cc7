"""A manager imports contacts on the page, then sends a survey to a filtered group of them."""

from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from surveys.models import Contact, Invitation
from tests.factories import SurveyFactory

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

CONTACTS = (
    "email,name,language,plan\n"
    "mei@example.com,陈梅,zh-hans,pro\n"
    "ken@example.com,佐藤健,ja,pro\n"
    "ann@example.com,Ann Lee,en,starter\n"
    "broken-address,Nobody,en,pro\n"
)


def test_a_manager_imports_contacts_and_sends_to_the_pro_plan(page, live_server, manager, tmp_path, screenshot_dir):
    survey = SurveyFactory(name="Quarterly NPS")
    upload = Path(tmp_path / "contacts.csv")
    upload.write_bytes(CONTACTS.encode("gb18030"))
    log_in(page, live_server, manager.username)

    page.goto(f"{live_server.url}/surveys/contacts/")
    page.set_input_files("input[type=file]", str(upload))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("status")).to_contain_text("4 rows read (gb18030): 3 new, 0 updated.")
    expect(page.locator("td", has_text="not an email address")).to_be_visible()
    assert Contact.objects.count() == 3

    page.goto(f"{live_server.url}/surveys/manage/")
    page.get_by_role("link", name="Send", exact=True).click()
    page.fill("input[name=plan]", "pro")
    page.get_by_role("button", name="Count the contacts").click()
    expect(page.get_by_role("status")).to_contain_text("2 contacts match these filters.")
    page.screenshot(path=str(screenshot_dir / "send.png"), full_page=True)
    page.get_by_role("button", name="Schedule the send").click()
    expect(page.locator(".alert-success")).to_contain_text("Send scheduled for 2 matching contacts.")
    assert sorted(message.to[0] for message in mail.outbox) == ["ken@example.com", "mei@example.com"]
    assert Invitation.objects.filter(survey=survey, send__isnull=False).count() == 2
