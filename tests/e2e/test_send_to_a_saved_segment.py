"""A manager saves a segment (tagged VIPs who have not answered in 90 days), previews it, and sends a survey to it."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from surveys.models import Answer, Audience, Invitation, Send, Tag
from tests.factories import ContactFactory, SurveyFactory

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_manager_sends_a_survey_to_a_saved_segment(page, live_server, manager, screenshot_dir):
    survey = SurveyFactory(name="Relationship NPS")
    vip = Tag.objects.create(name="vip")
    quiet = [ContactFactory(name=f"Quiet VIP {n}", email=f"quiet{n}@example.com") for n in range(2)]
    recent = ContactFactory(name="Recent VIP", email="recent@example.com")
    ContactFactory(name="Not a VIP", email="plain@example.com")
    for contact in [*quiet, recent]:
        contact.tags.add(vip)
    Answer.objects.create(survey=survey, contact=recent, score=9, answered_at=timezone.now() - timedelta(days=3))
    log_in(page, live_server, manager.username)

    page.goto(f"{live_server.url}/surveys/manage/")
    page.get_by_role("link", name="Saved segments").click()
    page.get_by_role("link", name="New segment").click()
    page.fill("input[name=name]", "Quiet VIPs")
    page.select_option("select[name=c0_field]", "tags")
    page.select_option("select[name=c0_op]", "has")
    page.fill("input[name=c0_value]", "VIP")
    page.select_option("select[name=a0_op]", "not_answered")
    page.fill("input[name=a0_days]", "90")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("status")).to_contain_text("2 contacts match these filters.")
    expect(page.get_by_test_id("contact-sample")).to_contain_text("quiet0@example.com")
    expect(page.get_by_test_id("contact-sample")).not_to_contain_text("recent@example.com")
    page.get_by_role("button", name="Save the segment").click()
    expect(page.locator(".alert-success")).to_contain_text("Segment saved.")
    segment = Audience.objects.get(name="Quiet VIPs")
    assert segment.conditions == [
        {"field": "tags", "op": "has", "value": "VIP"},
        {"field": "answers", "op": "not_answered", "days": 90},
    ]

    page.goto(f"{live_server.url}/surveys/manage/{survey.pk}/send/")
    page.select_option("select[name=segment]", str(segment.pk))
    page.get_by_role("button", name="Count the contacts").click()
    expect(page.get_by_role("status")).to_contain_text("2 contacts match these filters.")
    page.screenshot(path=str(screenshot_dir / "send-to-segment.png"), full_page=True)
    page.get_by_role("button", name="Schedule the send").click()
    expect(page.locator(".alert-success")).to_contain_text("Send scheduled for 2 matching contacts.")
    send = Send.objects.get()
    assert send.segment == segment
    assert sorted(Invitation.objects.filter(send=send).values_list("contact__email", flat=True)) == [
        "quiet0@example.com",
        "quiet1@example.com",
    ]
    assert sorted(message.to[0] for message in mail.outbox) == ["quiet0@example.com", "quiet1@example.com"]
