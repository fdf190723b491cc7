"""Suggested topics (issue 14, item 7): comments that match no topic, grouped by the phrases they share per
language, shown to admins with size, examples and keywords, and accepted into the taxonomy in one step."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback_platform.models import ActivityEntry
from reviews import rollups, suggestions
from reviews.models import Feedback, Topic, TopicRollup

pytestmark = pytest.mark.django_db

UNMATCHED = {
    "en": [
        "Please add a dark mode, my eyes hurt at night",
        "Dark mode would be lovely",
        "No dark mode in 2026? Really?",
        "Great!",
        "Terrible, just terrible.",
        "Awful. Terrible.",
        "Terrible experience",
    ],
    "zh-hans": [
        "优惠券用不了，结账时一直提示无效",
        "希望多发点优惠券",
        "优惠券过期太快了",
        "很好",
        "很好很好",
        "太差了，很好",
    ],
    "ja": [
        "ポイントが付与されていません",
        "ポイントの有効期限が短すぎます",
        "ポイント還元をもっと増やしてほしい",
        "最悪",
        "最悪です",
        "最悪でした",
    ],
}


def feedback(comment: str, language: str, *, days_ago: int = 1, topic: Topic | None = None) -> Feedback:
    made = Feedback.objects.create(
        source="import",
        kind="nps",
        scale_min=0,
        scale_max=10,
        score=3,
        segment="detractor",
        comment=comment,
        language=language,
        received_at=timezone.now() - timedelta(days=days_ago),
    )
    if topic:
        made.topics.add(topic)
    return made


@pytest.fixture
def unmatched():
    return {language: [feedback(text, language) for text in texts] for language, texts in UNMATCHED.items()}


def by_language(found):
    return {language: [(s.name, s.size) for s in found if s.language == language] for language in UNMATCHED}


def test_comments_without_a_topic_are_grouped_by_the_subject_they_share_not_by_mood(unmatched):
    delivery = Topic.objects.get(slug="delivery")
    for _ in range(3):  # has a topic: not counted, though it shares the words
        feedback("Dark mode please, and the parcel was late", "en", topic=delivery)
    feedback("Dark mode! Dark mode!", "en", days_ago=suggestions.WINDOW_DAYS + 1)  # too old to count
    # A topic the model gave without any keyword of it in the text does not hide a subject nobody named.
    unmatched["en"][0].topics.add(Topic.objects.get(slug="usability"))

    found = suggestions.suggest()

    assert by_language(found) == {"en": [("dark mode", 3)], "zh-hans": [("优惠券", 3)], "ja": [("ポイント", 3)]}
    dark = found[0]
    assert dark.keywords == ["dark mode"]  # not "dark" or "mode" alone: broader than what the group shares
    assert sorted(dark.feedback_ids) == sorted(f.pk for f in unmatched["en"][:3])
    assert set(dark.examples) == set(UNMATCHED["en"][:3])
    assert dark.slug == "dark-mode" and found[1].slug.startswith("topic-")


def test_a_group_needs_three_comments_and_words_the_taxonomy_knows_make_none(unmatched):
    Feedback.objects.filter(pk=unmatched["ja"][0].pk).delete()  # two about points left
    feedback("The tracking page is useless", "en")
    feedback("Tracking number does not work", "en")
    feedback("Tracking never updates", "en")  # "tracking" is a delivery keyword: such a comment is an oversight

    assert by_language(suggestions.suggest()) == {"en": [("dark mode", 3)], "zh-hans": [("优惠券", 3)], "ja": []}


def test_an_admin_accepts_a_suggestion_and_its_comments_get_the_topic_at_once(client, admin_user, unmatched):
    client.force_login(admin_user)
    page = client.get(reverse("reviews:suggested_topics"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="suggestion-zh-hans-' in html and "优惠券过期太快了" in html
    prefix = f"zh-hans-{suggestions.suggest(language='zh-hans')[0].slug}"

    response = client.post(
        reverse("reviews:accept_suggested_topic"),
        {
            "prefix": prefix,
            f"{prefix}-language": "zh-hans",
            f"{prefix}-name": "优惠券",
            f"{prefix}-slug": "coupons",
            f"{prefix}-keywords": "优惠券，折扣券",
        },
        follow=True,
    )

    assert response.status_code == 200 and "3" in str(list(response.context["messages"])[0])
    topic = Topic.objects.get(slug="coupons")
    assert topic.keywords == {"zh-hans": ["优惠券", "折扣券"]} and topic.names == {"zh-hans": "优惠券"}
    assert set(topic.feedback.values_list("pk", flat=True)) == {f.pk for f in unmatched["zh-hans"][:3]}
    assert unmatched["zh-hans"][0].__class__.objects.get(pk=unmatched["zh-hans"][0].pk).explanation["topics"] == {
        "coupons": {"phrases": ["优惠券"]}
    }
    assert sum(TopicRollup.objects.filter(topic=topic).values_list("n", flat=True)) == 3  # the reports count them
    assert ActivityEntry.objects.filter(action="reviews.topic.suggestion_accepted", actor_user=admin_user).exists()
    assert [s.language for s in suggestions.suggest()] == ["en", "ja"]  # the group is gone from the list
    rollups.refresh()
    assert sum(TopicRollup.objects.filter(topic=topic).values_list("n", flat=True)) == 3


def test_bad_input_names_the_field_and_keeps_what_was_typed(client, admin_user, unmatched):
    client.force_login(admin_user)
    prefix = "en-dark-mode"
    post = {"prefix": prefix, f"{prefix}-language": "en", f"{prefix}-name": "Dark mode"}
    response = client.post(
        reverse("reviews:accept_suggested_topic"), {**post, f"{prefix}-slug": "delivery", f"{prefix}-keywords": " , "}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "A topic with this code exists already." in html and "Give at least one keyword." in html
    assert 'value="Dark mode"' in html  # what was typed stays
    assert not Topic.objects.filter(name="Dark mode").exists()


def test_only_who_may_add_topics_sees_the_page(client, manager, unmatched):
    client.force_login(manager)
    assert client.get(reverse("reviews:suggested_topics")).status_code == 403
    assert client.get(reverse("reviews:explorer")).content.decode().count("Suggested topics") == 0
