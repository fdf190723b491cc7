from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    """UNDERSTAND: one Feedback record for every answer and review, classified."""

    name = "reviews"

    def ready(self):
        from . import receivers, thresholds  # noqa: F401  (connect the surveys signal and threshold changes)
