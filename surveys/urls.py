from django.urls import path

from . import views

app_name = "surveys"
urlpatterns = [
    path("s/w/<slug:slug>/", views.web_link, name="web_link"),
    path("s/<str:token>/", views.answer, name="answer"),
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
