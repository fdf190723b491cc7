"""A Zendesk on loopback, as far as the adapter uses one: the Tickets API's create and who-am-I, with the
documented request and response shapes (Basic "{email}/token:{token}", {"ticket": {...}} in, 201 with the
ticket out, RecordInvalid details, Idempotency-Key honoured), answering what a test scripts."""

import base64
import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EMAIL, TOKEN = "agent@acme.example", "zd-token-6wiIBWbGkBMo1mRDMuVwkw1EPsNkeUj95PIz2akv"
RECORD_INVALID = {
    "error": "RecordInvalid",
    "description": "Record validation errors",
    "details": {"requester": [{"description": "Requester: Email is invalid", "error": "InvalidValue"}]},
}
REQUIRED = {"subject", "comment", "priority", "tags", "external_id"}


@dataclass
class Zendesk:
    url: str
    #: What to answer the next ticket creations, in order: a status (its documented body), or "late" (the
    #: ticket is made, the answer comes after the client gave up); once used up, 201.
    script: list = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    tickets: dict[int, dict] = field(default_factory=dict)
    by_key: dict[str, tuple[str, int]] = field(default_factory=dict)
    late_seconds: float = 1.5

    def creations(self) -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST" and r["path"] == "/api/v2/tickets.json"]


def _authorized(headers) -> bool:
    expected = "Basic " + base64.b64encode(f"{EMAIL}/token:{TOKEN}".encode()).decode()
    return headers.get("Authorization") == expected


class _Handler(BaseHTTPRequestHandler):
    def _answer(self, status: int, body: dict, headers: dict | None = None) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        zendesk: Zendesk = self.server.zendesk  # type: ignore[attr-defined]
        zendesk.requests.append({"method": "GET", "path": self.path, "headers": dict(self.headers)})
        if self.path != "/api/v2/users/me.json":
            return self._answer(404, {"error": "InvalidEndpoint", "description": "Not found"})
        if not _authorized(self.headers):
            return self._answer(401, {"error": "Couldn't authenticate you"})
        self._answer(200, {"user": {"id": 1201, "name": "Ada Agent", "email": EMAIL, "role": "agent"}})

    def do_POST(self):
        zendesk: Zendesk = self.server.zendesk  # type: ignore[attr-defined]
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        request = {"method": "POST", "path": self.path, "headers": dict(self.headers), "raw": raw}
        zendesk.requests.append(request)
        if self.path != "/api/v2/tickets.json":
            return self._answer(404, {"error": "InvalidEndpoint", "description": "Not found"})
        if not _authorized(self.headers):
            return self._answer(401, {"error": "Couldn't authenticate you"})
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            return self._answer(415, {"error": "Unsupported Media Type"})
        try:
            request["body"] = body = json.loads(raw)
            ticket = body["ticket"]
            shaped = set(ticket) >= REQUIRED and bool(ticket["comment"]["body"])
        except (ValueError, KeyError, TypeError):
            shaped = False
        if not shaped:
            return self._answer(400, {"error": "InvalidJSON", "description": "ticket: a ticket object is required"})
        key = self.headers.get("Idempotency-Key", "")
        if key in zendesk.by_key:  # the same request again: the first answer, no second ticket
            seen_raw, ticket_id = zendesk.by_key[key]
            if seen_raw != raw.decode():
                return self._answer(400, {"error": "IdempotentRequestError", "description": "Key reused"})
            return self._answer(201, {"ticket": zendesk.tickets[ticket_id]}, {"x-idempotency-lookup": "hit"})
        action = zendesk.script.pop(0) if zendesk.script else 201
        if action == 422:
            return self._answer(422, RECORD_INVALID)
        if action == 429:
            return self._answer(429, {"error": "TooManyRequests"}, {"Retry-After": "1"})
        if isinstance(action, int) and action >= 500:
            return self._answer(action, {"error": "ServiceUnavailable", "description": "Maintenance"})
        ticket_id = 35436 + len(zendesk.tickets)
        made = {"id": ticket_id, "status": "new", **ticket, "url": f"{zendesk.url}/api/v2/tickets/{ticket_id}.json"}
        zendesk.tickets[ticket_id] = made
        if key:
            zendesk.by_key[key] = (raw.decode(), ticket_id)
        if action == "late":
            time.sleep(zendesk.late_seconds)
        with contextlib.suppress(OSError):  # the client gave up waiting
            self._answer(201, {"ticket": made}, {"x-idempotency-lookup": "miss"})

    def log_message(self, *args):
        pass


def serve():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    zendesk = Zendesk(url=f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.zendesk = zendesk  # type: ignore[attr-defined]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, zendesk
