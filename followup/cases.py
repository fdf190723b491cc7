"""Cases: opened per detractor, worked through an append-only timeline, resolved with a cause."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_platform.activity import Actor, record_activity
from feedback_platform.batch import batch_members, insert_at_batch_end, insert_with_id, once_per_batch
from feedback_platform.emails import RenderedEmail
from reviews.models import Feedback

from . import assignment, notifications, outbox
from .emails import (
    agent_sign_off,
    from_address,
    missing_display_name,
    render_text_email,
    reply_address,
    signed,
    unwritten_problems,
)
from .models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseStatus,
    Compensation,
    EventKind,
    OutboxEmail,
    RootCause,
    Team,
)
from .priority import compute_priority

# Status changes an agent may make directly; resolving goes through resolve_case.
TRANSITIONS: dict[str, set[CaseStatus]] = {
    CaseStatus.NEW: {CaseStatus.IN_PROGRESS, CaseStatus.WAITING, CaseStatus.WONT_FIX, CaseStatus.SPAM},
    CaseStatus.IN_PROGRESS: {CaseStatus.WAITING, CaseStatus.WONT_FIX, CaseStatus.SPAM},
    CaseStatus.WAITING: {CaseStatus.IN_PROGRESS, CaseStatus.WONT_FIX, CaseStatus.SPAM},
    CaseStatus.RESOLVED: {CaseStatus.CLOSED, CaseStatus.IN_PROGRESS},
    CaseStatus.CLOSED: {CaseStatus.IN_PROGRESS},
    CaseStatus.WONT_FIX: {CaseStatus.IN_PROGRESS},
    CaseStatus.SPAM: {CaseStatus.IN_PROGRESS},
}


# Nested in a caller's transaction (the rule engine, a batch of hundreds) it adds no savepoint: its failure
# is the caller's, which rolls back whole (a savepoint costs two round trips per call).
@transaction.atomic(savepoint=False)
def open_case(
    *,
    feedback: Feedback,
    team: Team | None = None,
    priority_floor: int = 0,
    sla_minutes: int | None = None,
    now: datetime | None = None,
    actor: Actor | None = None,
) -> tuple[Case, bool]:
    """Open the case of a feedback once; returns (case, created). `now` backdates demo history.
    The rules open cases, so the actor is the system unless a caller says otherwise."""
    opened = cases_of_batch(feedback)
    if feedback.pk in opened:
        return opened[feedback.pk], False
    now = now or timezone.now()
    priority, factors = compute_priority(feedback, floor=priority_floor)
    case = Case(
        feedback=feedback,
        contact=feedback.contact,
        team=assignment.team_for(feedback, team),
        priority=priority,
        priority_factors=factors,
        opened_at=now,
        first_response_due=now + timedelta(minutes=sla_minutes or settings.FOLLOWUP_FIRST_RESPONSE_MINUTES),
        resolution_due=now + timedelta(hours=settings.FOLLOWUP_RESOLUTION_HOURS),
    )
    copy_labels(case, feedback)
    case.owner = assignment.next_agent(case.team) if case.team and case.team.auto_assign else None
    insert_with_id(case)  # with its owner: one statement (a batch's cases in one)
    opened[feedback.pk] = case
    insert_at_batch_end([CaseEvent(case=case, kind=EventKind.CREATED, data={"feedback": feedback.pk}, created_at=now)])
    record_activity(
        actor=actor or Actor.system("followup.rules"),
        action="followup.case.opened",
        target=case,
        payload={"feedback": feedback.pk, "priority": priority, "team": case.team_id},
    )
    if case.owner:
        _record_owner(case, case.owner, actor=None, now=now)
    return case, True


def cases_of_batch(feedback: Feedback) -> dict[int, Case]:
    """The cases of the feedback's batch by feedback id, read once for the batch (the batch holds its rows'
    locks, so only the batch opens their cases), each also on its feedback (`feedback.case`, which the rules
    and the follow-up read); `open_case` adds the ones it opens."""
    members = batch_members(feedback)

    def read() -> dict[int, Case]:
        prefetch_related_objects(members, "case")
        return {row.pk: row.case for row in members if getattr(row, "case", None) is not None}

    return once_per_batch(f"followup.cases:{members[0].pk}", read)


def copy_labels(case: Case, feedback: Feedback) -> Case:
    """Copy what the queue filters and searches on from the feedback to its case."""
    contact = feedback.contact
    case.segment, case.kind, case.language = feedback.segment, feedback.kind, feedback.language
    case.churn_intent = feedback.churn_intent
    case.survey_id = feedback.survey_id
    words = [contact.name, contact.email] if contact else []
    case.search_text = " ".join([*words, feedback.comment]).lower()
    return case


def refresh_labels(*, feedback: Feedback) -> None:
    """After a re-classification or a changed answer, the case shows the new labels."""
    case = Case.objects.filter(feedback=feedback).first()
    if case is not None:
        copy_labels(case, feedback).save(
            update_fields=["segment", "kind", "language", "churn_intent", "survey", "search_text"]
        )


def _set_owner(case: Case, owner: User, *, actor: User | None, now: datetime | None = None) -> None:
    case.owner = owner
    case.save(update_fields=["owner"])
    _record_owner(case, owner, actor=actor, now=now)


def _record_owner(case: Case, owner: User, *, actor: User | None, now: datetime | None = None) -> None:
    """The timeline's and the activity log's "assigned to"."""
    event = CaseEvent(
        case=case,
        kind=EventKind.ASSIGNED,
        actor=actor,
        data={"owner": owner.pk},
        body=owner.get_username(),
        created_at=now or timezone.now(),
    )
    insert_at_batch_end([event])
    record_activity(actor=Actor.of(actor), action="followup.case.assigned", target=case, payload={"owner": owner.pk})


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


@transaction.atomic
def claim_case(*, case: Case, user: User) -> Case:
    """An agent takes a case. Two agents claiming at once: the row lock lets the first win."""
    case = _locked(case)
    if case.owner_id == user.pk:
        return case
    if case.owner_id is not None and not user.has_perm("followup.view_all_cases"):
        raise ValidationError({"owner": _("%(owner)s already owns this case.") % {"owner": case.owner}})
    if not assignment.may_own(user, case):
        raise PermissionDenied
    _set_owner(case, user, actor=user)
    return case


@transaction.atomic
def assign_case(*, case: Case, owner: User, actor: User | None) -> Case:
    case = _locked(case)
    if not assignment.may_own(owner, case):
        raise ValidationError({"owner": _("%(owner)s is not in this case's team.") % {"owner": owner}})
    if case.owner_id != owner.pk:
        _set_owner(case, owner, actor=actor)
    return case


def _first_response(case: Case, now: datetime) -> None:
    if case.first_responded_at is None:
        case.first_responded_at = now
        case.save(update_fields=["first_responded_at"])


@transaction.atomic
def add_note(*, case: Case, author: User, body: str) -> CaseEvent:
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write the note first.")})
    event = CaseEvent.objects.create(case=case, kind=EventKind.NOTE, actor=author, body=body)
    record_activity(actor=Actor.of(author), action="followup.case.noted", target=case, payload={"event": event.pk})
    return event


@transaction.atomic
def log_call(*, case: Case, agent: User, outcome: str, notes: str = "") -> CaseEvent:
    """A phone call counts as the first response (domain.md: phone is preferred for complaints)."""
    if not outcome.strip():
        raise ValidationError({"outcome": _("Say how the call went.")})
    case = _locked(case)
    now = timezone.now()
    _first_response(case, now)
    event = CaseEvent.objects.create(
        case=case, kind=EventKind.CALL, actor=agent, body=notes.strip(), data={"outcome": outcome.strip()}
    )
    record_activity(
        actor=Actor.of(agent), action="followup.case.called", target=case, payload={"outcome": outcome.strip()}
    )
    return event


@transaction.atomic
def record_compensation(
    *, case: Case, agent: User, kind: str, amount: Decimal | str, currency: str, note: str = ""
) -> Compensation:
    try:
        amount = Decimal(str(amount))
    except ArithmeticError:
        raise ValidationError({"amount": _("Enter an amount such as 10.00.")}) from None
    if amount < 0:
        raise ValidationError({"amount": _("The amount cannot be negative.")})
    currency = currency.strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationError({"currency": _("Use a three-letter currency code such as EUR.")})
    compensation = Compensation(case=case, kind=kind, amount=amount, currency=currency, note=note, given_by=agent)
    compensation.full_clean()
    compensation.save()
    CaseEvent.objects.create(
        case=case,
        kind=EventKind.COMPENSATION,
        actor=agent,
        body=note,
        data={"kind": kind, "amount": str(amount), "currency": currency},
    )
    record_activity(
        actor=Actor.of(agent),
        action="followup.case.compensated",
        target=case,
        payload={"compensation": compensation.pk, "kind": kind, "amount": str(amount), "currency": currency},
    )
    return compensation


@transaction.atomic
def change_status(*, case: Case, status: str, actor: User | None) -> Case:
    case = _locked(case)
    if status == case.status:
        return case
    if status not in TRANSITIONS.get(case.status, set()):
        raise ValidationError(
            {"status": _("A case cannot go from %(old)s to %(new)s.") % {"old": case.status, "new": status}}
        )
    old, case.status = case.status, status
    if status in OPEN_STATUSES:
        case.resolved_at = None
    case.save(update_fields=["status", "resolved_at"])
    CaseEvent.objects.create(case=case, kind=EventKind.STATUS, actor=actor, data={"from": old, "to": status})
    reopened = old not in OPEN_STATUSES and status in OPEN_STATUSES
    action = "followup.case.reopened" if reopened else "followup.case.status_changed"
    record_activity(actor=Actor.of(actor), action=action, target=case, payload={"from": old, "to": status})
    return case


@dataclass
class CaseEmail:
    """An email an agent writes on a case, exactly as it would leave: what the preview shows and the outbox
    sends. `problems` ({field: message}) say why it may not leave yet."""

    to: str
    from_email: str
    reply_to: str
    email: RenderedEmail
    language: str
    problems: dict[str, str]


def draft_case_email(*, case: Case, agent: User, subject: str, body: str) -> CaseEmail:
    """The agent's text, signed with their display name and signature in the customer's language, from the
    case's team, with the problems that keep it from leaving: a template's prompt left in the subject or the
    body, no display name, no address."""
    contact = case.contact
    language = contact.language if contact else "en"
    problems = unwritten_problems({"subject": subject, "body": body})
    sign_off = agent_sign_off(agent, language)
    if not sign_off:
        problems.setdefault("agent", missing_display_name())
    if contact is None or not contact.email:
        problems["body"] = _("This customer left no email address.")
    email = render_text_email(subject=subject, body=signed(body.strip(), sign_off), language=language)
    root = outbox.first_email_of(case)  # a later email continues the case's conversation, under its subject
    if root is not None:
        email = replace(email, subject=outbox.reply_subject(root.subject))
    return CaseEmail(
        to=contact.email if contact else "",
        from_email=from_address(case.team),
        reply_to=reply_address(case),
        email=email,
        language=language,
        problems=problems,
    )


def compose_case_email(*, case: Case, agent: User, subject: str, body: str) -> CaseEmail:
    """The email ready to queue; ValidationError naming the field while anything keeps it from leaving."""
    draft = draft_case_email(case=case, agent=agent, subject=subject, body=body)
    if draft.problems:
        raise ValidationError(draft.problems)
    return draft


def _queue_case_email(case: Case, draft: CaseEmail, *, key: str) -> OutboxEmail:
    return outbox.queue_email(
        key=key,
        to=draft.to,
        email=draft.email,
        language=draft.language,
        case=case,
        reply_to=draft.reply_to,
        from_email=draft.from_email,
    )


@transaction.atomic
def reply_to_customer(*, case: Case, agent: User, subject: str, body: str) -> OutboxEmail:
    """Send the customer an email the agent wrote (or filled from a template) through the outbox."""
    errors = {}
    if not subject.strip():
        errors["subject"] = _("Write a subject.")
    if not body.strip():
        errors["body"] = _("Write the message.")
    if errors:
        raise ValidationError(errors)
    draft = compose_case_email(case=case, agent=agent, subject=subject, body=body)
    case = _locked(case)
    event = CaseEvent.objects.create(case=case, kind=EventKind.EMAIL_SENT, actor=agent, body=body.strip())
    queued = _queue_case_email(case, draft, key=f"reply:{case.pk}:{event.pk}")
    event.data = {"outbox": queued.pk, "subject": queued.subject}
    CaseEvent.objects.filter(pk=event.pk).update(data=event.data)
    record_activity(actor=Actor.of(agent), action="followup.case.replied", target=case, payload={"outbox": queued.pk})
    _first_response(case, timezone.now())
    if case.status == CaseStatus.NEW:
        change_status(case=case, status=CaseStatus.IN_PROGRESS, actor=agent)
    return queued


@transaction.atomic
def resolve_case(*, case: Case, agent: User, root_cause: RootCause, summary: str, subject: str, body: str) -> Case:
    """Resolve with a root cause and summary, email the customer what was done, and schedule the re-survey."""
    errors = {}
    if root_cause is None or not root_cause.is_active:
        errors["root_cause"] = _("Choose a root cause.")
    if not summary.strip():
        errors["summary"] = _("Summarise what was done.")
    if errors:
        raise ValidationError(errors)
    emails_customer = bool(case.contact and case.contact.email)
    draft = compose_case_email(case=case, agent=agent, subject=subject, body=body) if emails_customer else None
    case = _locked(case)
    if case.status not in OPEN_STATUSES:
        raise ValidationError({"status": _("Only an open case can be resolved.")})
    now = timezone.now()
    if draft is not None:
        queued = _queue_case_email(case, draft, key=_resolution_key(case))
        CaseEvent.objects.create(
            case=case,
            kind=EventKind.EMAIL_SENT,
            actor=agent,
            body=body.strip(),
            data={"subject": queued.subject, "purpose": "resolution", "outbox": queued.pk},
        )
    old = case.status
    case.status, case.resolved_at = CaseStatus.RESOLVED, now
    case.root_cause, case.resolution_summary = root_cause, summary.strip()
    case.recovery_due_at = now + timedelta(days=settings.FOLLOWUP_RECOVERY_DAYS)
    _first_response(case, now)
    case.save(update_fields=["status", "resolved_at", "root_cause", "resolution_summary", "recovery_due_at"])
    CaseEvent.objects.create(
        case=case,
        kind=EventKind.STATUS,
        actor=agent,
        body=summary.strip(),
        data={"from": old, "to": CaseStatus.RESOLVED, "root_cause": root_cause.name},
    )
    record_activity(
        actor=Actor.of(agent),
        action="followup.case.resolved",
        target=case,
        payload={"from": old, "root_cause": root_cause.pk},
    )
    return case


def _resolution_key(case: Case) -> str:
    """One close-the-loop email per resolution: a case the customer's reply reopened is resolved again, and that
    resolution's email is a new one (the first keeps the plain key)."""
    earlier = case.emails.filter(idempotency_key__startswith="resolution:").count()
    return f"resolution:{case.pk}" if not earlier else f"resolution:{case.pk}:{earlier + 1}"


