from django.apps import AppConfig


class SurveysConfig(AppConfig):
    """ASK: surveys, contacts, invitations and the customer's answer."""

    name = "surveys"
