"""In a browser, in three languages: a manager imports a Shift_JIS review file of kanji-only names, picking its
encoding on the form, and the job page shows it done."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from reviews.models import Feedback
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/work/shots/me")
LOCALES = {"en": "en-US", "zh-hans": "zh-CN", "ja": "ja-JP"}
SHIFT_JIS = {"en": "Japanese (Shift_JIS)", "zh-hans": "日文（Shift_JIS）", "ja": "日本語（Shift_JIS）"}


def test_a_manager_picks_the_encoding_of_a_review_file(browser, live_server, manager, tmp_path, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    SHOTS.mkdir(parents=True, exist_ok=True)
    for n, (language, locale) in enumerate(LOCALES.items()):
        path = tmp_path / f"rakuten-{language}.csv"
        path.write_bytes(
            f"review_id,rating,author\n{language}-1,2,山田太郎\n{language}-2,5,佐藤花子\n".encode("shift_jis")
        )
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        log_in(page, live_server, manager.username)
        page.goto(f"{live_server.url}/reports/imports/")
        page.set_input_files("input[name=file]", str(path))
        page.fill("input[name=platform]", "rakuten")
        page.select_option("select[name=encoding]", label=SHIFT_JIS[language])
        page.screenshot(path=SHOTS / f"review-import-form-{language}.png", full_page=True)
        page.locator("form button.btn-primary").click()
        expect(page.locator("h1")).to_contain_text(path.name)
        page.screenshot(path=SHOTS / f"review-import-done-{language}.png", full_page=True)
        context.close()
        assert Feedback.objects.filter(author_name="山田太郎").count() == n + 1
