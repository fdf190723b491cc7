from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Outgoing webhooks: what happened in the product (the activity log, new and classified feedback),
    signed and delivered to the endpoints admins set up; Slack notifications to teams' channels; and helpdesks,
    where a rule opens a case's ticket and whose ticket statuses come back. It reads every app and no app
    reads it."""

    name = "integrations"

    def ready(self):
        from feedback_platform import erasure
        from followup.rule_actions import register_rule_action

        from . import receivers, ticketing  # noqa: F401  (receivers connects the activity log and the reviews signal)

        register_rule_action(ticketing.OPEN_TICKET)
        erasure.register("integrations.helpdesk", order=erasure.INTEGRATIONS, erase=ticketing.erase_person)
