"""Slack notifications to a team's channel: its settings (each write one transaction, recorded in the activity
log), the notifications queued from the activity log inside the transaction of the change they announce, and
what Slack's answers do to the channel.

Three activity actions are notifications: `followup.case.opened` of a detractor's case (the new case),
`followup.case.escalated` (an SLA breach: a missed first-response or resolution target) and
`followup.case.customer_replied`. Each queues one `SlackDelivery` for the case's team's channel when the channel
is active and wants it; the delivery machine posts it after the commit and retries 429s, 5xx and timeouts.
Slack's "this channel or URL is gone" (`GONE_STATUSES`) pauses the channel at once and tells the admins, through
the pausing webhook endpoints use (`services.pause_destination`); any other refusal fails that one message and
counts towards `services.PAUSE_AFTER_FAILURES` in a row.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from feedback_platform import delivery, outbound
from feedback_platform.activity import Actor, changed_fields, record_activity
from feedback_platform.batch import once_per_batch
from feedback_platform.delivery import PENDING
from feedback_platform.models import ActivityEntry

from . import services
from .models import EndpointStatus, SlackChannel, SlackDelivery, SlackMessageKind, SlackNotification

SYSTEM = Actor.system("integrations.slack")
#: Statuses with which Slack says the channel or the URL itself is gone, so every later message would be
#: refused too: 404 no_service / no_team / channel_not_found, 403 invalid_token / action_prohibited,
#: 410 channel_is_archived (and 401). The channel is paused at the first one.
GONE_STATUSES = frozenset({401, 403, 404, 410})
#: Activity actions that are Slack notifications.
ACTIVITY_NOTIFICATIONS = {
    "followup.case.opened": SlackNotification.NEW_CASE,
    "followup.case.escalated": SlackNotification.SLA_BREACH,
    "followup.case.customer_replied": SlackNotification.CUSTOMER_REPLY,
}


def url_problems(url: str) -> list[str]:
    """What is wrong with an incoming-webhook URL an admin pasted (empty: nothing): a public https address
    (`outbound.check_secret_destination`: the URL is a credential)."""
    try:
        outbound.check_secret_destination(url, plain_http=_("Use the https:// address Slack gave you."))
    except ValidationError as error:
        return list(error.messages)
    return []


def channel_problems(channel: SlackChannel) -> dict[str, list[str]]:
    """What is wrong with a channel an admin set up, by field (empty: nothing)."""
    problems: dict[str, list[str]] = {}
    url = url_problems(channel.webhook_url)
    if url:
        problems["webhook_url"] = url
    known = set(SlackNotification.values)
    if not channel.notifications:
        problems["notifications"] = [_("Choose at least one notification.")]
    elif not set(channel.notifications) <= known:
        unknown = ", ".join(sorted(set(channel.notifications) - known))
        problems["notifications"] = [_("Unknown notification: %(names)s.") % {"names": unknown}]
    return problems


@transaction.atomic
def save_channel(*, actor: Actor, channel: SlackChannel) -> SlackChannel:
    """Connect a team's channel or change it, refused (ValidationError by field) when `channel_problems` finds
    any. A new URL makes a paused channel active again: it is a new chance, and the test button proves it."""
    channel.notifications = sorted(set(channel.notifications))
    problems = channel_problems(channel)
    if problems:
        raise ValidationError(problems)
    created = channel._state.adding
    fields = changed_fields(channel, ["webhook_url", "notifications"])
    if "webhook_url" in fields and channel.is_paused:
        channel.status, channel.paused_reason, channel.paused_at = EndpointStatus.ACTIVE, "", None
        channel.consecutive_failures = 0
        fields.append("status")
    channel.save()
    action = "integrations.slack.connected" if created else "integrations.slack.changed"
    record_activity(actor=actor, action=action, target=channel, payload={"team": channel.team_id, "fields": fields})
    return channel


@transaction.atomic
def remove_channel(*, actor: Actor, channel: SlackChannel) -> None:
    """Disconnect a team's channel: its URL is forgotten and its delivery log with it."""
    record_activity(actor=actor, action="integrations.slack.removed", target=channel, payload={"team": channel.team_id})
    channel.delete()


