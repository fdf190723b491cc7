from django.apps import AppConfig


class FeedbackPlatformConfig(AppConfig):
    """The project itself: roles, login, home pages, health and demo data."""

    name = "feedback_platform"
    verbose_name = "Feedback platform"

    def ready(self):
        from . import api_tokens, erasure  # noqa: F401  api_tokens connects: a password change revokes tokens

        erasure.register("admin_log", order=erasure.BASE, erase=erasure.erase_admin_log)
