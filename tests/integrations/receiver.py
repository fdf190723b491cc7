"""A webhook receiver on loopback, as an integrator would write one: it checks each delivery's signature and
timestamp, answers with the statuses a test scripts, and keeps what it received."""

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPLAY_WINDOW_SECONDS = 300


def verify(secret: str, headers, body: bytes) -> bool:
    """The recipe of the README's "Webhooks" section."""
    timestamp = headers.get("X-Webhook-Timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > REPLAY_WINDOW_SECONDS:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    given = headers.get("X-Webhook-Signature", "")
    return any(hmac.compare_digest(f"v1={expected}", part.strip()) for part in given.split(","))


@dataclass
class Receiver:
    url: str
    secret: str = "test-secret-0123456789"
    #: Statuses to answer, in order; once used up, 200.
    script: list[int] = field(default_factory=list)
    received: list[dict] = field(default_factory=list)
    bad_signatures: int = 0

    def events(self) -> list[dict]:
        return [request["body"] for request in self.received]


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        receiver = self.server.receiver  # type: ignore[attr-defined]
        if not verify(receiver.secret, self.headers, body):
            receiver.bad_signatures += 1
            status = 401
        else:
            receiver.received.append({"headers": dict(self.headers), "body": json.loads(body)})
            status = receiver.script.pop(0) if receiver.script else 200
        self.send_response(status)
        self.end_headers()
        self.wfile.write(f"received, answering {status}".encode())

    def log_message(self, *args):
        pass


def serve():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    receiver = Receiver(url=f"http://127.0.0.1:{httpd.server_address[1]}/hook")
    httpd.receiver = receiver  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    return httpd, receiver
