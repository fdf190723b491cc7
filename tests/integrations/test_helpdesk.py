"""The helpdesk adapter against a Zendesk on loopback: a rule opens a case's ticket once, linked both ways;
refusals reach the case's timeline, outages are retried under one idempotency key; the ticket's status comes
back through our signed webhook; admins set the connection up on its settings page."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from feedback_platform import delivery
from feedback_platform.activity import Actor
from feedback_platform.delivery import DeliveryStatus
from feedback_platform.erasure import erase_person
from feedback_platform.models import ActivityEntry
from followup.forms import RuleForm
from followup.models import Case, CaseStatus, EventKind, Rule, RuleFiring, Team
from followup.rules import act_on_feedback
from integrations import helpdesk, ticketing
from integrations.models import HelpdeskConnection, TicketRequest
from tests.followup.helpers import detractor_feedback

from . import zendesk as fake

pytestmark = pytest.mark.django_db
ADMIN = Actor.system("tests")
SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="


@pytest.fixture
def zendesk():
    httpd, server = fake.serve()
    yield server
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def connection(db, zendesk):
    """The connection for every team, on the loopback Zendesk."""
    return ticketing.save_connection(
        actor=ADMIN,
        connection=HelpdeskConnection(
            base_url=zendesk.url, agent_email=fake.EMAIL, api_token=fake.TOKEN, signing_secret=SECRET
        ),
    )


@pytest.fixture
def ticket_rule(db):
    Rule.objects.all().delete()
    return Rule.objects.create(name="Ticket", segments=["detractor"], open_case=True, extra_actions=["open_ticket"])


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block, then what its commit sets off (the delivery tasks, eager here)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def fire(committed, **kwargs) -> Case:
    """A detractor answers and the rules run on it, as the worker would; the ticket's delivery follows."""
    feedback = detractor_feedback(**kwargs)
    with committed():
        act_on_feedback(feedback=feedback)
    return Case.objects.get(feedback=feedback)


def make_due(row: TicketRequest) -> None:
    TicketRequest.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def signed(body: bytes, *, secret: str = SECRET, at=None) -> dict:
    timestamp = (at or timezone.now()).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return {
        "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": base64.b64encode(digest).decode(),
        "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP": timestamp,
    }


def post_event(client, connection, data, **sign):
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    url = reverse("integrations:helpdesk_events", args=[connection.pk])
    return client.post(url, body, content_type="application/json", **signed(body, **sign))


# Opening the ticket.


def test_a_detractor_rule_opens_one_zendesk_ticket_linked_both_ways(
    connection, zendesk, ticket_rule, committed, client, agent
):
    case = fire(committed, comment="The parcel never came")
    [request] = zendesk.creations()
    expected_auth = "Basic " + base64.b64encode(f"{fake.EMAIL}/token:{fake.TOKEN}".encode()).decode()
    assert request["headers"]["Authorization"] == expected_auth
    row = TicketRequest.objects.get()
    assert request["headers"]["Idempotency-Key"] == str(row.uuid)
    ticket = request["body"]["ticket"]
    assert ticket["external_id"] == f"case-{case.pk}"
    assert ticket["priority"] in {"low", "normal", "high", "urgent"}
    assert ticket["priority"] == helpdesk.priority_band(case.priority)
    assert ticket["requester"] == {"name": case.contact.name, "email": case.contact.email}
    assert "nps_detractor" in ticket["tags"] and "Detractor" in ticket["subject"]
    assert "The parcel never came" in ticket["comment"]["body"] and ticket["comment"]["public"] is False
    case_url = settings.SITE_URL + reverse("followup:case", args=[case.pk])
    assert case_url.startswith("http") and case_url in ticket["comment"]["body"]  # the way back, absolute

    case.refresh_from_db()
    url = f"{zendesk.url}/agent/tickets/35436"
    assert (case.ticket_system, case.ticket_id, case.ticket_url) == ("zendesk", "35436", url)
    row.refresh_from_db()
    assert (row.status, row.response_status, row.ticket_id, row.body) == (DeliveryStatus.SENT, 201, "35436", "")
    assert RuleFiring.objects.get(rule=ticket_rule).actions[-1] == f"zendesk ticket queued for case {case.pk}"
    client.force_login(agent)
    page = client.get(reverse("followup:case", args=[case.pk])).content.decode()
    assert f'href="{url}"' in page and "Zendesk ticket 35436" in page


