"""The topic taxonomy admins edit (keywords per language); each change recorded in the activity log."""

from django.db import transaction

from feedback_platform.activity import Actor, changed_fields, record_activity

from .models import Topic

TOPIC_FIELDS = ["slug", "name", "names", "keywords", "is_active"]


@transaction.atomic
def save_topic(*, actor: Actor, topic: Topic) -> Topic:
    """Create or change a topic (validated by its form); new feedback is classified with it."""
    created = topic._state.adding
    fields = changed_fields(topic, TOPIC_FIELDS)
    topic.save()
    if created or fields:
        action = "reviews.topic.created" if created else "reviews.topic.changed"
        record_activity(actor=actor, action=action, target=topic, payload={"fields": fields})
    return topic


@transaction.atomic
def delete_topic(*, actor: Actor, topic: Topic) -> None:
    """Delete a topic (its links and rollups go with it); the entry keeps its slug."""
    record_activity(actor=actor, action="reviews.topic.deleted", target=topic, payload={"slug": topic.slug})
    topic.delete()
