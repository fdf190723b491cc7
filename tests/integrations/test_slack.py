"""Slack notifications against an incoming webhook on loopback that checks every message's Block Kit shape."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback_platform import delivery
from feedback_platform.activity import Actor
from feedback_platform.delivery import DeliveryStatus
from feedback_platform.models import ActivityEntry
from followup.cases import add_customer_reply, open_case
from followup.escalation import escalate_overdue
from followup.models import Case, CaseStatus, OutboxEmail, Team
from integrations import slack as slack_services
from integrations.models import EndpointStatus, SlackChannel, SlackDelivery, SlackMessageKind
from integrations.slack_messages import escape, quote
from tests.followup.helpers import detractor_case, detractor_feedback

from .slack_receiver import message_problems, texts

pytestmark = pytest.mark.django_db
TESTS = Actor.system("tests")
COMMENT = "It broke <!channel> & my <b>heart</b> > twice"
ESCAPED = "It broke &lt;!channel&gt; &amp; my &lt;b&gt;heart&lt;/b&gt; &gt; twice"


def connect(url: str, team: Team | None = None, **fields) -> SlackChannel:
    team = team or Team.objects.get(is_default=True)
    return slack_services.save_channel(actor=TESTS, channel=SlackChannel(team=team, webhook_url=url, **fields))


@pytest.fixture
def channel(slack):
    """The default team's channel on the loopback Slack, wanting every notification."""
    return connect(slack.url)


def make_due(row: SlackDelivery) -> None:
    SlackDelivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def fields_of(body) -> dict[str, str]:
    """The section fields as {label: value} ("*Score*\\nNPS 2/10" → {"Score": "NPS 2/10"})."""
    found = {}
    for block in body["blocks"]:
        for item in block.get("fields", []):
            label, _, value = item["text"].partition("\n")
            found[label.strip("*")] = value
    return found


def button_urls(body) -> list[str]:
    return [e["url"] for block in body["blocks"] if block["type"] == "actions" for e in block["elements"]]


def case_url(case) -> str:
    from django.conf import settings

    return settings.SITE_URL + reverse("followup:case", args=[case.pk])


def test_a_new_detractor_case_is_one_block_kit_message(channel, slack, committed):
    with committed():
        case = detractor_case(comment=COMMENT)
    assert slack.malformed == []
    [body] = slack.received
    case.refresh_from_db()
    header = body["blocks"][0]
    assert header["type"] == "header"
    assert header["text"]["text"] == f"New detractor case #{case.pk} · priority {case.priority}"
    facts = fields_of(body)
    assert facts["Score"] == "NPS 2/10" and facts["Priority"] == str(case.priority)
    assert facts["Team"] == case.team.name
    all_text = "\n".join(texts(body))
    assert f"> {ESCAPED}" in all_text  # the comment, quoted and escaped
    assert "<!channel>" not in json.dumps(body, ensure_ascii=False)  # never a ping
    assert button_urls(body) == [case_url(case)]
    assert body["text"].startswith(f"New detractor case #{case.pk}") and "NPS 2/10" in body["text"]
    row = SlackDelivery.objects.get()
    assert (row.kind, row.status, row.attempts, row.response_status) == ("new_case", DeliveryStatus.SENT, 1, 200)
    assert row.response_excerpt == "ok" and row.case == case
    stored = json.dumps([row.facts, row.source, row.last_error, row.response_excerpt])
    assert "broke" not in stored  # the row holds no customer text: the message is written when it is sent


def test_a_case_of_a_passive_or_promoter_is_no_news(channel, slack, committed):
    with committed():
        open_case(feedback=detractor_feedback(score=8, comment="Fine, I guess"))
    assert not SlackDelivery.objects.exists() and slack.received == []


