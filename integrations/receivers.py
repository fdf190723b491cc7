"""Where the webhook events come from: the activity log (each entry of an action in `ACTIVITY_EVENTS`) and the
reviews signal for new and re-classified feedback; and the Slack notifications (each entry of an action in
`slack.ACTIVITY_NOTIFICATIONS`). All run inside the transaction of the change."""

from django.dispatch import receiver

from feedback_platform.activity import activity_recorded
from reviews.signals import feedback_classified

from . import events, services, slack


@receiver(activity_recorded, dispatch_uid="integrations.activity_events")
def activity_events(sender, entries, **kwargs) -> None:
    for entry in entries:
        event_type = events.ACTIVITY_EVENTS.get(entry.action)
        if event_type:
            services.emit_activity_event(entry=entry, type=event_type)


@receiver(activity_recorded, dispatch_uid="integrations.slack_notifications")
def slack_notifications(sender, entries, **kwargs) -> None:
    for entry in entries:
        if entry.action in slack.ACTIVITY_NOTIFICATIONS:
            slack.notify_from_activity(entry)


@receiver(feedback_classified, dispatch_uid="integrations.feedback_events")
def feedback_event(sender, *, feedback, created: bool, **kwargs) -> None:
    services.emit_feedback_events(feedback=feedback, created=created)
