"""The managers' pages: saved segments with their preview, a send to one, recurring sends, contacts' tags."""

import pytest

from surveys.models import Audience, Invitation, RecurringSend, Send, Tag
from tests.factories import ContactFactory, SurveyFactory

pytestmark = pytest.mark.django_db


def _rows(*rows, answers=()):
    data = {"rows": len(rows), "answer_rows": max(1, len(answers))}
    for i, (field, op, value) in enumerate(rows):
        data |= {f"c{i}_field": field, f"c{i}_op": op, f"c{i}_value": value}
    for j, block in enumerate(answers):
        data |= {f"a{j}_{part}": value for part, value in block.items()}
    return data


def test_a_manager_previews_and_saves_a_segment(client, manager, agent):
    for ltv in ("120", 300, 50):
        ContactFactory(attributes={"plan": "pro", "ltv": ltv})
    client.force_login(agent)
    assert client.get("/surveys/segments/").status_code == 403
    client.force_login(manager)
    data = {"name": "Big pros", **_rows(("attributes.plan", "equals", "pro"), ("attributes.ltv", "gte", "100"))}
    shown = client.post("/surveys/segments/new/", {**data, "action": "preview"})
    assert shown.status_code == 200 and "2 contacts match these filters." in shown.content.decode()
    assert not Audience.objects.exists()
    saved = client.post("/surveys/segments/new/", {**data, "action": "save"})
    segment = Audience.objects.get()
    assert saved.status_code == 302 and segment.conditions == [
        {"field": "attributes.plan", "op": "equals", "value": "pro"},
        {"field": "attributes.ltv", "op": "gte", "value": 100},
    ]
    page = client.get(f"/surveys/segments/{segment.pk}/").content.decode()
    assert "2 contacts match these filters." in page and 'value="100"' in page
    assert "Big pros" in client.get("/surveys/segments/").content.decode()


def test_a_wrong_condition_comes_back_on_its_row(client, manager):
    client.force_login(manager)
    data = {"name": "x", **_rows(("language", "equals", "ja"), ("attributes.ltv", "gt", "lots"))}
    refused = client.post("/surveys/segments/new/", {**data, "action": "save"})
    assert refused.status_code == 400
    assert refused.context["form"].errors == {"c1_value": ["A number."]}
    data = {"name": "x", **_rows(("tags", "gte", "vip"))}
    assert list(client.post("/surveys/segments/new/", {**data, "action": "save"}).context["form"].errors) == ["c0_op"]
    data = {"name": "x", **_rows(answers=[{"op": "answered", "score_min": 9, "score_max": 2}])}
    refused = client.post("/surveys/segments/new/", {**data, "action": "save"})
    assert list(refused.context["form"].errors) == ["a0_score_max"]
    assert not Audience.objects.exists()


def test_add_row_buttons_grow_the_form(client, manager):
    client.force_login(manager)
    grown = client.post(
        "/surveys/segments/new/", {"name": "", **_rows(("language", "equals", "ja")), "action": "add_row"}
    )
    assert grown.context["form"].row_count == 2 and not Audience.objects.exists()


def test_a_send_to_a_saved_segment_from_the_page_reaches_the_previewed_count(
    client, manager, django_capture_on_commit_callbacks
):
    survey = SurveyFactory()
    vip = Tag.objects.create(name="vip")
    for index in range(13):
        contact = ContactFactory(language="ja" if index % 2 else "en")
        if index < 12:
            contact.tags.add(vip)
    segment = Audience.objects.create(name="VIPs", conditions=[{"field": "tags", "op": "has", "value": "vip"}])
    client.force_login(manager)
    url = f"/surveys/manage/{survey.pk}/send/"
    data = {"segment": segment.pk, "sample_percent": 100, **_rows(("language", "equals", "ja"))}
    counted = client.post(url, {**data, "action": "count"})
    assert counted.context["matching"] == 6 and len(counted.context["sample"]) == 6
    assert "6 contacts match these filters." in counted.content.decode() and not Send.objects.exists()
    client.post(url, {**data, "action": "send"})
    send = Send.objects.get()
    assert send.segment == segment and Invitation.objects.filter(send=send).count() == 6


def test_a_manager_makes_a_recurring_send(client, manager):
    segment, survey = Audience.objects.create(name="All"), SurveyFactory()
    client.force_login(manager)
    data = {"survey": survey.pk, "segment": segment.pk, "every_days": 90, "weekdays": [1, 3], "hour_from": 9}
    refused = client.post("/surveys/recurring/new/", {**data, "hour_to": 8, "timezone": "Asia/Tokyo"})
    assert refused.status_code == 400 and list(refused.context["form"].errors) == ["hour_to"]
    refused = client.post("/surveys/recurring/new/", {**data, "hour_to": 17, "timezone": "Moon/Base"})
    assert list(refused.context["form"].errors) == ["timezone"]
    made = client.post("/surveys/recurring/new/", {**data, "hour_to": 17, "timezone": "Asia/Tokyo", "active": "on"})
    assert made.status_code == 302
    schedule = RecurringSend.objects.get()
    assert (schedule.weekdays, schedule.hour_to, schedule.active) == ([1, 3], 17, True)
    assert "Asia/Tokyo" in client.get("/surveys/recurring/").content.decode()
    assert client.get(f"/surveys/recurring/{schedule.pk}/").status_code == 200


def test_a_manager_tags_a_contact_on_its_page(client, manager):
    contact = ContactFactory()
    client.force_login(manager)
    assert (
        client.post(f"/surveys/contacts/{contact.pk}/tags/", {"tags": "VIP, beta;  early adopter"}).status_code == 302
    )
    assert sorted(contact.tags.values_list("name", flat=True)) == ["beta", "early adopter", "vip"]
    assert "beta, early adopter, vip" in client.get(f"/surveys/contacts/{contact.pk}/").content.decode()
    client.post(f"/surveys/contacts/{contact.pk}/tags/", {"tags": ""})
    assert not contact.tags.exists()
