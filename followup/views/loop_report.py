from datetime import date, timedelta

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from reviews.exports import export

from ..kpis import GROUPINGS, loop_report

COLUMNS = [
    "label",
    "cases",
    "overdue",
    "median_first_response_minutes",
    "p90_first_response_minutes",
    "within_sla",
    "loops_closed",
    "median_resolution_hours",
    "recovery_answers",
]


def parse_period(params) -> tuple[date, date, dict]:
    """The report period from ?from=&to= (default: the last 90 days), with errors that name the field."""
    errors = {}
    end, start = timezone.localdate(), timezone.localdate() - timedelta(days=90)
    values = {}
    for name, default in (("from", start), ("to", end)):
        try:
            values[name] = date.fromisoformat(params[name]) if params.get(name) else default
        except ValueError:
            errors[name] = _("%(name)s must be a date such as 2026-01-31.") % {"name": name}
            values[name] = default
    if not errors and values["from"] > values["to"]:
        errors["to"] = _("The end date %(end)s is before the start date %(start)s.") % {
            "end": values["to"],
            "start": values["from"],
        }
    return values["from"], values["to"], errors


@login_required
@permission_required("followup.view_all_cases", raise_exception=True)
def loop(request):
    start, end, errors = parse_period(request.GET)
    by = request.GET.get("by", "team")
    if by not in GROUPINGS:
        by = "team"
    if errors:
        return render(request, "followup/loop_report.html", {"errors": errors}, status=400)
    report = loop_report(start=start, end=end, by=by)
    if request.GET.get("export"):
        file_format = request.GET.get("format", "csv")
        if file_format not in ("csv", "xlsx"):
            raise Http404("unknown format")
        rows = [{"label": _("All cases"), **report["overall"]}, *report["groups"]]
        return export(rows, COLUMNS, name=f"loop-{by}-{start}-{end}", file_format=file_format)
    context = {"report": report, "start": start, "end": end, "by": by, "groupings": list(GROUPINGS)}
    return render(request, "followup/loop_report.html", context)
