from django.urls import path

from . import views

app_name = "integrations"
urlpatterns = [
    path("settings/webhooks/", views.webhooks, name="webhooks"),
    path("settings/webhooks/new/", views.edit_webhook, name="webhook_new"),
    path("settings/webhooks/<int:pk>/", views.edit_webhook, name="webhook_edit"),
    path("settings/webhooks/<int:pk>/deliveries/", views.webhook_deliveries, name="webhook_deliveries"),
    path("settings/webhooks/<int:pk>/resume/", views.resume, name="webhook_resume"),
    path("settings/webhooks/deliveries/<int:pk>/resend/", views.resend, name="webhook_resend"),
]
