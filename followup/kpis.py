"""How well the loop closes: response times, SLA, closed loops and recovery, by any grouping."""

import math
from typing import Any

from django.utils import timezone

from reviews.metrics import Z_95
from reviews.models import Topic

from .models import Case, CaseQuerySet, CaseStatus, RecoveryOutcome

CLOSED = [CaseStatus.RESOLVED, CaseStatus.CLOSED]
GROUPINGS = {
    "team": "team__name",
    "agent": "owner__username",
    "topic": "feedback__topics__slug",
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


def kaplan_meier_quantile(observations: list[tuple[float, bool]], q: float) -> float | None:
    """The time by which a share `q` of the cases had their event, counting cases still waiting as censored.

    `observations` are (minutes, happened): a case still waiting is (minutes waited so far, False). This is the
    Kaplan–Meier estimate (the survival curve drops only at events, each by the share of cases still at risk);
    None when the curve never falls that far: too many cases are still waiting to know the figure.
    """
    at_risk, survival = len(observations), 1.0
    times = sorted({minutes for minutes, _ in observations})
    for moment in times:
        events = sum(1 for minutes, happened in observations if minutes == moment and happened)
        if events:
            survival *= 1 - events / at_risk
            if survival <= 1 - q + 1e-9:
                return moment
        at_risk -= sum(1 for minutes, _ in observations if minutes == moment)
    return None


def time_to_event(observations: list[tuple[float, bool]], waiting: list[float]) -> dict:
    """Median and p90 (Kaplan–Meier) in minutes, with what they rest on: how many cases got there, how many
    are still waiting and the oldest wait, so no headline hides the cases nobody has answered yet."""
    return {
        "median_minutes": kaplan_meier_quantile(observations, 0.5),
        "p90_minutes": kaplan_meier_quantile(observations, 0.9),
        "done": sum(1 for _, happened in observations if happened),
        "waiting": len(waiting),
        "oldest_waiting_minutes": max(waiting, default=None),
        "longest_minutes": max((minutes for minutes, _ in observations), default=None),
    }


def _minutes(later, earlier) -> float:
    return (later - earlier).total_seconds() / 60


def _first_response(rows: list[dict], now) -> dict:
    observations, waiting = [], []
    for r in rows:
        if r["first_responded_at"]:
            observations.append((_minutes(r["first_responded_at"], r["opened_at"]), True))
        elif r["resolved_at"] or r["status"] in CLOSED:  # closed unanswered: it left the queue, censored there
            observations.append((_minutes(r["resolved_at"] or now, r["opened_at"]), False))
        else:
            observations.append((_minutes(now, r["opened_at"]), False))
            waiting.append(observations[-1][0])
    return time_to_event(observations, waiting)


def _resolution(rows: list[dict], now) -> dict:
    observations = [
        (_minutes(r["resolved_at"], r["opened_at"]), True)
        if r["resolved_at"]
        else (_minutes(now, r["opened_at"]), False)
        for r in rows
    ]
    return time_to_event(observations, [minutes for minutes, happened in observations if not happened])


def loop_figures(cases: CaseQuerySet) -> dict:
    """The loop KPIs of a set of cases (detractor cases opened in the period), the one definition the page, the
    digest and /api/v1/metrics/loop/ show; `overdue`: how many wait past their first-response deadline now
    (Case.objects.overdue()); `first_response` and `resolution`: time_to_event() figures."""
    rows = list(
        cases.values(
            "opened_at", "first_responded_at", "first_response_due", "resolved_at", "status", "recovery_outcome"
        )
    )
    n, now = len(rows), timezone.now()
    within = sum(1 for r in rows if r["first_responded_at"] and r["first_responded_at"] <= r["first_response_due"])
    closed = sum(1 for r in rows if r["status"] in CLOSED)
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
    # recovered: the re-surveyed detractors who now answer as a passive or a promoter (domain.md's last priority)
    won_back = sum(1 for o in answered if o in (RecoveryOutcome.PROMOTER, RecoveryOutcome.PASSIVE))
    return {
        "cases": n,
        "overdue": cases.overdue().count(),
        "first_response": _first_response(rows, now),
        "within_sla": 100 * within / n if n else None,
        "within_sla_interval": wilson(within, n),
        "loops_closed": 100 * closed / n if n else None,
        "resolution": _resolution(rows, now),
        "resurveyed": len(outcomes),
        "recovery_answers": len(answered),
        "recovery": recovery,
        "recovered": {
            "n": won_back,
            "share": 100 * won_back / len(answered) if answered else None,
            "interval": wilson(won_back, len(answered)),
        },
    }


def loop_report(*, start, end, by: str | None = None) -> dict:
    cases = Case.objects.filter(opened_at__date__gte=start, opened_at__date__lte=end)
    report: dict[str, Any] = {"overall": loop_figures(cases), "groups": []}
    if by in GROUPINGS:
        field = GROUPINGS[by]
        labels = dict(Topic.objects.choices()) if by == "topic" else {}  # a topic by its slug, named for the reader
        for value in cases.order_by().values_list(field, flat=True).distinct():
            members = cases.filter(**{field: value} if value is not None else {f"{field}__isnull": True}).distinct()
            report["groups"].append({"label": labels.get(value, value) or "—", **loop_figures(members)})
        report["groups"].sort(key=lambda g: -g["cases"])
    return report
