"""The manager's reports page: scores over time, by segment, with their uncertainty."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from feedback_platform.roles import reports_required
from surveys.models import Survey, SurveyKind

from . import reports, rollups
from .exports import export

BREAKDOWN_LABELS = {
    "survey_id": _("Survey"),
    "source": _("Channel"),
    "language": _("Language"),
    "plan": _("Plan"),
    "region": _("Region"),
    "product": _("Product"),
    "platform": _("Platform"),
    "lifecycle_stage": _("Lifecycle stage"),
    "topic": _("Topic"),
}
INTERVAL_LABELS = {"day": _("By day"), "week": _("By week"), "month": _("By month")}
RANGES = {"nps": (-100, 100), "csat": (1, 5), "ces": (1, 7), "star": (1, 5)}


@login_required
@reports_required
def overview(request):
    """NPS (or another kind) over time with n and 95% intervals, shares, distribution and breakdowns."""
    rollups.refresh()  # cheap when nothing changed: one indexed MAX(updated_at)
    choices = {
        "kinds": SurveyKind.choices,
        "intervals": {value: INTERVAL_LABELS[value] for value in reports.INTERVALS},
        "surveys": Survey.objects.order_by("name"),
        "dimension_names": {name: BREAKDOWN_LABELS[name] for name in reports.FILTER_DIMENSIONS},
    }
    try:
        report = reports.parse_filter(request.GET)
    except ValidationError as error:
        return render(request, "reviews/overview.html", {"errors": error.message_dict, **choices}, status=400)
    by = request.GET.get("by", "survey_id")
    if by not in BREAKDOWN_LABELS:
        by = "survey_id"
    points = reports.trend(report)
    table = request.GET.get("export")
    if table:
        return _export(report, table, points, by, request.GET.get("format", "csv"))
    low, high = RANGES[report.kind]
    if report.survey and report.kind != "nps":
        low, high = report.survey.scale_min, report.survey.scale_max
    context = {
        **choices,
        "report": report,
        "summary": reports.summary(report),
        "points": points,
        "change": reports.change(points),
        "distribution": reports.distribution(report),
        "breakdown": reports.breakdown(report, by),
        "minefields": reports.top_topics(report, "detractor"),
        "wow_moments": reports.top_topics(report, "promoter"),
        "churned": reports.churned_last_comments(report),
        "response_rates": reports.response_rates(report),
        "by": by,
        "breakdowns": BREAKDOWN_LABELS,
        "low": low,
        "high": high,
        "drill_links": [_drill_link(report, point) for point in points],
    }
    return render(request, "reviews/overview.html", context)


def _drill_link(report, point) -> str:
    """The feedback behind one chart point: the explorer with the same filters and that period."""
    start = point["period"]
    end = start + timedelta(days={"day": 0, "week": 6, "month": 30}[report.interval])
    return reverse("reviews:explorer") + "?" + report.querystring(**{"from": start.isoformat(), "to": end.isoformat()})


def _export(report, table, points, by, file_format):
    if file_format not in ("csv", "xlsx"):
        raise Http404("unknown format")
    if table == "trend":
        rows = [{**p, "period": p["period"].isoformat()} for p in points]
        columns = ["period", "n", "score", "margin", "promoters", "passives", "detractors", "low_n"]
    elif table == "breakdown":
        rows = reports.breakdown(report, by)
        columns = ["label", "n", "score", "margin", "promoters", "passives", "detractors", "low_n"]
    elif table == "distribution":
        rows = [{"score": score, "count": count} for score, count in reports.distribution(report)]
        columns = ["score", "count"]
    else:
        raise Http404("unknown table")
    return export(rows, columns, name=f"{report.kind}-{table}-{report.start}-{report.end}", file_format=file_format)
