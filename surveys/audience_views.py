"""Managers' pages for saved segments (with their count and sample) and recurring sends.

Both need the sending permission: who may send may say to whom (surveys.audience_api.SEND_PERMISSION)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from feedback_platform.activity import Actor

from . import audiences, recurring
from .audience_api import SEND_PERMISSION
from .audience_forms import ConditionsForm, RecurringSendForm, SegmentForm
from .models import Audience, RecurringSend

may_send = permission_required(SEND_PERMISSION, raise_exception=True)


def add_service_errors(form, error: ValidationError) -> None:
    """A service's field-named errors on the form: on the field, on the condition's row, or at the top."""
    for key, reasons in error.message_dict.items():
        place = key if key in form.fields else form.field_of(key) if isinstance(form, ConditionsForm) else None
        for reason in reasons:
            form.add_error(place, reason)


@login_required
@may_send
@require_GET
def segment_list(request):
    segments = Audience.objects.annotate(schedules=Count("recurring_sends", distinct=True))
    rows = [
        {"segment": segment, "count": audiences.matching_contacts(segment.conditions).count()} for segment in segments
    ]
    return render(request, "surveys/segments.html", {"rows": rows})


@login_required
@may_send
@require_http_methods(["GET", "HEAD", "POST"])
def segment_edit(request, pk=None):
    """A saved segment: name and conditions; "Preview" counts and shows the first ten, "Save" saves."""
    segment = get_object_or_404(Audience, pk=pk) if pk else Audience()
    form = SegmentForm(request.POST or None, conditions=segment.conditions, initial={"name": segment.name})
    shown = None
    if request.method == "POST" and form.is_valid():
        conditions = form.conditions()
        if request.POST.get("action") == "save":
            segment.name, segment.conditions = form.cleaned_data["name"], conditions
            try:
                audiences.save_audience(actor=Actor.from_request(request), audience=segment)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Segment saved."))
                return redirect("surveys:segment_edit", pk=segment.pk)
        if not form.errors:
            shown = audiences.preview(conditions)
    elif request.method != "POST" and segment.pk:
        shown = audiences.preview(segment.conditions)
    context = {"segment": segment, "form": form, "preview": shown}
    return render(request, "surveys/segment_form.html", context, status=400 if form.errors else 200)


@login_required
@may_send
@require_GET
def schedule_list(request):
    schedules = RecurringSend.objects.select_related("survey", "segment")
    return render(request, "surveys/schedules.html", {"schedules": schedules})


@login_required
@may_send
@require_http_methods(["GET", "HEAD", "POST"])
def schedule_edit(request, pk=None):
    schedule = get_object_or_404(RecurringSend, pk=pk) if pk else RecurringSend()
    form = RecurringSendForm(request.POST or None, instance=schedule)
    if request.method == "POST" and form.is_valid():
        try:
            recurring.save_recurring_send(actor=Actor.from_request(request), schedule=form.instance)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Recurring send saved."))
            return redirect("surveys:schedules")
    share = None
    if schedule.pk:
        population = audiences.matching_contacts(schedule.segment.conditions).count()
        share = {"population": population, "hourly": recurring.hourly_share(schedule, population)}
    context = {"schedule": schedule, "form": form, "share": share}
    return render(request, "surveys/schedule_form.html", context, status=400 if form.errors else 200)
