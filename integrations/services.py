"""Webhook endpoints and deliveries, and the pausing every destination shares (webhook endpoints, Slack
channels): each write one transaction. Slack's own writes are in `integrations/slack.py`.

Events are emitted inside the transaction of the change they announce (an activity entry's, a feedback's),
so a delivery exists exactly when the change committed; the delivery machine sends it after the commit.
"""

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar, cast

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_platform import delivery, outbound
from feedback_platform.activity import Actor, changed_fields, record_activity
from feedback_platform.batch import once_per_batch
from feedback_platform.delivery import PENDING, DeliveryStatus
from feedback_platform.emails import render_email
from feedback_platform.models import language_of
from feedback_platform.roles import ADMIN

from . import events
from .models import EndpointStatus, PausableDestination, WebhookAttempt, WebhookDelivery, WebhookEndpoint

#: Deliveries given up in a row (each after its retries) that pause an endpoint and tell the admins.
PAUSE_AFTER_FAILURES = 5
#: The shortest secret accepted: a receiver's signature check is only as strong as it.
MIN_SECRET_LENGTH = 16
SYSTEM = Actor.system("integrations.webhooks")
D = TypeVar("D", bound=PausableDestination)


def endpoint_problems(endpoint: WebhookEndpoint) -> dict[str, list[str]]:
    """What is wrong with an endpoint an admin typed in, by field (empty: nothing)."""
    problems: dict[str, list[str]] = {}
    try:
        outbound.check_destination(endpoint.url)
    except ValidationError as error:
        problems["url"] = error.messages
    known = set(events.EventType.values)
    if not endpoint.events:
        problems["events"] = [_("Choose at least one event.")]
    elif not set(endpoint.events) <= known:
        problems["events"] = [
            _("Unknown event: %(names)s.") % {"names": ", ".join(sorted(set(endpoint.events) - known))}
        ]
    if len(endpoint.secret) < MIN_SECRET_LENGTH:
        problems["secret"] = [_("Use at least %(count)d characters.") % {"count": MIN_SECRET_LENGTH}]
    return problems


