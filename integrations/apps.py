from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Outgoing webhooks: what happened in the product (the activity log, new and classified feedback),
    signed and delivered to the endpoints admins set up; and Slack notifications to teams' channels. It reads
    every app and no app reads it."""

    name = "integrations"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the activity log and the reviews signal)
