"""Metrics for BI tools: the same figures as the reports page, from the rollups."""

import django_filters
from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, parsers, permissions, serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback_platform.roles import VIEW_REPORTS
from feedback_platform.visibility import visible_to
from surveys.models import SurveyKind

from . import agreement, batch, reports, rollups
from .models import Feedback, Source


class CanViewReports(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm(VIEW_REPORTS)


class PointSerializer(serializers.Serializer):
    period = serializers.DateField()
    n = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True, help_text="NPS (−100..100) or the mean score")
    margin = serializers.FloatField(allow_null=True, help_text="half-width of the 95% interval")
    low_n = serializers.BooleanField(help_text="fewer answers than REPORT_MIN_N")
    promoters = serializers.IntegerField()
    passives = serializers.IntegerField()
    detractors = serializers.IntegerField()
    top2_box = serializers.FloatField(required=False, allow_null=True)


class MetricSerializer(serializers.Serializer):
    kind = serializers.CharField()
    interval = serializers.CharField()
    summary = serializers.DictField()
    change = serializers.DictField(allow_null=True)
    points = PointSerializer(many=True)


FILTERS = [
    OpenApiParameter("interval", OpenApiTypes.STR, enum=list(reports.INTERVALS)),
    OpenApiParameter("from", OpenApiTypes.DATE),
    OpenApiParameter("to", OpenApiTypes.DATE),
    OpenApiParameter("survey", OpenApiTypes.INT),
    *[OpenApiParameter(name, OpenApiTypes.STR) for name in reports.FILTER_DIMENSIONS],
]


class MetricApi(APIView):
    """A score over time: `GET /api/v1/metrics/<nps|csat|ces|star>/?interval=week&from=…&to=…`.

    A bad parameter is a 400 naming it (unknown interval, reversed dates, unknown survey).
    """

    permission_classes = [permissions.IsAuthenticated, CanViewReports]

    @extend_schema(parameters=FILTERS, responses=MetricSerializer)
    def get(self, request, kind):
        if kind not in SurveyKind.values:
            raise NotFound(f"unknown metric {kind}")
        try:
            report = reports.parse_filter(request.query_params, kind=kind)
        except ValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        rollups.refresh()
        points = reports.trend(report)
        change = reports.change(points)
        data = {
            "kind": kind,
            "interval": report.interval,
            "summary": _plain(reports.summary(report)),
            "change": {"difference": change["difference"], "significant": change["significant"]} if change else None,
            "points": points,
        }
        return Response(MetricSerializer(data).data)


def _plain(figures: dict) -> dict:
    return {key: value for key, value in figures.items() if key != "se"}


class FeedbackItemSerializer(serializers.Serializer):
    """One item of POST /api/v1/feedback/ (documentation; the service checks each item)."""

    external_id = serializers.CharField(help_text="your id: sending the same item twice creates nothing new")
    kind = serializers.ChoiceField(choices=SurveyKind.choices, default="star")
    score = serializers.IntegerField()
    scale_max = serializers.IntegerField(required=False)
    comment = serializers.CharField(required=False, allow_blank=True)
    received_at = serializers.DateTimeField(required=False)
    contact_email = serializers.EmailField(required=False)
    contact_external_id = serializers.CharField(required=False)
    platform = serializers.CharField(required=False)
    product_ref = serializers.CharField(required=False)
    author_name = serializers.CharField(required=False)
    review_url = serializers.URLField(required=False)


class FeedbackOutputSerializer(serializers.ModelSerializer):
    topics = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")

    class Meta:
        model = Feedback
        fields = [
            "id",
            "source",
            "external_id",
            "kind",
            "scale_max",
            "score",
            "segment",
            "comment",
            "language",
            "sentiment_score",
            "sentiment_label",
            "topics",
            "tone",
            "churn_intent",
            "is_suspicious",
            "suspicion_score",
            "lifecycle_stage",
            "platform",
            "product_ref",
            "received_at",
            "explanation",
        ]


