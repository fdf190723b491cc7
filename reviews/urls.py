from django.urls import path

from . import explorer, views

app_name = "reviews"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("feedback/", explorer.explorer, name="explorer"),
]
