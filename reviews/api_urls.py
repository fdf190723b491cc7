from django.urls import path

from .api import MetricApi

urlpatterns = [
    path("metrics/<str:kind>/", MetricApi.as_view(), name="api-metric"),
]
