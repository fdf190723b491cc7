"""Every main page under the Content-Security-Policy, in a real browser: not one violation.

A listener added before any page script records each `securitypolicyviolation` event, and the console
is read too, because a sandboxed preview frame runs no script of ours but still logs what it refused."""

import contextlib

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from followup.models import EmailTemplate
from tests.factories import SurveyFactory
from tests.followup.helpers import detractor_case
from tests.surveys.helpers import sent_invitation

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile || document.URL}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} in ${where}`);
});
"""
KINDS = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7), "star": (1, 5)}


@pytest.fixture
def watched_page(page):
    """The page, with every CSP violation it or its frames meet collected in `page.csp_violations`."""
    console = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("console", lambda message: console.append(message.text))

    def violations():
        seen = [text for text in console if "Content Security Policy" in text or "Content-Security-Policy" in text]
        for frame in page.frames:
            with contextlib.suppress(PlaywrightError):  # a sandboxed frame runs no script: see the console
                seen += frame.evaluate("window.__cspViolations || []")
        return seen

    page.csp_violations = violations
    return page


def visit(page, url, ready):
    page.goto(url)
    expect(ready(page)).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert page.csp_violations() == [], url


def test_customer_answer_pages_of_every_kind_meet_the_policy(watched_page, live_server):
    for kind, (low, high) in KINDS.items():
        survey = SurveyFactory(kind=kind, scale_min=low, scale_max=high, brand_color="#1e8449")
        _invitation, token = sent_invitation(survey=survey)
        visit(watched_page, f"{live_server.url}/s/{token}/?score={high}", lambda p: p.locator(".scores"))
        brand = watched_page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--brand')")
        assert brand.strip() == "#1e8449"  # the brand colour arrives by stylesheet, not a style attribute
        watched_page.fill("textarea[name=comment]", "fine")
        watched_page.locator("form button[type=submit]").click()
        expect(watched_page.locator("h1")).to_be_visible()
        assert watched_page.csp_violations() == [], kind
    web = SurveyFactory(public_slug="web-nps")
    visit(watched_page, f"{live_server.url}/s/w/{web.public_slug}/", lambda p: p.locator(".scores"))


def test_staff_pages_meet_the_policy(watched_page, live_server, admin_user, settings):
    page, base = watched_page, live_server.url
    settings.SITE_URL = base
    case = detractor_case(score=2, comment="Late again")
    survey = SurveyFactory(public_slug="embed-me")
    template = EmailTemplate.objects.first()
    visit(page, f"{base}/accounts/login/", lambda p: p.locator("input[name=username]"))
    log_in(page, live_server, admin_user.username)
    pages = {
        "/queue/": "#queue-rows",
        f"/cases/{case.pk}/": "[data-testid=comment]",
        "/reports/": "h1",
        "/reports/loop/": "h1",
        "/reports/feedback/": "h1",
        "/reports/imports/": "h1",
        "/surveys/manage/": "h1",
        "/surveys/contacts/": "h1",
        f"/surveys/manage/{survey.pk}/embed/": "#feedback-widget >> [role=dialog]",  # the widget, drawn on our own page
        "/settings/rules/": "h1",
        "/settings/templates/": "h1",
        "/settings/priority/": "h1",
        "/settings/activity/": "h1",
        "/accounts/password/": "h1",
        "/api/docs/": ".swagger-ui .info",  # Swagger UI drew the schema
    }
    for path, ready in pages.items():
        visit(page, base + path, lambda p, ready=ready: p.locator(ready).first)

    # The survey editor and the template editor, each with its live preview in sandboxed frames.
    visit(page, f"{base}/surveys/manage/new/", lambda p: p.locator("input[name=name]"))
    page.fill("input[name=name]", "Delivery NPS")  # the preview follows the form
    expect(page.frame_locator("iframe.preview-phone").locator(".scores")).to_be_visible()
    expect(page.frame_locator("iframe.preview-email").locator("body")).not_to_be_empty()
    assert page.csp_violations() == []
    if template:
        visit(page, f"{base}/settings/templates/{template.pk}/", lambda p: p.locator("input[name=subject]"))
        page.fill("input[name=subject]", "Sorry, {{ name }}")
        expect(page.frame_locator("iframe.preview-email-tall").locator("body")).not_to_be_empty()
        assert page.csp_violations() == []
    page.select_option("#language-select", "ja")  # the language switch, once an inline onchange
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    assert page.csp_violations() == []
