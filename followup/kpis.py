"""How well the loop closes: response times, SLA, closed loops and recovery, by any grouping."""

import math
from statistics import median
from typing import Any

from reviews.metrics import Z_95

from .models import Case, CaseQuerySet, CaseStatus, RecoveryOutcome

CLOSED = [CaseStatus.RESOLVED, CaseStatus.CLOSED]
GROUPINGS = {
    "team": "team__name",
    "agent": "owner__username",
    "topic": "feedback__topics__name",
    "root_cause": "root_cause__name",
    "compensation": "compensations__kind",
}


def wilson(hits: int, n: int) -> tuple[float, float] | None:
    """95% Wilson interval of a proportion, in percent: honest at small n."""
    if not n:
        return None
    p = hits / n
    centre = (p + Z_95**2 / (2 * n)) / (1 + Z_95**2 / n)
    half = Z_95 * math.sqrt(p * (1 - p) / n + Z_95**2 / (4 * n * n)) / (1 + Z_95**2 / n)
    return 100 * (centre - half), 100 * (centre + half)


def _percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


def loop_figures(cases: CaseQuerySet) -> dict:
    """The loop KPIs of a set of cases (detractor cases opened in the period); `overdue`: how many of them
    wait past their first-response deadline now (Case.objects.overdue())."""
    rows = list(
        cases.values(
            "opened_at", "first_responded_at", "first_response_due", "resolved_at", "status", "recovery_outcome"
        )
    )
    n = len(rows)
    responses = [
        (r["first_responded_at"] - r["opened_at"]).total_seconds() / 60 for r in rows if r["first_responded_at"]
    ]
    within = sum(1 for r in rows if r["first_responded_at"] and r["first_responded_at"] <= r["first_response_due"])
    closed = sum(1 for r in rows if r["status"] in CLOSED)
    resolutions = [(r["resolved_at"] - r["opened_at"]).total_seconds() / 3600 for r in rows if r["resolved_at"]]
    outcomes = [r["recovery_outcome"] for r in rows if r["recovery_outcome"]]
    answered = [o for o in outcomes if o != RecoveryOutcome.NO_ANSWER]
    recovery = {}
    for outcome in (RecoveryOutcome.PROMOTER, RecoveryOutcome.PASSIVE, RecoveryOutcome.DETRACTOR):
        hits = sum(1 for o in answered if o == outcome)
        recovery[outcome.value] = {
            "n": hits,
            "share": 100 * hits / len(answered) if answered else None,
            "interval": wilson(hits, len(answered)),
        }
    return {
        "cases": n,
        "overdue": cases.overdue().count(),
        "median_first_response_minutes": median(responses) if responses else None,
        "p90_first_response_minutes": _percentile(responses, 90),
        "within_sla": 100 * within / n if n else None,
        "within_sla_interval": wilson(within, n),
        "loops_closed": 100 * closed / n if n else None,
        "median_resolution_hours": median(resolutions) if resolutions else None,
        "resurveyed": len(outcomes),
        "recovery_answers": len(answered),
        "recovery": recovery,
    }


def loop_report(*, start, end, by: str | None = None) -> dict:
    cases = Case.objects.filter(opened_at__date__gte=start, opened_at__date__lte=end)
    report: dict[str, Any] = {"overall": loop_figures(cases), "groups": []}
    if by in GROUPINGS:
        field = GROUPINGS[by]
        for value in cases.order_by().values_list(field, flat=True).distinct():
            members = cases.filter(**{field: value} if value is not None else {f"{field}__isnull": True}).distinct()
            report["groups"].append({"label": value or "—", **loop_figures(members)})
        report["groups"].sort(key=lambda g: -g["cases"])
    return report
