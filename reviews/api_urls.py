from django.urls import path

from .api import NpsSummaryApi

urlpatterns = [
    path("metrics/nps/summary/", NpsSummaryApi.as_view(), name="api-nps-summary"),
]
