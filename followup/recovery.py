"""The recovery re-survey: N days after a case is resolved, ask again and record the outcome."""

from django.db import transaction
from django.utils import timezone

from reviews.models import Feedback, Segment
from surveys import services as surveys

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
        invitation = surveys.invite_contact(
            survey=survey,
            contact=contact,
            idempotency_key=f"recovery:{case.pk}",
            exempt_reason="recovery",
        )
        case.recovery_invitation = invitation
        case.save(update_fields=["recovery_invitation"])
        CaseEvent.objects.create(case=case, kind=EventKind.RECOVERY, data={"invitation": invitation.pk})
        count += 1
    return count


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