#: Closed states a customer's reply reopens; a won't-fix or spam case keeps its state (stay silent with trolls).
REOPENED_BY_REPLY = (CaseStatus.RESOLVED, CaseStatus.CLOSED)


@transaction.atomic
def add_customer_reply(
    *, case: Case, text: str, quoted: str, sender: str, subject: str, message_id: str
) -> tuple[CaseEvent, bool]:
    """Put a customer's emailed reply on the case once per Message-ID; returns (event, created).

    Only the new text is the event's body; the quoted thread is kept beside it (folded on the timeline).
    A reply reopens a resolved or closed case (`_reopen_for_reply`), and a waiting case is in progress again.
    """
    case = _locked(case)  # two deliveries of one reply (webhook and mailbox) take turns here
    earlier = message_id and case.events.filter(kind=EventKind.CUSTOMER_REPLY, data__message_id=message_id).first()
    if earlier:
        return earlier, False
    event = CaseEvent.objects.create(
        case=case,
        kind=EventKind.CUSTOMER_REPLY,
        body=text,
        data={"from": sender, "subject": subject, "message_id": message_id, "quoted": quoted},
    )
    record_activity(
        actor=Actor.customer(), action="followup.case.customer_replied", target=case, payload={"event": event.pk}
    )
    reopened = case.status in REOPENED_BY_REPLY
    if reopened:
        _reopen_for_reply(case)
    elif case.status == CaseStatus.WAITING:
        case.status = CaseStatus.IN_PROGRESS
        case.save(update_fields=["status"])
    if case.status != CaseStatus.SPAM:
        notifications.notify_customer_reply(case=case, event=event, reopened=reopened)
    return event, True


