"""Sending a survey to a group from the web: who (a saved segment, quick filters, conditions), how many (sample,
daily cap), when; "Count the contacts" shows how many and the first ten before anything is sent."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from feedback_platform.activity import Actor

from .audience_forms import ConditionsForm
from .audiences import legacy_conditions, preview
from .editing import schedule_survey_send
from .models import Audience, Survey
from .sending import AUDIENCE_FIELDS, send_stats


class SendForm(ConditionsForm):
    segment = forms.ModelChoiceField(
        label=gettext_lazy("Saved segment"),
        queryset=Audience.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("(none: the filters below)"),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        required=False,
        choices=[("", gettext_lazy("Any"))] + list(settings.LANGUAGES),
    )
    plan = forms.CharField(label=gettext_lazy("Plan"), required=False, max_length=100)
    region = forms.CharField(label=gettext_lazy("Region"), required=False, max_length=100)
    product = forms.CharField(label=gettext_lazy("Product"), required=False, max_length=100)
    sample_percent = forms.IntegerField(
        label=gettext_lazy("Sample (percent of the group)"), min_value=1, max_value=100, initial=100
    )
    daily_cap = forms.IntegerField(label=gettext_lazy("At most per day"), min_value=1, required=False)
    scheduled_at = forms.DateTimeField(
        label=gettext_lazy("Start"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=gettext_lazy("Empty: now."),
    )

    field_order = ["segment", "language", "plan", "region", "product"]

    def audience(self) -> dict:
        return {name: value for name in AUDIENCE_FIELDS if (value := self.cleaned_data[name])}

    def all_conditions(self) -> list[dict]:
        """What the send will reach, as `schedule_send` stores it: the segment's, the quick filters, the rows."""
        segment = self.cleaned_data.get("segment")
        return (segment.conditions if segment else []) + legacy_conditions(self.audience()) + self.conditions()


@login_required
@permission_required("surveys.add_invitation", raise_exception=True)
@require_http_methods(["GET", "HEAD", "POST"])
def survey_send(request, pk):
    """The form, how many contacts it reaches, and this survey's earlier sends with their figures."""
    survey = get_object_or_404(Survey, pk=pk)
    form = SendForm(request.POST or None)
    valid = form.is_bound and form.is_valid()
    matching, sample = preview(form.all_conditions()) if valid else (None, [])
    if request.method == "POST" and valid and request.POST.get("action") == "send":
        if not survey.is_active:
            form.add_error(None, _("Activate the survey before sending it."))
        else:
            data = form.cleaned_data
            schedule_survey_send(
                actor=Actor.from_request(request),
                survey=survey,
                audience=form.audience(),
                conditions=form.conditions(),
                segment=data["segment"],
                sample_percent=data["sample_percent"],
                daily_cap=data["daily_cap"],
                scheduled_at=data["scheduled_at"],
            )
            messages.success(request, _("Send scheduled for %(count)s matching contacts.") % {"count": matching})
            return redirect("surveys:manage_send", pk=survey.pk)
    context = {
        "survey": survey,
        "form": form,
        "matching": matching,
        "sample": sample,
        "stats": send_stats(survey.sends.order_by("-created_at")),
    }
    return render(request, "surveys/manage_send.html", context, status=400 if form.errors else 200)