def test_an_sla_breach_says_which_case_how_late_and_whose(channel, slack, committed, agent):
    with committed():
        case = detractor_case()  # given to the team's one agent
    assert case.owner == agent
    Case.objects.filter(pk=case.pk).update(first_response_due=timezone.now() - timedelta(hours=2, minutes=15))
    with committed():
        assert escalate_overdue() == 1
    assert slack.malformed == []
    [body] = slack.of_kind("missed its")
    case.refresh_from_db()
    assert body["blocks"][0]["text"]["text"] == f"Case #{case.pk} missed its first-response target"
    facts = fields_of(body)
    assert facts["Overdue by"] == "2\xa0hours, 15\xa0minutes"
    assert facts["Owner"] == agent.get_username() and facts["Priority"] == str(case.priority)
    assert button_urls(body) == [case_url(case)]
    row = SlackDelivery.objects.get(kind=SlackMessageKind.SLA_BREACH)
    assert row.facts["target"] == "first_response" and row.status == DeliveryStatus.SENT


def test_a_missed_resolution_target_and_no_owner(channel, slack, committed):
    with committed():
        case = detractor_case()
    Case.objects.filter(pk=case.pk).update(
        owner=None, first_responded_at=timezone.now(), resolution_due=timezone.now() - timedelta(minutes=30)
    )
    with committed():
        escalate_overdue()
    [body] = slack.of_kind("missed its")
    assert body["blocks"][0]["text"]["text"] == f"Case #{case.pk} missed its resolution target"
    assert fields_of(body)["Owner"] == "Unassigned" and fields_of(body)["Overdue by"] == "30\xa0minutes"


def reply(case, text="Still broken <3 & waiting", message_id="<reply-1@example.com>"):
    return add_customer_reply(
        case=case, text=text, quoted="", sender="c@example.com", subject="Re: your case", message_id=message_id
    )


def test_a_customer_reply_quotes_an_excerpt_with_a_link(channel, slack, committed):
    with committed():
        case = detractor_case()
    with committed():
        reply(case)
        reply(case, text="A long story. " * 100, message_id="<reply-2@example.com>")
    assert slack.malformed == []
    first, long = slack.of_kind("replied")
    assert first["blocks"][0]["text"]["text"] == f"The customer replied to case #{case.pk}"
    assert "> Still broken &lt;3 &amp; waiting" in texts(first)
    assert button_urls(first) == [case_url(case)]
    excerpt = long["blocks"][1]["text"]["text"]
    assert len(excerpt) <= 500 and excerpt.endswith("…") and excerpt.startswith("> A long story.")
    assert SlackDelivery.objects.filter(kind=SlackMessageKind.CUSTOMER_REPLY).count() == 2


def test_a_troll_s_reply_is_not_posted(channel, slack, committed):
    with committed():
        case = detractor_case()
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.SPAM)
    with committed():
        reply(Case.objects.get(pk=case.pk))
    assert not SlackDelivery.objects.filter(kind=SlackMessageKind.CUSTOMER_REPLY).exists()


def test_a_japanese_team_reads_japanese(slack, committed):
    team = Team.objects.get(is_default=True)
    team.language = "ja"
    team.save()
    connect(slack.url, team=team)
    with committed():
        case = detractor_case()
    [body] = slack.received
    case.refresh_from_db()
    assert body["blocks"][0]["text"]["text"] == f"新しい批判者の案件 #{case.pk} · 優先度 {case.priority}"
    assert set(fields_of(body)) == {"スコア", "優先度", "チーム", "担当者"}
    [action] = [block for block in body["blocks"] if block["type"] == "actions"]
    assert action["elements"][0]["text"]["text"] == "案件を開く"


def test_each_team_s_own_channel_and_language(slack, committed):
    """The message goes to the case's team's channel in that team's language, not the site's or another's."""
    billing = Team.objects.create(name="Billing", language="zh-hans")
    connect(slack.url, team=billing)
    with committed():
        detractor_case()  # the default team has no channel
    assert slack.received == [] and not SlackDelivery.objects.exists()
    with committed():
        case = open_case(feedback=detractor_feedback(), team=billing)[0]
    [body] = slack.received
    assert body["blocks"][0]["text"]["text"].startswith("新的贬损者案件") and str(case.pk) in body["text"]


