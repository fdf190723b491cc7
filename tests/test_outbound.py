"""The shared outbound HTTP module against a real server on loopback: outcomes and the SSRF guard."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError

from feedback_platform.outbound import check_destination, post_json


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        status = int(self.path.strip("/") or 200)
        if status == 999:
            time.sleep(1)
            status = 200
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"reply " + str(status).encode() + b" " + b"x" * 2000)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(
    ("status", "transient"),
    [(200, False), (204, False), (408, True), (429, True), (500, True), (503, True), (400, False), (410, False)],
)
def test_it_tells_transient_replies_from_permanent_ones(server, status, transient):
    outcome = post_json(f"{server}/{status}", b"{}", {"X-Test": "1"}, timeout=5)
    assert outcome.status == status
    assert outcome.transient is transient
    assert outcome.ok is (200 <= status < 300)
    assert len(outcome.excerpt) <= 500


def test_a_timeout_is_transient_with_no_status(server):
    outcome = post_json(f"{server}/999", b"{}", {}, timeout=0.2)
    assert outcome.status is None and outcome.transient
    assert "Timeout" in outcome.error


def test_a_refused_connection_is_transient():
    outcome = post_json("http://127.0.0.1:9/", b"{}", {}, timeout=2)
    assert outcome.status is None and outcome.transient


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8000/",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
    ],
)
def test_it_refuses_private_destinations_unless_allowed(settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError):
        check_destination(url)
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    check_destination(url)


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "gopher://x/", "http://", "not a url"])
def test_it_refuses_other_schemes_even_when_private_is_allowed(url):
    with pytest.raises(ValidationError):
        check_destination(url)


def test_it_allows_a_public_address(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    check_destination("https://93.184.215.14/hook")


def test_post_json_checks_the_destination_at_send_time(settings, server):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    outcome = post_json(f"{server}/200", b"{}", {}, timeout=5)
    assert outcome.status is None and not outcome.transient
    assert "private" in outcome.error