def test_the_ticket_speaks_its_team_s_language(connection, zendesk, ticket_rule, committed):
    Team.objects.filter(is_default=True).update(language="ja")
    case = fire(committed, comment="")
    ticket = zendesk.creations()[0]["body"]["ticket"]
    assert ticket["subject"].startswith(f"{case.contact.name} さんからの")
    assert "フィードバックプラットフォームのケース" in ticket["comment"]["body"]


def test_it_opens_the_ticket_once_however_often_it_is_asked(connection, zendesk, ticket_rule, committed):
    case = fire(committed)
    row = TicketRequest.objects.get()
    with committed():
        act_on_feedback(feedback=case.feedback)  # the rules again (a redelivered task): they fired already
        assert ticketing.queue_ticket(case=case).startswith("case")  # and asked directly: the case has its ticket
    delivery.deliver(model=TicketRequest, ids=[row.pk])  # a redelivered delivery task
    delivery.relay()
    assert TicketRequest.objects.count() == 1
    assert len(zendesk.creations()) == 1 and len(zendesk.tickets) == 1
    assert case.events.filter(kind=EventKind.TICKET).count() == 1


def test_an_answer_lost_on_the_way_is_asked_again_under_the_same_key(
    connection, zendesk, ticket_rule, committed, monkeypatch
):
    monkeypatch.setattr(helpdesk, "TIMEOUT_SECONDS", 0.3)
    zendesk.script = ["late"]  # Zendesk opens the ticket; its answer comes after we gave up
    case = fire(committed)
    row = TicketRequest.objects.get()
    assert row.status == DeliveryStatus.AWAITING_RETRY and "Timeout" in row.last_error
    make_due(row)
    assert delivery.deliver(model=TicketRequest, ids=[row.pk]) == {row.pk: "sent"}
    keys = {request["headers"]["Idempotency-Key"] for request in zendesk.creations()}
    assert len(zendesk.creations()) == 2 and keys == {str(row.uuid)}
    assert len(zendesk.tickets) == 1  # one ticket in Zendesk
    case.refresh_from_db()
    assert case.ticket_id == "35436"


def test_a_503_is_retried_with_back_off_then_linked(connection, zendesk, ticket_rule, committed):
    zendesk.script = [503]
    case = fire(committed)
    row = TicketRequest.objects.get()
    assert (row.status, row.attempts, row.response_status) == (DeliveryStatus.AWAITING_RETRY, 1, 503)
    assert "ServiceUnavailable" in row.last_error and row.body  # still to send, the same body
    assert delivery.deliver(model=TicketRequest, ids=[row.pk]) == {row.pk: "not_due"}
    make_due(row)
    assert delivery.deliver(model=TicketRequest, ids=[row.pk]) == {row.pk: "sent"}
    [first, second] = zendesk.creations()
    assert first["raw"] == second["raw"] and first["headers"]["Idempotency-Key"] == second["headers"]["Idempotency-Key"]
    case.refresh_from_db()
    assert case.ticket_id == "35436"
    assert not case.events.filter(kind=EventKind.TICKET, data__failed=True).exists()


def test_a_record_invalid_refusal_is_on_the_case_timeline_and_not_retried(
    connection, zendesk, ticket_rule, committed, client, agent
):
    zendesk.script = [422]
    case = fire(committed)
    row = TicketRequest.objects.get()
    assert (row.status, row.response_status, row.body) == (DeliveryStatus.FAILED, 422, "")
    assert row.last_error == "HTTP 422 RecordInvalid: Requester: Email is invalid"
    make_due(row)
    delivery.relay()
    assert len(zendesk.creations()) == 1
    case.refresh_from_db()
    assert not case.ticket_id
    failure = case.events.get(kind=EventKind.TICKET, data__failed=True)
    assert failure.body == "HTTP 422 RecordInvalid: Requester: Email is invalid"
    assert ActivityEntry.objects.filter(action="followup.case.ticket_failed").count() == 1
    client.force_login(agent)
    page = client.get(reverse("followup:case", args=[case.pk])).content.decode()
    assert "Zendesk refused to open a ticket" in page and "Requester: Email is invalid" in page


