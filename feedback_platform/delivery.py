"""One delivery machine for everything that leaves the building (customer emails, invitations, reminders,
staff notifications; webhooks next), after pretix's `OutgoingMail` and `mail_send_task`.

A row moves queued → inflight → sent, or → awaiting_retry (a temporary refusal, retried with back-off) → …
→ failed (a permanent refusal, or the last attempt spent); withheld rows are never sent (suppressed address,
paused survey). The worker takes a batch of rows in one short transaction only to mark them in flight and
commits; the network conversation happens outside any transaction or row lock; each result is recorded after.
A row whose task was lost (broker restarted, worker killed) is published again by the relay.

A concrete model says how its rows leave through a few methods (see `Delivery`); the machine does the rest.
Its transport is one of them: `send_batch` sends email over SMTP unless the model overrides it; a model whose
rows leave some other way (an HTTP POST) overrides it with `send_each(rows, send)` and raises `TransportError`
for a refusal.
"""

import logging
import re
import smtplib
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection as db_connection
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import publishing

log = logging.getLogger(__name__)

#: Attempts before a temporarily refused row is given up as failed (about 40 minutes of back-off).
MAX_ATTEMPTS = 9
#: Rows one task takes and sends over one SMTP connection.
BATCH_SIZE = 200
#: Sent rows recorded together (one short transaction for this many emails).
RECORD_EVERY = 20


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    INFLIGHT = "inflight", _("Sending")
    AWAITING_RETRY = "awaiting_retry", _("Awaiting retry")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    WITHHELD = "withheld", _("Withheld")


