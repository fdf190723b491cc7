"""Customer replies by email: matched to the email they answer, and put where a person sees them.

Every inbound message (a provider's webhook, the IMAP mailbox, `manage.py feed_inbound_email`) goes through
`receive_email`, once per Message-ID (the InboundEmail ledger). Matching, the most certain first:

1. our signed Message-IDs in In-Reply-To, then References (newest first): an email of a case → that case;
   an invitation or its reminder → the case it re-surveys, else the case of its answer, else that answer;
   a thank-you (an email with a feedback and no case) → that feedback's case, else its answer;
2. the case token in the address it was sent to (reply+<token>@INBOUND_EMAIL_DOMAIN).

On a case it lands on the timeline with only the new text (cases.add_customer_reply, which reopens a resolved
case). On an answer without a case it joins the answer's comment (surveys.add_emailed_comment): classified
again, so the rules open a case when they say so. A reply to an invitation never answered, or one that matches
nothing, is kept in the ledger and sent to the managers: never a dead end. An automatic reply (out of office)
is only kept in the ledger: it reopens nothing and wakes nobody.
"""

import hashlib
import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from feedback_platform.emails import our_message_ids
from reviews.models import Feedback
from surveys import services as surveys
from surveys.models import Answer, Contact, Invitation, Reminder

from . import cases, notifications
from .models import Case, InboundEmail, InboundOutcome, OutboxEmail
from .replies import reply_text, split_reply

_REPLY_ADDRESS = re.compile(r"reply\+([A-Za-z0-9_-]+)@", re.IGNORECASE)
MAX_BODY = 20_000


@dataclass(frozen=True)
class Target:
    """Where a reply belongs: a case, else an answer, else (an invitation never answered) a contact."""

    case: Case | None = None
    answer: Answer | None = None
    contact: Contact | None = None


def _recipients(message) -> list[str]:
    addresses = [address.addr_spec for address in (message.to or []) + (message.cc or [])]
    for header in ("Delivered-To", "X-Original-To"):
        addresses += message.get_all(header) or []
    return addresses


def _target_of_answer(answer: Answer | None, contact: Contact | None) -> Target:
    case = Case.objects.filter(feedback__answer=answer).first() if answer else None
    return Target(case=case) if case else Target(answer=answer, contact=contact)


def _target_of_invitation(invitation: Invitation) -> Target:
    recovered = Case.objects.filter(recovery_invitation=invitation).first()
    if recovered:
        return Target(case=recovered)
    return _target_of_answer(Answer.objects.filter(invitation=invitation).first(), invitation.contact)


def _target_of_email(kind: str, pk: int) -> Target | None:
    if kind == "outbox":
        email = OutboxEmail.objects.select_related("case", "feedback__answer", "feedback__contact").filter(pk=pk)
        sent = email.first()
        if sent is None:
            return None
        if sent.case:
            return Target(case=sent.case)
        feedback: Feedback | None = sent.feedback
        return _target_of_answer(feedback.answer, feedback.contact) if feedback else None
    if kind == "reminder":
        reminder = Reminder.objects.select_related("invitation__contact").filter(pk=pk).first()
        return _target_of_invitation(reminder.invitation) if reminder else None
    if kind == "invitation":
        invitation = Invitation.objects.select_related("contact").filter(pk=pk).first()
        return _target_of_invitation(invitation) if invitation else None
    return None


def find_target(message) -> Target | None:
    """The case (or answer, or contact) this reply answers; None when it names nothing of ours."""
    references = (message.get("References") or "").split()
    for kind, pk in our_message_ids(message.get("In-Reply-To") or "", *reversed(references)):
        target = _target_of_email(kind, pk)
        if target:
            return target
    for address in _recipients(message):
        found = _REPLY_ADDRESS.search(address)
        case = Case.objects.filter(reply_token=found.group(1)).first() if found else None
        if case:
            return Target(case=case)
    return None


def find_case(message) -> Case | None:
    target = find_target(message)
    return target.case if target else None


def ledger_key(message, raw: bytes | None = None) -> str:
    """The Message-ID, or for a message without one a digest of its text (the same message, the same key)."""
    message_id = (message.get("Message-ID") or "").strip()
    if message_id:
        return message_id[:300]
    content = raw if raw is not None else str(message).encode("utf-8", "replace")
    return "sha256:" + hashlib.sha256(content).hexdigest()


@transaction.atomic
def receive_email(*, message, raw: bytes | None = None) -> tuple[InboundEmail, bool]:
    """Record one customer email where a person sees it; returns (ledger row, created). Idempotent: the same
    Message-ID again returns the first row and changes nothing, so a webhook retried or a mailbox read twice
    never doubles a reply."""
    key = ledger_key(message, raw)
    InboundEmail.objects.select_for_update().filter(message_id=key).first()  # a second delivery waits here
    earlier = InboundEmail.objects.filter(message_id=key).first()
    if earlier:
        return earlier, False
    split = split_reply(reply_text(message)[:MAX_BODY])
    sender = message.from_email.addr_spec if message.from_email else ""
    subject = (message.subject or "")[:300]
    row = InboundEmail(message_id=key, sender=sender, subject=subject, body=split.new_text)
    target = find_target(message)
    if is_auto_reply(message):
        row.outcome, row.case = InboundOutcome.AUTO_REPLY, target.case if target else None
    elif target and target.case:
        cases.add_customer_reply(
            case=target.case,
            text=split.new_text,
            quoted=split.quoted,
            sender=sender,
            subject=subject,
            message_id=key,
        )
        row.outcome, row.case = InboundOutcome.CASE, target.case
    elif target and target.answer:
        surveys.add_emailed_comment(answer=target.answer, text=split.new_text)
        row.outcome, row.answer, row.contact = InboundOutcome.ANSWER, target.answer, target.answer.contact
    else:
        row.outcome, row.contact = InboundOutcome.UNMATCHED, target.contact if target else _contact_of(sender)
    row.save()
    if row.outcome == InboundOutcome.UNMATCHED:
        managers = get_user_model().objects.filter(groups__name="Manager", is_active=True)
        notifications.notify_unmatched_reply(inbound=row, recipients=managers)
    return row, True


#: Precedence values of mail no person wrote (vacation responders, lists).
_MACHINE_PRECEDENCE = {"auto_reply", "bulk", "junk", "list"}


def is_auto_reply(message) -> bool:
    """An out-of-office or other automatic answer (RFC 3834's Auto-Submitted, and the headers responders
    without it send): kept in the ledger, but it reopens no case and notifies nobody."""
    if (message.get("Auto-Submitted") or "no").strip().lower() != "no":
        return True
    if (message.get("Precedence") or "").strip().lower() in _MACHINE_PRECEDENCE:
        return True
    return bool(message.get("X-Autoreply") or message.get("X-Autorespond"))


def _contact_of(sender: str) -> Contact | None:
    return Contact.objects.filter(email__iexact=sender).first() if sender else None
