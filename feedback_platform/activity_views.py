"""The activity page for admins: who did what to which object, filtered in the URL, and its CSV export."""

import json
from datetime import datetime, time, timedelta
from typing import cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from .exports import streamed_csv
from .models import ActivityEntry, ActivityQuerySet, ActorKind
from .roles import activity_required

PAGE_SIZE = 50
TARGET_APPS = ["surveys", "reviews", "followup", "feedback_platform", "auth", "authtoken"]


def _target_choices() -> list[tuple[str, str]]:
    types = ContentType.objects.filter(app_label__in=TARGET_APPS).order_by("app_label", "model")
    return [("", str(_("Any")))] + [(f"{ct.app_label}.{ct.model}", f"{ct.app_label} · {ct.name}") for ct in types]


class ActivityFilterForm(forms.Form):
    actor = forms.CharField(
        label=_("Who"), required=False, max_length=150, widget=forms.TextInput(attrs={"placeholder": _("A username.")})
    )
    actor_kind = forms.ChoiceField(label=_("Acting as"), required=False)
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("or its start: surveys, followup.case…")}),
    )
    target_type = forms.ChoiceField(label=_("Object type"), required=False)
    target_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["actor_kind"]).choices = [("", _("Anyone"))] + list(ActorKind.choices)
        cast(forms.ChoiceField, self.fields["target_type"]).choices = _target_choices()

    def clean(self):
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filtered_activity(data: dict) -> ActivityQuerySet:
    """The entries matching the page's filters (cleaned form data), newest first; ranges stay index-friendly."""
    entries = ActivityEntry.objects.select_related("actor_user", "target_type")
    if data.get("actor"):
        entries = entries.filter(actor_user__username__iexact=data["actor"].strip())
    if data.get("actor_kind"):
        entries = entries.filter(actor_kind=data["actor_kind"])
    if data.get("action"):
        entries = entries.action_prefix(data["action"])
    if data.get("target_type"):
        app_label, model = data["target_type"].split(".", 1)
        entries = entries.filter(target_type__app_label=app_label, target_type__model=model)
    if data.get("target_id"):
        entries = entries.filter(target_id=data["target_id"].strip())
    if data.get("date_from"):
        entries = entries.filter(created_at__gte=_day_start(data["date_from"]))
    if data.get("date_to"):
        entries = entries.filter(created_at__lt=_day_start(data["date_to"] + timedelta(days=1)))
    return entries.order_by("-created_at", "-pk")


def _filters(request) -> tuple[ActivityFilterForm, ActivityQuerySet]:
    form = ActivityFilterForm(request.GET)
    entries = filtered_activity(form.cleaned_data) if form.is_valid() else ActivityEntry.objects.none()
    return form, entries


@login_required
@activity_required
@require_safe
def activity(request):
    form, entries = _filters(request)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "querystring": query.urlencode()}
    return render(request, "feedback_platform/activity.html", context, status=200 if form.is_valid() else 400)


CSV_COLUMNS = ["time", "actor_kind", "actor", "action", "object_type", "object_id", "object", "payload", "redacted"]


@login_required
@activity_required
@require_safe
def activity_csv(request):
    """The filtered entries as CSV, streamed; every cell is made safe against formula injection."""
    form, entries = _filters(request)

    def rows():
        for entry in entries.iterator(chunk_size=2000):
            target_type = f"{entry.target_type.app_label}.{entry.target_type.model}" if entry.target_type else ""
            yield [
                entry.created_at.isoformat(),
                entry.actor_kind,
                entry.actor_label,
                entry.action,
                target_type,
                entry.target_id,
                entry.target_label,
                json.dumps(entry.payload, ensure_ascii=False, cls=DjangoJSONEncoder),
                entry.redacted_at.isoformat() if entry.redacted_at else "",
            ]

    return streamed_csv(CSV_COLUMNS, rows(), name=f"activity-{timezone.localdate():%Y-%m-%d}")
