"""The defences around a staff login: the lockout page, the second factor, and the user's Security page
(their authenticator, recovery codes and API tokens)."""

import base64
from datetime import timedelta
from typing import cast
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from rest_framework.authtoken.models import Token

from . import two_factor
from .api_tokens import create_api_token, revoke_api_token
from .models import ApiToken


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes calls this once a username and address have failed too often: the login page again,
    saying why and for how long, with 429 (no password is even checked until the cool-off ends)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = AuthenticationForm(request, initial={"username": (credentials or {}).get("username", "")})
    context = {"form": form, "locked_out_minutes": minutes, "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=429)


# Reachable before the second factor: the two-factor pages themselves, logging out, the language switch.
OPEN_BEFORE_SECOND_FACTOR = {"two_factor_setup", "two_factor_verify", "logout", "set_language", "csp_report", "healthz"}


class ReportingEndpointsMiddleware:
    """Names the endpoint the policy's `report-to csp` sends violations to (the Reporting API's header)."""

    def __init__(self, get_response):
        self.get_response = get_response
        # The same address as the policy's report-uri (settings.CONTENT_SECURITY_POLICY), defined there once.
        self.endpoints = f'csp="{settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"]}"'

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Reporting-Endpoints", self.endpoints)
        return response


class TwoFactorMiddleware:
    """After django-otp's OTPMiddleware: a user with an authenticator who has not given a code this session
    is sent to the verify step; an admin without one, to set it up. API calls with a token are not sessions
    and are not asked (a token is its own credential)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or _is_verified(request):
            return None
        if request.resolver_match.url_name in OPEN_BEFORE_SECOND_FACTOR:
            return None
        if two_factor.authenticator_of(user):
            return _to("two_factor_verify", request)
        if two_factor.two_factor_required(user):
            return _to("two_factor_setup", request)
        return None


def _is_verified(request: HttpRequest) -> bool:
    """Gave a second factor this session (django-otp's OTPMiddleware adds is_verified to the user)."""
    return bool(request.user.is_verified())  # type: ignore[union-attr]


def _user(request: HttpRequest) -> User:
    """The signed-in user (every view here is behind login_required)."""
    return cast(User, request.user)


def _to(url_name: str, request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}")


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    return target if allowed else reverse("home")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code, type the app's code: the authenticator is on, and ten recovery codes are shown once."""
    if two_factor.authenticator_of(_user(request)):
        return redirect("security")
    device = two_factor.start_authenticator_setup(user=_user(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.confirm_authenticator(user=_user(request), device=device, token=form.cleaned_data["code"])
        if codes is not None:
            otp_login(request, device)
            return render(request, "registration/recovery_codes.html", {"codes": codes, "next": _next_url(request)})
        form.add_error("code", _("That code is not right. Check the time on your phone and try the newest code."))
    context = {
        "form": form,
        "qr_code": mark_safe(two_factor.qr_code_svg(device)),  # noqa: S308 - SVG drawn by qrcode from our URI
        "secret": base64.b32encode(device.bin_key).decode(),
        "required": two_factor.two_factor_required(_user(request)),
        "next": request.GET.get("next", ""),
    }
    return render(request, "registration/two_factor_setup.html", context, status=400 if form.errors else 200)


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The step after the password for a user with an authenticator: a code from the app, or a recovery code."""
    if _is_verified(request) or not two_factor.authenticator_of(_user(request)):
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(_user(request), form.cleaned_data["code"].replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("code", _("That code is not right, or it was used already."))
    context = {"form": form, "next": request.GET.get("next") or request.POST.get("next", "")}
    return render(request, "registration/two_factor_verify.html", context, status=400 if form.errors else 200)


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("What it is for"), max_length=100)
    days = forms.IntegerField(
        label=gettext_lazy("Expires after (days)"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=gettext_lazy("Leave empty for a token that does not expire."),
    )


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """The user's own Security page: second factor, recovery codes, API tokens."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["days"]
        expires_at = timezone.now() + timedelta(days=days) if days else None
        _token, key = create_api_token(user=_user(request), name=form.cleaned_data["name"], expires_at=expires_at)
        context = {**_security_context(request), "form": TokenForm(), "new_key": key}
        return render(request, "registration/security.html", context)
    context = {**_security_context(request), "form": form}
    return render(request, "registration/security.html", context, status=400 if form.errors else 200)


def _security_context(request: HttpRequest) -> dict:
    user = _user(request)
    return {
        "authenticator": two_factor.authenticator_of(user),
        "required": two_factor.two_factor_required(user),
        "codes_left": two_factor.recovery_codes_left(user),
        "tokens": ApiToken.objects.filter(user=user),
        "legacy_token": Token.objects.filter(user=user).exists(),
        "now": timezone.now(),
    }


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    if not revoke_api_token(user=_user(request), token_id=pk):
        raise Http404("No such token of yours.")
    messages.success(request, _("The token is revoked: calls with it are refused from now on."))
    return redirect("security")


@login_required
@require_POST
def revoke_legacy_token(request: HttpRequest) -> HttpResponse:
    Token.objects.filter(user=_user(request)).delete()
    messages.success(request, _("The token is revoked: calls with it are refused from now on."))
    return redirect("security")


@login_required
@require_POST
def regenerate_codes(request: HttpRequest) -> HttpResponse:
    if not two_factor.authenticator_of(_user(request)):
        return redirect("security")
    codes = two_factor.regenerate_recovery_codes(user=_user(request))
    return render(request, "registration/recovery_codes.html", {"codes": codes, "next": reverse("security")})


@login_required
@require_POST
def remove_two_factor(request: HttpRequest) -> HttpResponse:
    two_factor.remove_two_factor(user=_user(request))
    messages.success(request, _("Two-factor login is off for your account."))
    return redirect("security")  # an admin is sent straight back to set up a new one
