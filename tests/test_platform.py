"""Project-wide promises: health, the API's auth and schema, migrations, demo data."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from feedback_platform.models import Profile
from followup.models import Case
from reviews.models import Feedback
from surveys.models import Answer, Contact, Survey

pytestmark = pytest.mark.django_db


def test_healthz_names_each_dependency(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
    }


def test_healthz_is_503_when_a_dependency_is_down(client, monkeypatch):
    def broker_down():
        raise ConnectionRefusedError("no broker")

    monkeypatch.setattr("feedback_platform.views._check_broker", broker_down)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["status"] == "down"
    assert "no broker" in response.json()["checks"]["broker"]["error"]


def test_the_api_takes_a_token_from_create_api_token(client, manager):
    out = io.StringIO()
    call_command("create_api_token", manager.username, stdout=out)
    key = out.getvalue().strip()
    assert len(key) == 40
    Survey.objects.create(name="Onboarding NPS")
    response = client.get("/api/v1/surveys/", headers={"Authorization": f"Token {key}"})
    assert response.status_code == 200
    assert [s["name"] for s in response.json()["results"]] == ["Onboarding NPS"]
    assert client.get("/api/v1/surveys/").status_code == 401
    assert client.get("/api/v1/surveys/", headers={"Authorization": "Token wrong"}).status_code == 401


def test_the_api_checks_roles(client, agent):
    client.force_login(agent)
    assert client.get("/api/v1/metrics/nps/").status_code == 403


def test_a_bad_api_parameter_is_a_400_that_names_it(client, manager):
    client.force_login(manager)
    response = client.get("/api/v1/metrics/nps/?interval=fortnight")
    assert response.status_code == 400
    assert "Unknown interval fortnight" in response.json()["interval"][0]


def test_the_openapi_schema_and_docs_are_served(client, manager):
    assert client.get("/api/schema/").status_code == 401  # signed-in users only
    client.force_login(manager)
    schema = client.get("/api/schema/", headers={"Accept": "application/json"})
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert "/api/v1/surveys/" in paths and "/api/v1/metrics/{kind}/" in paths
    docs = client.get(reverse("api-docs")).content.decode()
    assert "swagger-ui" in docs and "//cdn" not in docs and "unpkg" not in docs


def test_create_api_token_names_an_unknown_user():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("create_api_token", "ghost")


def test_seed_demo_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    counts = [m.objects.count() for m in (Contact, Survey, Answer, Feedback, Case)]
    assert counts[0] == 300 and counts[1] == 2 and counts[2] > 300
    assert Case.objects.exists()
    assert set(Feedback.objects.values_list("language", flat=True)) >= {"en", "zh-hans", "ja"}
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert [m.objects.count() for m in (Contact, Survey, Answer, Feedback, Case)] == counts
    assert "agent / demo-agent-pass" in out.getvalue()
    assert Profile.objects.get(user__username="agent").sign_off("ja") == "Anna Schmidt\nNorthwind カスタマーケア"


def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())


def test_the_openapi_schema_builds_without_warnings(tmp_path):
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/cases/{id}/" in (tmp_path / "schema.yaml").read_text()
