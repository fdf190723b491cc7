from django.urls import path

from .api import AgreementApi, FeedbackApi, MetricApi

urlpatterns = [
    path("agreement/", AgreementApi.as_view(), name="api-agreement"),
    path("feedback/", FeedbackApi.as_view(), name="api-feedback"),
    path("metrics/<str:kind>/", MetricApi.as_view(), name="api-metric"),
]
