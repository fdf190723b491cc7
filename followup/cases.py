"""Cases: one per detractor, prioritised by severity, with an append-only timeline."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reviews.models import Feedback, Segment

from .models import Case, CaseEvent, EventKind, Team


def priority_factors(feedback: Feedback) -> list[dict]:
    """Why a case matters, as (factor, weight) pairs the case page shows.

    A score of 0-3 weighs more than a 6 (domain.md: prioritise by severity).
    """
    factors = []
    if feedback.segment == Segment.DETRACTOR:
        span = max(1, feedback.scale_max - feedback.scale_min)
        severity = 1 - (feedback.score - feedback.scale_min) / span  # 1.0 for the lowest score
        factors.append({"factor": f"score {feedback.score}/{feedback.scale_max}", "weight": round(60 * severity)})
    if feedback.comment:
        factors.append({"factor": "left a comment", "weight": 5})
    return factors


@transaction.atomic
def open_case(*, feedback: Feedback, now=None) -> tuple[Case, bool]:
    """Open the case of a feedback once; returns (case, created). `now` backdates demo history."""
    existing = Case.objects.filter(feedback=feedback).first()
    if existing:
        return existing, False
    factors = priority_factors(feedback)
    now = now or timezone.now()
    case = Case.objects.create(
        feedback=feedback,
        contact=feedback.contact,
        team=Team.objects.filter(is_default=True).first(),
        priority=min(100, sum(f["weight"] for f in factors)),
        priority_factors=factors,
        opened_at=now,
        first_response_due=now + timedelta(minutes=settings.FOLLOWUP_FIRST_RESPONSE_MINUTES),
    )
    CaseEvent.objects.create(case=case, kind=EventKind.CREATED, data={"feedback": feedback.pk}, created_at=now)
    return case, True
