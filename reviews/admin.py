from django.contrib import admin

from .models import Feedback, SegmentThreshold, Topic


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["pk", "source", "kind", "score", "segment", "language", "received_at"]
    list_filter = ["source", "kind", "segment", "language", "sentiment_label", "tone", "churn_intent", "topics"]
    search_fields = ["comment"]
    raw_id_fields = ["answer", "contact", "survey"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    """Admins edit the taxonomy: keywords per language as JSON, e.g. {"en": ["parcel"], "ja": ["配送"]}."""

    list_display = ["name", "slug", "is_active"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(SegmentThreshold)
class SegmentThresholdAdmin(admin.ModelAdmin):
    """Saving a threshold re-classifies the stored feedback of that kind and scale in the background."""

    list_display = ["kind", "scale_max", "detractor_max", "passive_max"]
