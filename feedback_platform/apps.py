from django.apps import AppConfig


class FeedbackPlatformConfig(AppConfig):
    """The project itself: roles, login, home pages, health and demo data."""

    name = "feedback_platform"
    verbose_name = "Feedback platform"

    def ready(self):
        from . import api_tokens  # noqa: F401  connects: a password change revokes the user's API tokens
