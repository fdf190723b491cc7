"""API tokens: listed and revoked by their owner, optionally expiring, and gone when the password changes."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from feedback_platform.api_tokens import create_api_token
from feedback_platform.models import ApiToken

pytestmark = pytest.mark.django_db


def _api(client, key, path="/api/v1/surveys/"):
    return client.get(path, headers={"Authorization": f"Token {key}"})


def test_an_owner_makes_lists_and_revokes_tokens_on_the_security_page(client, manager, agent):
    client.force_login(manager)
    page = client.post("/accounts/security/", {"name": "BI export", "days": "30"}).content.decode()
    key = re.search(r'data-testid="new-key">([^<]+)<', page).group(1)
    token = ApiToken.objects.get(user=manager)
    assert token.name == "BI export" and key.startswith(token.prefix) and token.digest != key  # only a hash kept
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert _api(client, key).status_code == 200
    listing = client.get("/accounts/security/").content.decode()
    assert "BI export" in listing and key not in listing  # shown once
    _theirs, their_key = create_api_token(user=agent, name="agent's")
    assert "agent&#x27;s" not in listing
    assert client.post(f"/accounts/security/tokens/{_theirs.pk}/revoke/").status_code == 404  # not the owner's
    assert client.post(f"/accounts/security/tokens/{token.pk}/revoke/").status_code == 302
    client.logout()
    assert _api(client, key).status_code == 401 and _api(client, their_key, "/api/v1/cases/").status_code == 200


def test_an_expired_token_is_refused_with_a_clear_401(client, manager):
    token, key = create_api_token(user=manager, name="old", expires_at=timezone.now() - timedelta(minutes=1))
    response = _api(client, key)
    assert response.status_code == 401 and "This API token expired on" in response.json()["detail"]
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None)
    assert _api(client, key).status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_a_password_change_revokes_every_token(client, manager):
    _named, key = create_api_token(user=manager, name="ci")
    legacy = Token.objects.create(user=manager)  # DRF's, from before named tokens
    assert _api(client, key).status_code == 200 and _api(client, legacy.key).status_code == 200
    client.force_login(manager)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "correct-horse-battery",
            "new_password1": "a-new-long-pass-42",
            "new_password2": "a-new-long-pass-42",
        },
    )
    assert response.status_code == 302
    client.logout()
    assert _api(client, key).status_code == 401 and _api(client, legacy.key).status_code == 401
    assert not ApiToken.objects.exists() and not Token.objects.exists()


def test_a_password_set_elsewhere_revokes_them_too_and_a_login_does_not(manager, django_capture_on_commit_callbacks):
    create_api_token(user=manager, name="ci")
    with django_capture_on_commit_callbacks(execute=True):
        manager.last_login = timezone.now()
        manager.save(update_fields=["last_login"])  # what every login writes
        manager.first_name = "Mo"
        manager.save()  # a save that keeps the password
    assert ApiToken.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        manager.set_password("another-long-pass-7")  # the admin's form, `changepassword`
        manager.save()
    assert not ApiToken.objects.exists()
