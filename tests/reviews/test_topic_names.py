"""A topic has a name per language (Topic.names), shown in the reader's language wherever topics are shown."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from feedback_platform.models import ActivityEntry, Profile
from reviews import reports, rollups
from reviews.models import Topic, topic_name
from surveys.models import Answer
from tests.factories import ContactFactory
from tests.surveys.helpers import sent_invitation

pytestmark = pytest.mark.django_db
DELIVERY = {"en": "Delivery", "zh-hans": "物流配送", "ja": "配送"}


def answer(score: int, comment: str):
    """A detractor's answer, classified, with its case opened."""
    from followup.cases import open_case
    from reviews.ingest import ingest_answer

    invitation, _ = sent_invitation(contact=ContactFactory())
    made = Answer.objects.create(
        invitation=invitation, survey=invitation.survey, contact=invitation.contact, score=score, comment=comment
    )
    feedback = ingest_answer(answer=made, announce=False)
    open_case(feedback=feedback)
    return feedback


def test_it_names_a_topic_in_the_active_language_else_by_its_default_name():
    names = {"zh-hans": "物流配送", "ja": "配送"}
    assert topic_name("Delivery", names, "ja") == "配送"
    assert topic_name("Delivery", names, "en") == "Delivery"
    assert topic_name("Delivery", {}, "ja") == "Delivery"  # a topic an admin named in English only
    with translation.override("zh-hans"):
        assert topic_name("Delivery", names) == "物流配送"


def test_the_default_topics_have_chinese_and_japanese_names():
    for topic in Topic.objects.all():
        assert set(topic.names) == {"zh-hans", "ja"} and all(topic.names.values()), topic.slug
    delivery = Topic.objects.get(slug="delivery")
    for language, name in DELIVERY.items():
        with translation.override(language):
            assert delivery.label == name and str(delivery) == name


def test_an_admin_names_a_new_topic_in_three_languages(client, admin_user):
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    data = {
        "slug": "dark_mode",
        "name": "Dark mode",
        "name_zh_hans": "深色模式",
        "name_ja": "ダークモード",
        "keywords": '{"en": ["dark mode"], "ja": ["ダークモード"]}',
        "is_active": "on",
    }
    assert client.post(reverse("admin:reviews_topic_add"), data).status_code == 302
    topic = Topic.objects.get(slug="dark_mode")
    assert topic.names == {"zh-hans": "深色模式", "ja": "ダークモード"}
    form = client.get(reverse("admin:reviews_topic_change", args=[topic.pk])).content.decode()
    assert 'value="深色模式"' in form and 'value="ダークモード"' in form
    client.post(reverse("admin:reviews_topic_change", args=[topic.pk]), {**data, "name_zh_hans": ""})
    topic.refresh_from_db()
    assert topic.names == {"ja": "ダークモード"}  # an emptied name falls back to the default one
    entry = ActivityEntry.objects.get(action="reviews.topic.changed")
    assert entry.payload["fields"] == ["names"]


@pytest.mark.parametrize("language", ["en", "zh-hans", "ja"])
def test_the_explorer_queue_and_case_show_topics_in_the_reader_s_language(client, manager, language):
    feedback = answer(1, "The parcel arrived late and the box was damaged")
    assert feedback.topics.filter(slug="delivery").exists()
    client.force_login(manager)
    client.cookies["django_language"] = language
    name = DELIVERY[language]
    explorer = client.get(reverse("reviews:explorer"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f"{name} ×" in explorer  # the row's topic chip (a manager may correct labels)
    assert f'<option value="delivery">{name}</option>' in explorer  # the topic filter
    queue = client.get(reverse("followup:queue"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f">{name}</span>" in queue and f'value="delivery">{name}</option>' in queue
    case = feedback.case
    page = client.get(reverse("followup:case", args=[case.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f"{name} ×" in page  # the label correction's topic chip
    if language != "en":
        assert ">Delivery<" not in explorer + queue + page


def test_the_queue_filters_by_the_chosen_topic(client, manager):
    answer(1, "The parcel arrived late")
    answer(2, "Too expensive for what it is")
    client.force_login(manager)
    page = client.get(reverse("followup:queue"), {"topic": "price"}).content.decode()
    assert "Too expensive" in page and "parcel arrived late" not in page
    unknown = client.get(reverse("followup:queue"), {"topic": "no-such-topic"})
    assert unknown.status_code == 200  # an unknown topic is not a filter, never a 500


def test_reports_and_the_loop_report_name_topics_for_the_reader_and_keep_the_slug():
    from followup.kpis import loop_report

    answer(1, "parcel late")
    answer(2, "parcel lost, delivery failed")
    rollups.refresh()
    report = reports.parse_filter({})
    minefields = reports.top_topics(report, "detractor")
    with translation.override("ja"):
        breakdown = reports.breakdown(report, "topic")
        assert str(minefields[0]["name"]) == "配送"
        today = timezone.localdate()
        groups = loop_report(start=today - timedelta(days=1), end=today, by="topic")["groups"]
    assert {(row["value"], row["label"]) for row in breakdown} == {("delivery", "配送")}
    assert [group["label"] for group in groups] == ["配送"]
    with translation.override("zh-hans"):
        assert str(minefields[0]["name"]) == "物流配送"  # the same figures, read by another reader


def test_the_weekly_digest_names_topics_in_each_manager_s_language(manager, django_capture_on_commit_callbacks):
    from followup.digest import send_weekly_digest

    Profile.objects.update_or_create(user=manager, defaults={"language": "ja"})
    feedback = answer(1, "The parcel arrived late")
    last_week = timezone.now() - timedelta(days=timezone.localdate().weekday() + 3)
    type(feedback).objects.filter(pk=feedback.pk).update(received_at=last_week)
    with django_capture_on_commit_callbacks(execute=True):
        send_weekly_digest()
    (message,) = mail.outbox
    assert "配送 (1)" in message.body and "Delivery" not in message.body
