"""Cases for agents' other tools: the same scope as the dashboard."""

import django_filters
from django.utils import timezone
from rest_framework import permissions, serializers, viewsets

from .models import Case, CaseEvent


class CaseEventSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField()

    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "actor", "body", "data", "created_at"]


class CaseSerializer(serializers.ModelSerializer):
    contact = serializers.SerializerMethodField()
    owner = serializers.StringRelatedField()
    team = serializers.StringRelatedField()
    score = serializers.IntegerField(source="feedback.score")
    segment = serializers.CharField(source="feedback.segment")
    kind = serializers.CharField(source="feedback.kind")
    comment = serializers.CharField(source="feedback.comment")
    root_cause = serializers.StringRelatedField()

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
        overdue = {"first_responded_at__isnull": True, "first_response_due__lte": timezone.now()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)


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
