"""Topics changed in the Django admin go through reviews.taxonomy and are recorded."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from feedback_platform.models import ActivityEntry, ActorKind
from reviews.models import Topic

pytestmark = pytest.mark.django_db


def test_topics_changed_in_the_admin_are_recorded(client, admin_user):
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    topic = Topic.objects.order_by("pk").first()
    url = reverse("admin:reviews_topic_change", args=[topic.pk])
    data = {
        "slug": topic.slug,
        "name": topic.name + " (renamed)",
        "name_zh_hans": topic.names["zh-hans"],
        "name_ja": topic.names["ja"],
        "keywords": '{"en": ["parcel"]}',
        "is_active": "on",
    }
    assert client.post(url, data).status_code == 302
    entry = ActivityEntry.objects.get(action="reviews.topic.changed")
    assert entry.actor_user == admin_user and set(entry.payload["fields"]) == {"name", "keywords"}
    client.post(reverse("admin:reviews_topic_delete", args=[topic.pk]), {"post": "yes"})
    assert not Topic.objects.filter(pk=topic.pk).exists()
    deleted = ActivityEntry.objects.get(action="reviews.topic.deleted")
    assert deleted.payload == {"slug": topic.slug} and deleted.actor_kind == ActorKind.USER
    assert get_user_model().objects.filter(pk=admin_user.pk).exists()