def test_no_channel_no_slack_row(slack, committed):
    with committed():
        case = detractor_case()
        reply(case)
    assert not SlackDelivery.objects.exists() and slack.received == []


def test_a_channel_gets_only_what_it_asked_for(slack, committed):
    connect(slack.url, notifications=["customer_reply"])
    with committed():
        case = detractor_case()
    assert not SlackDelivery.objects.exists()
    with committed():
        reply(case)
    assert list(SlackDelivery.objects.values_list("kind", flat=True)) == ["customer_reply"]


def test_a_500_is_retried_then_sent(channel, slack, committed):
    slack.script = [(500, "internal_error")]
    with committed():
        detractor_case()
    row = SlackDelivery.objects.get()
    assert (row.status, row.attempts, row.response_status) == (DeliveryStatus.AWAITING_RETRY, 1, 500)
    assert row.response_excerpt == "internal_error" and row.next_attempt_at > timezone.now()
    assert delivery.deliver(model=SlackDelivery, ids=[row.pk]) == {row.pk: "not_due"}  # back-off honoured
    make_due(row)
    assert delivery.deliver(model=SlackDelivery, ids=[row.pk]) == {row.pk: "sent"}
    row.refresh_from_db()
    assert (row.status, row.attempts, row.response_status) == (DeliveryStatus.SENT, 2, 200)
    assert len(slack.received) == 2 and slack.received[0] == slack.received[1]
    channel.refresh_from_db()
    assert channel.status == EndpointStatus.ACTIVE and channel.consecutive_failures == 0


def test_a_429_is_retried_too(channel, slack, committed):
    slack.script = [(429, "rate_limited")]
    with committed():
        detractor_case()
    assert SlackDelivery.objects.get().status == DeliveryStatus.AWAITING_RETRY


def test_the_relay_picks_slack_rows_up(channel, slack, committed, settings):
    """A row whose task was lost is published again by the beat's relay, as every delivery model's is."""
    settings.OUTBOX_RELAY_AFTER_SECONDS = 0
    with committed():
        detractor_case()
    row = SlackDelivery.objects.get()
    SlackDelivery.objects.filter(pk=row.pk).update(status=DeliveryStatus.QUEUED, attempts=0)
    assert SlackDelivery in delivery.delivery_models()
    assert delivery.relay() >= 1
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT and len(slack.received) == 2


@pytest.mark.parametrize(
    ("status", "words"), [(404, "no_service"), (403, "invalid_token"), (410, "channel_is_archived")]
)
def test_slack_saying_the_channel_is_gone_pauses_it_and_tells_the_admins(
    channel, slack, committed, admin_user, status, words
):
    slack.script = [(status, words)]
    with committed():
        detractor_case()
    row = SlackDelivery.objects.get()
    assert (row.status, row.attempts, row.response_status) == (DeliveryStatus.FAILED, 1, status)
    channel.refresh_from_db()
    assert channel.status == EndpointStatus.PAUSED and channel.paused_reason == f"HTTP {status}: {words}"
    assert ActivityEntry.objects.filter(action="integrations.slack.paused").count() == 1
    email = OutboxEmail.objects.get(to_email=admin_user.email)
    assert channel.team.name in email.subject and words in email.body_text
    assert reverse("integrations:slack_channel", args=[channel.team_id]) in email.body_text
    with committed():
        detractor_case()
    assert SlackDelivery.objects.count() == 1 and len(slack.received) == 1  # a paused channel gets nothing new


def test_a_pending_message_of_a_paused_channel_is_withheld(channel, slack, committed):
    slack.script = [(503, "service_unavailable")]
    with committed():
        detractor_case()
    row = SlackDelivery.objects.get()
    slack_services.pause_channel(actor=TESTS, channel=channel, reason="")
    make_due(row)
    assert delivery.deliver(model=SlackDelivery, ids=[row.pk]) == {row.pk: "withheld"}
    assert len(slack.received) == 1


