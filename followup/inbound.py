"""Customer replies by email land on their case's timeline.

A reply is matched by the case token in the address it was sent to
(reply+<token>@INBOUND_EMAIL_DOMAIN) or, failing that, by In-Reply-To naming
one of the case's sent emails.
"""

import re

from django.db import transaction

from .models import Case, CaseEvent, CaseStatus, EventKind, OutboxEmail

_REPLY_ADDRESS = re.compile(r"reply\+([A-Za-z0-9_-]+)@", re.IGNORECASE)
MAX_BODY = 20_000


def _recipients(message) -> list[str]:
    addresses = [address.addr_spec for address in (message.to or []) + (message.cc or [])]
    for header in ("Delivered-To", "X-Original-To"):
        addresses += message.get_all(header) or []
    return addresses


def find_case(message) -> Case | None:
    for address in _recipients(message):
        found = _REPLY_ADDRESS.search(address)
        if found:
            case = Case.objects.filter(reply_token=found.group(1)).first()
            if case:
                return case
    in_reply_to = (message.get("In-Reply-To") or "").strip()
    if in_reply_to:
        sent = OutboxEmail.objects.filter(provider_message_id=in_reply_to, case__isnull=False).first()
        if sent:
            return sent.case
    return None


@transaction.atomic
def record_customer_reply(message) -> tuple[CaseEvent | None, bool]:
    """Add the reply to the case timeline once per Message-ID; returns (event, created), (None, False) unmatched."""
    case = find_case(message)
    if case is None:
        return None, False
    message_id = (message.get("Message-ID") or "").strip()
    earlier = message_id and case.events.filter(kind=EventKind.CUSTOMER_REPLY, data__message_id=message_id).first()
    if earlier:
        return earlier, False
    body = (message.text or message.html or "").strip()[:MAX_BODY]
    sender = message.from_email.addr_spec if message.from_email else ""
    event = CaseEvent.objects.create(
        case=case,
        kind=EventKind.CUSTOMER_REPLY,
        body=body,
        data={"from": sender, "subject": message.subject or "", "message_id": message_id},
    )
    if case.status == CaseStatus.WAITING:
        case.status = CaseStatus.IN_PROGRESS
        case.save(update_fields=["status"])
    return event, True
