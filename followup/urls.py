from django.urls import path

from . import views

app_name = "followup"
urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
]
