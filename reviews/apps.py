from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    """UNDERSTAND: one Feedback record for every answer and review, classified."""

    name = "reviews"

    def ready(self):
        from feedback_platform import erasure as registry

        from . import erasure

        registry.register("reviews", order=registry.REVIEWS, erase=erasure.erase_person, export=erasure.export_person)
        from celery.signals import worker_init

        from . import receivers, thresholds  # noqa: F401  (connect the surveys signal and threshold changes)
        from .classify import warm_up

        worker_init.connect(warm_up, dispatch_uid="reviews.warm_up_classifiers")
