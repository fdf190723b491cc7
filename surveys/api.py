"""Surveys, contacts and invitations for integrations (list, create, update, archive)."""

from dataclasses import asdict

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import decorators, permissions, serializers, status, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback_platform.activity import Actor
from feedback_platform.api_parsers import MultiPartParser
from feedback_platform.delivery import FailureReason
from feedback_platform.textfiles import CONTACT_FILES, UnreadableFile
from feedback_platform.visibility import visible_to

from . import editing, services
from .audience_api import ConditionsField
from .contact_rows import attribute_problems, check_contact_row, customer_since
from .contacts import tag_problem
from .models import Audience, Contact, Invitation, Send, Survey
from .sending import send_stats, survey_stats


class ModelPermissions(permissions.DjangoModelPermissions):
    """Reading needs the view permission too (DRF's default lets any user read)."""

    perms_map = {**permissions.DjangoModelPermissions.perms_map, "GET": ["%(app_label)s.view_%(model_name)s"]}


class SurveySerializer(serializers.ModelSerializer):
    class Meta:
        model = Survey
        fields = [
            "id",
            "name",
            "kind",
            "scale_min",
            "scale_max",
            "question",
            "comment_question",
            "detractor_question",
            "promoter_question",
            "thanks_detractor",
            "thanks_passive",
            "thanks_promoter",
            "review_url",
            "brand_color",
            "email_subject",
            "translations",
            "status",
            "default_language",
            "link_lifetime_days",
            "throttle_days",
            "reminder_after_days",
            "public_slug",
            "widget_origins",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def validate_public_slug(self, slug):
        return slug or None  # "" is no web link, as null is (the column is unique: two "" would collide)

    def validate(self, data):
        fields = ("kind", "scale_min", "scale_max", "translations")
        current = {name: getattr(self.instance, name) for name in fields} if self.instance else {}
        survey = Survey(
            pk=getattr(self.instance, "pk", None), **{**current, **{k: data[k] for k in fields if k in data}}
        )
        problems = editing.survey_problems(survey)  # on a change as on a creation
        if problems:
            raise serializers.ValidationError({field: [problem] for field, problem in problems.items()})
        return data


class FailureSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=FailureReason.choices)
    label = serializers.CharField(help_text="the reason in the reader's language")
    count = serializers.IntegerField()


class StatsRowSerializer(serializers.Serializer):
    send = serializers.IntegerField(required=False)
    invited = serializers.IntegerField()
    sent = serializers.IntegerField()
    skipped = serializers.IntegerField()
    failed = serializers.IntegerField(help_text="refused by the mail server for good; not counted as asked")
    failures = FailureSerializer(many=True, help_text="the failed ones by reason, most frequent first")
    delivered = serializers.IntegerField()
    delivered_reported = serializers.BooleanField(help_text="False: no provider reports, delivered = sent - bounced")
    bounced = serializers.IntegerField()
    reminded = serializers.IntegerField()
    answered = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True, help_text="answered / delivered, in %")


class SendingStatsSerializer(serializers.Serializer):
    survey = StatsRowSerializer()
    sends = StatsRowSerializer(many=True)


class SendInput(serializers.Serializer):
    audience = serializers.DictField(
        child=serializers.CharField(max_length=100),
        required=False,
        default=dict,
        help_text='Contact filters: language and attributes, e.g. {"language": "ja", "plan": "pro"}; empty: everyone',
    )
    conditions = ConditionsField(
        required=False,
        default=list,
        help_text='Conditions on contacts (see /api/v1/segments/), e.g. [{"field": "attributes.ltv", "op": "gt", '
        '"value": 100}, {"field": "answers", "op": "answered", "days": 90, "segment": "detractor"}]; all must hold',
    )
    segment = serializers.PrimaryKeyRelatedField(
        queryset=Audience.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="A saved segment: its conditions are copied into the send, with `audience` and `conditions`",
    )
    sample_percent = serializers.IntegerField(min_value=1, max_value=100, default=100)
    daily_cap = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class SendOutput(serializers.ModelSerializer):
    class Meta:
        model = Send
        fields = [
            "id",
            "survey",
            "audience",
            "conditions",
            "segment",
            "sample_percent",
            "daily_cap",
            "scheduled_at",
            "status",
            "created_at",
        ]


