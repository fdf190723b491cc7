"""Webhook endpoints, their deliveries (one per endpoint and event, sent by the shared delivery machine) and
each delivery's attempts (the log an admin reads)."""

import hashlib
import hmac
import secrets
import time

from django.db import models
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


class WebhookEndpointQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=EndpointStatus.ACTIVE)


class WebhookEndpoint(models.Model):
    """A URL an admin wants told of some events, and the secret its deliveries are signed with."""

    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("Description"), max_length=200, blank=True)
    secret = models.CharField(_("Secret"), max_length=100, default=new_secret)
    events = models.JSONField(_("Events"), default=list)
    status = models.CharField(max_length=8, choices=EndpointStatus.choices, default=EndpointStatus.ACTIVE)
    paused_reason = models.CharField(max_length=300, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    # Deliveries given up in a row (any success resets it): at PAUSE_AFTER_FAILURES the endpoint is paused.
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.url

    @property
    def is_paused(self) -> bool:
        return self.status == EndpointStatus.PAUSED

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
