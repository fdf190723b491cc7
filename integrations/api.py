"""`/api/v1/webhooks/`: admins' endpoints, validated as the settings form is (by `services.save_endpoint`)."""

from rest_framework import permissions, serializers, viewsets

from feedback_platform.activity import Actor

from . import services
from .events import EventType
from .models import WebhookEndpoint
from .views import MANAGE


class MayManageWebhooks(permissions.BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.has_perm(MANAGE))


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = serializers.MultipleChoiceField(choices=EventType.choices, allow_empty=False)
    secret = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="signs each delivery; empty: one is made"
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "secret", "events", "status", "paused_reason", "created_at"]
        read_only_fields = ["status", "paused_reason", "created_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["events"] = sorted(data["events"])
        return data


class WebhookEndpointViewSet(viewsets.ModelViewSet):
    """Webhook endpoints: the URL, its secret and the events it receives (see the integration guide for
    the payload and how to check its signature)."""

    queryset = WebhookEndpoint.objects.all()
    serializer_class = WebhookEndpointSerializer
    permission_classes = [permissions.IsAuthenticated, MayManageWebhooks]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        self._save(WebhookEndpoint(), serializer)

    def perform_update(self, serializer):
        self._save(serializer.instance, serializer)

    def _save(self, endpoint: WebhookEndpoint, serializer) -> None:
        for name, value in serializer.validated_data.items():
            setattr(endpoint, name, sorted(value) if name == "events" else value)
        serializer.instance = services.save_endpoint(actor=Actor.from_request(self.request), endpoint=endpoint)
