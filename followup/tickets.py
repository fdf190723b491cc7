"""A case worked in a helpdesk as well: the ticket linked to it, what became of the ticket, why none opened.

The helpdesk's adapter (integrations.helpdesk) talks to the helpdesk; these services are what it may change
on a case, each one transaction that writes the timeline and the activity log.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_platform.activity import Actor, record_activity

from .models import OPEN_STATUSES, Case, CaseEvent, CaseStatus, EventKind


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


@transaction.atomic
def link_ticket(*, case: Case, system: str, ticket_id: str, url: str, actor: Actor) -> Case:
    """Record the helpdesk ticket opened for this case (once: the same ticket again changes nothing; another
    ticket replaces the link, and the timeline keeps both)."""
    if not ticket_id:
        raise ValidationError({"ticket_id": _("The helpdesk gave no ticket number.")})
    case = _locked(case)  # the adapter's retry and the relay may record the same answer twice
    if (case.ticket_system, case.ticket_id) == (system, ticket_id):
        return case
    case.ticket_system, case.ticket_id, case.ticket_url = system, ticket_id, url
    case.save(update_fields=["ticket_system", "ticket_id", "ticket_url"])
    CaseEvent.objects.create(
        case=case,
        kind=EventKind.TICKET,
        data={"system": system, "ticket": ticket_id, "url": url, "opened": True},
    )
    record_activity(
        actor=actor,
        action="followup.case.ticket_linked",
        target=case,
        payload={"system": system, "ticket": ticket_id},
    )
    return case


@transaction.atomic
def record_ticket_failure(*, case: Case, system: str, reason: str, actor: Actor) -> CaseEvent:
    """The helpdesk refused to open a ticket for this case: the timeline says why, so an agent can act."""
    event = CaseEvent.objects.create(
        case=case, kind=EventKind.TICKET, body=reason[:2000], data={"system": system, "failed": True}
    )
    record_activity(actor=actor, action="followup.case.ticket_failed", target=case, payload={"system": system})
    return event


@transaction.atomic
def record_ticket_status(
    *, case: Case, system: str, ticket_id: str, status: str, solved: bool, actor: Actor
) -> CaseEvent | None:
    """The linked ticket's new status, on the timeline once per status; a solved ticket resolves the open
    case (the customer was answered in the helpdesk, so no email of ours goes) and schedules its re-survey.
    None when the status was already recorded. A ticket that is not this case's is refused."""
    case = _locked(case)  # the helpdesk may send one change twice, or two changes at once
    if (case.ticket_system, case.ticket_id) != (system, ticket_id):
        raise ValidationError({"ticket_id": _("This ticket is not linked to the case.")})
    last = case.events.filter(kind=EventKind.TICKET, data__ticket=ticket_id, data__has_key="status").last()
    if last is not None and last.data.get("status") == status:
        return None
    event = CaseEvent.objects.create(
        case=case, kind=EventKind.TICKET, data={"system": system, "ticket": ticket_id, "status": status}
    )
    record_activity(
        actor=actor,
        action="followup.case.ticket_updated",
        target=case,
        payload={"system": system, "ticket": ticket_id, "status": status},
    )
    if solved and case.status in OPEN_STATUSES:
        _resolve_in_helpdesk(case, system=system, ticket_id=ticket_id, actor=actor)
    return event


def _resolve_in_helpdesk(case: Case, *, system: str, ticket_id: str, actor: Actor) -> None:
    now = timezone.now()
    old = case.status
    summary = _("Solved in %(system)s ticket %(ticket)s.") % {"system": system.title(), "ticket": ticket_id}
    case.status, case.resolved_at, case.resolution_summary = CaseStatus.RESOLVED, now, summary
    case.recovery_due_at = now + timedelta(days=settings.FOLLOWUP_RECOVERY_DAYS)
    if case.first_responded_at is None:  # the helpdesk's agent answered the customer there
        case.first_responded_at = now
    case.save(update_fields=["status", "resolved_at", "resolution_summary", "recovery_due_at", "first_responded_at"])
    CaseEvent.objects.create(
        case=case,
        kind=EventKind.STATUS,
        body=summary,
        data={"from": old, "to": CaseStatus.RESOLVED, "ticket": ticket_id},
    )
    record_activity(actor=actor, action="followup.case.resolved", target=case, payload={"from": old, "by": system})
