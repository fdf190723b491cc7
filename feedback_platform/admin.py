from django.contrib import admin

from .models import ActivityEntry


@admin.register(ActivityEntry)
class ActivityEntryAdmin(admin.ModelAdmin):
    """Read-only: the activity log is written by services and never changed here."""

    list_display = ["created_at", "actor_kind", "actor_label", "action", "target_type", "target_id", "target_label"]
    list_filter = ["actor_kind", "target_type"]
    search_fields = ["action", "actor_label", "target_label"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
