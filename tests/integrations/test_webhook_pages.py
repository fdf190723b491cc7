"""The webhook settings pages and `/api/v1/webhooks/`: admins only, bad input a 400 naming its field."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from feedback_platform.delivery import DeliveryStatus
from feedback_platform.models import ActivityEntry
from integrations.models import WebhookDelivery, WebhookEndpoint
from tests.followup.helpers import detractor_case

pytestmark = pytest.mark.django_db
PAGES = ["integrations:webhooks", "integrations:webhook_new"]


@pytest.mark.parametrize("name", PAGES)
def test_only_admins_open_the_pages(client, agent, manager, admin_user, name):
    for user, status in ((agent, 403), (manager, 403), (admin_user, 200)):
        client.force_login(user)
        assert client.get(reverse(name)).status_code == status


def test_the_rules_page_links_to_the_webhooks_for_admins(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("followup:rules")).content.decode()
    assert reverse("integrations:webhooks") in page


def form(**fields):
    return {"url": "https://hooks.example.com/in", "description": "", "secret": "", "events": ["case.opened"], **fields}


def test_an_admin_adds_an_endpoint_and_a_secret_is_made(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("integrations:webhook_new"), form(events=["case.opened", "survey.sent"]))
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "integrations:webhook_deliveries", args=[endpoint.pk]
    )
    assert endpoint.events == ["case.opened", "survey.sent"] and len(endpoint.secret) >= 16
    assert ActivityEntry.objects.filter(action="integrations.webhook.created").exists()
    page = client.get(reverse("integrations:webhooks")).content.decode()
    assert "https://hooks.example.com/in" in page and "Case opened" in page


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"url": "ftp://hooks.example.com/"}, "url", ""),
        ({"events": []}, "events", ""),
        ({"events": ["case.deleted"]}, "events", ""),
        ({"secret": "short"}, "secret", "at least 16"),
        ({"url": "http://127.0.0.1:8000/hook"}, "url", "private network"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, admin_user, settings, fields, field, message):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    client.force_login(admin_user)
    response = client.post(reverse("integrations:webhook_new"), form(**fields))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert message in " ".join(response.context["form"].errors[field])
    assert not WebhookEndpoint.objects.exists()


def test_the_delivery_log_shows_attempts_and_sends_again(client, admin_user, django_capture_on_commit_callbacks):
    from tests.integrations.receiver import serve

    httpd, receiver = serve()
    try:
        receiver.script = [400]
        endpoint = WebhookEndpoint.objects.create(url=receiver.url, secret=receiver.secret, events=["case.opened"])
        with django_capture_on_commit_callbacks(execute=True):
            detractor_case()
        client.force_login(admin_user)
        log = reverse("integrations:webhook_deliveries", args=[endpoint.pk])
        page = client.get(log).content.decode()
        assert "HTTP 400" in page and "received, answering 400" in page and "Send again" in page
        row = WebhookDelivery.objects.get()
        response = client.post(reverse("integrations:webhook_resend", args=[row.pk]))
        assert response.status_code == 302 and response.url == log
        row.refresh_from_db()
        assert row.status == DeliveryStatus.SENT and len(receiver.received) == 2
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_paused_endpoint_has_a_banner_and_resumes(client, admin_user, settings):
    endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example.com/in",
        events=["case.opened"],
        status="paused",
        paused_reason="HTTP 410: gone",
        consecutive_failures=5,
    )
    client.force_login(admin_user)
    for name in ("integrations:webhooks", "integrations:webhook_deliveries"):
        args = [endpoint.pk] if name.endswith("deliveries") else []
        assert 'class="alert alert-warning' in client.get(reverse(name, args=args)).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    page = client.get(reverse("integrations:webhooks")).content.decode()
    assert (
        "5 件の配信が続けて失敗したため一時停止中です。最後の応答：HTTP 410: gone" in page
    )  # the receiver's words as they came, the rest in Japanese
    client.post(reverse("integrations:webhook_resume", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.status == "active" and endpoint.consecutive_failures == 0


def test_an_admin_pauses_an_endpoint_and_new_events_skip_it(client, admin_user, agent):
    endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.com/in", events=["case.opened"])
    client.force_login(agent)
    assert client.post(reverse("integrations:webhook_pause", args=[endpoint.pk])).status_code == 403
    client.force_login(admin_user)
    client.post(reverse("integrations:webhook_pause", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.is_paused and endpoint.paused_reason == ""
    page = client.get(reverse("integrations:webhook_deliveries", args=[endpoint.pk])).content.decode()
    assert "An admin paused this endpoint" in page and "failed deliveries" not in page
    detractor_case()  # case.opened, which the endpoint asked for
    assert not WebhookDelivery.objects.exists()
    assert ActivityEntry.objects.filter(action="integrations.webhook.paused", actor_user=admin_user).exists()


def test_an_admin_deletes_an_endpoint_with_its_log_and_the_activity_log_keeps_it(client, admin_user, manager):
    endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.com/in", events=["case.opened"])
    detractor_case()
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1
    client.force_login(manager)
    assert client.post(reverse("integrations:webhook_delete", args=[endpoint.pk])).status_code == 403
    client.force_login(admin_user)
    page = client.get(reverse("integrations:webhook_deliveries", args=[endpoint.pk])).content.decode()
    assert reverse("integrations:webhook_delete", args=[endpoint.pk]) in page
    response = client.post(reverse("integrations:webhook_delete", args=[endpoint.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("integrations:webhooks")
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()
    entry = ActivityEntry.objects.get(action="integrations.webhook.deleted")
    assert entry.actor_user == admin_user and "hooks.example.com" in entry.target_label
    assert client.post(reverse("integrations:webhook_delete", args=[endpoint.pk])).status_code == 404


@pytest.fixture
def admin_api(admin_user):
    api = APIClient()
    api.force_authenticate(admin_user)
    return api


def test_the_api_creates_and_changes_endpoints_for_admins(admin_api):
    response = admin_api.post(
        "/api/v1/webhooks/", {"url": "https://hooks.example.com/in", "events": ["case.resolved"]}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["events"] == ["case.resolved"] and body["status"] == "active" and len(body["secret"]) >= 16
    response = admin_api.patch(f"/api/v1/webhooks/{body['id']}/", {"events": ["case.opened"]}, format="json")
    assert response.status_code == 200 and response.json()["events"] == ["case.opened"]
    assert ActivityEntry.objects.filter(action="integrations.webhook.changed").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "gopher://x/", "events": ["case.opened"]}, "url"),
        ({"url": "https://hooks.example.com/", "events": ["nope"]}, "events"),
        ({"url": "https://hooks.example.com/", "events": []}, "events"),
        ({"url": "https://hooks.example.com/", "events": ["case.opened"], "secret": "short"}, "secret"),
    ],
)
def test_the_api_refuses_bad_input_by_field(admin_api, body, field):
    response = admin_api.post("/api/v1/webhooks/", body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not WebhookEndpoint.objects.exists()


def test_the_api_is_closed_to_managers(manager_api):
    assert manager_api.get("/api/v1/webhooks/").status_code == 403
