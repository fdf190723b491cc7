"""Helpdesk tickets for cases: a rule's "open a ticket" action, the ticket opened through the helpdesk's API
(integrations.helpdesk's adapter) and linked to the case both ways, and the ticket's later status coming back
through a signed webhook of ours.

What does not differ between helpdesks is here once: which connection serves a case, the ticket request queued
when the rule fires (a delivery row, so retried, relayed and never duplicated), the case's link, failure and
status through followup.tickets, and the erasure of what a pending request holds of a customer. A rule runs
inside the rule engine's transaction, so its action only queues the request; the delivery machine posts it
after the commit, outside any transaction.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback_platform import delivery, outbound
from feedback_platform.activity import Actor, changed_fields, record_activity
from feedback_platform.delivery import PENDING, DeliveryStatus, TransportError
from feedback_platform.erasure import Person
from followup import tickets
from followup.models import Case
from followup.rule_actions import RuleAction

from .helpdesk import OpenedTicket, StatusEvent, adapter_for
from .models import HelpdeskConnection, TicketRequest


def actor_for(system: str) -> Actor:
    return Actor.system(f"integrations.{system}")


# The connections.


def connection_for(case: Case) -> HelpdeskConnection | None:
    """The connection that opens this case's tickets: its team's own, else the one for every other team. A
    team's own connection that is switched off means no tickets for that team (not the other one's)."""
    connections = {c.team_id: c for c in HelpdeskConnection.objects.filter(Q(team=case.team_id) | Q(team=None))}
    connection = connections.get(case.team_id) if case.team_id in connections else connections.get(None)
    return connection if connection and connection.is_active else None


def connection_problems(connection: HelpdeskConnection) -> dict[str, list[str]]:
    """What is wrong with a connection an admin typed in, by field (empty: nothing)."""
    problems: dict[str, list[str]] = {}
    try:
        outbound.check_secret_destination(
            connection.base_url, plain_http=_("Use an https:// address: the API token must not travel unencrypted.")
        )
    except ValidationError as error:
        problems["base_url"] = error.messages
    if not connection.api_token:
        problems["api_token"] = [_("Enter the API token.")]
    others = HelpdeskConnection.objects.exclude(pk=connection.pk).filter(team=connection.team_id)
    if others.exists():
        problems["team"] = [
            _("This team already has a helpdesk connection.")
            if connection.team_id
            else _("There already is a connection for every team without its own.")
        ]
    return problems


FIELDS = ["system", "team", "base_url", "agent_email", "api_token", "signing_secret", "is_active"]


@transaction.atomic
def save_connection(*, actor: Actor, connection: HelpdeskConnection) -> HelpdeskConnection:
    """Create or change a connection, refused (ValidationError by field) when `connection_problems` finds any.
    The activity entry names the fields changed, never a token or secret."""
    problems = connection_problems(connection)
    if problems:
        raise ValidationError(problems)
    created = connection._state.adding
    fields = changed_fields(connection, FIELDS)
    try:
        with transaction.atomic():
            connection.save()
    except IntegrityError as error:  # another admin saved the same team's connection a moment ago
        raise ValidationError({"team": [_("This team already has a helpdesk connection.")]}) from error
    action = "integrations.helpdesk.connected" if created else "integrations.helpdesk.changed"
    record_activity(actor=actor, action=action, target=connection, payload={"fields": fields})
    return connection


def check_connection(*, connection: HelpdeskConnection) -> tuple[bool, str]:
    """The settings page's "test connection": the helpdesk asked now, synchronously, with a short timeout."""
    return adapter_for(connection).check_connection()


# Opening a ticket.


