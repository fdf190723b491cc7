from django.contrib import admin

from .models import Case, CaseEvent, OutboxEmail, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default"]
    filter_horizontal = ["members"]


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    readonly_fields = ["kind", "actor", "body", "data", "created_at"]
    can_delete = False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["pk", "contact", "team", "owner", "status", "priority", "first_response_due"]
    list_filter = ["status", "team"]
    inlines = [CaseEventInline]
    raw_id_fields = ["feedback", "contact"]


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ["idempotency_key", "to_email", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["idempotency_key", "to_email"]
    readonly_fields = ["provider_message_id", "last_error"]
