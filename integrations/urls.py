from django.urls import path

from . import helpdesk_views, views

app_name = "integrations"
urlpatterns = [
    path("settings/webhooks/", views.webhooks, name="webhooks"),
    path("settings/webhooks/new/", views.edit_webhook, name="webhook_new"),
    path("settings/webhooks/<int:pk>/", views.edit_webhook, name="webhook_edit"),
    path("settings/webhooks/<int:pk>/deliveries/", views.webhook_deliveries, name="webhook_deliveries"),
    path("settings/webhooks/<int:pk>/resume/", views.resume, name="webhook_resume"),
    path("settings/webhooks/<int:pk>/pause/", views.pause, name="webhook_pause"),
    path("settings/webhooks/<int:pk>/delete/", views.delete, name="webhook_delete"),
    path("settings/webhooks/deliveries/<int:pk>/resend/", views.resend, name="webhook_resend"),
    path("settings/slack/", views.slack, name="slack"),
    path("settings/slack/<int:team_pk>/", views.slack_channel, name="slack_channel"),
    path("settings/slack/<int:team_pk>/test/", views.slack_test, name="slack_test"),
    path("settings/slack/<int:team_pk>/pause/", views.slack_pause, name="slack_pause"),
    path("settings/slack/<int:team_pk>/resume/", views.slack_resume, name="slack_resume"),
    path("settings/slack/<int:team_pk>/remove/", views.slack_remove, name="slack_remove"),
    path("settings/helpdesk/", helpdesk_views.connections, name="helpdesk"),
    path("settings/helpdesk/new/", helpdesk_views.edit_connection, name="helpdesk_new"),
    path("settings/helpdesk/<int:pk>/", helpdesk_views.edit_connection, name="helpdesk_edit"),
    path("settings/helpdesk/<int:pk>/test/", helpdesk_views.test_connection, name="helpdesk_test"),
    path("integrations/helpdesk/<int:pk>/events/", helpdesk_views.status_events, name="helpdesk_events"),
]
