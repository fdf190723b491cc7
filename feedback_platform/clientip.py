"""The one definition of the client's address, for every per-address limit."""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address of whoever sent the request: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies of ours,
    the address the outermost of them saw. Each proxy appends the address it was connected from to
    X-Forwarded-For, so that one is the Nth entry from the right; entries further left are whatever the
    client wrote, and are never believed."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return remote
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    if not forwarded:
        return remote
    return forwarded[-min(proxies, len(forwarded))]