def test_a_wrong_token_is_refused_for_good_in_zendesk_s_words(connection, zendesk, ticket_rule, committed):
    HelpdeskConnection.objects.filter(pk=connection.pk).update(api_token="revoked")
    case = fire(committed)
    row = TicketRequest.objects.get()
    assert (row.status, row.response_status) == (DeliveryStatus.FAILED, 401)
    assert case.events.get(data__failed=True).body == "HTTP 401 Couldn't authenticate you"


def test_a_case_whose_team_has_no_helpdesk_gets_no_ticket(zendesk, ticket_rule, committed):
    case = fire(committed)
    assert not TicketRequest.objects.exists() and zendesk.requests == []
    assert RuleFiring.objects.get().actions[-1] == f"no helpdesk connected for case {case.pk}'s team"


def test_a_team_s_own_connection_comes_first_and_switched_off_means_none(connection, zendesk, ticket_rule, committed):
    team = Team.objects.get(is_default=True)
    own = ticketing.save_connection(
        actor=ADMIN,
        connection=HelpdeskConnection(team=team, base_url=zendesk.url, agent_email=fake.EMAIL, api_token=fake.TOKEN),
    )
    case = fire(committed)
    assert TicketRequest.objects.get(case=case).connection == own
    own.is_active = False
    ticketing.save_connection(actor=ADMIN, connection=own)
    other = fire(committed)
    assert not TicketRequest.objects.filter(case=other).exists()  # not the connection for every other team
    assert ticketing.connection_for(other) is None


def test_a_pending_request_of_an_erased_customer_is_not_sent(connection, zendesk, ticket_rule):
    feedback = detractor_feedback(comment="Mrs Quarrington's parcel")
    act_on_feedback(feedback=feedback)  # committed later: the ticket is still queued
    row = TicketRequest.objects.get()
    assert "Quarrington" in row.body
    erase_person(contact=feedback.contact, actor=ADMIN)
    row.refresh_from_db()
    assert (row.status, row.body) == (DeliveryStatus.WITHHELD, "")
    assert delivery.deliver(model=TicketRequest, ids=[row.pk]) == {row.pk: DeliveryStatus.WITHHELD}
    assert zendesk.requests == []


def test_an_answer_gets_its_ticket_on_a_real_worker(celery_worker, zendesk):
    """Real broker (Redis in CI), real worker: the answer's ingestion fires the rule, whose ticket is sent after
    the rule's transaction committed."""
    from reviews.tasks import ingest_answer_task
    from surveys.models import Answer
    from tests.conftest import wait_for
    from tests.surveys.helpers import sent_invitation

    ticketing.save_connection(
        actor=ADMIN,
        connection=HelpdeskConnection(base_url=zendesk.url, agent_email=fake.EMAIL, api_token=fake.TOKEN),
    )
    Rule.objects.all().delete()
    Rule.objects.create(name="Ticket", segments=["detractor"], open_case=True, extra_actions=["open_ticket"])
    invitation, _ = sent_invitation()
    answer = Answer.objects.create(
        invitation=invitation, survey=invitation.survey, contact=invitation.contact, score=1, comment="Broken"
    )
    ingest_answer_task.delay(answer.pk)
    case = wait_for(lambda: Case.objects.filter(feedback__answer=answer).exclude(ticket_id="").first(), timeout=60)
    assert case.ticket_url == f"{zendesk.url}/agent/tickets/35436"
    assert len(zendesk.creations()) == 1


def test_the_rule_form_offers_the_action():
    assert ("open_ticket", "Open a helpdesk ticket") in [
        (key, str(label)) for key, label in RuleForm().fields["extra_actions"].choices
    ]


# The ticket's status coming back.


@pytest.fixture
def linked_case(connection, zendesk, ticket_rule, committed):
    return fire(committed)


