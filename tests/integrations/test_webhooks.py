"""Webhook deliveries against a real receiver on loopback that checks every signature."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback_platform import delivery
from feedback_platform.activity import Actor
from feedback_platform.delivery import DeliveryStatus
from feedback_platform.models import ActivityEntry
from followup.cases import assign_case
from followup.models import OutboxEmail
from integrations import services
from integrations.models import EndpointStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from reviews.ingest import ingest_answer
from tests.followup.helpers import detractor_case, detractor_feedback

pytestmark = pytest.mark.django_db
TESTS = Actor.system("tests")


def make_due(row: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_a_case_opened_is_one_signed_delivery(endpoint, receiver, committed):
    with committed():
        case = detractor_case()
    assert receiver.bad_signatures == 0
    [event] = receiver.events()
    assert event["type"] == "case.opened" and event["version"] == 1
    assert event["data"]["case"] == case.pk and event["data"]["feedback"] == case.feedback_id
    assert "comment" not in event["data"] and "It broke" not in str(event)
    headers = receiver.received[0]["headers"]
    assert headers["X-Webhook-Id"] == event["id"] and headers["X-Webhook-Event"] == "case.opened"
    row = WebhookDelivery.objects.get()
    assert (row.status, row.attempts, row.response_status) == (DeliveryStatus.SENT, 1, 200)
    assert str(row.event_id) == event["id"]
    assert WebhookAttempt.objects.get().status_code == 200


def test_a_500_is_retried_with_the_same_event_id_then_sent(endpoint, receiver, committed):
    receiver.script = [500]
    with committed():
        detractor_case()
    row = WebhookDelivery.objects.get()
    assert row.status == DeliveryStatus.AWAITING_RETRY and row.attempts == 1
    assert row.next_attempt_at > timezone.now() and row.response_status == 500
    assert delivery.deliver(model=WebhookDelivery, ids=[row.pk]) == {row.pk: "not_due"}  # back-off honoured
    make_due(row)
    assert delivery.deliver(model=WebhookDelivery, ids=[row.pk]) == {row.pk: "sent"}
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 2)
    ids = {request["headers"]["X-Webhook-Id"] for request in receiver.received}
    assert len(receiver.received) == 2 and ids == {str(row.event_id)}
    assert list(row.attempt_log.order_by("pk").values_list("status_code", flat=True)) == [500, 200]


def test_a_400_fails_at_once_and_is_not_retried(endpoint, receiver, committed):
    receiver.script = [400]
    with committed():
        detractor_case()
    row = WebhookDelivery.objects.get()
    assert (row.status, row.attempts, row.response_status) == (DeliveryStatus.FAILED, 1, 400)
    assert "HTTP 400" in row.last_error and row.next_attempt_at is None
    delivery.relay()
    delivery.deliver(model=WebhookDelivery, ids=[row.pk])
    assert len(receiver.received) == 1
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 1 and endpoint.status == EndpointStatus.ACTIVE


def test_a_delivery_given_up_after_its_last_attempt_fails(endpoint, receiver, committed):
    receiver.script = [503] * WebhookDelivery.max_attempts
    with committed():
        detractor_case()
    row = WebhookDelivery.objects.get()
    for _ in range(WebhookDelivery.max_attempts - 1):
        make_due(row)
        delivery.deliver(model=WebhookDelivery, ids=[row.pk])
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, WebhookDelivery.max_attempts)
    assert len(receiver.received) == WebhookDelivery.max_attempts


def test_sending_again_after_the_last_attempt_has_its_retries_again(endpoint, receiver, committed):
    receiver.script = [503] * WebhookDelivery.max_attempts + [503]
    with committed():
        detractor_case()
    row = WebhookDelivery.objects.get()
    for _ in range(WebhookDelivery.max_attempts - 1):
        make_due(row)
        delivery.deliver(model=WebhookDelivery, ids=[row.pk])
    with committed():
        services.resend_delivery(actor=TESTS, delivery_row=row)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.AWAITING_RETRY, 1)  # a 503 again: retried, not given up


def test_an_endpoint_with_no_or_unknown_events_is_refused():
    for wrong in ([], ["case.deleted"]):
        with pytest.raises(services.ValidationError) as error:
            services.save_endpoint(
                actor=TESTS, endpoint=WebhookEndpoint(url="https://hooks.example.com/", events=wrong)
            )
        assert "events" in error.value.message_dict
    assert not WebhookEndpoint.objects.exists()


def test_the_same_event_is_never_delivered_twice(endpoint, receiver, committed):
    with committed():
        detractor_case()
    row = WebhookDelivery.objects.get()
    entry = ActivityEntry.objects.get(action="followup.case.opened")
    with committed():
        services.emit_activity_event(entry=entry, type="case.opened")  # the same entry seen again
    delivery.deliver(model=WebhookDelivery, ids=[row.pk])  # a redelivered task
    delivery.relay()
    assert WebhookDelivery.objects.count() == 1
    assert len(receiver.received) == 1


def test_an_endpoint_gets_only_the_events_it_asked_for(endpoint, receiver, committed):
    endpoint.events = ["case.resolved"]
    services.save_endpoint(actor=TESTS, endpoint=endpoint)
    with committed():
        detractor_case()
    assert not WebhookDelivery.objects.exists() and receiver.received == []


def test_an_assignment_is_its_own_event(endpoint, receiver, committed, agent):
    with committed():
        case = detractor_case()
        assign_case(case=case, owner=agent, actor=None)
    assert [event["type"] for event in receiver.events()] == ["case.opened", "case.assigned"]
    assert receiver.events()[1]["data"]["owner"] == agent.pk


def test_new_feedback_is_received_once_and_classified_each_time(endpoint, receiver, committed):
    feedback = detractor_feedback()
    with committed():
        ingest_answer(answer=feedback.answer)  # the same answer again: a re-classification
        ingest_answer(answer=feedback.answer)
    types = [event["type"] for event in receiver.events() if event["type"].startswith("feedback.")]
    assert types == ["feedback.classified", "feedback.classified"]
    received = WebhookDelivery.objects.filter(event_type="feedback.received")
    assert not received.exists()  # detractor_feedback stored it without announcing it


def test_first_feedback_sends_received_and_classified(endpoint, receiver, committed):
    from surveys.models import Answer
    from tests.surveys.helpers import sent_invitation

    invitation, _ = sent_invitation()
    answer = Answer.objects.create(
        invitation=invitation, survey=invitation.survey, contact=invitation.contact, score=9, comment="Lovely"
    )
    with committed():
        feedback = ingest_answer(answer=answer)
    types = [event["type"] for event in receiver.events() if event["type"].startswith("feedback.")]
    assert types == ["feedback.received", "feedback.classified"]
    [received] = [event for event in receiver.events() if event["type"] == "feedback.received"]
    assert received["data"]["feedback"] == feedback.pk and received["data"]["segment"] == "promoter"
    assert "Lovely" not in str(received)
    assert received["id"] == str(services.events.event_id(f"feedback:{feedback.pk}"))


def test_a_wrong_secret_is_refused_by_the_receiver_and_not_retried(endpoint, receiver, committed):
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret="someone-else-s-secret")
    with committed():
        detractor_case()
    assert receiver.bad_signatures == 1 and receiver.received == []
    assert WebhookDelivery.objects.get().status == DeliveryStatus.FAILED  # 401: permanent


def test_repeated_failures_pause_the_endpoint_and_tell_the_admins(endpoint, receiver, committed, admin_user):
    receiver.script = [400] * services.PAUSE_AFTER_FAILURES
    for _ in range(services.PAUSE_AFTER_FAILURES):
        with committed():
            detractor_case()
    endpoint.refresh_from_db()
    assert endpoint.status == EndpointStatus.PAUSED and "HTTP 400" in endpoint.paused_reason
    assert ActivityEntry.objects.filter(action="integrations.webhook.paused").count() == 1
    email = OutboxEmail.objects.get(to_email=admin_user.email)
    assert endpoint.url in email.body_text
    with committed():
        detractor_case()
    assert WebhookDelivery.objects.count() == services.PAUSE_AFTER_FAILURES  # a paused endpoint gets nothing new
    services.resume_endpoint(actor=TESTS, endpoint=endpoint)
    with committed():
        detractor_case()
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 1


def test_a_success_ends_the_run_of_failures(endpoint, receiver, committed):
    receiver.script = [400] * (services.PAUSE_AFTER_FAILURES - 1) + [200, 400]
    for _ in range(services.PAUSE_AFTER_FAILURES + 1):
        with committed():
            detractor_case()
    endpoint.refresh_from_db()
    assert endpoint.status == EndpointStatus.ACTIVE and endpoint.consecutive_failures == 1


def test_a_pending_delivery_of_a_paused_endpoint_is_withheld(endpoint, receiver, committed):
    receiver.script = [500]
    with committed():
        detractor_case()
    row = WebhookDelivery.objects.get()
    services.pause_endpoint(actor=TESTS, endpoint=endpoint, reason="by hand")
    make_due(row)
    assert delivery.deliver(model=WebhookDelivery, ids=[row.pk]) == {row.pk: "withheld"}
    assert len(receiver.received) == 1


def test_sending_again_by_hand_is_a_new_attempt_of_the_same_event(endpoint, receiver, committed):
    receiver.script = [400]
    with committed():
        detractor_case()
    row = WebhookDelivery.objects.get()
    with committed():
        services.resend_delivery(actor=TESTS, delivery_row=row)
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT and row.attempt_log.count() == 2
    assert [request["headers"]["X-Webhook-Id"] for request in receiver.received] == [str(row.event_id)] * 2
    with pytest.raises(services.ValidationError):  # a paused endpoint is resumed first
        services.pause_endpoint(actor=TESTS, endpoint=endpoint, reason="by hand")
        services.resend_delivery(actor=TESTS, delivery_row=row)


def test_event_ids_are_stable_for_their_source():
    assert services.events.event_id("activity:1") == services.events.event_id("activity:1")
    assert services.events.event_id("activity:1") != services.events.event_id("activity:2")
    assert isinstance(services.events.event_id("activity:1"), uuid.UUID)
