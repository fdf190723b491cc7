"""Sends: a survey sent to a group of contacts, in batches; saved audiences (segments) and recurring sends."""

import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .surveys import Survey


class Audience(models.Model):
    """A saved segment: a name and conditions on contacts (surveys.audiences checks and applies them)."""

    name = models.CharField(max_length=100, unique=True)
    conditions = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class SendStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")


class Send(models.Model):
    """A survey sent to a group of contacts: all of them, or those matching `audience`, maybe sampled."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="sends")
    audience = models.JSONField(
        default=dict, blank=True, help_text=_('Contact filters, e.g. {"language": "ja", "plan": "pro"}')
    )
    # Conditions (surveys.audiences), beside `audience`'s plain equalities; a saved segment's are copied here when
    # the send is made, so what the preview counted is what the send reaches even if the segment changes later.
    conditions = models.JSONField(default=list, blank=True)
    segment = models.ForeignKey(Audience, on_delete=models.SET_NULL, null=True, blank=True, related_name="sends")
    sample_percent = models.PositiveSmallIntegerField(
        default=100, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    daily_cap = models.PositiveIntegerField(null=True, blank=True, help_text=_("At most this many invitations a day."))
    scheduled_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=SendStatus.choices, default=SendStatus.SCHEDULED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-scheduled_at"]

    def __str__(self):
        return f"{self.survey} → {self.audience or 'everyone'} ({self.status})"


def validate_timezone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Unknown time zone %(name)s, e.g. Asia/Tokyo") % {"name": name}) from None


class RecurringSend(models.Model):
    """A relationship survey: each contact of a saved segment asked every `every_days` days, the day's share
    spread evenly over the chosen weekdays and hours (surveys.recurring)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="recurring_sends")
    segment = models.ForeignKey(Audience, on_delete=models.PROTECT, related_name="recurring_sends")
    every_days = models.PositiveIntegerField(default=90, validators=[MinValueValidator(1), MaxValueValidator(3660)])
    weekdays = models.JSONField(default=list, help_text=_("0 Monday … 6 Sunday"))
    hour_from = models.PositiveSmallIntegerField(default=9, validators=[MaxValueValidator(23)])
    hour_to = models.PositiveSmallIntegerField(default=17, validators=[MinValueValidator(1), MaxValueValidator(24)])
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    active = models.BooleanField(default=True)
    # The last hour (since the epoch, UTC) a run invited for: a second run in the same hour does nothing.
    last_slot = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["survey__name", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(hour_from__lt=models.F("hour_to")), name="recurring_hours_order"),
            models.CheckConstraint(condition=models.Q(every_days__gte=1), name="recurring_every_day_or_more"),
        ]

    def __str__(self):
        return f"{self.survey} → {self.segment} / {self.every_days}"
