"""Cases for agents' other tools: the same scope as the dashboard."""

import django_filters
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from .kpis import GROUPINGS, loop_report
from .models import Case, CaseEvent
from .models.cases import overdue_condition
from .views.loop_report import parse_period


class CaseEventSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField(allow_null=True)  # None: the system (a rule, a sweep)

    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "actor", "body", "data", "created_at"]


class CaseSerializer(serializers.ModelSerializer):
    contact = serializers.SerializerMethodField()
    owner = serializers.StringRelatedField(allow_null=True)
    team = serializers.StringRelatedField(allow_null=True)
    score = serializers.IntegerField(source="feedback.score")
    segment = serializers.CharField(source="feedback.segment")
    kind = serializers.CharField(source="feedback.kind")
    comment = serializers.CharField(source="feedback.comment")
    root_cause = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "status",
            "priority",
            "priority_factors",
            "contact",
            "owner",
            "team",
            "score",
            "segment",
            "kind",
            "comment",
            "opened_at",
            "first_response_due",
            "first_responded_at",
            "resolution_due",
            "resolved_at",
            "root_cause",
            "resolution_summary",
            "recovery_outcome",
        ]

    def get_contact(self, case) -> dict | None:
        if case.contact is None:
            return None
        return {"id": case.contact_id, "name": case.contact.name, "email": case.contact.email}


class CaseDetailSerializer(CaseSerializer):
    timeline = CaseEventSerializer(source="events", many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "timeline"]


class CaseFilter(django_filters.FilterSet):
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = Case
        fields = ["status", "team", "owner"]

    def filter_overdue(self, queryset, name, value):
        overdue = overdue_condition(timezone.now())  # Case.objects.overdue()
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class WorksCases(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("followup.view_case")


class CaseViewSet(viewsets.ReadOnlyModelViewSet):
    """Cases in the caller's scope: agents see their teams' cases, managers every case."""

    permission_classes = [permissions.IsAuthenticated, WorksCases]
    filterset_class = CaseFilter

    def get_queryset(self):
        cases = Case.objects.visible_to(self.request.user).select_related(
            "contact", "owner", "team", "feedback", "root_cause"
        )
        if self.action == "retrieve":
            cases = cases.prefetch_related("events__actor")
        return cases.in_queue_order()

    def get_serializer_class(self):
        return CaseDetailSerializer if self.action == "retrieve" else CaseSerializer


class SeesAllCases(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("followup.view_all_cases")


class LoopMetricsApi(APIView):
    """How well the loop closes: `GET /api/v1/metrics/loop/?from=…&to=…&by=team|agent|topic|root_cause|compensation`.

    The figures of followup.kpis.loop_figures, as on the page and in the digest. `first_response` and `resolution`
    give Kaplan–Meier `median_minutes` and `p90_minutes` (null when so many cases still wait that the figure is not
    known yet), `done` (answered / resolved), `waiting`, `oldest_waiting_minutes` and `longest_minutes`.
    """

    permission_classes = [permissions.IsAuthenticated, SeesAllCases]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE),
            OpenApiParameter("to", OpenApiTypes.DATE),
            OpenApiParameter("by", OpenApiTypes.STR, enum=list(GROUPINGS)),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        start, end, errors = parse_period(request.query_params)
        by = request.query_params.get("by")
        if by and by not in GROUPINGS:
            errors["by"] = f"Unknown grouping {by}; use one of {', '.join(GROUPINGS)}."
        if errors:
            raise serializers.ValidationError(errors)
        return Response({"from": start, "to": end, **loop_report(start=start, end=end, by=by)})
