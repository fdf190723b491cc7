from django.contrib import admin

from .models import HelpdeskConnection, SlackChannel, SlackDelivery, TicketRequest, WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Read here; changed on the settings page, whose service checks the URL and records the change."""

    list_display = ["url", "status", "consecutive_failures", "created_at"]
    readonly_fields = ["url", "description", "events", "status", "paused_reason", "paused_at", "consecutive_failures"]
    exclude = ["secret"]

    def has_add_permission(self, request):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_type", "endpoint", "status", "attempts", "response_status", "created_at"]
    list_filter = ["status", "event_type"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(SlackChannel)
class SlackChannelAdmin(admin.ModelAdmin):
    """Read here; connected on the Slack settings page. The incoming-webhook URL is a credential: never shown."""

    list_display = ["team", "status", "consecutive_failures", "created_at"]
    readonly_fields = ["team", "notifications", "status", "paused_reason", "paused_at", "consecutive_failures"]
    exclude = ["webhook_url"]

    def has_add_permission(self, request):
        return False


@admin.register(SlackDelivery)
class SlackDeliveryAdmin(admin.ModelAdmin):
    list_display = ["kind", "channel", "case", "status", "attempts", "response_status", "created_at"]
    list_filter = ["status", "kind"]
    readonly_fields = [field.name for field in SlackDelivery._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(HelpdeskConnection)
class HelpdeskConnectionAdmin(admin.ModelAdmin):
    """Read here; changed on the settings page, whose service checks the address. The token and secret stay out."""

    list_display = ["system", "team", "base_url", "agent_email", "is_active"]
    readonly_fields = ["system", "team", "base_url", "agent_email", "is_active", "created_at"]
    exclude = ["api_token", "signing_secret"]

    def has_add_permission(self, request):
        return False


@admin.register(TicketRequest)
class TicketRequestAdmin(admin.ModelAdmin):
    list_display = ["case", "system", "status", "attempts", "response_status", "ticket_id", "created_at"]
    list_filter = ["status", "system"]
    exclude = ["body"]  # the customer's words, while the request is pending
    readonly_fields = [field.name for field in TicketRequest._meta.fields if field.name != "body"]

    def has_add_permission(self, request):
        return False
