from datetime import date, timedelta

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reviews.exports import export

from ..kpis import GROUPINGS, loop_report

# what each grouping is called on the page (the codes stay in the URL)
GROUPING_LABELS = {
    "team": gettext_lazy("Team"),
    "agent": gettext_lazy("Agent"),
    "topic": gettext_lazy("Topic"),
    "root_cause": gettext_lazy("Root cause"),
    "compensation": gettext_lazy("Compensation"),
}

COLUMNS = [
    "label",
    "cases",
    "overdue",
    "first_response_median_minutes",
    "first_response_p90_minutes",
    "first_response_answered",
    "first_response_waiting",
    "first_response_oldest_waiting_minutes",
    "within_sla",
    "loops_closed",
    "resolution_median_minutes",
    "resolution_resolved",
    "resolution_open",
    "resolution_oldest_open_minutes",
    "recovery_answers",
]


def _export_row(label: str, figures: dict) -> dict:
    """One flat row of the export; an empty median or p90 means not reached yet (too many still waiting)."""
    response, resolution = figures["first_response"], figures["resolution"]
    return {
        **figures,
        "label": label,
        "first_response_median_minutes": response["median_minutes"],
        "first_response_p90_minutes": response["p90_minutes"],
        "first_response_answered": response["done"],
        "first_response_waiting": response["waiting"],
        "first_response_oldest_waiting_minutes": response["oldest_waiting_minutes"],
        "resolution_median_minutes": resolution["median_minutes"],
        "resolution_resolved": resolution["done"],
        "resolution_open": resolution["waiting"],
        "resolution_oldest_open_minutes": resolution["oldest_waiting_minutes"],
    }


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
        rows = [_export_row(_("All cases"), report["overall"])]
        rows += [_export_row(group["label"], group) for group in report["groups"]]
        return export(rows, COLUMNS, name=f"loop-{by}-{start}-{end}", file_format=file_format)
    context = {
        "report": report,
        "start": start,
        "end": end,
        "by": by,
        "by_label": GROUPING_LABELS.get(by, by),
        "groupings": {key: GROUPING_LABELS[key] for key in GROUPINGS},
    }
    return render(request, "followup/loop_report.html", context)
