"""Sends: a survey sent to a group of contacts, in batches."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .surveys import Survey


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
