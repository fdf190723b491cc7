from django.contrib import admin

from feedback_platform.activity import Actor

from . import configuration
from .models import (
    Case,
    CaseEvent,
    Compensation,
    EmailTemplate,
    InboundEmail,
    OutboxEmail,
    PriorityWeight,
    RetentionPolicy,
    RootCause,
    Rule,
    RuleFiring,
    Team,
    TeamMembership,
)


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 1
    fields = ["user", "is_available", "last_assigned_at"]
    readonly_fields = ["last_assigned_at"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "lead", "is_default"]
    inlines = [TeamMembershipInline]


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    readonly_fields = ["kind", "actor", "body", "data", "created_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["pk", "contact", "team", "owner", "status", "priority", "first_response_due"]
    list_filter = ["status", "team"]
    inlines = [CaseEventInline]
    raw_id_fields = ["feedback", "contact", "recovery_invitation", "recovery_feedback"]
    readonly_fields = ["ticket_system", "ticket_id", "ticket_url"]  # written by followup.tickets only


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ["idempotency_key", "to_email", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["idempotency_key", "to_email"]
    readonly_fields = ["provider_message_id", "last_error"]
    raw_id_fields = ["case", "feedback"]  # id boxes, not a <select> of every row


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    list_display = ["key", "language", "subject", "updated_at"]
    list_filter = ["key", "language"]

    def save_model(self, request, obj, form, change):
        configuration.save_email_template(actor=Actor.from_request(request), template=obj)


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ["position", "name", "is_active", "open_case", "email_template", "no_auto_reply"]
    list_display_links = ["name"]

    def save_model(self, request, obj, form, change):
        configuration.save_rule(actor=Actor.from_request(request), rule=obj)


@admin.register(PriorityWeight)
class PriorityWeightAdmin(admin.ModelAdmin):
    list_display = ["factor", "weight"]

    def save_model(self, request, obj, form, change):
        configuration.save_priority_weights(actor=Actor.from_request(request), weights=[obj])


@admin.register(RuleFiring)
class RuleFiringAdmin(admin.ModelAdmin):
    list_display = ["rule", "feedback", "fired_at"]
    raw_id_fields = ["feedback"]  # a <select> of every feedback took the page past 30 s at 1M rows


@admin.register(Compensation)
class CompensationAdmin(admin.ModelAdmin):
    raw_id_fields = ["case"]


admin.site.register(RootCause)


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    """The customer emails received: read-only, the ledger of what came in and where it went."""

    list_display = ["received_at", "sender", "subject", "outcome", "case"]
    list_filter = ["outcome"]
    search_fields = ["sender", "subject", "body", "message_id"]
    readonly_fields = [field.name for field in InboundEmail._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    """One row: the months after which the nightly sweep anonymises old feedback and closed cases."""

    fields = ["months"]

    def has_add_permission(self, request):
        return not RetentionPolicy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        from .retention import set_retention_months

        set_retention_months(actor=Actor.from_request(request), months=obj.months)