class SurveyViewSet(viewsets.ModelViewSet):
    """Surveys. `POST /api/v1/surveys/<id>/archive/` archives one (nothing is deleted)."""

    queryset = Survey.objects.all()
    serializer_class = SurveySerializer
    permission_classes = [permissions.IsAuthenticated, ModelPermissions]
    filterset_fields = ["kind", "status"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        survey = Survey(**serializer.validated_data)
        serializer.instance = editing.save_survey(actor=Actor.from_request(self.request), survey=survey)

    def perform_update(self, serializer):
        survey = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(survey, name, value)
        serializer.instance = editing.save_survey(actor=Actor.from_request(self.request), survey=survey)

    @extend_schema(request=None, responses=SurveySerializer)
    @decorators.action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        survey = editing.archive_survey(actor=Actor.from_request(request), survey=self.get_object())
        return Response(self.get_serializer(survey).data)

    @extend_schema(request=SendInput, responses={201: SendOutput})
    @decorators.action(detail=True, methods=["post"])
    def sends(self, request, pk=None):
        """Send the survey to a filtered group: now, or at `scheduled_at`; sampled and capped per day if asked.
        Throttled, suppressed and archived contacts get skipped invitations with the reason."""
        if not request.user.has_perm("surveys.add_invitation"):
            raise permissions.exceptions.PermissionDenied
        survey = self.get_object()
        if not survey.is_active:
            raise serializers.ValidationError({"survey": [f"the survey is {survey.status}, not active"]})
        data = SendInput(data=request.data)
        data.is_valid(raise_exception=True)
        send = editing.schedule_survey_send(actor=Actor.from_request(request), survey=survey, **data.validated_data)
        return Response(SendOutput(send).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=SendingStatsSerializer)
    @decorators.action(detail=True, methods=["get"])
    def stats(self, request, pk=None):
        """Sent, delivered, bounced, reminded, answered and the response rate (answered / delivered),
        for the survey and for each of its sends."""
        survey = self.get_object()
        (overall,) = survey_stats(Survey.objects.filter(pk=survey.pk))
        sends = send_stats(survey.sends.order_by("-created_at"))
        return Response(SendingStatsSerializer({"survey": overall, "sends": sends}).data)


@extend_schema_field({"type": "array", "items": {"type": "string", "maxLength": 50}})
class TagsField(serializers.JSONField):
    """Checked by `contacts.tag_problem`."""


class ContactSerializer(serializers.ModelSerializer):
    # Checked by the one contact-row rule (surveys.contact_rows), with the messages a file's rows get.
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    language = serializers.CharField(max_length=10, required=False, allow_blank=True)
    customer_since = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    tags = TagsField(
        required=False, help_text='e.g. ["vip", "beta"]: a POST adds them to the contact\'s, a PATCH replaces them'
    )

    class Meta:
        model = Contact
        fields = [
            "id",
            "email",
            "name",
            "external_id",
            "language",
            "customer_since",
            "attributes",
            "tags",
            "created_at",
            "archived_at",
        ]
        read_only_fields = ["created_at", "archived_at"]
        validators = []  # upsert: an existing email or external id updates that contact
        extra_kwargs = {"external_id": {"validators": []}, "email": {"validators": []}}

    def to_representation(self, contact):
        return {**super().to_representation(contact), "tags": sorted(tag.name for tag in contact.tags.all())}

    def validate_tags(self, names):
        problem = tag_problem(names)
        if problem:
            raise serializers.ValidationError(problem)
        return names

    def validate(self, data):
        row = {**data, "email": data.get("email", self.instance.email if self.instance else "")}
        problems = check_contact_row(row)
        if problems:
            raise serializers.ValidationError({field: [reason] for field, reason in problems.items()})
        if "customer_since" in data:
            data["customer_since"] = customer_since(data)
        if not data.get("language"):
            data.pop("language", None)  # empty: the contact keeps its language (a new one: the default)
        if self.instance is not None:  # an update must not take another contact's email or id
            others = Contact.objects.exclude(pk=self.instance.pk)
            if data.get("email") and others.filter(email__iexact=data["email"]).exists():
                raise serializers.ValidationError({"email": ["another contact has this email"]})
            if data.get("external_id") and others.filter(external_id=data["external_id"]).exists():
                raise serializers.ValidationError({"external_id": ["another contact has this external id"]})
        return data

    def create(self, validated):
        tags = validated.pop("tags", None)
        actor = Actor.from_request(self.context["request"])
        contact, _ = services.upsert_contact(actor=actor, **validated)
        if tags is not None:
            editing.tag_contact(actor=actor, contact=contact, names=tags, replace=False)
        return contact

    def update(self, contact, validated):
        tags = validated.pop("tags", None)
        actor = Actor.from_request(self.context["request"])
        contact = editing.update_contact(actor=actor, contact=contact, changes=validated)
        if tags is not None:
            editing.tag_contact(actor=actor, contact=contact, names=tags)
        return contact


class ContactViewSet(viewsets.ModelViewSet):
    """Contacts; `POST` upserts by external id, else by email. `POST /api/v1/contacts/<id>/archive/` archives one:
    kept with its history, never surveyed again. The list shows active contacts; `?archived=true` the others."""

    queryset = Contact.objects.all()
    serializer_class = ContactSerializer
    permission_classes = [permissions.IsAuthenticated, ModelPermissions]
    filterset_fields = ["language", "external_id", "email"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        contacts = visible_to(
            self.request.user, Contact.objects.prefetch_related("tags")
        )  # an agent: their teams' customers
        if self.action != "list":
            return contacts
        archived = self.request.query_params.get("archived", "").lower() in ("1", "true", "yes")
        return contacts.filter(archived_at__isnull=not archived)

    @extend_schema(request=None, responses=ContactSerializer)
    @decorators.action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        contact = editing.archive_contact(actor=Actor.from_request(request), contact=self.get_object())
        return Response(self.get_serializer(contact).data)


class InvitationInput(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    external_id = serializers.CharField(required=False, max_length=100)
    attributes = serializers.DictField(required=False)
    idempotency_key = serializers.CharField(required=False, max_length=200)
    exempt_reason = serializers.ChoiceField(choices=["", "transactional"], required=False, default="")

    def validate_attributes(self, attributes):
        problems = attribute_problems(attributes)  # the contact rows' rule: the attributes reach the contact
        if problems:
            raise serializers.ValidationError([f"{name}: {reason}" for name, reason in problems.items()])
        return attributes


class InvitationOutput(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "survey", "contact", "status", "skip_reason", "exempt_reason", "idempotency_key", "created_at"]


class InvitationApi(APIView):
    """`POST /api/v1/surveys/<id>/invitations/`: survey one customer now (e.g. when their ticket is closed).

    The same idempotency key returns the first invitation; a throttled or suppressed contact gets a
    `skipped` invitation with the reason, never a silent drop.
    """

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=InvitationInput, responses={201: InvitationOutput, 200: InvitationOutput})
    def post(self, request, pk):
        if not request.user.has_perm("surveys.add_invitation"):
            raise permissions.exceptions.PermissionDenied
        survey = get_object_or_404(Survey, pk=pk)
        if not survey.is_active:
            raise serializers.ValidationError({"survey": [f"the survey is {survey.status}, not active"]})
        data = InvitationInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        invitation, created = editing.invite_one(
            actor=Actor.from_request(request),
            survey=survey,
            email=fields["email"],
            name=fields.get("name", ""),
            language=fields.get("language"),
            external_id=fields.get("external_id"),
            attributes=fields.get("attributes"),
            idempotency_key=fields.get("idempotency_key"),
            exempt_reason=fields["exempt_reason"],
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(InvitationOutput(invitation).data, status=code)


class ContactImportApi(APIView):
    """`POST /api/v1/contacts/import/` with a CSV or XLSX `file`: the per-row report comes back."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={
            "multipart/form-data": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
        },
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The per-row report: rows, created, updated, errors"),
            413: OpenApiResponse(OpenApiTypes.OBJECT, description="The file is over the contact files' size limit"),
        },
    )
    def post(self, request):
        if not request.user.has_perm("surveys.add_contact"):
            raise permissions.exceptions.PermissionDenied
        too_large = Response({"file": [str(CONTACT_FILES.too_large)]}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        if int(request.META.get("CONTENT_LENGTH") or 0) > CONTACT_FILES.max_bytes + 64 * 1024:  # before reading it
            return too_large
        upload = request.FILES.get("file")
        if upload is None:
            raise serializers.ValidationError({"file": ["attach a CSV or XLSX file as `file`"]})
        if upload.size > CONTACT_FILES.max_bytes:
            return too_large
        try:
            report = editing.import_contact_file(
                actor=Actor.from_request(request), data=upload.read(), filename=upload.name
            )
        except UnreadableFile as error:
            raise serializers.ValidationError({"file": [str(error)]}) from None
        return Response(asdict(report), status=status.HTTP_200_OK)