def test_a_refused_message_fails_alone_and_counts_towards_a_pause(channel, slack, committed):
    slack.script = [(400, "invalid_blocks")]
    with committed():
        detractor_case()
    assert SlackDelivery.objects.get().status == DeliveryStatus.FAILED
    channel.refresh_from_db()
    assert channel.status == EndpointStatus.ACTIVE and channel.consecutive_failures == 1


def test_a_new_url_resumes_a_paused_channel(channel, slack, committed):
    slack_services.pause_channel(actor=Actor.system("tests"), channel=channel, reason="HTTP 404: no_service")
    channel.refresh_from_db()
    channel.webhook_url = slack.url + "-new"
    slack_services.save_channel(actor=TESTS, channel=channel)
    channel.refresh_from_db()
    assert channel.status == EndpointStatus.ACTIVE and channel.paused_reason == ""


def test_the_same_entry_is_posted_once(channel, slack, committed):
    with committed():
        detractor_case()
    entry = ActivityEntry.objects.get(action="followup.case.opened")
    with committed():
        assert slack_services.notify_from_activity(entry) == []
    delivery.relay()
    assert SlackDelivery.objects.count() == 1 and len(slack.received) == 1


def test_a_test_message(channel, slack, committed):
    with committed():
        row = slack_services.send_test_message(actor=TESTS, channel=channel)
    assert slack.malformed == []
    [body] = slack.received
    assert body["blocks"][0]["text"]["text"] == "Test message from Northwind Care"
    assert f"the team *{channel.team.name}* will be posted" in texts(body)[2]
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT and row.kind == "test" and row.case is None


def test_escaping_and_quoting():
    assert escape("a & <b> c") == "a &amp; &lt;b&gt; c"
    assert quote("one\ntwo <3", 100) == "> one\n> two &lt;3"
    cut = quote("&" * 100, 20)
    assert len(cut) <= 20 and cut.endswith("…") and cut == "> " + "&amp;" * 3 + "…"


def test_the_receiver_refuses_what_slack_would():
    assert message_problems({"text": "x", "blocks": [{"type": "banner"}]}) == ["blocks[0]: no valid type ('banner')"]
    bad = {"text": "x", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "<!channel> & co"}}]}
    assert len(message_problems(bad)) == 2
    assert message_problems({"blocks": []}) == ["no plain `text` fallback", "blocks: a list of 1 to 50"]


# The settings pages.

PAGES = [("integrations:slack", False), ("integrations:slack_channel", True)]


@pytest.mark.parametrize(("name", "per_team"), PAGES)
def test_only_admins_open_the_pages(client, agent, manager, admin_user, name, per_team):
    args = [Team.objects.get(is_default=True).pk] if per_team else []
    for user, status in ((agent, 403), (manager, 403), (admin_user, 200)):
        client.force_login(user)
        assert client.get(reverse(name, args=args)).status_code == status


def test_an_agent_cannot_post_the_form_or_send_a_test(client, agent, slack):
    team = Team.objects.get(is_default=True)
    connect(slack.url, team=team)
    client.force_login(agent)
    response = client.post(reverse("integrations:slack_channel", args=[team.pk]), {"webhook_url": slack.url + "x"})
    assert response.status_code == 403
    assert client.post(reverse("integrations:slack_test", args=[team.pk])).status_code == 403
    assert SlackChannel.objects.get().webhook_url == slack.url and not SlackDelivery.objects.exists()


def test_the_rules_and_webhooks_pages_link_to_slack_for_admins(client, admin_user):
    client.force_login(admin_user)
    for name in ("followup:rules", "integrations:webhooks"):
        assert reverse("integrations:slack") in client.get(reverse(name)).content.decode()


