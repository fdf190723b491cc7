from django.contrib import admin

from .models import Feedback


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["pk", "source", "kind", "score", "segment", "language", "received_at"]
    list_filter = ["source", "kind", "segment", "language"]
    search_fields = ["comment"]
    raw_id_fields = ["answer", "contact", "survey"]
