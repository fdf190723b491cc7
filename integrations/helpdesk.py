"""The helpdesk adapter: what differs between helpdesks, one class each (`HelpdeskAdapter`: Zendesk now,
Freshdesk next): the ticket's JSON, how it is posted and authenticated, the answer's ticket id, the status
event's signature and shape. No database writes here: integrations/ticketing.py queues the ticket when a rule
fires, records what the helpdesk answered on the case, and takes the statuses that come back.
"""

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar, Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback_platform import outbound
from feedback_platform.delivery import TransportError
from followup.models import Case

from .models import HelpdeskConnection, HelpdeskSystem

#: Seconds the helpdesk has to answer a ticket's creation before the attempt counts as timed out (and is retried).
TIMEOUT_SECONDS = 10
#: Seconds the settings page's "test connection" waits: an admin is looking at a spinner.
TEST_TIMEOUT_SECONDS = 5
#: How far a status event's signed timestamp may be from our clock: older ones are replays.
REPLAY_WINDOW_SECONDS = 300
#: Case priority (followup.priority: the sum of its factors' weights) → the helpdesk's four priorities.
PRIORITY_BANDS = [(60, "urgent"), (40, "high"), (20, "normal"), (0, "low")]
#: Ticket statuses that mean the customer was answered there (the case is resolved here).
SOLVED_STATUSES = frozenset({"solved", "closed"})


@dataclass(frozen=True)
class OpenedTicket:
    """The helpdesk's answer to a ticket's creation: its id there, the agent's address of it, the HTTP status."""

    ticket_id: str
    url: str
    status: int | None


@dataclass(frozen=True)
class StatusEvent:
    """A ticket's new status, as the helpdesk's webhook told it."""

    ticket_id: str
    status: str

    @property
    def solved(self) -> bool:
        return self.status in SOLVED_STATUSES


class EventRefused(Exception):
    """A status event we will not take: `status` is the HTTP answer (401 unsigned, 403 not set up, 400 shape)."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class HelpdeskAdapter(Protocol):
    """One helpdesk's API. `ticket_body` is built when the rule fires and stored, so that every attempt posts
    the same request under the same idempotency key; `create_ticket` posts it (raising `TransportError`)."""

    system: ClassVar[str]
    #: Shown beside the address field: what the admin may type.
    address_help: ClassVar[str | Promise]

    def __init__(self, connection: HelpdeskConnection) -> None: ...

    @classmethod
    def normalize_address(cls, value: str) -> str:
        """The account's base URL from what an admin typed (a subdomain, a host, a URL); ValueError if none."""
        ...

    def ticket_body(self, case: Case) -> str: ...

    def create_ticket(self, body: str, *, idempotency_key: str) -> OpenedTicket: ...

    def check_connection(self) -> tuple[bool, str]:
        """Ask the helpdesk who the credentials are, now: (they work, what came back in a sentence)."""
        ...

    def parse_status_webhook(self, request) -> StatusEvent:
        """The status event of a request to our webhook, its signature checked; `EventRefused` otherwise."""
        ...


def priority_band(priority: int) -> str:
    return next(band for floor, band in PRIORITY_BANDS if priority >= floor)


def case_url(case: Case) -> str:
    """The case page's absolute address, as the staff emails write it."""
    return settings.SITE_URL + reverse("followup:case", args=[case.pk])


def ticket_text(case: Case) -> tuple[str, str]:
    """The ticket's subject and first comment, in the language of the case's team: who answered what, their
    words, and the way back to the case here."""
    feedback, contact = case.feedback, case.contact
    who = (contact.name or contact.email) if contact else (feedback.author_name or _("A customer"))
    language = case.team.channel_language if case.team else settings.LANGUAGE_CODE
    with translation.override(language):
        values = {
            "who": who,
            "segment": feedback.get_segment_display(),
            "score": feedback.score,
            "max": feedback.scale_max,
        }
        subject = _("%(segment)s feedback from %(who)s: %(score)s of %(max)s") % values
        lines = [_("%(who)s answered %(score)s of %(max)s.") % values]
        if feedback.comment:
            lines.append(feedback.comment)
        lines.append(_("The case in the feedback platform: %(url)s") % {"url": case_url(case)})
    return subject[:250], "\n\n".join(lines)


