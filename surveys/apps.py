from django.apps import AppConfig


class SurveysConfig(AppConfig):
    """ASK: surveys, contacts, invitations and the customer's answer."""

    name = "surveys"

    def ready(self):
        from . import receivers  # noqa: F401  (the provider's delivery reports)