def pause_channel(*, actor: Actor, channel: SlackChannel, reason: str) -> SlackChannel:
    return services.pause_destination(actor=actor, destination=channel, reason=reason)


def resume_channel(*, actor: Actor, channel: SlackChannel) -> SlackChannel:
    return services.resume_destination(actor=actor, destination=channel)


@transaction.atomic
def send_test_message(*, actor: Actor, channel: SlackChannel) -> SlackDelivery:
    """Queue a test message to the channel (posted after the commit, logged like any other)."""
    channel = SlackChannel.objects.select_for_update().get(pk=channel.pk)
    if channel.is_paused:
        raise ValidationError(_("Resume the channel, or save a new URL, before sending a test message."))
    if channel.deliveries.filter(kind=SlackMessageKind.TEST, status__in=PENDING).exists():
        raise ValidationError(_("A test message is already on its way."))
    row = SlackDelivery.objects.create(channel=channel, kind=SlackMessageKind.TEST, source=f"test:{uuid.uuid4()}")
    record_activity(actor=actor, action="integrations.slack.tested", target=channel, payload={"delivery": row.pk})
    delivery.publish(SlackDelivery, [row.pk])
    return row


def notify_from_activity(entry: ActivityEntry) -> list[int]:
    """The Slack message an activity entry announces, queued in the entry's transaction for the case's team's
    channel (once per entry: its source is the entry's id); the ids queued (none when nobody wants it)."""
    from followup.models import Case, CaseStatus
    from surveys.models import Segment

    kind = ACTIVITY_NOTIFICATIONS.get(entry.action)
    if kind is None or entry.target_type is None or entry.target_type.model_class() is not Case:
        return []
    channels = once_per_batch(
        "integrations.slack_channels", lambda: {channel.team_id: channel for channel in SlackChannel.objects.active()}
    )
    if not channels:
        return []  # no team has a channel: the case need not be read
    case = Case.objects.filter(pk=entry.target_id).first()
    if case is None or case.team_id is None:
        return []
    if kind == SlackNotification.NEW_CASE and case.segment != Segment.DETRACTOR:
        return []  # only a detractor's case is news for the channel
    if kind == SlackNotification.CUSTOMER_REPLY and case.status == CaseStatus.SPAM:
        return []  # stay silent with trolls, here too
    channel = channels.get(case.team_id)
    if channel is None or not channel.wants(kind):
        return []
    row, created = SlackDelivery.objects.get_or_create(
        channel=channel,
        source=f"activity:{entry.pk}",
        defaults={"kind": kind, "case": case, "facts": _facts(kind, entry, case), "created_at": entry.created_at},
    )
    if not created:
        return []
    delivery.publish(SlackDelivery, [row.pk])
    return [row.pk]


def _facts(kind: str, entry: ActivityEntry, case) -> dict:
    """What the message needs as it was when it happened (never customer text: that is read when it is sent)."""
    payload = entry.payload or {}
    if kind == SlackNotification.NEW_CASE:
        return {"priority": payload.get("priority", case.priority)}
    if kind == SlackNotification.SLA_BREACH:
        target = payload.get("target", "first_response")
        due = case.resolution_due if target == "resolution" else case.first_response_due
        overdue = int((entry.created_at - due).total_seconds()) if due else 0
        return {
            "target": target,
            "priority": payload.get("priority", case.priority),
            "overdue_seconds": max(0, overdue),
        }
    return {"event": payload.get("event")}


def record_result(*, delivery: SlackDelivery, outcome: outbound.HttpOutcome, final: bool) -> None:
    """What Slack's answer does to the channel (inside the delivery machine's transaction that records it)."""
    gone = not outcome.ok and outcome.status in GONE_STATUSES
    services.count_delivery_result(
        destination=delivery.channel, outcome=outcome, final=final, actor=SYSTEM, pause_now=gone
    )
