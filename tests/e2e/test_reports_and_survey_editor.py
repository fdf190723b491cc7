"""In a browser, in three languages: the reports with a filter, the loop report, and the survey editor's
preview (shown from the first second, the phone page not blank, a validation error named)."""

import os
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from followup.models import Case
from reviews import rollups
from reviews.models import Feedback, Topic
from surveys.models import Survey
from surveys.segments import segment_for
from tests.factories import ContactFactory, SurveyFactory
from tests.followup.helpers import detractor_case

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(os.environ.get("SHOTS_DIR", "var/screenshots/reports16"))
LOCALES = {"en": "en-US", "zh-hans": "zh-CN", "ja": "ja-JP"}


def _feedback(survey, score, comment, topic, days_ago):
    segment, reason = segment_for("nps", score, 10)
    day = timezone.localdate() - timedelta(days=days_ago)
    row = Feedback.objects.create(
        kind="nps",
        scale_min=0,
        scale_max=10,
        score=score,
        segment=segment,
        segment_reason=reason,
        received_at=datetime.combine(day, time(10), tzinfo=timezone.get_current_timezone()),
        survey=survey,
        contact=ContactFactory(),
        source="survey",
        language="en",
        comment=comment,
    )
    row.topics.add(topic)


@pytest.fixture
def reports_world():
    delivery = Topic.objects.get_or_create(slug="delivery", defaults={"name": "Delivery"})[0]
    support = Topic.objects.get_or_create(slug="customer_service", defaults={"name": "Customer service"})[0]
    small, big = SurveyFactory(name="Onboarding check-in"), SurveyFactory(name="Quarterly NPS")
    for index in range(3):
        _feedback(small, (2, 9, 10)[index], ("Setup took a week", "Fine", "Great onboarding")[index], support, index)
    for index in range(40):
        _feedback(big, index % 11, f"Parcel comment {index}", delivery, index % 20)
    rollups.refresh()
    now = timezone.now()
    for hours in (None, 20, 30, 40, 50, 70, 80, 95, 110):
        case = detractor_case()
        if hours is None:
            Case.objects.filter(pk=case.pk).update(
                opened_at=now - timedelta(hours=2), first_responded_at=now - timedelta(hours=2) + timedelta(minutes=1)
            )
        else:
            Case.objects.filter(pk=case.pk).update(
                opened_at=now - timedelta(hours=hours), first_response_due=now - timedelta(hours=hours - 4)
            )
    return small


def test_reports_loop_and_survey_editor_in_three_languages(browser, live_server, manager, reports_world):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for language, locale in LOCALES.items():
        context = browser.new_context(locale=locale, viewport={"width": 1440, "height": 1000})
        page = context.new_page()
        log_in(page, live_server, manager.username)

        page.goto(f"{live_server.url}/reports/?survey={reports_world.pk}")
        body = page.locator("main")
        expect(body).to_contain_text("Onboarding check-in")
        expect(body).not_to_contain_text("Parcel comment")  # another survey's minefields and wow moments
        assert page.locator("td", has_text="Quarterly NPS").count() == 0  # nor its response rate
        page.screenshot(path=SHOTS / f"reports-filtered-{language}.png", full_page=True)

        page.goto(f"{live_server.url}/reports/loop/")
        expect(page.get_by_test_id("first-response")).not_to_have_text("1 min")
        expect(page.get_by_test_id("first-response-line")).to_contain_text("8")
        page.screenshot(path=SHOTS / f"loop-report-{language}.png", full_page=True)

        page.goto(f"{live_server.url}/surveys/manage/new/")
        phone = page.frame_locator("iframe.preview-phone")
        expect(phone.locator("body")).not_to_be_empty(timeout=5000)  # from the first second, nothing typed
        expect(phone.locator("form, .score, button").first).to_be_visible()
        page.fill("input[name=link_lifetime_days]", "0")
        page.get_by_role("button", name={"en": "Save", "zh-hans": "保存", "ja": "保存"}[language]).click()
        expect(page.locator("#id_link_lifetime_days.is-invalid")).to_be_visible()  # named beside its field
        expect(phone.locator("body")).not_to_be_empty(timeout=5000)
        page.screenshot(path=SHOTS / f"survey-editor-error-{language}.png", full_page=True)
        context.close()


def test_a_manager_writes_a_survey_in_three_languages_and_previews_each(browser, live_server, manager):
    SHOTS.mkdir(parents=True, exist_ok=True)
    questions = {
        "en": "Would you recommend Northwind?",
        "zh-hans": "您会推荐北风吗？",
        "ja": "ノースウィンドをおすすめしますか？",
    }
    context = browser.new_context(locale="ja-JP", viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    log_in(page, live_server, manager.username)
    page.goto(f"{live_server.url}/surveys/manage/new/")
    page.fill("input[name=name]", "Three-language NPS")
    phone = page.frame_locator("iframe.preview-phone")
    for language, question in questions.items():
        page.locator(f"#tab-{language}").click()  # opening a tab previews that language
        expect(page.locator("#preview-language")).to_have_value(language)
        page.fill(f"input[name='{language}__question']", question)
        expect(phone.locator("body")).to_contain_text(question, timeout=5000)
    page.screenshot(path=SHOTS / "survey-builder-tabs-ja.png", full_page=True)
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(f"{live_server.url}/surveys/manage/")
    survey = Survey.objects.get(name="Three-language NPS")
    assert survey.question == questions["en"]  # the main language's tab: the survey's own text
    assert survey.translations == {language: {"question": questions[language]} for language in ("zh-hans", "ja")}
    context.close()