@transaction.atomic
def save_endpoint(*, actor: Actor, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Create or change an endpoint, refused (ValidationError by field) when `endpoint_problems` finds any."""
    endpoint.secret = endpoint.secret or WebhookEndpoint._meta.get_field("secret").get_default()
    endpoint.events = sorted(set(endpoint.events))
    problems = endpoint_problems(endpoint)
    if problems:
        raise ValidationError(problems)
    created = endpoint._state.adding
    fields = changed_fields(endpoint, ["url", "description", "secret", "events"])
    endpoint.save()
    action = "integrations.webhook.created" if created else "integrations.webhook.changed"
    record_activity(actor=actor, action=action, target=endpoint, payload={"fields": fields})
    return endpoint


def resume_endpoint(*, actor: Actor, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Deliver to a paused endpoint again (new events only; what was withheld meanwhile can be sent by hand)."""
    return resume_destination(actor=actor, destination=endpoint)


def pause_endpoint(*, actor: Actor, endpoint: WebhookEndpoint, reason: str) -> WebhookEndpoint:
    """Stop delivering to an endpoint: new events skip it, and its pending deliveries are withheld when due.
    An admin's pause gives no reason (the page says an admin did it); the system's names the refusal."""
    return pause_destination(actor=actor, destination=endpoint, reason=reason)


@transaction.atomic
def delete_endpoint(*, actor: Actor, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint with its secret and delivery log: nothing more is sent to it, pending deliveries
    included. The activity log keeps that it existed (its URL as the entry's label)."""
    record_activity(
        actor=actor, action="integrations.webhook.deleted", target=endpoint, payload={"events": endpoint.events}
    )
    endpoint.delete()


@transaction.atomic
def resume_destination(*, actor: Actor, destination: D) -> D:
    """Deliver to a paused webhook endpoint or Slack channel again, its run of failures forgotten."""
    row = cast(D, type(destination)._default_manager.select_for_update().get(pk=destination.pk))
    if row.is_paused:
        row.status, row.paused_reason, row.paused_at = EndpointStatus.ACTIVE, "", None
        row.consecutive_failures = 0
        row.save(update_fields=["status", "paused_reason", "paused_at", "consecutive_failures"])
        record_activity(actor=actor, action=f"integrations.{row.activity_noun}.resumed", target=row)
    return row


@transaction.atomic
def pause_destination(*, actor: Actor, destination: D, reason: str) -> D:
    """Stop delivering to a webhook endpoint or Slack channel: new events skip it, and its pending deliveries
    are withheld when due. Paused by the system (the receiver refused it), the admins are emailed once."""
    row = cast(D, type(destination)._default_manager.select_for_update().get(pk=destination.pk))
    if not row.is_paused:
        row.status, row.paused_reason, row.paused_at = EndpointStatus.PAUSED, reason[:300], timezone.now()
        row.save(update_fields=["status", "paused_reason", "paused_at"])
        record_activity(
            actor=actor,
            action=f"integrations.{row.activity_noun}.paused",
            target=row,
            payload={"reason": reason[:300]},
        )
        if actor.is_system:
            _tell_admins(row)
    return row


def count_delivery_result(
    *, destination: PausableDestination, outcome: outbound.HttpOutcome, final: bool, actor: Actor, pause_now: bool
) -> None:
    """Keep a destination's run of failures (inside the delivery machine's transaction that records the
    attempt): a success clears it; a delivery given up adds to it, and the run's PAUSE_AFTER_FAILURESth pauses
    it, or at once with `pause_now` (the receiver said the destination itself is gone)."""
    rows = type(destination)._default_manager.filter(pk=destination.pk)
    if outcome.ok:
        rows.filter(consecutive_failures__gt=0).update(consecutive_failures=0)
    elif final:
        rows.update(consecutive_failures=F("consecutive_failures") + 1)
        row = rows.get()
        if pause_now or row.consecutive_failures >= PAUSE_AFTER_FAILURES:
            # The receiver's own words, untranslated; the pages and the email say the rest in the reader's language.
            pause_destination(actor=actor, destination=row, reason=outcome.describe())


def emit_event(*, type: str, source: str | None, data: Callable[[], dict[str, Any]], created_at: datetime) -> list[int]:
    """Queue the event for every active endpoint that wants it, in the caller's transaction; the ids queued.

    `source` names what the event is made from ("activity:42"): its id is derived from it, so the same
    source seen twice is one event, delivered once (the unique (endpoint, event id) pair). None: a new id.
    `data` builds the payload's data, only when some endpoint wants the event (it costs a query or two)."""
    active = once_per_batch("integrations.active_endpoints", lambda: list(WebhookEndpoint.objects.active()))
    endpoints = [endpoint for endpoint in active if endpoint.wants(type)]
    if not endpoints:
        return []
    id = events.event_id(source) if source else uuid.uuid4()
    body = events.envelope(id=id, type=type, created_at=created_at, data=data())
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(endpoint=endpoint, event_id=id, event_type=type, body=body) for endpoint in endpoints],
        ignore_conflicts=True,
    )
    ids = list(WebhookDelivery.objects.filter(event_id=id, attempts=0).values_list("pk", flat=True))
    delivery.publish(WebhookDelivery, ids)
    return ids


def emit_activity_event(*, entry, type: str) -> list[int]:
    """The event an activity entry announces (one per entry: its id is made from the entry's)."""
    return emit_event(
        type=type, source=f"activity:{entry.pk}", data=lambda: events.activity_data(entry), created_at=entry.created_at
    )


def emit_feedback_events(*, feedback, created: bool) -> list[int]:
    """feedback.received once per feedback (its first classification), feedback.classified each time."""
    ids: list[int] = []
    kinds = [events.EventType.FEEDBACK_RECEIVED] if created else []
    for type in [*kinds, events.EventType.FEEDBACK_CLASSIFIED]:
        source = f"feedback:{feedback.pk}" if type == events.EventType.FEEDBACK_RECEIVED else None
        when = feedback.classified_at or timezone.now()
        ids += emit_event(type=type, source=source, data=lambda: events.feedback_data(feedback), created_at=when)
    return ids


@transaction.atomic
def resend_delivery(*, actor: Actor, delivery_row: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again by hand (the same event id and body, a new attempt with a new signature)."""
    row = WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery_row.pk)
    if row.status in PENDING:
        raise ValidationError(_("This delivery is still on its way."))
    if row.endpoint.is_paused:
        raise ValidationError(_("Resume the endpoint before sending again."))
    WebhookDelivery.objects.filter(pk=row.pk).update(
        status=DeliveryStatus.QUEUED, attempts=0, next_attempt_at=None, last_error=""
    )
    record_activity(
        actor=actor, action="integrations.delivery.resent", target=row, payload={"endpoint": row.endpoint_id}
    )
    delivery.publish(WebhookDelivery, [row.pk])
    row.refresh_from_db()
    return row


def record_attempt(*, delivery: WebhookDelivery, outcome: outbound.HttpOutcome, at: datetime, final: bool) -> None:
    """Log one attempt (inside the delivery machine's transaction that records it). A success clears the
    endpoint's run of failures; a delivery given up adds to it, and the run's PAUSE_AFTER_FAILURESth pauses it."""
    WebhookAttempt.objects.create(
        delivery=delivery,
        attempted_at=at,
        status_code=outcome.status,
        elapsed_ms=outcome.elapsed_ms,
        excerpt=outcome.excerpt[: outbound.EXCERPT_CHARS],
        error=outcome.error[:500],
    )
    count_delivery_result(destination=delivery.endpoint, outcome=outcome, final=final, actor=SYSTEM, pause_now=False)


def _tell_admins(destination: PausableDestination) -> int:
    """An email to each admin through the outbox (once per pause), in the admin's language."""
    from followup import outbox

    admins = get_user_model().objects.filter(groups__name=ADMIN, is_active=True).exclude(email="")
    context = destination.paused_email_context()
    stamp = int(destination.paused_at.timestamp()) if destination.paused_at else 0
    for user in admins:
        language = language_of(user)
        email = render_email(destination.paused_email, context, language=language)
        outbox.queue_email(
            key=f"{destination.paused_email}:{destination.pk}:{stamp}:{user.pk}",
            to=user.email,
            email=email,
            language=language,
        )
    return len(admins)
