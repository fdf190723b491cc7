"""Saved segments (who to send to, with a preview) and recurring sends, for integrations.

Both need the sending permission (`surveys.add_invitation`): who may send may say to whom.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import decorators, permissions, serializers, viewsets
from rest_framework.response import Response

from feedback_platform.activity import Actor

from . import audiences, recurring
from .models import Audience, Contact, RecurringSend

SEND_PERMISSION = "surveys.add_invitation"


class MaySend(permissions.BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.has_perm(SEND_PERMISSION))


CONDITIONS_HELP = (
    'A list of conditions, all of which must hold: {"field": "language" | "email" | "name" | "external_id" | '
    '"customer_since" | "created_at" | "attributes.<name>" | "tags", "op": …, "value": …} with op equals, '
    "not_equals, one_of (a list), contains; gt, gte, lt, lte (a number); before, after (a date), within_days, "
    'older_than_days (days); for tags has, has_any (a list), lacks. Past answers: {"field": "answers", "op": '
    '"answered" | "not_answered", "days": N, "survey": id, "segment": "detractor" | "passive" | "promoter", '
    '"score_min": n, "score_max": n}, each part optional. A wrong part is a 400 naming it, e.g. "conditions[1].op".'
)


@extend_schema_field(
    {
        "type": "array",
        "maxItems": audiences.MAX_CONDITIONS,
        "items": {
            "type": "object",
            "properties": {"field": {"type": "string"}, "op": {"type": "string"}},
            "required": ["field", "op"],
        },
    }
)
class ConditionsField(serializers.JSONField):
    """Any JSON in, checked by `audiences.condition_problems` (its errors name the condition and part)."""


@extend_schema_field({"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 0, "maximum": 6}})
class WeekdaysField(serializers.JSONField):
    """Checked by `recurring.schedule_problems`."""


class AudienceSerializer(serializers.ModelSerializer):
    conditions = ConditionsField(default=list, help_text=CONDITIONS_HELP)

    class Meta:
        model = Audience
        fields = ["id", "name", "conditions", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class PreviewInput(serializers.Serializer):
    conditions = ConditionsField(default=list, help_text=CONDITIONS_HELP)


class SampleContact(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "email", "name", "language", "attributes"]


class PreviewOutput(serializers.Serializer):
    count = serializers.IntegerField(help_text="contacts the conditions reach now (archived ones never)")
    sample = SampleContact(many=True, help_text="the first ten, in the order a send invites them")


def _preview_response(conditions) -> Response:
    problems = audiences.condition_problems(conditions)
    if problems:
        raise DjangoValidationError(problems)
    count, sample = audiences.preview(conditions)
    return Response(PreviewOutput({"count": count, "sample": sample}).data)


class AudienceViewSet(viewsets.ModelViewSet):
    """Saved segments: a name and conditions on contacts. `GET …/<id>/preview/` counts them and shows the first
    ten; `POST /api/v1/segments/preview/` does the same for conditions not saved."""

    queryset = Audience.objects.all()
    serializer_class = AudienceSerializer
    permission_classes = [permissions.IsAuthenticated, MaySend]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        audience = Audience(**serializer.validated_data)
        serializer.instance = audiences.save_audience(actor=Actor.from_request(self.request), audience=audience)

    def perform_update(self, serializer):
        audience = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(audience, name, value)
        serializer.instance = audiences.save_audience(actor=Actor.from_request(self.request), audience=audience)

    @extend_schema(request=None, responses=PreviewOutput, operation_id="segments_preview_saved")
    @decorators.action(detail=True, methods=["get"], url_path="preview")
    def preview_saved(self, request, pk=None):
        return _preview_response(self.get_object().conditions)

    @extend_schema(request=PreviewInput, responses=PreviewOutput, operation_id="segments_preview")
    @decorators.action(detail=False, methods=["post"])
    def preview(self, request):
        data = PreviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        return _preview_response(data.validated_data["conditions"])


class RecurringSendSerializer(serializers.ModelSerializer):
    weekdays = WeekdaysField(help_text="0 Monday … 6 Sunday, e.g. [1, 2, 3]")

    class Meta:
        model = RecurringSend
        fields = [
            "id",
            "survey",
            "segment",
            "every_days",
            "weekdays",
            "hour_from",
            "hour_to",
            "timezone",
            "active",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {
            "every_days": {"help_text": "each contact is asked once every this many days"},
            "hour_from": {"help_text": "the first hour of the window, 0–23, in `timezone`"},
            "hour_to": {"help_text": "the hour the window ends, 1–24 (exclusive)"},
        }


class RecurringSendViewSet(viewsets.ModelViewSet):
    """Recurring relationship surveys: each contact of a saved segment asked every N days, spread over the
    chosen weekdays and hours; throttled, suppressed and archived contacts get skipped invitations."""

    queryset = RecurringSend.objects.select_related("survey", "segment")
    serializer_class = RecurringSendSerializer
    permission_classes = [permissions.IsAuthenticated, MaySend]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _save(self, schedule: RecurringSend) -> RecurringSend:
        return recurring.save_recurring_send(actor=Actor.from_request(self.request), schedule=schedule)

    def perform_create(self, serializer):
        serializer.instance = self._save(RecurringSend(**serializer.validated_data))

    def perform_update(self, serializer):
        schedule = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(schedule, name, value)
        serializer.instance = self._save(schedule)