class TransportError(Exception):
    """A refusal from a transport other than SMTP: `transient` says whether a later attempt may succeed;
    `outcome` is what the transport returned (an `outbound.HttpOutcome`), for `failed_fields`."""

    def __init__(self, message: str, *, transient: bool, outcome: Any = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.outcome = outcome


#: Statuses that will still be sent (or are being sent): a row in one of them may leave the building.
PENDING = (DeliveryStatus.QUEUED, DeliveryStatus.INFLIGHT, DeliveryStatus.AWAITING_RETRY)


class Delivery(models.Model):
    """The state of one thing that leaves the building. A concrete model adds what it sends and implements
    `delivery_message` (and, where it needs them, the other hooks below)."""

    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Queued: not before this (empty: at once). Awaiting retry: the next attempt's time.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    inflight_since = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    #: Attempts before a temporarily refused row is given up as failed.
    max_attempts: ClassVar[int] = MAX_ATTEMPTS

    class Meta:
        abstract = True

    # Hooks for the concrete model.

    @classmethod
    def send_batch(cls, rows: Sequence["Delivery"]) -> dict[int, str]:
        """The transport: send the claimed rows (outside any transaction) and record each result through
        `send_each`: {pk: "sent" | "retry" | "failed"}. Email over one SMTP connection unless overridden."""
        return send_emails(rows)

    @classmethod
    def delivery_queryset(cls) -> models.QuerySet:
        """The rows with what building their messages reads (select_related)."""
        return cls._default_manager.all()

    @classmethod
    def withhold_reasons(cls, rows: Sequence["Delivery"]) -> dict[int, str]:
        """Checked when a batch is taken: {pk: why it must not be sent} for rows to withhold."""
        return {}

    @classmethod
    def before_send(cls, rows: Sequence["Delivery"], now: datetime) -> None:
        """Inside the claim's transaction: write what must be committed before the message leaves."""

    def delivery_message(self, cache: dict) -> EmailMessage:
        """The message to send; `cache` lives for the batch (what many rows' messages share)."""
        raise NotImplementedError

    def sent_fields(self, message: Any) -> dict[str, Any]:
        """Extra fields to record on the row once its message (what the transport sent) was accepted."""
        return {}

    def after_sent(self, message: Any, now: datetime) -> None:
        """Writes to other rows once this one was sent (in the transaction that records it)."""

    def failed_fields(self, error: Exception) -> dict[str, Any]:
        """Extra fields to record on the row when an attempt failed (retried or not)."""
        return {}

    def after_failed(self, error: Exception, now: datetime, *, final: bool) -> None:
        """Writes to other rows once an attempt failed (in the transaction that records it); `final`: the
        row is failed for good, no attempt follows."""


def delivery_models() -> list[type[Delivery]]:
    return [model for model in apps.get_models() if issubclass(model, Delivery)]


def retry_delay(attempt: int) -> timedelta:
    """Back-off after a failed attempt: 10 s, 20 s, 40 s … capped at 10 minutes."""
    return timedelta(seconds=min(600, 10 * 2 ** (attempt - 1)))


def is_transient(error: Exception) -> bool:
    """SMTP 4xx replies, lost connections and timeouts are temporary; 5xx replies are permanent; another
    transport's refusal says itself."""
    if isinstance(error, TransportError):
        return error.transient
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _message in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return True


class FailureReason(models.TextChoices):
    """Why a row could not be delivered, in a manager's words (told from its `last_error` by `failure_reason`)."""

    ADDRESS_REFUSED = "address_refused", _("address refused")
    MAILBOX_FULL = "mailbox_full", _("mailbox full")
    MESSAGE_REFUSED = "message_refused", _("message refused as spam or by policy")
    SERVER_UNREACHABLE = "server_unreachable", _("mail server unreachable")
    NOT_BUILT = "not_built", _("the email could not be written")
    OTHER = "other", _("other error")


# RFC 3463 enhanced status codes (class.subject.detail) first: they are the most precise part of a reply.
_ENHANCED = [
    (re.compile(r"\b[45]\.2\.2\b"), FailureReason.MAILBOX_FULL),
    (re.compile(r"\b[45]\.1\.\d{1,3}\b"), FailureReason.ADDRESS_REFUSED),
    (re.compile(r"\b[45]\.7\.\d{1,3}\b|\b5\.3\.4\b"), FailureReason.MESSAGE_REFUSED),
]
# Then the reply's basic code (RFC 5321), as smtplib writes it into the error: "(552, b'…')".
_BASIC = {
    550: FailureReason.ADDRESS_REFUSED,
    551: FailureReason.ADDRESS_REFUSED,
    553: FailureReason.ADDRESS_REFUSED,
    552: FailureReason.MAILBOX_FULL,
    452: FailureReason.MAILBOX_FULL,
    554: FailureReason.MESSAGE_REFUSED,
}
_WORDS = [
    (("mailbox full", "over quota", "quota exceeded", "insufficient storage"), FailureReason.MAILBOX_FULL),
    (
        ("user unknown", "no such user", "does not exist", "recipient address rejected", "unknown recipient"),
        FailureReason.ADDRESS_REFUSED,
    ),
    (("spam", "blocked", "blacklist", "policy"), FailureReason.MESSAGE_REFUSED),
]
_UNREACHABLE = (
    "ConnectionRefusedError",
    "ConnectionResetError",
    "TimeoutError",
    "SMTPServerDisconnected",
    "SMTPConnectError",
    "gaierror",
    "timed out",
    "Connection refused",
    "Network is unreachable",
    "Name or service not known",
)


def failure_reason(last_error: str) -> FailureReason:
    """The one reading of a recorded error ("SMTPRecipientsRefused: {'a@b': (550, b'5.1.1 …')}", what `_record`
    writes) as a reason a manager can act on: fix the address, wait for the mailbox, check the mail server."""
    if "the message could not be built" in last_error:  # what follows is our own exception's text, not a reply
        return FailureReason.NOT_BUILT
    for pattern, reason in _ENHANCED:
        if pattern.search(last_error):
            return reason
    code = re.search(r"\((\d{3}), b?['\"]", last_error)
    if code and int(code.group(1)) in _BASIC:
        return _BASIC[int(code.group(1))]
    lowered = last_error.lower()
    for words, reason in _WORDS:
        if any(word in lowered for word in words):
            return reason
    if any(sign in last_error for sign in _UNREACHABLE):
        return FailureReason.SERVER_UNREACHABLE
    return FailureReason.OTHER


def _inflight_timeout() -> timedelta:
    return timedelta(seconds=settings.DELIVERY_INFLIGHT_TIMEOUT_SECONDS)


def claimable(now: datetime) -> Q:
    """Rows a worker may take now: queued or awaiting retry and due, or in flight so long their worker is gone."""
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    waiting = Q(status__in=[DeliveryStatus.QUEUED, DeliveryStatus.AWAITING_RETRY]) & due
    abandoned = Q(status=DeliveryStatus.INFLIGHT, inflight_since__lte=now - _inflight_timeout())
    return waiting | abandoned


def relayable(model: type[Delivery], now: datetime, *, grace: timedelta) -> models.QuerySet:
    """Rows whose task may have been lost, or that nobody published yet: a queued row published at creation
    that is still queued after `grace`, a delayed row or a retry now due, a row abandoned in flight."""
    published_at_creation = Q(status=DeliveryStatus.QUEUED, next_attempt_at__isnull=True)
    if any(field.name == "created_at" for field in model._meta.get_fields()):
        published_at_creation &= Q(created_at__lte=now - grace)
    due_later = Q(status__in=[DeliveryStatus.QUEUED, DeliveryStatus.AWAITING_RETRY], next_attempt_at__lte=now)
    abandoned = Q(status=DeliveryStatus.INFLIGHT, inflight_since__lte=now - _inflight_timeout())
    return model._default_manager.filter(published_at_creation | due_later | abandoned)


def claim(model: type[Delivery], ids: Iterable[int]) -> list[Delivery]:
    """Take the claimable rows among `ids`: withhold those that must not go, mark the others in flight, commit.

    The conditional UPDATE is the claim: a second worker (a redelivered task, the relay) running the same
    UPDATE finds them in flight and takes none of them; the claim's own `inflight_since` tells which rows
    this worker took.
    """
    now = timezone.now()
    ids = list(ids)
    with transaction.atomic():
        model._default_manager.filter(pk__in=ids).filter(claimable(now)).update(
            status=DeliveryStatus.INFLIGHT, inflight_since=now, attempts=F("attempts") + 1
        )
        rows = list(
            model.delivery_queryset()
            .filter(pk__in=ids, status=DeliveryStatus.INFLIGHT, inflight_since=now)
            .order_by("pk")
        )
        reasons = model.withhold_reasons(rows) if rows else {}
        for reason in set(reasons.values()):
            model._default_manager.filter(pk__in=[pk for pk, why in reasons.items() if why == reason]).update(
                status=DeliveryStatus.WITHHELD,
                last_error=reason[:2000],
                inflight_since=None,
                attempts=F("attempts") - 1,
            )
        rows = [row for row in rows if row.pk not in reasons]
        if rows:
            model.before_send(rows, now)
    return rows


def _record_sent(sent: list[tuple[Delivery, Any]]) -> None:
    """Write that these rows were sent, in one transaction (no network inside), and empty the list."""
    if not sent:
        return
    now = timezone.now()
    model = type(sent[0][0])
    by_fields: dict[tuple, list[int]] = {}
    for row, message in sent:
        by_fields.setdefault(tuple(sorted(row.sent_fields(message).items())), []).append(row.pk)
    with transaction.atomic():
        _commit_without_waiting_for_disk()
        for extra, pks in by_fields.items():
            model._default_manager.filter(pk__in=pks).update(
                status=DeliveryStatus.SENT,
                last_error="",
                next_attempt_at=None,
                inflight_since=None,
                sent_at=now,
                **dict(extra),
            )
        for row, message in sent:
            row.after_sent(message, now)
    sent.clear()


def _record(row: Delivery, outcome: Exception) -> str:
    """Write one row's failed attempt in a transaction of its own (no network inside)."""
    now = timezone.now()
    model = type(row)
    with transaction.atomic():
        _commit_without_waiting_for_disk()
        error = str(outcome) if isinstance(outcome, TransportError) else f"{type(outcome).__name__}: {outcome}"
        error = error[:2000]
        extra = row.failed_fields(outcome)
        if is_transient(outcome) and row.attempts < model.max_attempts:
            model._default_manager.filter(pk=row.pk).update(
                status=DeliveryStatus.AWAITING_RETRY,
                last_error=error,
                inflight_since=None,
                next_attempt_at=now + retry_delay(row.attempts),
                **extra,
            )
            row.after_failed(outcome, now, final=False)
            return "retry"
        model._default_manager.filter(pk=row.pk).update(
            status=DeliveryStatus.FAILED, last_error=error, inflight_since=None, next_attempt_at=None, **extra
        )
        row.after_failed(outcome, now, final=True)
    log.warning("%s %s failed: %s", model._meta.label, row.pk, error)
    return "failed"


def _commit_without_waiting_for_disk() -> None:
    """PostgreSQL: this transaction's commit returns before its WAL is on disk (a fraction of a millisecond
    instead of a flush per email). A server crash may forget the last few results; those rows then look
    abandoned in flight and are sent again, with the same link and Message-ID. A worker crash loses nothing."""
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


class Send(Protocol):
    def __call__(self, row: Any, cache: dict, /) -> Any: ...


def send_each(rows: Sequence[Delivery], send: Send) -> dict[int, str]:
    """A transport's loop for rows that leave one by one (an HTTP POST each): `send(row, cache)` sends one
    row and returns what it sent (given to `sent_fields` / `after_sent`), or raises (`TransportError` for a
    refusal). Results are recorded every RECORD_EVERY rows; no transaction is open while a row is sent."""
    outcomes: dict[int, str] = {}
    sent: list[tuple[Delivery, Any]] = []
    cache: dict = {}
    try:
        for row in rows:
            try:
                message = send(row, cache)
            except Exception as error:  # one row's trouble must not stop the batch
                if not isinstance(error, TransportError):
                    log.exception("%s %s could not be sent", type(row)._meta.label, row.pk)
                outcomes[row.pk] = _record(row, error)
            else:
                outcomes[row.pk] = "sent"
                sent.append((row, message))
                if len(sent) >= RECORD_EVERY:
                    _record_sent(sent)
    finally:
        _record_sent(sent)
    return outcomes


def send_emails(rows: Sequence[Delivery]) -> dict[int, str]:
    """Send each row's message over one SMTP connection (reopened only after a lost one), recording the
    results every RECORD_EVERY messages, so a worker killed mid-batch leaves at most that many rows in doubt
    (the relay sends them again after the in-flight timeout, with the same link and Message-ID).

    No transaction is open while a message is on the wire. A refused message (4xx, 5xx) leaves the
    connection usable (smtplib resets the envelope); anything else (a lost connection, a timeout) closes
    it, and the next message opens a new one.
    """
    connection = get_connection()
    outcomes: dict[int, str] = {}
    sent: list[tuple[Delivery, EmailMessage]] = []
    cache: dict = {}
    is_open = False
    try:
        for row in rows:
            try:
                message = row.delivery_message(cache)
            except Exception as error:  # a row that cannot be built must not stop the batch
                log.exception("%s %s could not be built", type(row)._meta.label, row.pk)
                outcomes[row.pk] = _record(row, RuntimeError(f"the message could not be built: {error}"))
                continue
            try:
                if not is_open and hasattr(connection, "open"):
                    connection.open()
                    is_open = True
                message.connection = connection
                connection.send_messages([message])
            except (smtplib.SMTPException, OSError) as error:
                outcomes[row.pk] = _record(row, error)
                if not isinstance(error, (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused)):
                    _close(connection)
                    is_open = False
            else:
                outcomes[row.pk] = "sent"
                sent.append((row, message))
                if len(sent) >= RECORD_EVERY:
                    _record_sent(sent)
    finally:
        if is_open:
            _close(connection)
        _record_sent(sent)
    return outcomes


def _close(connection) -> None:
    try:
        if hasattr(connection, "close"):
            connection.close()
    except (smtplib.SMTPException, OSError):
        pass


def deliver(*, model: type[Delivery], ids: Iterable[int]) -> dict[int, str]:
    """Deliver the rows among `ids` that are due: {pk: "sent" | "retry" | "failed" | "withheld" | "not_due" |
    the status a row already had | "missing"}. Safe to run twice, or beside the relay: each row is sent by
    whichever run claims it. Retries are published again for their time (and the relay catches any lost)."""
    ids = list(ids)
    rows = claim(model, ids)
    outcomes = model.send_batch(rows) if rows else {}
    retry = [pk for pk, outcome in outcomes.items() if outcome == "retry"]
    if retry:
        attempt = min(row.attempts for row in rows if row.pk in retry)
        publish_now(model, retry, countdown=retry_delay(attempt).total_seconds())
    others = [pk for pk in ids if pk not in outcomes]
    if others:
        now = timezone.now()
        for pk, status, next_attempt_at in model._default_manager.filter(pk__in=others).values_list(
            "pk", "status", "next_attempt_at"
        ):
            waiting = status in (DeliveryStatus.QUEUED, DeliveryStatus.AWAITING_RETRY)
            outcomes[pk] = "not_due" if waiting and next_attempt_at and next_attempt_at > now else status
        outcomes.update({pk: "missing" for pk in others if pk not in outcomes})
    return outcomes


def publish_now(model: type[Delivery] | str, ids: Sequence[int], *, countdown: float | None = None) -> None:
    """Ask the worker to deliver these rows, `BATCH_SIZE` to a task. Never raises: with the broker down
    the rows stay committed, and the relay publishes them once it is back."""
    from .tasks import deliver_task

    label = model if isinstance(model, str) else model._meta.label
    ids = list(ids)
    for start in range(0, len(ids), BATCH_SIZE):
        if not publishing.publish_now(deliver_task, label, ids[start : start + BATCH_SIZE], countdown=countdown):
            return  # the broker is down: the relay publishes the rest once it is back


def publish(model: type[Delivery], ids: Iterable[int]) -> None:
    """Publish these rows' delivery once the current transaction commits (at once outside one)."""
    label, ids = model._meta.label, list(ids)
    if not ids:
        return

    def publish_after_commit() -> None:  # a named function: on_commit logs callbacks by their __qualname__
        publish_now(label, ids)

    transaction.on_commit(publish_after_commit)


def cancel(model: type[Delivery], ids: Iterable[int], *, reason: str) -> list[int]:
    """Stop rows that have not left yet (queued or awaiting retry), keeping them withheld with the reason: the
    ids cancelled. A row already in flight or sent is not touched, so the caller knows it is on its way. The
    conditional UPDATE is the decision: a worker claiming the same row at this moment takes it or finds it
    withheld, never both."""
    ids = list(ids)
    waiting = model._default_manager.filter(
        pk__in=ids, status__in=[DeliveryStatus.QUEUED, DeliveryStatus.AWAITING_RETRY]
    )
    with transaction.atomic():
        cancelled = list(waiting.select_for_update().order_by("pk").values_list("pk", flat=True))
        model._default_manager.filter(pk__in=cancelled).update(
            status=DeliveryStatus.WITHHELD, last_error=reason[:2000], next_attempt_at=None
        )
    return cancelled


def relay(*, limit: int = 20_000) -> int:
    """Publish every row that is due and not on its way (see `relayable`); returns how many."""
    now = timezone.now()
    grace = timedelta(seconds=settings.OUTBOX_RELAY_AFTER_SECONDS)
    published = 0
    for model in delivery_models():
        ids = list(relayable(model, now, grace=grace).order_by("pk").values_list("pk", flat=True)[:limit])
        publish_now(model, ids)
        published += len(ids)
    return published