def _reopen_for_reply(case: Case) -> None:
    """Back in the queue as new work: in progress, its priority recomputed with the reopening counted, and the
    first-response clock started again with the case's own target; the re-survey waits for the next resolution."""
    now = timezone.now()
    old = case.status
    target = case.first_response_due - case.opened_at
    case.status, case.resolved_at, case.recovery_due_at = CaseStatus.IN_PROGRESS, None, None
    case.priority, case.priority_factors = compute_priority(case.feedback, reopened=True)
    case.first_responded_at, case.first_response_escalated_at = None, None
    case.first_response_due = now + max(target, timedelta(minutes=1))
    case.resolution_due, case.resolution_escalated_at = now + timedelta(hours=settings.FOLLOWUP_RESOLUTION_HOURS), None
    case.save()
    CaseEvent.objects.create(
        case=case, kind=EventKind.STATUS, data={"from": old, "to": case.status, "reopened_by": "customer_reply"}
    )
    record_activity(
        actor=Actor.customer(),
        action="followup.case.reopened",
        target=case,
        payload={"from": old, "to": case.status, "priority": case.priority, "by": "customer_reply"},
    )


@transaction.atomic
def mark_troll(*, case: Case, agent: User, reason: str) -> Case:
    """Stay silent with trolls (domain.md): no more automatic emails, the case leaves the queue."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why this is a troll or fraud.")})
    case = _locked(case)
    outbox.withhold_for_case(case, reason=f"marked troll: {reason.strip()}")
    old, case.status = case.status, CaseStatus.SPAM
    case.save(update_fields=["status"])
    CaseEvent.objects.create(
        case=case,
        kind=EventKind.STATUS,
        actor=agent,
        body=reason.strip(),
        data={"from": old, "to": "spam", "troll": True},
    )
    record_activity(actor=Actor.of(agent), action="followup.case.marked_troll", target=case, payload={"from": old})
    return case
