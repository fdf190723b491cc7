"""Metrics for BI tools: the same figures as the reports page, from the rollups."""

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback_platform.roles import VIEW_REPORTS
from surveys.models import SurveyKind

from . import reports, rollups


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