class FeedbackFilter(django_filters.FilterSet):
    from_date = django_filters.DateFilter(field_name="received_at", lookup_expr="date__gte", label="from")
    to_date = django_filters.DateFilter(field_name="received_at", lookup_expr="date__lte", label="to")
    topic = django_filters.CharFilter(field_name="topics__slug")
    q = django_filters.CharFilter(field_name="comment", lookup_expr="icontains")

    class Meta:
        model = Feedback
        fields = [
            "segment",
            "kind",
            "survey",
            "source",
            "platform",
            "language",
            "sentiment_label",
            "churn_intent",
            "is_suspicious",
            "lifecycle_stage",
        ]


class CanViewFeedback(permissions.BasePermission):
    def has_permission(self, request, view):
        if request.method == "POST":
            return request.user.has_perm("reviews.add_feedback")
        return request.user.has_perm("reviews.view_feedback")


class FeedbackApi(generics.ListAPIView):
    """`GET` lists feedback with the explorer's filters, each with its labels and why.
    `POST` takes one item or a list of up to 1,000: field errors come back per item, valid items are stored."""

    permission_classes = [permissions.IsAuthenticated, CanViewFeedback]
    serializer_class = FeedbackOutputSerializer
    filterset_class = FeedbackFilter
    # DRF's own parser: each item is checked on its own (reviews.rows), so one item's NUL is that item's
    # error and the valid items are kept, as the batch promises.
    parser_classes = [parsers.JSONParser]

    def get_queryset(self):
        feedback = visible_to(self.request.user, Feedback.objects.all())  # an agent: their teams' customers
        return feedback.prefetch_related("topics").order_by("-received_at", "-pk")

    @extend_schema(
        request=FeedbackItemSerializer(many=True),
        responses={
            201: OpenApiResponse(OpenApiTypes.OBJECT, description="Every item stored (or already known)"),
            207: OpenApiResponse(OpenApiTypes.OBJECT, description="Some items stored, the others' errors by index"),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="No item stored: each one's errors by index"),
        },
    )
    def post(self, request):
        items = request.data if isinstance(request.data, list) else [request.data]
        if not items or len(items) > batch.MAX_BATCH or not all(isinstance(item, dict) for item in items):
            raise serializers.ValidationError({"items": [f"send one item or a list of 1 to {batch.MAX_BATCH} items"]})
        # Stored at once with their segments; the text is read in the background, like an import's.
        result = batch.ingest_batch(items, source=Source.API, classify_now=False)
        body = {
            "created": len(result.created),
            "already_known": result.existing,
            "errors": [{"index": index, "fields": fields} for index, fields in sorted(result.errors.items())],
        }
        return Response(body, status=207 if result.errors and result.created else 400 if result.errors else 201)


class AgreementCellSerializer(serializers.Serializer):
    agreed = serializers.IntegerField(help_text="labels a person confirmed unchanged")
    reviewed = serializers.IntegerField(help_text="labels a person confirmed or corrected")
    share = serializers.FloatField(allow_null=True, help_text="agreed / reviewed; null under minimum_n")


class AgreementRowSerializer(serializers.Serializer):
    language = serializers.CharField()
    kind = serializers.ChoiceField(choices=list(agreement.KINDS))
    total = AgreementCellSerializer()
    weekly = AgreementCellSerializer(many=True, help_text="one per entry of `weeks`")


class AgreementSerializer(serializers.Serializer):
    weeks = serializers.ListField(child=serializers.DateField(), help_text="the Mondays the weekly cells start")
    minimum_n = serializers.IntegerField()
    rows = AgreementRowSerializer(many=True)


class AgreementApi(APIView):
    """`GET /api/v1/agreement/`: how often people agree with the model's labels, per language and label kind,
    over the last 12 weeks and per week (the explorer's panel; reviews.agreement), for the feedback the caller
    sees."""

    permission_classes = [permissions.IsAuthenticated, CanViewFeedback]

    @extend_schema(responses=AgreementSerializer, operation_id="agreement_retrieve")
    def get(self, request):
        figures = agreement.agreement(agreement.seen_by(request.user))
        return Response(AgreementSerializer(figures.as_dict()).data)
