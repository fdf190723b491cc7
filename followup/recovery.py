"""The recovery re-survey: N days after a case is resolved, ask again and record the outcome."""

from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from feedback_platform.activity import Actor, record_activity
from reviews.models import Feedback, Segment
from surveys import services as surveys

from . import outbox
from .models import Case, CaseEvent, CaseStatus, EventKind, RecoveryOutcome

OUTCOME_OF_SEGMENT: dict[str, str] = {
    Segment.PROMOTER: RecoveryOutcome.PROMOTER,
    Segment.PASSIVE: RecoveryOutcome.PASSIVE,
    Segment.DETRACTOR: RecoveryOutcome.DETRACTOR,
}


@transaction.atomic
def send_due_recovery_surveys(*, limit: int = 500) -> int:
    """Invite the customers of cases whose recovery date has come (exempt from the 30-day throttle)."""
    due = (
        Case.objects.select_for_update(skip_locked=True)
        .filter(
            status__in=[CaseStatus.RESOLVED, CaseStatus.CLOSED],
            recovery_due_at__lte=timezone.now(),
            recovery_invitation__isnull=True,
            contact__isnull=False,
            feedback__survey__isnull=False,
        )
        .select_related("feedback__survey", "contact")[:limit]
    )
    count = 0
    for case in due:
        survey, contact = case.feedback.survey, case.contact
        if survey is None or contact is None:  # filtered out above; says so to the type checker
            continue
        first_email = outbox.first_email_of(case)
        invitation = surveys.invite_contact(
            survey=survey,
            contact=contact,
            idempotency_key=f"recovery:{case.pk}",
            exempt_reason="recovery",
            thread_root=first_email.message_id if first_email else "",
        )
        case.recovery_invitation = invitation
        case.save(update_fields=["recovery_invitation"])
        CaseEvent.objects.create(case=case, kind=EventKind.RECOVERY, data={"invitation": invitation.pk})
        count += 1
    return count


def _scheduled(case: Case) -> tuple[Case, datetime]:
    """The case locked and the time of its re-survey still to send; else a ValidationError saying why not."""
    case = Case.objects.select_for_update().get(pk=case.pk)  # the beat's sweep may be sending it right now
    if case.recovery_invitation_id is not None:
        raise ValidationError({"recovery_due_at": _("The re-survey has already been sent.")})
    if case.recovery_due_at is None:
        raise ValidationError({"recovery_due_at": _("No re-survey is scheduled for this case.")})
    return case, case.recovery_due_at


@transaction.atomic
def cancel_recovery_survey(*, case: Case, agent: User) -> Case:
    """The agent decides not to ask this customer again (recorded on the timeline and in the activity log)."""
    case, was = _scheduled(case)
    case.recovery_due_at = None
    case.save(update_fields=["recovery_due_at"])
    CaseEvent.objects.create(
        case=case,
        kind=EventKind.RECOVERY,
        actor=agent,
        body=_("Re-survey cancelled."),
        data={"cancelled": was.isoformat()},
    )
    record_activity(
        actor=Actor.of(agent), action="followup.case.resurvey_cancelled", target=case, payload={"was": was.isoformat()}
    )
    return case


@transaction.atomic
def move_recovery_survey(*, case: Case, agent: User, due_at: datetime) -> Case:
    """Send the re-survey at another time (a later date after a slow fix, an earlier one for a quick check)."""
    if due_at <= timezone.now():
        raise ValidationError({"recovery_due_at": _("Choose a time in the future.")})
    case, was = _scheduled(case)
    case.recovery_due_at = due_at
    case.save(update_fields=["recovery_due_at"])
    when = formats.date_format(timezone.localtime(due_at), "DATETIME_FORMAT")
    CaseEvent.objects.create(
        case=case,
        kind=EventKind.RECOVERY,
        actor=agent,
        body=_("Re-survey moved to %(when)s.") % {"when": when},
        data={"moved_from": was.isoformat(), "moved_to": due_at.isoformat()},
    )
    record_activity(
        actor=Actor.of(agent),
        action="followup.case.resurvey_moved",
        target=case,
        payload={"was": was.isoformat(), "to": due_at.isoformat()},
    )
    return case


def recovery_case_of(feedback: Feedback) -> Case | None:
    answer = feedback.answer
    if answer is None or answer.invitation_id is None:
        return None
    return Case.objects.filter(recovery_invitation_id=answer.invitation_id).first()


@transaction.atomic
def record_recovery_outcome(*, case: Case, feedback: Feedback) -> Case:
    """Detractor → promoter, → passive, or still detractor: the answer to the re-survey decides."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    case.recovery_outcome = OUTCOME_OF_SEGMENT[feedback.segment]
    case.recovery_feedback = feedback
    case.save(update_fields=["recovery_outcome", "recovery_feedback"])
    CaseEvent.objects.create(
        case=case,
        kind=EventKind.RECOVERY,
        body=case.get_recovery_outcome_display(),
        data={"feedback": feedback.pk, "outcome": case.recovery_outcome},
    )
    return case


@transaction.atomic
def mark_unanswered_recoveries() -> int:
    """Re-survey links that expired unanswered count as 'no answer'."""
    return Case.objects.filter(
        recovery_outcome="",
        recovery_invitation__expires_at__lte=timezone.now(),
        recovery_invitation__answer__isnull=True,
    ).update(recovery_outcome=RecoveryOutcome.NO_ANSWER)
