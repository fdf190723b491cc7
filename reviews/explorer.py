"""The feedback behind a report point: a filtered, paginated list for agents and managers."""

from datetime import datetime, time, timedelta

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from . import reports
from .models import Feedback, Segment


def _filtered(report: reports.ReportFilter, params):
    zone = timezone.get_current_timezone()
    feedback = Feedback.objects.filter(
        kind=report.kind,
        received_at__gte=datetime.combine(report.start, time.min, tzinfo=zone),
        received_at__lt=datetime.combine(report.end + timedelta(days=1), time.min, tzinfo=zone),
    )
    if report.survey:
        feedback = feedback.filter(survey=report.survey)
    for name in ("source", "language"):
        if report.dimensions.get(name):
            feedback = feedback.filter(**{name: report.dimensions[name]})
    for name in ("plan", "region", "product"):
        if report.dimensions.get(name):
            feedback = feedback.filter(**{f"contact__attributes__{name}": report.dimensions[name]})
    if params.get("segment") in Segment.values:
        feedback = feedback.filter(segment=params["segment"])
    if params.get("q"):
        feedback = feedback.filter(comment__icontains=params["q"].strip())
    return feedback.select_related("contact", "survey").order_by("-received_at")


@login_required
@permission_required("reviews.view_feedback", raise_exception=True)
def explorer(request):
    try:
        report = reports.parse_filter(request.GET)
    except ValidationError as error:
        return render(request, "reviews/explorer.html", {"errors": error.message_dict}, status=400)
    page = Paginator(_filtered(report, request.GET), 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {"page": page, "report": report, "querystring": params.urlencode(), "segments": Segment.choices}
    return render(request, "reviews/explorer.html", context)
