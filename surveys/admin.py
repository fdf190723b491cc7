from django.contrib import admin
from django.db import models

from feedback_platform.activity import Actor

from . import editing
from .models import Answer, Contact, Invitation, SegmentThreshold, Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "status", "default_language", "created_at"]
    list_filter = ["kind", "status"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # Django 6's default, without its warning

    def save_model(self, request, obj, form, change):
        editing.save_survey(actor=Actor.from_request(request), survey=obj)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "external_id", "language", "customer_since"]
    search_fields = ["email", "name", "external_id"]

    def save_model(self, request, obj, form, change):
        editing.save_contact(actor=Actor.from_request(request), contact=obj)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["survey", "contact", "status", "sent_at", "expires_at"]
    list_filter = ["status", "survey"]
    readonly_fields = ["token_hash"]
    raw_id_fields = ["contact"]  # an id box, not a <select> of every contact


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["survey", "contact", "score", "answered_at"]
    list_filter = ["survey"]
    raw_id_fields = ["invitation", "contact"]  # id boxes, not a <select> of every row


@admin.register(SegmentThreshold)
class SegmentThresholdAdmin(admin.ModelAdmin):
    """Saving or deleting a threshold re-classifies the stored feedback of that kind and scale in the background;
    the answer page uses the new thresholds within DISPLAY_THRESHOLDS_SECONDS (surveys.segments)."""

    list_display = ["kind", "scale_max", "detractor_max", "passive_max"]

    def save_model(self, request, obj, form, change):
        editing.save_threshold(actor=Actor.from_request(request), threshold=obj)

    def delete_model(self, request, obj):
        editing.delete_threshold(actor=Actor.from_request(request), threshold=obj)

    def delete_queryset(self, request, queryset):
        for threshold in queryset:
            editing.delete_threshold(actor=Actor.from_request(request), threshold=threshold)
