"""Manager reports, computed from the rollups (never from raw feedback).

Every figure carries its n; NPS carries its 95% interval; a period-over-period
change is marked significant only when it is outside the noise of both periods.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from surveys.models import Survey, SurveyKind

from .metrics import Z_95, NpsSummary
from .models import Feedback, FeedbackRollup, Topic, TopicRollup
from .rollups import SCORE_COLUMNS

INTERVALS = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
FILTER_DIMENSIONS = ["source", "language", "plan", "region", "product", "platform", "lifecycle_stage"]
BREAKDOWNS = ["survey_id", "source", "language", "plan", "region", "product", "platform", "lifecycle_stage", "topic"]
SUMS = ["n", "detractors", "passives", "promoters", "score_sum", *SCORE_COLUMNS]


@dataclass
class ReportFilter:
    kind: str = SurveyKind.NPS
    start: date = field(default_factory=lambda: timezone.localdate() - timedelta(days=182))
    end: date = field(default_factory=timezone.localdate)
    interval: str = "week"
    survey: Survey | None = None
    dimensions: dict = field(default_factory=dict)

    def get_kind_label(self) -> str:
        return SurveyKind(self.kind).label

    def querystring(self, **overrides) -> str:
        from urllib.parse import urlencode

        params = {
            "kind": self.kind,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "interval": self.interval,
        }
        if self.survey:
            params["survey"] = self.survey.pk
        params.update(self.dimensions)
        params.update(overrides)
        return urlencode(params)


def parse_filter(params, *, kind: str | None = None) -> ReportFilter:
    """Read report parameters; ValidationError names every bad one (unknown interval, reversed dates…)."""
    errors, result = {}, ReportFilter()
    result.kind = kind or params.get("kind") or SurveyKind.NPS
    if result.kind not in SurveyKind.values:
        errors["kind"] = _("Unknown kind %(kind)s; use nps, csat, ces or star.") % {"kind": result.kind}
    interval = params.get("interval") or "week"
    if interval not in INTERVALS:
        errors["interval"] = _("Unknown interval %(interval)s; use day, week or month.") % {"interval": interval}
    result.interval = interval
    for name, attr in (("from", "start"), ("to", "end")):
        if params.get(name):
            try:
                setattr(result, attr, date.fromisoformat(params[name]))
            except ValueError:
                errors[name] = _("%(name)s must be a date such as 2026-01-31.") % {"name": name}
    if "from" not in errors and "to" not in errors and result.start > result.end:
        errors["to"] = _("The end date %(end)s is before the start date %(start)s.") % {
            "end": result.end,
            "start": result.start,
        }
    if params.get("survey"):
        survey = Survey.objects.filter(pk=params["survey"]).first() if str(params["survey"]).isdigit() else None
        if survey is None:
            errors["survey"] = _("There is no survey %(survey)s.") % {"survey": params["survey"]}
        result.survey = survey
    result.dimensions = {name: params[name] for name in FILTER_DIMENSIONS if params.get(name)}
    if errors:
        raise ValidationError(errors)
    return result


# How each report filter reads on a raw Feedback row (the rollups carry the same names as columns).
FEEDBACK_LOOKUPS = {
    "source": "source",
    "language": "language",
    "plan": "plan",  # the group when they answered (Feedback.plan), as the rollups count it
    "region": "region",
    "product": "product",
    "platform": "platform",
    "lifecycle_stage": "lifecycle_stage",
}
# Invitations know their contact, not the channel, platform or lifecycle stage of an answer not yet given.
INVITATION_LOOKUPS = {
    "language": "contact__language",
    "plan": "contact__attributes__plan",
    "region": "contact__attributes__region",
    "product": "contact__attributes__product",
}


def selected_feedback(report: ReportFilter):
    """The feedback this report's filters select: kind, local days, survey and every dimension.

    Every section reading raw rows starts here; the rollups are cut by the same filters in `_in_report`,
    and tests/reviews/test_report_filters.py checks the two agree section by section.
    """
    zone = timezone.get_current_timezone()
    feedback = Feedback.objects.filter(
        kind=report.kind,
        received_at__gte=datetime.combine(report.start, time.min, tzinfo=zone),
        received_at__lt=datetime.combine(report.end + timedelta(days=1), time.min, tzinfo=zone),
    )
    if report.survey:
        feedback = feedback.filter(survey=report.survey)
    return feedback.filter(**{FEEDBACK_LOOKUPS[name]: value for name, value in report.dimensions.items()})


def _in_report(rows, report: ReportFilter):
    """Rows of a rollup (FeedbackRollup or TopicRollup: both have the RollupKey columns) this report selects."""
    rows = rows.filter(kind=report.kind, day__gte=report.start, day__lte=report.end)
    if report.survey:
        rows = rows.filter(survey_id=report.survey.pk)
    return rows.filter(**report.dimensions)


def _rollups(report: ReportFilter):
    return _in_report(FeedbackRollup.objects.all(), report)


def _sums(rows) -> dict:
    return {name: value or 0 for name, value in rows.aggregate(**{name: Sum(name) for name in SUMS}).items()}


def _scale_max(report: ReportFilter) -> int:
    if report.survey:
        return report.survey.scale_max
    return {"nps": 10, "csat": 5, "ces": 7, "star": 5}[report.kind]


def figures(kind: str, totals: dict, scale_max: int) -> dict:
    """The headline figures of a kind from summed counts (domain.md's arithmetic)."""
    n = totals["n"]
    result = {"n": n, "low_n": n < settings.REPORT_MIN_N}
    if kind == SurveyKind.NPS:
        summary = NpsSummary(
            promoters=totals["promoters"], passives=totals["passives"], detractors=totals["detractors"]
        )
        result.update(score=summary.score, margin=summary.margin)
        result["se"] = summary.margin / Z_95 if summary.margin is not None else None
    else:
        top2 = sum(totals[f"s{score}"] for score in (scale_max - 1, scale_max))
        mean = totals["score_sum"] / n if n else None
        result.update(
            score=mean,
            mean=mean,
            top2_box=100 * top2 / n if n else None,
            satisfied=100 * totals["promoters"] / n if n else None,
            margin=_proportion_margin(top2, n),
            se=_mean_se(totals, mean),
        )
    result.update({key: totals[key] for key in ("promoters", "passives", "detractors")})
    return result


def _proportion_margin(hits: int, n: int) -> float | None:
    if not n:
        return None
    p = hits / n
    return 100 * Z_95 * math.sqrt(p * (1 - p) / n)


def trend(report: ReportFilter) -> list[dict]:
    """One point per period: its figures, its segment shares, and whether its n is under the minimum."""
    rows = (
        _rollups(report)
        .annotate(period=INTERVALS[report.interval]("day"))
        .values("period")
        .annotate(**{name: Sum(name) for name in SUMS})
        .order_by("period")
    )
    scale_max = _scale_max(report)
    points = []
    for row in rows:
        point = figures(report.kind, row, scale_max)
        point["period"] = row["period"]
        n = row["n"] or 1
        point["shares"] = {key: 100 * row[key] / n for key in ("detractors", "passives", "promoters")}
        points.append(point)
    return points


def change(points: list[dict]) -> dict | None:
    """The last period against the one before: the difference and whether it is outside the noise."""
    if len(points) < 2:
        return None
    last, previous = points[-1], points[-2]
    if last["score"] is None or previous["score"] is None or last["se"] is None or previous["se"] is None:
        return None
    difference = last["score"] - previous["score"]
    # The standard error of a difference of two independent estimates adds in quadrature.
    se = math.hypot(last["se"], previous["se"])
    return {
        "difference": difference,
        "significant": se > 0 and abs(difference) > Z_95 * se,
        "last": last,
        "previous": previous,
    }


def _mean_se(totals: dict, mean: float | None) -> float | None:
    """Standard error of a mean score, from the per-score counts (they give the variance exactly)."""
    n = totals["n"]
    if not n or n < 2 or mean is None:
        return None
    squares = sum(totals[f"s{score}"] * score * score for score in range(11))
    variance = max(0.0, (squares - n * mean * mean) / (n - 1))
    return math.sqrt(variance / n)


def summary(report: ReportFilter) -> dict:
    totals = _sums(_rollups(report))
    return figures(report.kind, totals, _scale_max(report))


def kinds_in_use(report: ReportFilter) -> list[str]:
    """The survey kinds that have answers in the report's period, in the kinds' own order (NPS first)."""
    rows = FeedbackRollup.objects.filter(day__gte=report.start, day__lte=report.end)
    found = set(rows.order_by().values_list("kind", flat=True).distinct())
    return [kind for kind in SurveyKind.values if kind in found]


def distribution(report: ReportFilter) -> list[tuple[int, int]]:
    totals = _sums(_rollups(report))
    low = 0 if report.kind == SurveyKind.NPS else 1
    return [(score, totals[f"s{score}"]) for score in range(low, _scale_max(report) + 1)]


def breakdown(report: ReportFilter, dimension: str) -> list[dict]:
    """Figures per value of one dimension, largest n first."""
    if dimension not in BREAKDOWNS:
        raise ValidationError({"by": _("Unknown breakdown %(by)s.") % {"by": dimension}})
    if dimension == "topic":
        return _topic_breakdown(report)
    rows = _rollups(report).values(dimension).annotate(**{name: Sum(name) for name in SUMS}).order_by("-n")
    names = dict(Survey.objects.values_list("pk", "name")) if dimension == "survey_id" else {}
    scale_max = _scale_max(report)
    result = []
    for row in rows:
        item = figures(report.kind, row, scale_max)
        value = row[dimension]
        item["value"] = value
        item["label"] = names.get(value, value) if dimension == "survey_id" else (value or "—")
        result.append(item)
    return result


def _label(topic: Topic) -> str:
    return topic.label


_lazy_label = lazy(_label, str)


def top_topics(report: ReportFilter, segment: str, *, limit: int = 5) -> list[dict]:
    """The topics most mentioned in one segment ("minefields" for detractors, "wow moments" for
    promoters), with their count per period and a few comments in the customers' own words."""
    rows = _in_report(TopicRollup.objects.all(), report).filter(segment=segment)
    totals = list(rows.values("topic_id", "topic__slug").annotate(n=Sum("n")).order_by("-n")[:limit])
    topics = Topic.objects.in_bulk([topic["topic_id"] for topic in totals])
    for topic in totals:
        # lazy: read in the language the page or email is rendered in (one digest is rendered for many readers)
        topic["name"] = _lazy_label(topics[topic["topic_id"]])
        by_period = (
            rows.filter(topic_id=topic["topic_id"])
            .annotate(period=INTERVALS[report.interval]("day"))
            .values("period")
            .annotate(n=Sum("n"))
            .order_by("period")
        )
        topic["trend"] = [row["n"] for row in by_period]
        topic["examples"] = list(
            selected_feedback(report)
            .filter(segment=segment, topics=topic["topic_id"])
            .exclude(comment="")
            .order_by("-received_at")
            .values("comment", "language", "score")[:3]
        )
    return totals


def churned_last_comments(report: ReportFilter, *, limit: int = 10) -> list[dict]:
    """What churned customers said last in the report's selection, one comment each: the minefields to avoid."""
    seen, result = set(), []
    rows = selected_feedback(report).filter(lifecycle_stage="churned").exclude(comment="")
    for row in rows.order_by("-received_at", "-pk").values("contact_id", "comment", "language", "score", "received_at")[
        :500
    ]:
        if row["contact_id"] not in seen:
            seen.add(row["contact_id"])
            result.append(row)
    return result[:limit]


def response_rates(report: ReportFilter) -> list[dict] | None:
    """Per survey of the report's kind: invitations sent in the period, and how many were answered.

    Filters an invitation carries (survey, the contact's language and attributes, the email channel) cut it;
    None when a filter is on something only an answer has (platform, lifecycle stage): no honest rate exists.
    """
    from surveys.models import Invitation

    if any(name not in INVITATION_LOOKUPS and name != "source" for name in report.dimensions):
        return None
    if report.dimensions.get("source", "survey") != "survey":
        return []  # invitations are answered through the survey email channel only
    rows = Invitation.objects.filter(
        status="sent",
        survey__kind=report.kind,
        sent_at__date__gte=report.start,
        sent_at__date__lte=report.end,
        **{INVITATION_LOOKUPS[name]: value for name, value in report.dimensions.items() if name != "source"},
    )
    if report.survey:
        rows = rows.filter(survey=report.survey)
    rows = (
        rows.values("survey__name")
        .annotate(sent=Count("pk"), answered=Count("pk", filter=Q(answer__isnull=False)))
        .order_by("-sent", "survey__name")
    )
    return [{**row, "rate": 100 * row["answered"] / row["sent"] if row["sent"] else None} for row in rows]


def _topic_breakdown(report: ReportFilter) -> list[dict]:
    """NPS (or segment shares) per topic, from the topic rollups."""
    rows = _in_report(TopicRollup.objects.all(), report)
    counts: dict[str, dict] = {}
    names = {t.slug: t.label for t in Topic.objects.all()}
    for row in rows.values("topic__slug", "segment").annotate(n=Sum("n")):
        totals = counts.setdefault(row["topic__slug"], {"promoters": 0, "passives": 0, "detractors": 0})
        totals[f"{row['segment']}s"] = row["n"]
    result = []
    for slug, totals in counts.items():
        summary = NpsSummary(**totals)
        result.append(
            {
                "label": names.get(slug, slug),
                "value": slug,
                "n": summary.n,
                "score": summary.score,
                "margin": summary.margin,
                "low_n": summary.n < settings.REPORT_MIN_N,
                **totals,
            }
        )
    return sorted(result, key=lambda row: -row["n"])
