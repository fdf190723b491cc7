"""Feedback: one record for every survey answer, link, widget, API item or imported review."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.models import SurveyKind


class Segment(models.TextChoices):
    DETRACTOR = "detractor", _("Detractor")
    PASSIVE = "passive", _("Passive")
    PROMOTER = "promoter", _("Promoter")


class Source(models.TextChoices):
    SURVEY = "survey", _("Survey email")
    LINK = "link", _("Web link")
    WIDGET = "widget", _("In-app widget")
    API = "api", _("API")
    IMPORT = "import", _("Imported review")


class FeedbackQuerySet(models.QuerySet):
    def detractors(self):
        return self.filter(segment=Segment.DETRACTOR)

    def of_kind(self, kind):
        return self.filter(kind=kind)


class Feedback(models.Model):
    source = models.CharField(max_length=10, choices=Source.choices)
    external_id = models.CharField(max_length=200, null=True, blank=True)
    answer = models.OneToOneField(
        "surveys.Answer", on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback"
    )
    survey = models.ForeignKey("surveys.Survey", on_delete=models.SET_NULL, null=True, blank=True)
    contact = models.ForeignKey(
        "surveys.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback"
    )
    kind = models.CharField(max_length=8, choices=SurveyKind.choices)
    scale_min = models.PositiveSmallIntegerField()
    scale_max = models.PositiveSmallIntegerField()
    score = models.PositiveSmallIntegerField()
    segment = models.CharField(max_length=10, choices=Segment.choices)
    segment_reason = models.CharField(max_length=200, blank=True)
    comment = models.TextField(blank=True)
    language = models.CharField(max_length=10, blank=True)
    received_at = models.DateTimeField(default=timezone.now, help_text=_("When the customer answered."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        permissions = [("view_reports", "Can view manager reports")]
        indexes = [
            models.Index(fields=["kind", "received_at"]),
            models.Index(fields=["segment", "received_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="feedback_source_external_id_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=models.F("scale_min"), score__lte=models.F("scale_max")),
                name="feedback_score_in_scale",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.score} ({self.segment})"