def test_a_solved_ticket_resolves_its_case(client, connection, linked_case):
    answer = post_event(client, connection, {"ticket_id": "35436", "status": "Solved"})
    assert answer.status_code == 200
    assert answer.json() == {"case": linked_case.pk, "ticket": "35436", "status": "solved", "recorded": True}
    linked_case.refresh_from_db()
    assert linked_case.status == CaseStatus.RESOLVED
    assert linked_case.resolution_summary == "Solved in Zendesk ticket 35436."
    again = post_event(client, connection, {"ticket_id": "35436", "status": "solved"})
    assert again.status_code == 200 and again.json()["recorded"] is False


def test_another_status_is_noted_and_the_case_stays_open(client, connection, linked_case):
    # The shape of Zendesk's ticket events, beside the trigger's body of the README.
    event = {"type": "zen:event-type:ticket.status_changed", "detail": {"id": "35436"}, "event": {"current": "PENDING"}}
    assert post_event(client, connection, event).status_code == 200
    linked_case.refresh_from_db()
    assert linked_case.status == CaseStatus.NEW
    assert linked_case.events.filter(kind=EventKind.TICKET, data__status="pending").exists()


def test_the_events_webhook_needs_no_csrf_token(connection, linked_case):
    from django.test import Client

    answer = post_event(Client(enforce_csrf_checks=True), connection, {"ticket_id": "35436", "status": "open"})
    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("sign", "status"),
    [
        ({"secret": "someone-else-s-secret"}, 401),
        ({"at": timezone.now() - timedelta(minutes=10)}, 401),  # a replay of an old event
    ],
)
def test_a_bad_or_stale_signature_is_refused(client, connection, linked_case, sign, status):
    answer = post_event(client, connection, {"ticket_id": "35436", "status": "solved"}, **sign)
    assert answer.status_code == status and "signature" in answer.json()["error"]
    linked_case.refresh_from_db()
    assert linked_case.status == CaseStatus.NEW


def test_an_unsigned_event_and_a_connection_with_no_secret_are_refused(client, connection, linked_case):
    url = reverse("integrations:helpdesk_events", args=[connection.pk])
    body = json.dumps({"ticket_id": "35436", "status": "solved"})
    assert client.post(url, body, content_type="application/json").status_code == 401
    HelpdeskConnection.objects.filter(pk=connection.pk).update(signing_secret="")
    answer = post_event(client, connection, {"ticket_id": "35436", "status": "solved"})
    assert answer.status_code == 403 and "signing secret" in answer.json()["error"]
    assert client.get(url).status_code == 405


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"status": "solved"}', "ticket_id"),
        (b'{"ticket_id": "35436"}', "status"),
    ],
)
def test_a_malformed_event_is_a_400_naming_the_problem(client, connection, linked_case, body, problem):
    answer = post_event(client, connection, body)
    assert answer.status_code == 400 and problem in answer.json()["error"]


def test_an_unknown_ticket_or_connection_is_a_404(client, connection, linked_case):
    answer = post_event(client, connection, {"ticket_id": "999", "status": "solved"})
    assert answer.status_code == 404 and "999" in answer.json()["error"]
    connection.pk = 9999
    assert post_event(client, connection, {"ticket_id": "35436", "status": "solved"}).status_code == 404


def test_another_account_s_ticket_of_the_same_number_is_not_ours(client, connection, linked_case, zendesk):
    team = Team.objects.create(name="Billing")
    other = ticketing.save_connection(
        actor=ADMIN,
        connection=HelpdeskConnection(
            team=team, base_url=zendesk.url, agent_email=fake.EMAIL, api_token=fake.TOKEN, signing_secret=SECRET
        ),
    )
    assert post_event(client, other, {"ticket_id": "35436", "status": "solved"}).status_code == 404
    linked_case.refresh_from_db()
    assert linked_case.status == CaseStatus.NEW


# The settings page.


def form_data(**changes) -> dict:
    data = {"system": "zendesk", "team": "", "base_url": "acme", "agent_email": fake.EMAIL, "api_token": fake.TOKEN}
    return {**data, "signing_secret": SECRET, "is_active": "on", **changes}


