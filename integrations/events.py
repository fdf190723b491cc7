"""The webhook events: their names, where each comes from, and the payload each carries (version 1).

Each event comes from one source that already says it happened: an activity log action, or (for feedback,
which no service records in the log) the `reviews.signals.feedback_classified` signal. The payload holds ids
and non-personal fields only (no comment, name or address), so a stored delivery body holds nothing an
erasure would have to redact.
"""

import json
import uuid
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

#: The payload's version: a change to a field's meaning or a removed field is a new version.
PAYLOAD_VERSION = 1
#: Event ids made from their source (an activity entry, a feedback) are the same however often it is seen.
EVENT_NAMESPACE = uuid.UUID("4f9a1c2e-51d7-4c53-9d1e-0c6b8a8f7e21")


class EventType(models.TextChoices):
    FEEDBACK_RECEIVED = "feedback.received", _("Feedback received")
    FEEDBACK_CLASSIFIED = "feedback.classified", _("Feedback classified")
    CASE_OPENED = "case.opened", _("Case opened")
    CASE_ASSIGNED = "case.assigned", _("Case assigned")
    CASE_ESCALATED = "case.escalated", _("Case escalated")
    CASE_REPLIED = "case.replied", _("Case replied to")
    CASE_RESOLVED = "case.resolved", _("Case resolved")
    CASE_REOPENED = "case.reopened", _("Case reopened")
    SURVEY_SENT = "survey.sent", _("Survey sent")


#: Activity actions that are webhook events.
ACTIVITY_EVENTS = {
    "followup.case.opened": EventType.CASE_OPENED,
    "followup.case.assigned": EventType.CASE_ASSIGNED,
    "followup.case.escalated": EventType.CASE_ESCALATED,
    "followup.case.replied": EventType.CASE_REPLIED,
    "followup.case.resolved": EventType.CASE_RESOLVED,
    "followup.case.reopened": EventType.CASE_REOPENED,
    "surveys.send.scheduled": EventType.SURVEY_SENT,
}
#: Payload keys of those actions passed on as they are (ids, statuses, reasons; never customer text).
ACTIVITY_KEYS = frozenset(
    {"from", "to", "by", "target", "root_cause", "outbox", "survey", "segment", "sample_percent", "scheduled_at"}
)


def event_id(source: str) -> uuid.UUID:
    """The id of the event made from `source` (e.g. "activity:42"): stable, so it is delivered once."""
    return uuid.uuid5(EVENT_NAMESPACE, source)


def envelope(*, id: uuid.UUID, type: str, created_at, data: dict[str, Any]) -> str:
    """The body every endpoint receives, serialised once (the signature covers these exact bytes)."""
    body = {"id": str(id), "type": type, "version": PAYLOAD_VERSION, "created_at": created_at, "data": data}
    return json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def case_data(case) -> dict[str, Any]:
    return {
        "case": case.pk,
        "feedback": case.feedback_id,
        "survey": case.survey_id,
        "status": case.status,
        "priority": case.priority,
        "segment": case.segment,
        "team": case.team_id,
        "owner": case.owner_id,
        "opened_at": case.opened_at,
        "resolved_at": case.resolved_at,
    }


def feedback_data(feedback) -> dict[str, Any]:
    return {
        "feedback": feedback.pk,
        "source": feedback.source,
        "survey": feedback.survey_id,
        "contact": feedback.contact_id,
        "kind": feedback.kind,
        "score": feedback.score,
        "scale_max": feedback.scale_max,
        "segment": feedback.segment,
        "language": feedback.language,
        "sentiment": feedback.sentiment_label,
        "churn_intent": feedback.churn_intent,
        "topics": sorted(feedback.topic_slugs()),
        "received_at": feedback.received_at,
    }


def activity_data(entry) -> dict[str, Any]:
    """An activity entry's event data: its target (a case's fields, or the row's id) and its passed-on keys."""
    from followup.models import Case

    data: dict[str, Any] = {}
    model = entry.target_type.model_class() if entry.target_type_id else None
    if model is Case:
        case = Case.objects.filter(pk=entry.target_id).first()
        data = case_data(case) if case else {"case": int(entry.target_id)}
    elif model is not None:
        data = {model._meta.model_name: _int_or_str(entry.target_id)}
    data.update({key: value for key, value in (entry.payload or {}).items() if key in ACTIVITY_KEYS})
    return data


def _int_or_str(value: str) -> int | str:
    return int(value) if value.isdigit() else value
