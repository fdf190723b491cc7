"""Sending a survey to a group from the web: who (filters on contact fields), how many (sample, daily cap), when."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from feedback_platform.activity import Actor

from .editing import schedule_survey_send
from .models import Send, Survey
from .sending import AUDIENCE_FIELDS, audience, send_stats


class SendForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        required=False,
        choices=[("", gettext_lazy("Any"))] + list(settings.LANGUAGES),
    )
    plan = forms.CharField(label=gettext_lazy("Plan"), required=False, max_length=100)
    region = forms.CharField(label=gettext_lazy("Region"), required=False, max_length=100)
    product = forms.CharField(label=gettext_lazy("Product"), required=False, max_length=100)
    sample_percent = forms.IntegerField(
        label=gettext_lazy("Sample (% of the group)"), min_value=1, max_value=100, initial=100
    )
    daily_cap = forms.IntegerField(label=gettext_lazy("At most per day"), min_value=1, required=False)
    scheduled_at = forms.DateTimeField(
        label=gettext_lazy("Start"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=gettext_lazy("Empty: now."),
    )

    def audience(self) -> dict:
        return {name: value for name in AUDIENCE_FIELDS if (value := self.cleaned_data[name])}


@login_required
@permission_required("surveys.add_invitation", raise_exception=True)
@require_http_methods(["GET", "HEAD", "POST"])
def survey_send(request, pk):
    """The form, how many contacts it reaches, and this survey's earlier sends with their figures."""
    survey = get_object_or_404(Survey, pk=pk)
    form = SendForm(request.POST or None)
    matching = audience(Send(audience=form.audience())).count() if form.is_bound and form.is_valid() else None
    if request.method == "POST" and form.is_valid() and request.POST.get("action") != "count":
        if not survey.is_active:
            form.add_error(None, _("Activate the survey before sending it."))
        else:
            data = form.cleaned_data
            schedule_survey_send(
                actor=Actor.from_request(request),
                survey=survey,
                audience=form.audience(),
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
        "stats": send_stats(survey.sends.order_by("-created_at")),
    }
    return render(request, "surveys/manage_send.html", context, status=400 if form.errors else 200)