def test_an_admin_connects_a_channel_tests_it_and_reads_the_log(client, admin_user, slack):
    team = Team.objects.get(is_default=True)
    page = reverse("integrations:slack_channel", args=[team.pk])
    client.force_login(admin_user)
    response = client.post(page, {"webhook_url": slack.url, "notifications": ["new_case", "sla_breach"]})
    assert response.status_code == 302 and response.url == page
    channel = SlackChannel.objects.get()
    assert channel.team == team and channel.webhook_url == slack.url
    assert channel.notifications == ["new_case", "sla_breach"]
    assert ActivityEntry.objects.filter(action="integrations.slack.connected").exists()
    shown = client.get(page).content.decode()
    assert slack.url not in shown and "…abcd" in shown  # a credential: its end only, as Slack shows a token
    assert slack.url not in client.get(reverse("integrations:slack")).content.decode()

    response = client.post(reverse("integrations:slack_test", args=[team.pk]))
    assert response.status_code == 302 and response.url == page
    [body] = slack.received
    assert body["blocks"][0]["text"]["text"] == "Test message from Northwind Care"
    shown = client.get(page).content.decode()
    assert "Test message" in shown and "HTTP 200" in shown and "ok" in shown

    # Left empty, the URL stays; the notifications change.
    response = client.post(page, {"webhook_url": "", "notifications": ["customer_reply"]})
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.webhook_url == slack.url and channel.notifications == ["customer_reply"]


def test_the_overview_lists_every_team_and_a_paused_banner(client, admin_user, slack, settings):
    team = Team.objects.get(is_default=True)
    Team.objects.create(name="Billing")
    channel = connect(slack.url, team=team)
    slack_services.pause_channel(actor=Actor.system("tests"), channel=channel, reason="HTTP 404: no_service")
    client.force_login(admin_user)
    page = client.get(reverse("integrations:slack")).content.decode()
    assert "Billing" in page and "Not connected." in page and 'class="alert alert-warning' in page
    assert "HTTP 404: no_service" in page
    page = client.get(reverse("integrations:slack_channel", args=[team.pk])).content.decode()
    assert "HTTP 404: no_service" in page and reverse("integrations:slack_resume", args=[team.pk]) in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    page = client.get(reverse("integrations:slack")).content.decode()
    assert "一時停止中" in page and "HTTP 404: no_service" in page  # Slack's words as they came
    client.post(reverse("integrations:slack_resume", args=[team.pk]))
    channel.refresh_from_db()
    assert channel.status == EndpointStatus.ACTIVE


def test_a_test_message_on_a_paused_channel_is_refused_with_a_message(client, admin_user, slack):
    team = Team.objects.get(is_default=True)
    channel = connect(slack.url, team=team)
    slack_services.pause_channel(actor=TESTS, channel=channel, reason="")
    client.force_login(admin_user)
    response = client.post(reverse("integrations:slack_test", args=[team.pk]), follow=True)
    assert "Resume the channel" in response.content.decode() and not SlackDelivery.objects.exists()


def test_an_admin_disconnects_a_channel(client, admin_user, slack):
    team = Team.objects.get(is_default=True)
    connect(slack.url, team=team)
    client.force_login(admin_user)
    response = client.post(reverse("integrations:slack_remove", args=[team.pk]))
    assert response.status_code == 302 and not SlackChannel.objects.exists()
    assert ActivityEntry.objects.filter(action="integrations.slack.removed").exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"webhook_url": "https://127.0.0.1:8000/services/x"}, "webhook_url", "private network"),
        ({"webhook_url": "https://10.0.0.7/services/x"}, "webhook_url", "private network"),
        ({"webhook_url": "http://hooks.slack.com/services/T/B/x"}, "webhook_url", "https://"),
        ({"webhook_url": "ftp://hooks.slack.com/services/T/B/x"}, "webhook_url", ""),
        ({"webhook_url": ""}, "webhook_url", ""),
        ({"notifications": []}, "notifications", ""),
        ({"notifications": ["new_case", "weather"]}, "notifications", ""),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, admin_user, settings, fields, field, message):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    team = Team.objects.get(is_default=True)
    client.force_login(admin_user)
    form = {"webhook_url": "https://hooks.slack.com/services/T0/B0/abc", "notifications": ["new_case"], **fields}
    response = client.post(reverse("integrations:slack_channel", args=[team.pk]), form)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert not SlackChannel.objects.exists()
