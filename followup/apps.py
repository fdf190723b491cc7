from django.apps import AppConfig


class FollowupConfig(AppConfig):
    """ACT: rules, cases, the customer email outbox, escalation and re-survey."""

    name = "followup"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the reviews signal)