def queue_ticket(*, case: Case) -> str:
    """Queue the case's ticket with the connection that serves it (in the caller's transaction; posted after
    the commit): one line for the rule's firing. A case with a ticket, or one already on its way, gets none."""
    if case.ticket_id:
        return f"case {case.pk} already has {case.ticket_system} ticket {case.ticket_id}"
    connection = connection_for(case)
    if connection is None:
        return f"no helpdesk connected for case {case.pk}'s team"
    if TicketRequest.objects.filter(case=case, status__in=[*PENDING, DeliveryStatus.SENT]).exists():
        return f"ticket for case {case.pk} already requested"
    row = TicketRequest(connection=connection, system=connection.system, case=case)
    row.body = adapter_for(connection).ticket_body(case)
    # Two transactions queueing at once (two rules, a redelivered task): the unique pending-or-sent request per
    # case keeps one, the other's insert is ignored.
    TicketRequest.objects.bulk_create([row], ignore_conflicts=True)
    ids = list(TicketRequest.objects.filter(uuid=row.uuid).values_list("pk", flat=True))
    delivery.publish(TicketRequest, ids)
    return (
        f"{connection.system} ticket queued for case {case.pk}"
        if ids
        else f"ticket for case {case.pk} already requested"
    )


def _open_ticket_action(*, rule, feedback, case: Case | None) -> str:
    if case is None:
        return "no case, so no ticket"
    return queue_ticket(case=case)


OPEN_TICKET = RuleAction("open_ticket", gettext_lazy("Open a helpdesk ticket"), _open_ticket_action)


def open_ticket(row: TicketRequest, cache: dict) -> OpenedTicket:
    """The delivery machine's transport for a ticket request: one POST, outside any transaction."""
    if row.connection is None:  # withheld when claimed; deleted between the claim and this moment
        raise TransportError("helpdesk disconnected", transient=False)
    return adapter_for(row.connection).create_ticket(row.body, idempotency_key=str(row.uuid))


def ticket_opened(*, request: TicketRequest, opened: OpenedTicket) -> None:
    """The helpdesk opened the ticket: link it to the case (in the delivery machine's transaction)."""
    tickets.link_ticket(
        case=request.case,
        system=request.system,
        ticket_id=opened.ticket_id,
        url=opened.url,
        actor=actor_for(request.system),
    )


def ticket_refused(*, request: TicketRequest, reason: str) -> None:
    """The helpdesk refused the ticket for good (or never answered through every attempt): the case's timeline
    says why in the helpdesk's words, and the request's copy of the customer's words goes."""
    TicketRequest.objects.filter(pk=request.pk).update(body="")
    tickets.record_ticket_failure(
        case=request.case, system=request.system, reason=reason, actor=actor_for(request.system)
    )


# The ticket's status coming back.


class UnknownTicket(Exception):
    pass


def receive_status(*, connection: HelpdeskConnection, event: StatusEvent) -> tuple[Case, bool]:
    """Record a ticket's new status on the case that this connection opened it for: (the case, whether the
    status was new). A solved ticket resolves the case (followup.tickets). `UnknownTicket` when no case of
    ours has this ticket of this connection's."""
    request = (
        TicketRequest.objects.filter(connection=connection, ticket_id=event.ticket_id, status=DeliveryStatus.SENT)
        .select_related("case")
        .order_by("-pk")
        .first()
    )
    if request is None:
        raise UnknownTicket(f"no case has {connection.system} ticket {event.ticket_id} of this connection")
    try:
        recorded = tickets.record_ticket_status(
            case=request.case,
            system=connection.system,
            ticket_id=event.ticket_id,
            status=event.status,
            solved=event.solved,
            actor=actor_for(connection.system),
        )
    except ValidationError as error:  # the case was linked to another ticket since
        raise UnknownTicket(" ".join(error.messages)) from error
    return request.case, recorded is not None


# Erasure.


def erase_person(person: Person) -> int:
    """A pending ticket request for the person's cases is not sent, and no request keeps their words (sent and
    refused ones were emptied already); the refusals' texts are redacted. What the helpdesk holds is the
    helpdesk's to erase (the ticket's external_id, case-<id>, finds it)."""
    contact_id = person.contact_id
    cases = Case.objects.filter(Q(contact_id=contact_id) | Q(feedback__contact_id=contact_id)).values("pk")
    rows = TicketRequest.objects.filter(case__in=cases)
    pending = list(rows.filter(status__in=PENDING).values_list("pk", flat=True))
    delivery.cancel(TicketRequest, pending, reason="the customer's data was erased")
    changed = rows.exclude(body="").update(body="")
    for pk, error in rows.exclude(last_error="").values_list("pk", "last_error"):
        changed += TicketRequest.objects.filter(pk=pk).update(last_error=person.redact(error))
    return changed