def tag(value: str) -> str:
    """A helpdesk tag: lower case, no spaces (Zendesk splits a tag at a space)."""
    return re.sub(r"[^a-z0-9_/:-]+", "_", value.lower()).strip("_")


class ZendeskAdapter:
    """Zendesk Support's Tickets API: POST /api/v2/tickets.json with Basic "{email}/token:{token}" and an
    Idempotency-Key; statuses come back from a trigger (or a ticket event) through a signed webhook."""

    system: ClassVar[str] = HelpdeskSystem.ZENDESK
    address_help: ClassVar[str | Promise] = gettext_lazy(
        "Your Zendesk subdomain (acme), or its address (https://acme.zendesk.com)."
    )
    SUBDOMAIN = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")

    def __init__(self, connection: HelpdeskConnection) -> None:
        self.connection = connection
        self.base = connection.base_url.rstrip("/")

    @classmethod
    def normalize_address(cls, value: str) -> str:
        value = value.strip()
        if cls.SUBDOMAIN.fullmatch(value.lower()):
            return f"https://{value.lower()}.zendesk.com"
        parts = urlsplit(value if "://" in value else f"https://{value}")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(_("Enter your Zendesk subdomain or its https:// address."))
        return f"{parts.scheme}://{parts.netloc.lower()}"

    def _headers(self) -> dict[str, str]:
        credentials = f"{self.connection.agent_email}/token:{self.connection.api_token}"
        return {
            "Authorization": "Basic " + base64.b64encode(credentials.encode()).decode(),
            "Accept": "application/json",
            "User-Agent": "feedback-platform-helpdesk/1",
        }

    def ticket_body(self, case: Case) -> str:
        subject, comment = ticket_text(case)
        feedback = case.feedback
        tags = ["feedback_platform", f"nps_{feedback.segment}", *(tag(t.slug) for t in feedback.topics.all())]
        ticket: dict = {
            "subject": subject,
            # Private: the comment links to our case page, and a public first comment would be emailed to the
            # customer by Zendesk's default triggers.
            "comment": {"body": comment, "public": False},
            "priority": priority_band(case.priority),
            "tags": [t for t in tags if t],
            "external_id": f"case-{case.pk}",
        }
        if case.contact and case.contact.email:
            ticket["requester"] = {"name": case.contact.name or case.contact.email, "email": case.contact.email}
        return json.dumps({"ticket": ticket}, ensure_ascii=False)

    def create_ticket(self, body: str, *, idempotency_key: str) -> OpenedTicket:
        outcome = outbound.post_json(
            f"{self.base}/api/v2/tickets.json",
            body.encode(),
            {**self._headers(), "Idempotency-Key": idempotency_key},
            timeout=TIMEOUT_SECONDS,
        )
        if not outcome.ok:
            raise TransportError(self.describe_error(outcome), transient=outcome.transient, outcome=outcome)
        ticket = outcome.data.get("ticket") if isinstance(outcome.data, dict) else None
        ticket_id = str(ticket.get("id") or "") if isinstance(ticket, dict) else ""
        if not ticket_id.isdigit():
            # Zendesk opened something we cannot link; another attempt under the same key would say the same.
            raise TransportError(
                f"HTTP {outcome.status}: no ticket id in Zendesk's answer: {outcome.excerpt}",
                transient=False,
                outcome=outcome,
            )
        return OpenedTicket(ticket_id, f"{self.base}/agent/tickets/{ticket_id}", outcome.status)

    @staticmethod
    def describe_error(outcome: outbound.HttpOutcome) -> str:
        """Zendesk's refusal in its own words: {"error": "RecordInvalid", "details": {"requester":
        [{"description": "Requester: Email is invalid"}]}} → "HTTP 422 RecordInvalid: Requester: Email is invalid"."""
        if outcome.status is None:
            return outcome.error
        data = outcome.data if isinstance(outcome.data, dict) else {}
        error = data.get("error") or ""
        if isinstance(error, dict):  # some endpoints: {"error": {"title": …, "message": …}}
            error = ": ".join(str(error[key]) for key in ("title", "message") if error.get(key))
        details = data.get("details")
        if not isinstance(details, dict):
            details = {}
        said = [
            str(item.get("description") or item.get("error") or item)
            for items in details.values()
            for item in (items if isinstance(items, list) else [items])
            if isinstance(item, dict)
        ]
        words = "; ".join(said) or str(data.get("description") or "")
        if not error and not words:
            return outcome.describe()
        return f"HTTP {outcome.status} {error}: {words}".strip().rstrip(":")

    def check_connection(self) -> tuple[bool, str]:
        outcome = outbound.get_json(f"{self.base}/api/v2/users/me.json", self._headers(), timeout=TEST_TIMEOUT_SECONDS)
        if outcome.status is None:
            return False, _("No answer from %(address)s: %(error)s") % {"address": self.base, "error": outcome.error}
        if not outcome.ok:
            return False, _("Zendesk refused: %(error)s") % {"error": self.describe_error(outcome)}
        user = outcome.data.get("user") if isinstance(outcome.data, dict) else None
        if not isinstance(user, dict):
            return False, _("%(address)s answered, but not as Zendesk does: %(excerpt)s") % {
                "address": self.base,
                "excerpt": outcome.excerpt,
            }
        # Zendesk answers an unrecognised caller with the anonymous user rather than 401.
        if not user.get("id") or user.get("role") not in ("agent", "admin"):
            return False, _(
                "Zendesk answered as %(name)s, role %(role)s: tickets need an agent's email and API token."
            ) % {"name": user.get("name") or "?", "role": user.get("role") or "?"}
        return True, _("Connected: Zendesk knows these credentials as %(name)s (%(email)s), role %(role)s.") % {
            "name": user.get("name") or "?",
            "email": user.get("email") or "?",
            "role": user["role"],
        }

    def parse_status_webhook(self, request) -> StatusEvent:
        secret = self.connection.signing_secret
        if not secret:
            raise EventRefused("this connection has no webhook signing secret, so no event is taken", status=403)
        if not zendesk_signature_valid(
            secret=secret,
            signature=request.headers.get("X-Zendesk-Webhook-Signature", ""),
            timestamp=request.headers.get("X-Zendesk-Webhook-Signature-Timestamp", ""),
            body=request.body,
        ):
            raise EventRefused(
                "bad or missing signature (X-Zendesk-Webhook-Signature), or a stale timestamp", status=401
            )
        try:
            data = json.loads(request.body)
        except ValueError as error:
            raise EventRefused(f"the body is not JSON: {error}", status=400) from error
        if not isinstance(data, dict):
            raise EventRefused("the body is not a JSON object", status=400)
        # A trigger's JSON body as the README gives it, or a ticket event ("zen:event-type:ticket.status_changed").
        detail, event = data.get("detail"), data.get("event")
        detail = detail if isinstance(detail, dict) else {}
        event = event if isinstance(event, dict) else {}
        ticket_id = str(data.get("ticket_id") or detail.get("id") or "").strip()
        status = str(data.get("status") or event.get("current") or detail.get("status") or "").strip().lower()
        if not ticket_id.isdigit():
            raise EventRefused("ticket_id: a Zendesk ticket number is required", status=400)
        if not status or len(status) > 40:
            raise EventRefused("status: the ticket's status is required", status=400)
        return StatusEvent(ticket_id=ticket_id, status=status.replace(" ", "_"))


def zendesk_signature_valid(*, secret: str, signature: str, timestamp: str, body: bytes) -> bool:
    """Zendesk's webhook signature: base64(HMAC-SHA256(secret, timestamp + body)), over a timestamp within
    REPLAY_WINDOW_SECONDS of now (ISO 8601 as Zendesk sends it; Unix seconds are read too)."""
    if not signature or not timestamp:
        return False
    try:
        signed_at = (
            datetime.fromtimestamp(int(timestamp), UTC) if timestamp.isdigit() else datetime.fromisoformat(timestamp)
        )
    except (ValueError, OverflowError):
        return False
    if signed_at.tzinfo is None or abs(timezone.now() - signed_at) > timedelta(seconds=REPLAY_WINDOW_SECONDS):
        return False
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), signature.strip())


ADAPTERS: dict[str, type[HelpdeskAdapter]] = {HelpdeskSystem.ZENDESK: ZendeskAdapter}


def adapter_for(connection: HelpdeskConnection) -> HelpdeskAdapter:
    return ADAPTERS[connection.system](connection)
