from django.contrib import admin

from .models import ActivityEntry, Profile
from .profile_views import ProfileForm


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


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    """An admin sets a staff user's display name and signatures with the form the user's own page uses."""

    form = ProfileForm
    list_display = ["user", "display_name", "language"]
    search_fields = ["user__username", "display_name"]

    def get_fields(self, request, obj=None):
        return ["user", *self.form(instance=obj or Profile()).fields]

    def get_readonly_fields(self, request, obj=None):
        return ["user"] if obj else []

    def save_model(self, request, obj, form, change):
        form.save_through_service(user=obj.user, actor=request.user)
