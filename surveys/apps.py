from django.apps import AppConfig


class SurveysConfig(AppConfig):
    """ASK: surveys, contacts, invitations and the customer's answer."""

    name = "surveys"

    def ready(self):
        from feedback_platform import erasure as registry

        from . import erasure

        registry.register("surveys", order=registry.SURVEYS, erase=erasure.erase_person, export=erasure.export_person)
        from . import receivers  # noqa: F401  (the provider's delivery reports)
