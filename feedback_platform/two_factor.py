"""Two-factor logins (django-otp): a TOTP authenticator app, and ten one-time recovery codes.

Required for admins (the middleware sends one without a device to set one up before anything else),
optional for everyone else from their Security page. A user with a device is asked for a code after the
password on every login. django-otp over django-allauth's MFA: it plugs into Django's own login view and
sessions, which the product already uses, where allauth would replace the whole account flow.
"""

import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .activity import Actor, record_activity
from .roles import role_name

RECOVERY_CODES = 10
AUTHENTICATOR = "authenticator"
RECOVERY = "recovery codes"


def two_factor_required(user: User) -> bool:
    """Admins must use a second factor (TWO_FACTOR_REQUIRED_ROLES); agents and managers may."""
    return role_name(user) in settings.TWO_FACTOR_REQUIRED_ROLES


def authenticator_of(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY).count()


@transaction.atomic
def start_authenticator_setup(*, user: User) -> TOTPDevice:
    """The unconfirmed device whose secret the setup page shows (the same one until it is confirmed)."""
    device, _created = TOTPDevice.objects.get_or_create(user=user, name=AUTHENTICATOR, confirmed=False)
    return device


@transaction.atomic
def confirm_authenticator(*, user: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the device with a code from the app; returns fresh recovery codes, or None if the code is wrong."""
    if device.user_id != user.pk or not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record_activity(actor=Actor.for_user(user), action="feedback_platform.two_factor.enabled", target=user)
    return _new_recovery_codes(user)


@transaction.atomic
def regenerate_recovery_codes(*, user: User) -> list[str]:
    """Ten new one-time codes; the old ones stop working."""
    codes = _new_recovery_codes(user)
    record_activity(actor=Actor.for_user(user), action="feedback_platform.two_factor.codes_regenerated", target=user)
    return codes


@transaction.atomic
def remove_two_factor(*, user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    record_activity(actor=Actor.for_user(user), action="feedback_platform.two_factor.removed", target=user)


def _new_recovery_codes(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def qr_code_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an SVG QR code, drawn here (no CDN, no inline script or style)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()
