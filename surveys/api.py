from rest_framework import permissions, serializers, viewsets

from .models import Survey


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
            "status",
            "default_language",
            "created_at",
        ]


class CanViewSurveys(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("surveys.view_survey")


class SurveyViewSet(viewsets.ReadOnlyModelViewSet):
    """Surveys, for integrations that send invitations."""

    queryset = Survey.objects.all()
    serializer_class = SurveySerializer
    permission_classes = [permissions.IsAuthenticated, CanViewSurveys]
    filterset_fields = ["kind", "status"]
