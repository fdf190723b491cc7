from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback_platform.roles import VIEW_REPORTS

from .metrics import nps_summary
from .models import Feedback


class CanViewReports(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm(VIEW_REPORTS)


class NpsSummaryApi(APIView):
    """NPS over the last `days` days, with n and the 95% interval's half-width."""

    permission_classes = [permissions.IsAuthenticated, CanViewReports]

    class InputSerializer(serializers.Serializer):
        days = serializers.IntegerField(min_value=1, max_value=3660, default=90)

    class OutputSerializer(serializers.Serializer):
        days = serializers.IntegerField()
        n = serializers.IntegerField()
        promoters = serializers.IntegerField()
        passives = serializers.IntegerField()
        detractors = serializers.IntegerField()
        nps = serializers.FloatField(allow_null=True)
        margin = serializers.FloatField(allow_null=True)

    @extend_schema(parameters=[InputSerializer], responses=OutputSerializer)
    def get(self, request):
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        days = params.validated_data["days"]
        summary = nps_summary(Feedback.objects.filter(received_at__gte=timezone.now() - timedelta(days=days)))
        data = {
            "days": days,
            "n": summary.n,
            "promoters": summary.promoters,
            "passives": summary.passives,
            "detractors": summary.detractors,
            "nps": summary.score,
            "margin": summary.margin,
        }
        return Response(self.OutputSerializer(data).data)
