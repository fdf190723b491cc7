"""SLA escalation: a sweep finds overdue cases and escalates each exactly once per target."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from feedback_platform.activity import Actor, record_activity

from .models import Case, CaseEvent, CaseQuerySet, EventKind
from .notifications import notify_escalation

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"


def escalate_overdue(*, limit: int = 200) -> int:
    """Escalate what is overdue; returns how many escalations were made.

    Two sweeps at once: each locks the rows it takes with SKIP LOCKED and
    re-checks the escalated-at mark under the lock, so no case is escalated twice.
    """
    now = timezone.now()
    total = 0
    for target, late, due_field, mark_field in (
        (FIRST_RESPONSE, Case.objects.overdue(now=now), "first_response_due", "first_response_escalated_at"),
        (RESOLUTION, Case.objects.open().filter(resolution_due__lte=now), "resolution_due", "resolution_escalated_at"),
    ):
        total += _escalate(target, late, due_field, mark_field, now=now, limit=limit)
    return total


@transaction.atomic
def _escalate(target: str, late: CaseQuerySet, due_field: str, mark_field: str, *, now, limit: int) -> int:
    overdue = (
        late.select_for_update(skip_locked=True).filter(**{f"{mark_field}__isnull": True}).order_by(due_field)[:limit]
    )
    count = 0
    for case in overdue:
        setattr(case, mark_field, now)
        case.priority = min(100, case.priority + settings.FOLLOWUP_ESCALATION_PRIORITY_BOOST)
        case.save(update_fields=[mark_field, "priority"])
        notified = notify_escalation(case=case, reason=target)
        CaseEvent.objects.create(
            case=case,
            kind=EventKind.ESCALATED,
            body=target,
            data={"target": target, "priority": case.priority, "notified": notified},
        )
        record_activity(
            actor=Actor.system("followup.escalate_overdue"),
            action="followup.case.escalated",
            target=case,
            payload={"target": target, "priority": case.priority},
        )
        count += 1
    return count
