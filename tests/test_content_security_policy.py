"""The Content-Security-Policy: on every response, no inline script or style anywhere, reports logged."""

import json
import logging
import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from feedback_platform.previews import store_preview
from tests.factories import SurveyFactory
from tests.surveys.helpers import sent_invitation

INLINE = {
    "an inline <script> body": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "an on* handler": re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE),
    "a style= attribute": re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE),
    "a <style> element": re.compile(r"<style\b", re.IGNORECASE),
}


def _policy(response) -> dict[str, list[str]]:
    directives = (part.split() for part in response["Content-Security-Policy"].split(";") if part.strip())
    return {name: values for name, *values in directives}


def test_it_sends_the_strict_policy_on_pages_json_and_errors(client, admin_user):
    _invitation, token = sent_invitation()
    client.force_login(admin_user)
    for url in ("/accounts/login/", f"/s/{token}/", "/queue/", reverse("api-docs"), "/healthz", "/no/such/page/"):
        response = client.get(url)
        policy = _policy(response)
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"], url
        assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"], url
        assert policy["frame-ancestors"] == ["'none'"] and policy["report-uri"] == ["/csp-report/"], url
        assert policy["report-to"] == ["csp"] and response["Reporting-Endpoints"] == 'csp="/csp-report/"', url


def test_no_template_has_an_inline_script_handler_or_style():
    """Emails are exempt: they are not pages, and mail clients need their styles inline."""
    folders = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
    found = []
    for folder in folders:
        for template in folder.rglob("*.html"):
            if "emails" in template.relative_to(folder).parts:
                continue
            text = template.read_text(encoding="utf-8")
            found += [f"{template}: {what}" for what, pattern in INLINE.items() if pattern.search(text)]
    assert found == []


def test_the_report_endpoint_logs_each_violation(client, caplog):
    report = {"csp-report": {"violated-directive": "style-src-attr", "document-uri": "http://x/queue/"}}
    with caplog.at_level(logging.WARNING, logger="feedback_platform.csp"):
        response = client.post("/csp-report/", json.dumps(report), content_type="application/csp-report")
    assert response.status_code == 204
    assert "style-src-attr" in caplog.text and "/queue/" in caplog.text
    # The Reporting API's shape (report-to): a list of reports, each with its body.
    reports = [{"type": "csp-violation", "body": {"effectiveDirective": "script-src-elem", "blockedURL": "inline"}}]
    with caplog.at_level(logging.WARNING, logger="feedback_platform.csp"):
        response = client.post("/csp-report/", json.dumps(reports), content_type="application/reports+json")
    assert response.status_code == 204 and "script-src-elem" in caplog.text
    assert client.post("/csp-report/", "not json", content_type="application/csp-report").status_code == 400
    assert client.get("/csp-report/").status_code == 405


def test_a_preview_is_framed_by_us_sandboxed_and_readable_by_its_maker_only(client, manager, agent):
    email_url = store_preview(user_id=manager.pk, html='<p style="color:red">Hi</p>', kind="email")
    page_url = store_preview(user_id=manager.pk, html="<p>page</p>", kind="page")
    client.force_login(manager)
    email = client.get(email_url)
    assert email.content == b'<p style="color:red">Hi</p>' and email["X-Frame-Options"] == "SAMEORIGIN"
    policy = _policy(email)
    assert policy["style-src"] == ["'unsafe-inline'"] and policy["default-src"] == ["'none'"]
    assert "sandbox" in policy and policy["frame-ancestors"] == ["'self'"] and "script-src" not in policy
    page_policy = _policy(client.get(page_url))
    assert page_policy["style-src"] == ["'self'"] and "sandbox" in page_policy  # the page keeps the strict policy
    client.force_login(agent)
    assert client.get(email_url).status_code == 404  # another user's preview
    assert client.get("/previews/made-up-key/").status_code == 404


def test_the_answer_page_takes_its_brand_colour_from_a_stylesheet(client, db):
    _invitation, token = sent_invitation(survey=SurveyFactory(brand_color="#1E8449"))
    page = client.get(f"/s/{token}/").content.decode()
    assert '<link rel="stylesheet" href="/s/brand/1E8449.css">' in page
    css = client.get("/s/brand/1E8449.css")
    assert css["Content-Type"] == "text/css" and css.content == b":root { --brand: #1E8449; }\n"
    assert client.get("/s/brand/1E844;.css").status_code == 404  # only six hex digits make an address


def test_a_survey_preview_loads_its_documents_from_our_own_urls(client, manager):
    client.force_login(manager)
    fragment = client.post("/surveys/manage/preview/", {"name": "N", "kind": "nps"}).content.decode()
    urls = re.findall(r'src="(/previews/[^"]+/)"', fragment)
    assert len(urls) == 2 and "srcdoc" not in fragment
    assert all(client.get(url).status_code == 200 for url in urls)
