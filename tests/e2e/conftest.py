"""Browser tests: Playwright driving Debian's chromium, headless, against a live server."""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API keeps an event loop running in the test thread; the ORM
# calls the tests make there are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, playwright):
    """Debian's chromium where it is installed, else Playwright's own build (`make test` provides one)."""
    chromium = shutil.which("chromium")
    if not chromium and not Path(playwright.chromium.executable_path).exists():
        pytest.fail("Browser tests need Chromium: run scripts/ensure-browser (what `make test` runs first).")
    return {
        **browser_type_launch_args,
        **({"executable_path": chromium} if chromium else {}),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1440, "height": 900}}


@pytest.fixture
def screenshot_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def log_in(page, live_server, username, password="correct-horse-battery"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
