from django.urls import path

from . import correction_views, explorer, import_views, suggestion_views, views

app_name = "reviews"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("feedback/", explorer.explorer, name="explorer"),
    path("feedback/<int:pk>/labels/", correction_views.correct, name="correct_labels"),
    path("topics/suggested/", suggestion_views.suggested_topics, name="suggested_topics"),
    path("topics/suggested/accept/", suggestion_views.accept_suggested_topic, name="accept_suggested_topic"),
    path("imports/", import_views.imports, name="imports"),
    path("imports/<int:pk>/", import_views.import_job, name="import_job"),
    path("imports/<int:pk>/errors.csv", import_views.import_errors, name="import_errors"),
]
