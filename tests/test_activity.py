"""The activity log: append-only entries, redaction, the admins' page with its filters and CSV export."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from feedback_platform.activity import Actor, record_activity, redact_activity
from feedback_platform.models import ActivityEntry, ActivityIsAppendOnly, ActorKind
from tests.factories import ContactFactory, SurveyFactory, UserFactory

pytestmark = pytest.mark.django_db


def _entry(**overrides) -> ActivityEntry:
    values = {"actor": Actor.system("tests"), "action": "surveys.survey.changed", "target": None, "payload": {}}
    return record_activity(**{**values, **overrides})


def test_it_records_the_actor_action_target_and_payload(manager):
    survey = SurveyFactory(name="Relationship NPS")
    entry = _entry(actor=Actor.for_user(manager), target=survey, payload={"fields": ["name"]})
    entry.refresh_from_db()
    assert (entry.actor_kind, entry.actor_user, entry.actor_label) == (ActorKind.USER, manager, manager.username)
    assert entry.target_type == ContentType.objects.get_for_model(survey) and entry.target_id == str(survey.pk)
    assert entry.target_label == "Relationship NPS" and entry.payload == {"fields": ["name"]}
    assert ActivityEntry.objects.for_target(survey).get() == entry


def test_it_is_one_insert(django_assert_num_queries):
    survey = SurveyFactory()
    ContentType.objects.get_for_model(survey)  # the content type cache is warm on a running server
    with django_assert_num_queries(1):
        _entry(target=survey)


def test_an_action_must_be_namespaced():
    with pytest.raises(ValueError):
        _entry(action="archived")
    with pytest.raises(ValueError):
        _entry(action="surveys.Survey archived")


def test_an_entry_cannot_be_changed_or_deleted():
    entry = _entry(payload={"fields": ["name"]})
    entry.action = "surveys.survey.archived"
    with pytest.raises(ActivityIsAppendOnly):
        entry.save()
    with pytest.raises(ActivityIsAppendOnly):
        entry.delete()
    with pytest.raises(ActivityIsAppendOnly):
        ActivityEntry.objects.filter(pk=entry.pk).update(action="surveys.survey.archived")
    with pytest.raises(ActivityIsAppendOnly):
        ActivityEntry.objects.all().delete()
    entry.refresh_from_db()
    assert entry.action == "surveys.survey.changed"


def test_the_django_admin_shows_entries_read_only(client, admin_user):
    admin_user.is_superuser = True
    admin_user.save()
    entry = _entry()
    client.force_login(admin_user)
    url = reverse("admin:feedback_platform_activityentry_change", args=[entry.pk])
    page = client.get(url)
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(url, {"action": "surveys.survey.archived"}).status_code == 403
    assert client.get(reverse("admin:feedback_platform_activityentry_add")).status_code == 403
    assert client.post(reverse("admin:feedback_platform_activityentry_delete", args=[entry.pk])).status_code == 403
    entry.refresh_from_db()
    assert entry.action == "surveys.survey.changed"


def test_redaction_keeps_the_entry_and_removes_the_value():
    contact = ContactFactory(name="Ada Lovelace", email="ada@example.com")
    entry = _entry(
        action="surveys.contact.updated", target=contact, payload={"email": "ada@example.com", "fields": ["email"]}
    )
    other = _entry(action="surveys.contact.updated", target=ContactFactory(), payload={"email": "grace@example.com"})
    changed = redact_activity(entries=ActivityEntry.objects.for_target(contact), keys=["email"], target_label=True)
    assert changed == 1
    entry.refresh_from_db()
    assert entry.payload == {"email": None, "fields": ["email"]}
    assert entry.target_label == "" and entry.redacted_at is not None
    assert entry.action == "surveys.contact.updated" and entry.target_id == str(contact.pk)
    other.refresh_from_db()
    assert other.payload == {"email": "grace@example.com"} and other.redacted_at is None


def test_an_actor_from_a_request_tells_a_token_from_a_session(client, manager):
    from rest_framework.test import APIRequestFactory, force_authenticate
    from rest_framework.views import APIView

    token = Token.objects.create(user=manager)
    seen = {}

    class Probe(APIView):
        def get(self, request):
            seen["actor"] = Actor.from_request(request)
            from rest_framework.response import Response

            return Response({})

    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {token.key}")
    Probe.as_view()(request)
    assert seen["actor"] == Actor(ActorKind.TOKEN, manager.pk, manager.username)
    request = APIRequestFactory().get("/")
    force_authenticate(request, user=manager)
    Probe.as_view()(request)
    assert seen["actor"] == Actor(ActorKind.USER, manager.pk, manager.username)
    assert Actor.of(None).kind == ActorKind.SYSTEM and Actor.of(manager).kind == ActorKind.USER


# The page


@pytest.fixture
def entries(manager, agent):
    survey, contact = SurveyFactory(name="Onboarding CES"), ContactFactory()
    old = _entry(actor=Actor.for_user(manager), action="surveys.survey.created", target=survey)
    # Backdated past the append-only manager, as only a test may.
    QuerySet.update(ActivityEntry.objects.filter(pk=old.pk), created_at=timezone.now() - timedelta(days=10))
    return {
        "old": old,
        "archived": _entry(actor=Actor.for_token(manager), action="surveys.survey.archived", target=survey),
        "contact": _entry(actor=Actor.for_user(agent), action="surveys.contact.archived", target=contact),
        "case": _entry(actor=Actor.system("followup.escalate_overdue"), action="followup.case.escalated"),
        "survey": survey,
        "contact_obj": contact,
    }


def _shown(response) -> set[int]:
    html = response.content.decode()
    return {entry.pk for entry in ActivityEntry.objects.all() if f'data-entry="{entry.pk}"' in html}


def test_only_admins_see_the_activity_page(client, manager, agent, admin_user):
    url = reverse("activity")
    for outsider in (manager, agent):
        client.force_login(outsider)
        assert client.get(url).status_code == 403
        assert client.get(reverse("activity_csv")).status_code == 403
    client.force_login(admin_user)
    assert client.get(url).status_code == 200
    rules = client.get(reverse("followup:rules")).content.decode()
    assert f'href="{url}"' in rules
    client.force_login(manager)
    assert f'href="{url}"' not in client.get(reverse("followup:rules")).content.decode()


def test_the_page_filters_by_actor_action_object_and_date(client, admin_user, manager, entries):
    client.force_login(admin_user)
    url = reverse("activity")
    assert _shown(client.get(url)) == {entries[k].pk for k in ("old", "archived", "contact", "case")}
    assert _shown(client.get(url, {"actor": manager.username})) == {entries["old"].pk, entries["archived"].pk}
    assert _shown(client.get(url, {"actor_kind": "token"})) == {entries["archived"].pk}
    assert _shown(client.get(url, {"actor_kind": "system"})) == {entries["case"].pk}
    assert _shown(client.get(url, {"action": "surveys"})) == {entries[k].pk for k in ("old", "archived", "contact")}
    assert _shown(client.get(url, {"action": "surveys.survey"})) == {entries["old"].pk, entries["archived"].pk}
    assert _shown(client.get(url, {"action": "surveys.sur"})) == set()  # whole name parts only
    survey = entries["survey"]
    by_object = {"target_type": "surveys.survey", "target_id": str(survey.pk)}
    assert _shown(client.get(url, by_object)) == {entries["old"].pk, entries["archived"].pk}
    assert _shown(client.get(url, {"target_type": "surveys.contact"})) == {entries["contact"].pk}
    today = timezone.localdate()
    recent = {"date_from": (today - timedelta(days=1)).isoformat(), "date_to": today.isoformat()}
    assert _shown(client.get(url, recent)) == {entries[k].pk for k in ("archived", "contact", "case")}
    earlier = {"date_to": (today - timedelta(days=5)).isoformat()}
    assert _shown(client.get(url, earlier)) == {entries["old"].pk}
    bad = client.get(url, {"date_from": today.isoformat(), "date_to": (today - timedelta(days=3)).isoformat()})
    assert bad.status_code == 400


def test_the_page_is_paginated_and_keeps_its_filters(client, admin_user):
    for _ in range(55):
        _entry(action="followup.rule.changed")
    _entry(action="surveys.survey.changed")
    client.force_login(admin_user)
    first = client.get(reverse("activity"), {"action": "followup"})
    assert len(_shown(first)) == 50
    assert "action=followup&amp;page=2" in first.content.decode()
    second = client.get(reverse("activity"), {"action": "followup", "page": 2})
    assert len(_shown(second)) == 5


def test_payloads_and_labels_are_escaped(client, admin_user):
    _entry(payload={"note": "<script>alert(1)</script>"}, label="<b>Ada</b>")
    client.force_login(admin_user)
    html = client.get(reverse("activity")).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Ada</b>" not in html


def _csv_rows(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_the_csv_holds_the_filtered_entries_and_defuses_formulas(client, admin_user, manager, entries):
    _entry(actor=Actor.for_user(manager), action="surveys.contact.imported", label='=HYPERLINK("http://x")')
    _entry(actor=Actor.for_user(manager), action="surveys.contact.imported", label="@SUM(A1)")
    client.force_login(admin_user)
    response = client.get(reverse("activity_csv"), {"action": "surveys.contact.imported"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = _csv_rows(response)
    assert [row["object"] for row in rows] == ["'@SUM(A1)", '\'=HYPERLINK("http://x")']
    assert {row["actor"] for row in rows} == {manager.username} and {row["actor_kind"] for row in rows} == {"user"}
    everything = _csv_rows(client.get(reverse("activity_csv"), {"actor_kind": "token"}))
    assert [row["action"] for row in everything] == ["surveys.survey.archived"]
    assert everything[0]["object_type"] == "surveys.survey" and everything[0]["object_id"] == str(entries["survey"].pk)


def test_the_page_speaks_chinese_and_japanese(client, admin_user, entries):
    client.force_login(admin_user)
    for language, word in (("zh-hans", "操作记录"), ("ja", "操作履歴")):
        client.cookies["django_language"] = language
        html = client.get(reverse("activity"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert word in html, language


def test_a_user_deleted_later_keeps_their_name_on_the_entry():
    user = UserFactory()
    entry = _entry(actor=Actor.for_user(user))
    user.delete()
    entry.refresh_from_db()
    assert entry.actor_user is None and entry.actor_label == user.username
