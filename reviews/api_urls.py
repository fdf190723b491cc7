from django.urls import path

from .api import FeedbackApi, MetricApi

urlpatterns = [
    path("feedback/", FeedbackApi.as_view(), name="api-feedback"),
    path("metrics/<str:kind>/", MetricApi.as_view(), name="api-metric"),
]
