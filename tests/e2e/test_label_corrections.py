"""In a browser, in three languages: an agent corrects a case's sentiment and churn kind in one click each,
without a reload, and the case's labels change."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from reviews.models import Feedback
from tests.followup.helpers import detractor_case

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/work/shots/teach")
LOCALES = {"en": "en-US", "zh-hans": "zh-CN", "ja": "ja-JP"}


def test_an_agent_corrects_labels_in_one_click(browser, live_server, agent):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for language, locale in LOCALES.items():
        case = detractor_case(comment="Honestly we're switching to a cheaper competitor next quarter.")
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        log_in(page, live_server, agent.username)
        page.goto(f"{live_server.url}/cases/{case.pk}/")
        labels = page.get_by_test_id(f"labels-{case.feedback_id}")
        labels.get_by_test_id("sentiment-negative").click()
        expect(labels.get_by_test_id("sentiment-negative")).to_have_attribute("aria-pressed", "true")
        labels.get_by_test_id("churn-select").select_option("looking")
        expect(page.get_by_test_id(f"labels-{case.feedback_id}").get_by_test_id("churn-select")).to_have_value(
            "looking"
        )
        page.screenshot(path=SHOTS / f"case-corrections-{language}.png", full_page=True)
        context.close()
        feedback = Feedback.objects.get(pk=case.feedback_id)
        assert (feedback.sentiment_label, feedback.churn_intent) == ("negative", "looking")
