"""The in-app widget on a customer's own site (another origin), in a real browser."""

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from reviews.models import Feedback
from surveys.models import Answer
from tests.factories import SurveyFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def customer_site(tmp_path, live_server):
    """A shop on its own origin whose pages include the widget script from the feedback server."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"

    def page_for(slug):
        (tmp_path / f"{slug}.html").write_text(
            # The shop's own strict policy, like ours: the widget needs no inline style or script there.
            '<!doctype html><html><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="default-src \'self\'; script-src {live_server.url}; '
            f"connect-src {live_server.url}; style-src 'self'\">"
            "</head><body><h1>Shop</h1>"
            f'<script src="{live_server.url}/static/js/widget.js" data-survey="{slug}" data-lang="ja"></script>'
            "</body></html>",
            encoding="utf-8",
        )
        return f"{origin}/{slug}.html"

    yield origin, page_for
    server.shutdown()


def test_a_visitor_answers_the_widget_on_the_customers_site(page, customer_site, screenshot_dir):
    origin, page_for = customer_site
    SurveyFactory(public_slug="in-app", widget_origins=origin)
    SurveyFactory(public_slug="other-site", widget_origins="https://elsewhere.example.com")

    page.goto(page_for("other-site"))
    page.wait_for_load_state("networkidle")
    expect(page.locator("#feedback-widget")).to_have_count(0)  # not this survey's site: nothing drawn

    page.goto(page_for("in-app"))
    widget = page.locator("#feedback-widget")
    expect(widget.get_by_text("友人や同僚に当社をすすめる可能性はどのくらいありますか？")).to_be_visible()
    widget.get_by_role("button", name="3", exact=True).click()
    expect(widget.get_by_role("status")).to_have_text("評価を保存しました。ほかに何かございますか？")
    answer = Answer.objects.get()
    assert (answer.channel, answer.score, answer.comment) == ("widget", 3, "")
    widget.locator("textarea").fill("検索が遅い")
    page.screenshot(path=str(screenshot_dir / "widget-ja.png"))
    widget.get_by_role("button", name="送信").click()
    expect(widget.locator("textarea")).to_have_count(0)  # the card now only thanks
    answer.refresh_from_db()
    assert answer.comment == "検索が遅い"
    assert Feedback.objects.get(answer=answer).source == "widget"