def test_the_settings_pages_are_for_admins_only(client, agent, manager, admin_user, connection):
    urls = [
        reverse("integrations:helpdesk"),
        reverse("integrations:helpdesk_new"),
        reverse("integrations:helpdesk_edit", args=[connection.pk]),
    ]
    for user in (agent, manager):
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == [403, 403, 403]
        assert client.post(reverse("integrations:helpdesk_test", args=[connection.pk])).status_code == 403
    client.force_login(admin_user)
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]
    rules = client.get(reverse("followup:rules")).content.decode()
    assert f'href="{urls[0]}"' in rules  # in the settings nav, beside the webhooks


def test_an_admin_connects_zendesk_and_the_token_is_not_shown_again(client, admin_user):
    client.force_login(admin_user)
    answer = client.post(reverse("integrations:helpdesk_new"), form_data(base_url="Acme"))
    saved = HelpdeskConnection.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("integrations:helpdesk_edit", args=[saved.pk])
    assert (saved.base_url, saved.api_token, saved.signing_secret) == ("https://acme.zendesk.com", fake.TOKEN, SECRET)
    page = client.get(answer.url).content.decode()
    assert fake.TOKEN not in page and SECRET not in page and fake.TOKEN[-4:] in page
    events_url = settings.SITE_URL + reverse("integrations:helpdesk_events", args=[saved.pk])
    assert events_url in page and "{{ticket.id}}" in page
    # Saved again with the token and secret left empty: both stay.
    data = form_data(base_url="https://acme.zendesk.com/agent/dashboard", api_token="", signing_secret="")
    assert client.post(answer.url, data).status_code == 302
    saved.refresh_from_db()
    assert (saved.base_url, saved.api_token, saved.signing_secret) == ("https://acme.zendesk.com", fake.TOKEN, SECRET)
    entry = ActivityEntry.objects.filter(action="integrations.helpdesk.changed").get()
    assert fake.TOKEN not in json.dumps(entry.payload)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"base_url": "ftp://acme.example"}, "base_url"),
        ({"base_url": "https://"}, "base_url"),
        ({"agent_email": "not an address"}, "agent_email"),
        ({"api_token": ""}, "api_token"),
        ({"system": "helpscout"}, "system"),
    ],
)
def test_a_wrong_field_is_named_and_nothing_is_saved(client, admin_user, changes, field):
    client.force_login(admin_user)
    answer = client.post(reverse("integrations:helpdesk_new"), form_data(**changes))
    assert answer.status_code == 400
    assert field in answer.context["form"].errors
    assert not HelpdeskConnection.objects.exists()


def test_a_second_connection_for_the_same_team_is_refused_on_the_team_field(client, admin_user, connection):
    client.force_login(admin_user)
    answer = client.post(reverse("integrations:helpdesk_new"), form_data())
    assert answer.status_code == 400
    assert answer.context["form"].errors["team"] == ["There already is a connection for every team without its own."]
    assert HelpdeskConnection.objects.count() == 1


def test_a_private_address_is_refused_outside_tests(client, admin_user, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    client.force_login(admin_user)
    answer = client.post(reverse("integrations:helpdesk_new"), form_data(base_url="https://127.0.0.1:8080"))
    assert answer.status_code == 400 and "private network" in str(answer.context["form"].errors["base_url"])


def test_test_connection_says_who_zendesk_knows(client, admin_user, connection, zendesk):
    client.force_login(admin_user)
    url = reverse("integrations:helpdesk_test", args=[connection.pk])
    page = client.post(url, follow=True).content.decode()
    assert "Connected: Zendesk knows these credentials as Ada Agent (agent@acme.example), role agent." in page
    [request] = zendesk.requests
    assert request["path"] == "/api/v2/users/me.json" and request["method"] == "GET"
    HelpdeskConnection.objects.filter(pk=connection.pk).update(api_token="revoked")
    page = client.post(url, follow=True).content.decode()
    assert "Zendesk refused: HTTP 401 Couldn&#x27;t authenticate you" in page


def test_test_connection_says_when_nobody_answers(client, admin_user, connection):
    HelpdeskConnection.objects.filter(pk=connection.pk).update(base_url="http://127.0.0.1:9")
    client.force_login(admin_user)
    page = client.post(reverse("integrations:helpdesk_test", args=[connection.pk]), follow=True).content.decode()
    assert "No answer from http://127.0.0.1:9" in page
