"""Login throttling (django-axes): wrong passwords lock a username out from one address for the cool-off."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt

pytestmark = pytest.mark.django_db

WRONG, RIGHT = "not-the-password", "correct-horse-battery"


def _log_in(client, username, password, address="203.0.113.7", **headers):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def test_fifty_wrong_passwords_lock_the_account_out_even_for_the_right_one(client, agent, settings):
    statuses = [_log_in(client, agent.username, WRONG).status_code for _ in range(50)]
    assert statuses[: settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert set(statuses[settings.AXES_FAILURE_LIMIT :]) == {429}
    response = _log_in(client, agent.username, RIGHT)
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    page = response.content.decode()
    assert 'data-testid="locked-out"' in page and "paused for 15 minutes" in page


def test_the_lockout_message_is_translated(client, agent):
    for _ in range(5):
        _log_in(client, agent.username, WRONG)
    page = _log_in(client, agent.username, RIGHT, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "ログインを 15 分間停止しています" in page


def test_another_address_and_another_account_are_not_locked_out(client, agent, manager):
    for _ in range(5):
        _log_in(client, agent.username, WRONG)
    assert _log_in(client, manager.username, RIGHT).status_code == 302  # someone else from that address
    client.logout()
    assert _log_in(client, agent.username, RIGHT, address="198.51.100.9").status_code == 302  # the agent elsewhere


def test_the_address_is_the_client_behind_our_trusted_proxy(client, agent, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        _log_in(client, agent.username, WRONG, address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    locked = _log_in(client, agent.username, RIGHT, address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert locked.status_code == 429
    # Another customer behind the same proxy is another address: not locked out.
    other = _log_in(client, agent.username, RIGHT, address="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert other.status_code == 302


def test_the_lockout_ends_after_the_cool_off_and_a_success_resets_the_count(client, agent, settings):
    for _ in range(5):
        _log_in(client, agent.username, WRONG)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))
    assert _log_in(client, agent.username, RIGHT).status_code == 302
    assert not AccessAttempt.objects.exists()


def test_the_admin_login_counts_the_same_failures(client, admin_user):
    for _ in range(5):
        client.post("/admin/login/", {"username": admin_user.username, "password": WRONG}, REMOTE_ADDR="203.0.113.7")
    response = client.post(
        "/admin/login/", {"username": admin_user.username, "password": RIGHT}, REMOTE_ADDR="203.0.113.7"
    )
    assert response.status_code == 429
