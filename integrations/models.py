"""Webhook endpoints, their deliveries (one per endpoint and event, sent by the shared delivery machine) and
each delivery's attempts (the log an admin reads); teams' Slack channels and the notifications posted to them;
helpdesk connections and the ticket requests sent to them.

Both kinds of destination pause the same way (`PausableDestination`, `services.pause_destination`)."""

import hashlib
import hmac
import json
import secrets
import time
import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from feedback_platform import outbound
from feedback_platform.delivery import Delivery, TransportError, send_each

from .events import EventType

#: Seconds a receiver has to answer before the attempt counts as timed out (and is retried).
TIMEOUT_SECONDS = 10


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


def signature(secret: str, timestamp: int, body: str) -> str:
    """HMAC-SHA256 over "{timestamp}.{body}" with the endpoint's secret, as `X-Webhook-Signature: v1=<hex>`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"v1={digest}"


class EndpointStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("webhook endpoint", "Active")
    PAUSED = "paused", _("Paused")


class DestinationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=EndpointStatus.ACTIVE)


#: The webhook endpoints' name for it (kept for the callers that import it).
WebhookEndpointQuerySet = DestinationQuerySet


class PausableDestination(models.Model):
    """A place deliveries are POSTed to that the system pauses when it keeps refusing them (or says it is gone),
    and an admin resumes: a webhook endpoint, a team's Slack channel. `services.pause_destination` pauses one
    (recorded as `integrations.<activity_noun>.paused`, and the admins emailed `paused_email` when the system
    did it); `services.count_delivery_result` keeps the run of failures."""

    status = models.CharField(max_length=8, choices=EndpointStatus.choices, default=EndpointStatus.ACTIVE)
    paused_reason = models.CharField(max_length=300, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    # Deliveries given up in a row (any success resets it): at PAUSE_AFTER_FAILURES the destination is paused.
    consecutive_failures = models.PositiveIntegerField(default=0)

    #: The activity log's object name: "integrations.<noun>.paused" / ".resumed".
    activity_noun: ClassVar[str]
    #: The email template (templates/emails/<name>_*) the admins get when the system pauses one.
    paused_email: ClassVar[str]

    objects = DestinationQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_paused(self) -> bool:
        return self.status == EndpointStatus.PAUSED

    def admin_page(self) -> str:
        """The absolute URL of the page where an admin reads why it was paused and resumes it."""
        raise NotImplementedError

    def paused_email_context(self) -> dict:
        return {"page_url": self.admin_page()}


class WebhookEndpoint(PausableDestination):
    """A URL an admin wants told of some events, and the secret its deliveries are signed with."""

    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("Description"), max_length=200, blank=True)
    secret = models.CharField(_("Secret"), max_length=100, default=new_secret)
    events = models.JSONField(_("Events"), default=list)
    created_at = models.DateTimeField(default=timezone.now)

    activity_noun = "webhook"
    paused_email = "webhook_paused"

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.url

    def admin_page(self) -> str:
        return settings.SITE_URL + reverse("integrations:webhook_deliveries", args=[self.pk])

    def paused_email_context(self) -> dict:
        return {**super().paused_email_context(), "endpoint": self}

    @property
    def event_names(self) -> list[str]:
        return [str(EventType(value).label) for value in self.events if value in EventType.values]

    def wants(self, event_type: str) -> bool:
        """Subscribed to it (whether it is active is `WebhookEndpointQuerySet.active`'s to say)."""
        return event_type in self.events


class WebhookDelivery(Delivery):
    """One event for one endpoint: never two rows for the same pair, so an event is delivered once (receivers
    drop a rare repeat after a crash by its `X-Webhook-Id`). The body is stored as sent, the signature is
    made afresh on each attempt (its timestamp is the attempt's)."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=40)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_once")]
        indexes = [models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log_idx")]

    def __str__(self):
        return f"{self.event_type} {self.event_id} → {self.endpoint_id}"

    @classmethod
    def delivery_queryset(cls):
        return cls._default_manager.select_related("endpoint")

    @classmethod
    def withhold_reasons(cls, rows) -> dict[int, str]:
        return {row.pk: "endpoint paused" for row in rows if row.endpoint.is_paused}

    @classmethod
    def send_batch(cls, rows) -> dict[int, str]:
        return send_each(rows, _post)

    def headers(self, timestamp: int) -> dict[str, str]:
        return {
            "User-Agent": "feedback-platform-webhooks/1",
            "X-Webhook-Id": str(self.event_id),
            "X-Webhook-Event": self.event_type,
            "X-Webhook-Timestamp": str(timestamp),
            "X-Webhook-Signature": signature(self.endpoint.secret, timestamp, self.body),
        }

    def sent_fields(self, message: outbound.HttpOutcome) -> dict:
        return {"response_status": message.status}

    def failed_fields(self, error: Exception) -> dict:
        outcome = getattr(error, "outcome", None)
        return {"response_status": outcome.status if outcome else None}

    def after_sent(self, message: outbound.HttpOutcome, now) -> None:
        from .services import record_attempt

        record_attempt(delivery=self, outcome=message, at=now, final=True)

    def after_failed(self, error: Exception, now, *, final: bool) -> None:
        from .services import record_attempt

        outcome = getattr(error, "outcome", None) or outbound.HttpOutcome(None, 0, "", False, str(error))
        record_attempt(delivery=self, outcome=outcome, at=now, final=final)


def _post(row: WebhookDelivery, cache: dict) -> outbound.HttpOutcome:
    outcome = outbound.post_json(
        row.endpoint.url, row.body.encode(), row.headers(int(time.time())), timeout=TIMEOUT_SECONDS
    )
    if not outcome.ok:
        raise TransportError(outcome.describe(), transient=outcome.transient, outcome=outcome)
    return outcome


class WebhookAttempt(models.Model):
    """One POST of a delivery and what the receiver answered: the endpoint's delivery log."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    elapsed_ms = models.PositiveIntegerField(default=0)
    excerpt = models.CharField(max_length=outbound.EXCERPT_CHARS, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-attempted_at", "-pk"]

    def __str__(self):
        return f"{self.delivery_id} {self.attempted_at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error[:40]}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class SlackNotification(models.TextChoices):
    """What a team's Slack channel may be told of (each channel picks its own)."""

    NEW_CASE = "new_case", _("New detractor case")
    SLA_BREACH = "sla_breach", _("SLA breach")
    CUSTOMER_REPLY = "customer_reply", _("Customer reply")


class SlackMessageKind(models.TextChoices):
    """What a Slack delivery says: one of the notifications, or the test message an admin asked for."""

    NEW_CASE = SlackNotification.NEW_CASE.value, SlackNotification.NEW_CASE.label
    SLA_BREACH = SlackNotification.SLA_BREACH.value, SlackNotification.SLA_BREACH.label
    CUSTOMER_REPLY = SlackNotification.CUSTOMER_REPLY.value, SlackNotification.CUSTOMER_REPLY.label
    TEST = "test", _("Test message")


def every_notification() -> list[str]:
    return list(SlackNotification.values)


#: Characters of a Slack incoming-webhook URL shown after it was saved (its end, as Slack shows a token's).
URL_TAIL_SHOWN = 4


class SlackChannel(PausableDestination):
    """A team's Slack channel, reached through the incoming-webhook URL Slack made for it, and which
    notifications it wants. The URL is a credential (whoever holds it may post to the channel): pages show
    only its host and its last characters once saved, and the Django admin never shows it."""

    team = models.OneToOneField("followup.Team", on_delete=models.CASCADE, related_name="slack_channel")
    webhook_url = models.CharField(_("Incoming webhook URL"), max_length=500)
    notifications = models.JSONField(_("Notifications"), default=every_notification)
    created_at = models.DateTimeField(default=timezone.now)

    activity_noun = "slack"
    paused_email = "slack_paused"

    class Meta:
        ordering = ["team__name"]

    def __str__(self):
        return f"Slack: {self.team}"

    @property
    def masked_url(self) -> str:
        """`https://hooks.slack.com/…Xy7Q`: which service, and enough to tell two URLs apart."""
        scheme, _sep, rest = self.webhook_url.partition("://")
        host = rest.split("/", 1)[0]
        return f"{scheme}://{host}/…{self.webhook_url[-URL_TAIL_SHOWN:]}" if host else "…"

    @property
    def notification_names(self) -> list[str]:
        """The notifications it wants by their names, in the order the form lists them."""
        return [str(label) for value, label in SlackNotification.choices if value in self.notifications]

    def wants(self, kind: str) -> bool:
        """Asked for it (whether it is active is `DestinationQuerySet.active`'s to say)."""
        return kind in self.notifications

    def admin_page(self) -> str:
        return settings.SITE_URL + reverse("integrations:slack_channel", args=[self.team_id])

    def paused_email_context(self) -> dict:
        return {**super().paused_email_context(), "channel": self, "team": self.team}


class SlackDelivery(Delivery):
    """One message to one team's channel, sent by the shared delivery machine.

    Its own model rather than a WebhookDelivery: those are signed envelopes stored as sent, for any endpoint,
    while a Slack message is unsigned Block Kit in the team's language that quotes the customer. So a row holds
    no message: only what it is about (`kind`, `case`, and `facts`, non-personal values as they were when it
    happened: the missed target, how late, the priority, the reply's timeline event), and the message is
    written at each attempt from the case as it then is. Nothing personal is stored here that an erasure would
    have to find, and a message sent after an erasure quotes "[erased]". `source` names what the message is
    made from ("activity:42"): never two rows for one source and channel, so a notification is posted once."""

    channel = models.ForeignKey(SlackChannel, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=16, choices=SlackMessageKind.choices)
    source = models.CharField(max_length=80)
    case = models.ForeignKey("followup.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    facts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=outbound.EXCERPT_CHARS, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "source"], name="slack_delivery_once")]
        indexes = [models.Index(fields=["channel", "-created_at"], name="slack_delivery_log_idx")]

    def __str__(self):
        return f"{self.kind} {self.source} → {self.channel_id}"

    @classmethod
    def delivery_queryset(cls):
        return cls._default_manager.select_related("channel__team", "case__feedback", "case__owner")

    @classmethod
    def withhold_reasons(cls, rows) -> dict[int, str]:
        reasons = {}
        for row in rows:
            if row.channel.is_paused:
                reasons[row.pk] = "channel paused"
            elif row.kind != SlackMessageKind.TEST and row.case_id is None:
                reasons[row.pk] = "the case was deleted"
        return reasons

    @classmethod
    def send_batch(cls, rows) -> dict[int, str]:
        return send_each(rows, _post_to_slack)

    def sent_fields(self, message: outbound.HttpOutcome) -> dict:
        return {"response_status": message.status, "response_excerpt": message.excerpt}

    def failed_fields(self, error: Exception) -> dict:
        outcome = getattr(error, "outcome", None)
        if outcome is None:
            return {"response_status": None, "response_excerpt": ""}
        return {"response_status": outcome.status, "response_excerpt": outcome.excerpt[: outbound.EXCERPT_CHARS]}

    def after_sent(self, message: outbound.HttpOutcome, now) -> None:
        from .slack import record_result

        record_result(delivery=self, outcome=message, final=True)

    def after_failed(self, error: Exception, now, *, final: bool) -> None:
        from .slack import record_result

        outcome = getattr(error, "outcome", None) or outbound.HttpOutcome(None, 0, "", False, str(error))
        record_result(delivery=self, outcome=outcome, final=final)


def _post_to_slack(row: SlackDelivery, cache: dict) -> outbound.HttpOutcome:
    from .slack_messages import message

    body = json.dumps(message(row), ensure_ascii=False, separators=(",", ":")).encode()
    headers = {"User-Agent": "feedback-platform-slack/1"}
    outcome = outbound.post_json(row.channel.webhook_url, body, headers, timeout=TIMEOUT_SECONDS)
    if not outcome.ok:
        raise TransportError(outcome.describe(), transient=outcome.transient, outcome=outcome)
    return outcome


class HelpdeskSystem(models.TextChoices):
    """The helpdesks an adapter exists for (integrations.helpdesk.ADAPTERS): one more is one more class there."""

    ZENDESK = "zendesk", "Zendesk"


class HelpdeskConnection(models.Model):
    """A helpdesk account that tickets are opened in: a team's own, or (no team) every other team's.

    Per team because a team, not the whole installation, is what keeps its cases in a helpdesk (billing in
    one Zendesk, the technical team in another, or in none); the connection without a team serves every team
    that has none of its own. The API token and the webhook signing secret are written, never shown again."""

    system = models.CharField(
        _("Helpdesk"), max_length=20, choices=HelpdeskSystem.choices, default=HelpdeskSystem.ZENDESK
    )
    team = models.OneToOneField(
        "followup.Team",
        verbose_name=_("Team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="helpdesk_connection",
    )
    #: The account's address without a path, e.g. https://acme.zendesk.com (made from the subdomain typed in).
    base_url = models.URLField(_("Address"), max_length=200)
    agent_email = models.EmailField(_("Agent email"))
    api_token = models.CharField(_("API token"), max_length=200)
    #: The helpdesk's signing secret of its webhook to us; empty: no status comes back (every event is refused).
    signing_secret = models.CharField(_("Webhook signing secret"), max_length=200, blank=True)
    is_active = models.BooleanField(_("Open tickets"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team__name", "pk"]
        constraints = [
            # One connection per team, and one without a team (a NULL team is not unique by itself).
            models.UniqueConstraint(Coalesce("team", models.Value(0)), name="one_helpdesk_per_team"),
        ]

    def __str__(self):
        return f"{self.get_system_display()} {self.base_url}"


class TicketRequest(Delivery):
    """One ticket to open for one case, sent by the delivery machine: retried with back-off, relayed when its
    task was lost, and sent under one idempotency key (`uuid`) however often, so the helpdesk opens it once.

    The body is built once, when the rule fires, so every attempt sends the same request (a helpdesk refuses
    a key reused for another body); it holds the customer's words and address, so it is emptied once the
    request is sent or given up. Once sent, the ticket's id is kept here too: a status event is matched to
    its case through the connection that opened the ticket (two helpdesk accounts number tickets alike)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    connection = models.ForeignKey(
        HelpdeskConnection, on_delete=models.SET_NULL, null=True, blank=True, related_name="ticket_requests"
    )
    system = models.CharField(max_length=20, choices=HelpdeskSystem.choices)
    case = models.ForeignKey("followup.Case", on_delete=models.CASCADE, related_name="ticket_requests")
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    ticket_id = models.CharField(max_length=64, blank=True)
    ticket_url = models.URLField(max_length=500, blank=True)

    class Meta:
        constraints = [
            # A rule firing twice, or two rules, queue one ticket; after a refusal another may be asked for.
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status__in=["queued", "inflight", "awaiting_retry", "sent"]),
                name="one_ticket_request_per_case",
            ),
        ]
        indexes = [models.Index(fields=["connection", "ticket_id"], name="ticket_request_ticket_idx")]

    def __str__(self):
        return f"{self.system} ticket for case {self.case_id}"

    @classmethod
    def delivery_queryset(cls):
        return cls._default_manager.select_related("connection", "case")

    @classmethod
    def withhold_reasons(cls, rows) -> dict[int, str]:
        reasons = {}
        for row in rows:
            if row.connection is None or not row.connection.is_active:
                reasons[row.pk] = "helpdesk disconnected"
            elif row.case.ticket_id:
                reasons[row.pk] = f"case already has {row.case.ticket_system} ticket {row.case.ticket_id}"
        return reasons

    @classmethod
    def send_batch(cls, rows) -> dict[int, str]:
        from .ticketing import open_ticket

        return send_each(rows, open_ticket)

    def sent_fields(self, message) -> dict:
        return {
            "response_status": message.status,
            "ticket_id": message.ticket_id,
            "ticket_url": message.url,
            "body": "",
        }

    def failed_fields(self, error: Exception) -> dict:
        outcome = getattr(error, "outcome", None)
        return {"response_status": outcome.status if outcome else None}

    def after_sent(self, message, now) -> None:
        from .ticketing import ticket_opened

        ticket_opened(request=self, opened=message)

    def after_failed(self, error: Exception, now, *, final: bool) -> None:
        from .ticketing import ticket_refused

        if final:
            ticket_refused(request=self, reason=str(error))
