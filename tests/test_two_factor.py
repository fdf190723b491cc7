"""Two-factor logins (django-otp): required for admins, optional for others, recovery codes, a verify step."""

import io
import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from feedback_platform.activity import ActivityEntry

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _admins_must(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["Admin"]


def _code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The app's code now, or the next one: a code is good once (the step used at setup is spent), and the
    device accepts one step of clock drift."""
    t0 = device.t0 - steps_ahead * device.step
    return f"{totp(device.bin_key, step=device.step, t0=t0, digits=device.digits):06d}"


def _log_in(client, user):
    return client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})


def _set_up(client) -> list[str]:
    """The setup page's whole flow, with the code the app would show; returns the recovery codes."""
    return _set_up_spending(client)[0]


def _set_up_spending(client) -> tuple[list[str], str]:
    """`_set_up`, and the code it spent (itself, not the one of the clock's step by the time it is used)."""
    client.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(confirmed=False)
    spent = _code(device)
    page = client.post("/accounts/two-factor/setup/", {"code": spent}).content.decode()
    return re.findall(r"<code>([a-z0-9]+)</code>", page), spent


def test_an_admin_without_a_device_is_sent_to_set_one_up_before_anything_else(client, admin_user):
    _log_in(client, admin_user)
    for path in ("/reports/", "/settings/rules/", "/admin/", "/accounts/security/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/setup/"), path
    setup = client.get("/accounts/two-factor/setup/")
    page = setup.content.decode()
    assert setup.status_code == 200 and "<svg" in page and 'data-testid="totp-secret"' in page
    assert "<script" not in page.split("<main", 1)[1].split("</main>")[0]  # the QR code is plain SVG

    wrong = client.post("/accounts/two-factor/setup/", {"code": "000000"})
    assert wrong.status_code == 400 and "That code is not right" in wrong.content.decode()
    TOTPDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)  # its delay
    codes = _set_up(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/reports/").status_code == 200  # verified for this session
    assert ActivityEntry.objects.filter(action="feedback_platform.two_factor.enabled").exists()


def test_a_user_with_a_device_gives_a_code_after_the_password(client, manager):
    client.force_login(manager)
    assert client.get("/reports/").status_code == 200  # optional for a manager: no device, no step
    codes, spent = _set_up_spending(client)
    client.logout()
    _log_in(client, manager)
    response = client.get("/reports/")
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/verify/?next=%2Freports%2F"
    assert client.post("/accounts/two-factor/verify/", {"code": "123456"}).status_code == 400
    TOTPDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)  # its delay
    device = TOTPDevice.objects.get(user=manager)
    assert client.post("/accounts/two-factor/verify/", {"code": spent}).status_code == 400  # spent at setup
    TOTPDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    done = client.post("/accounts/two-factor/verify/", {"code": _code(device, 1), "next": "/reports/"})
    assert done.status_code == 302 and done["Location"] == "/reports/"
    assert client.get("/reports/").status_code == 200
    assert len(codes) == 10


def test_a_recovery_code_works_once_and_new_ones_replace_the_old(client, agent):
    client.force_login(agent)
    codes = _set_up(client)
    client.logout()
    _log_in(client, agent)
    assert client.post("/accounts/two-factor/verify/", {"code": codes[0]}).status_code == 302
    assert StaticToken.objects.filter(token=codes[0]).count() == 0 and StaticToken.objects.count() == 9
    client.logout()
    _log_in(client, agent)
    assert client.post("/accounts/two-factor/verify/", {"code": codes[0]}).status_code == 400  # used already
    StaticDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)  # its delay
    assert client.post("/accounts/two-factor/verify/", {"code": codes[1]}).status_code == 302
    new = re.findall(r"<code>([a-z0-9]+)</code>", client.post("/accounts/security/codes/").content.decode())
    assert len(new) == 10 and not set(new) & set(codes)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)


def test_the_next_address_after_the_code_stays_on_this_site(client, agent):
    client.force_login(agent)
    _set_up(client)
    client.logout()
    _log_in(client, agent)
    device = TOTPDevice.objects.get(user=agent)
    done = client.post("/accounts/two-factor/verify/", {"code": _code(device, 1), "next": "https://evil.example.com/"})
    assert done["Location"] == "/"


def test_the_demo_admin_can_log_in_with_the_printed_key(client, settings):
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.get(username="admin")
    client.post("/accounts/login/", {"username": "admin", "password": "demo-admin-pass"})
    assert client.get("/reports/")["Location"].startswith("/accounts/two-factor/verify/")
    device = TOTPDevice.objects.get(user=admin)
    assert device.config_url.startswith("otpauth://totp/") and "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" in device.config_url
    settings.DEBUG = True  # `demo_totp_code` is for make run's demo only
    printed = io.StringIO()
    call_command("demo_totp_code", stdout=printed)
    assert client.post("/accounts/two-factor/verify/", {"code": printed.getvalue().strip()}).status_code == 302
    assert client.get("/reports/").status_code == 200


def test_the_demo_code_command_refuses_outside_the_demo(settings):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="Only for the demo"):
        call_command("demo_totp_code")
