from django.contrib import admin
from django.db import models

from feedback_platform.activity import Actor

from . import taxonomy
from .models import Feedback, Topic


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["pk", "source", "kind", "score", "segment", "language", "received_at"]
    list_filter = ["source", "kind", "segment", "language", "sentiment_label", "tone", "churn_intent", "topics"]
    search_fields = ["comment"]
    raw_id_fields = ["answer", "contact", "survey"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # Django 6's default, without its warning


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    """Admins edit the taxonomy: keywords per language as JSON, e.g. {"en": ["parcel"], "ja": ["配送"]}."""

    list_display = ["name", "slug", "is_active"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        taxonomy.save_topic(actor=Actor.from_request(request), topic=obj)

    def delete_model(self, request, obj):
        taxonomy.delete_topic(actor=Actor.from_request(request), topic=obj)

    def delete_queryset(self, request, queryset):
        for topic in queryset:
            taxonomy.delete_topic(actor=Actor.from_request(request), topic=topic)
