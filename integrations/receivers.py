"""Where the webhook events come from: the activity log (each entry of an action in `ACTIVITY_EVENTS`) and the
reviews signal for new and re-classified feedback; and the Slack notifications (each entry of an action in
`slack.ACTIVITY_NOTIFICATIONS`). All run inside the transaction of the change."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from feedback_platform.models import ActivityEntry
from reviews.signals import feedback_classified

from . import events, services, slack


@receiver(post_save, sender=ActivityEntry, dispatch_uid="integrations.activity_events")
def activity_event(sender, instance: ActivityEntry, created: bool, raw: bool = False, **kwargs) -> None:
    event_type = events.ACTIVITY_EVENTS.get(instance.action)
    if created and not raw and event_type:
        services.emit_activity_event(entry=instance, type=event_type)


@receiver(post_save, sender=ActivityEntry, dispatch_uid="integrations.slack_notifications")
def slack_notification(sender, instance: ActivityEntry, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw and instance.action in slack.ACTIVITY_NOTIFICATIONS:
        slack.notify_from_activity(instance)


@receiver(feedback_classified, dispatch_uid="integrations.feedback_events")
def feedback_event(sender, *, feedback, created: bool, **kwargs) -> None:
    services.emit_feedback_events(feedback=feedback, created=created)
