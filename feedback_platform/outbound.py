"""Outbound HTTP for everything that calls a URL someone typed in (webhooks, Slack, helpdesks).

Two rules live here once: which replies are worth retrying (`HttpOutcome.transient`), and which destinations
may be called at all (`check_destination`, the guard against server-side request forgery: an admin's URL
must not reach the database, the metadata service or anything else on the private network).
"""

import ipaddress
import json
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: Characters of a response body kept for the delivery log (enough to read an error, never a whole page).
EXCERPT_CHARS = 500
#: Statuses a receiver gives when it may accept the same request later.
TRANSIENT_STATUSES = frozenset({408, 425, 429})
#: The largest JSON answer parsed into `HttpOutcome.data` (an API's answer to one call, not an export).
MAX_JSON_BYTES = 1_000_000


@dataclass(frozen=True)
class HttpOutcome:
    """What one request came to. `status` is None when no response came (timeout, refused connection);
    `data` is the answer's JSON when it was JSON (an API's answer: the id of what it made, its error details)."""

    status: int | None
    elapsed_ms: int
    excerpt: str
    transient: bool
    error: str = ""
    data: Any = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def describe(self) -> str:
        """One line for a delivery's `last_error`."""
        if self.status is None:
            return self.error
        return f"HTTP {self.status}: {self.excerpt}".strip()


def is_transient_status(status: int) -> bool:
    """408, 425, 429 and 5xx may succeed later; any other 4xx will not (the request itself is refused)."""
    return status in TRANSIENT_STATUSES or status >= 500


def post_json(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> HttpOutcome:
    """POST `body` (already-serialised JSON) to `url`; never raises for network trouble. Redirects are not
    followed: a redirect could lead past `check_destination`, and the receiver should be given its final URL.
    The destination is checked again here, at send time, since DNS may have changed since the URL was saved."""
    return request_json(
        "POST", url, headers={"Content-Type": "application/json", **headers}, body=body, timeout=timeout
    )


def get_json(url: str, headers: dict[str, str], *, timeout: float) -> HttpOutcome:
    """GET `url` (an API's read, e.g. who a token belongs to), as `post_json` posts."""
    return request_json("GET", url, headers=headers, timeout=timeout)


def request_json(
    method: str, url: str, *, headers: dict[str, str], timeout: float, body: bytes | None = None
) -> HttpOutcome:
    """One request of an API that answers JSON: what `post_json` says, and the answer parsed into `data`."""
    started = time.monotonic()
    try:
        check_destination(url)
    except ValidationError as error:
        return HttpOutcome(None, 0, "", transient=False, error="; ".join(error.messages))
    try:
        response = requests.request(
            method,
            url,
            data=body,
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
        )
    except (requests.Timeout, requests.ConnectionError) as error:
        return HttpOutcome(None, _elapsed_ms(started), "", transient=True, error=f"{type(error).__name__}: {error}")
    except requests.RequestException as error:  # a malformed URL or header: retrying will not help
        return HttpOutcome(None, _elapsed_ms(started), "", transient=False, error=f"{type(error).__name__}: {error}")
    excerpt = response.text[:EXCERPT_CHARS] if response.content else ""
    status = response.status_code
    return HttpOutcome(
        status,
        _elapsed_ms(started),
        excerpt,
        transient=not 200 <= status < 300 and is_transient_status(status),
        data=_json_of(response),
    )


def _json_of(response: requests.Response) -> Any:
    if "json" not in response.headers.get("Content-Type", "") or len(response.content) > MAX_JSON_BYTES:
        return None
    try:
        return json.loads(response.content)
    except ValueError:  # an HTML error page sent as JSON by a proxy: the excerpt shows it
        return None


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def check_secret_destination(url: str, *, plain_http: str) -> None:
    """`check_destination`, and https only: the URL itself or what travels with it is a credential (a Slack
    webhook URL, a helpdesk's API token) and the body quotes customers. Plain http only where outbound HTTP
    may reach private addresses (tests, a closed network). `plain_http`: the message for an http:// URL."""
    if urlsplit(url).scheme == "http" and not settings.WEBHOOKS_ALLOW_PRIVATE:
        raise ValidationError(plain_http)  # said first: it needs no look-up, and it is the fix
    check_destination(url)


def check_destination(url: str) -> None:
    """Refuse a URL that is not http(s), or whose host is (or resolves to) a private, loopback, link-local,
    reserved or multicast address, unless `settings.WEBHOOKS_ALLOW_PRIVATE` (tests, a closed network).
    Raises `ValidationError` with a message for the admin who typed it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("Enter an http:// or https:// address."))
    if settings.WEBHOOKS_ALLOW_PRIVATE:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError) as error:
        raise ValidationError(_("This address's host could not be found.")) from error
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
        if not address.is_global or address.is_multicast:
            raise ValidationError(_("This address points into a private network, which is not allowed."))
