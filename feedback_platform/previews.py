"""Email and answer-page previews, shown in an iframe that loads them from us under a policy of their own.

An iframe's ``srcdoc`` inherits its parent page's Content-Security-Policy, and that policy refuses the
inline styles every email carries (css-inline puts them there, as mail clients need). So a preview view
keeps the rendered document in the cache for a few minutes and its fragment frames this URL instead:
sandboxed (no script runs, its origin is opaque), framed by our own pages only, and readable only by
the user who made it.
"""

import secrets
from typing import Literal

from csp.constants import NONE, SELF
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin

PREVIEW_SECONDS = 600
PreviewKind = Literal["email", "page"]

# An email is styled inline by design; nothing in it may run, load a script or submit a form.
EMAIL_POLICY = {
    "default-src": [NONE],
    "style-src": ["'unsafe-inline'"],
    "img-src": [SELF, "data:", "https:", "http:"],  # a logo may be an absolute link, as in the real email
    "frame-ancestors": [SELF],
    "form-action": [NONE],
    "sandbox": True,
    "report-uri": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"],
}
# The answer page keeps the site's own policy (no inline anything); it is sandboxed and framed by us.
PAGE_POLICY_REPLACE = {"frame-ancestors": [SELF], "sandbox": True}


def _cache_key(key: str) -> str:
    return f"preview:{key}"


def store_preview(*, user_id: int, html: str, kind: PreviewKind) -> str:
    """Keep a rendered preview for its maker and return the URL an iframe loads it from."""
    key = secrets.token_urlsafe(18)
    cache.set(_cache_key(key), {"user_id": user_id, "html": html, "kind": kind}, PREVIEW_SECONDS)
    return reverse("preview_document", args=[key])


@never_cache
@xframe_options_sameorigin
@login_required
def preview_document(request: HttpRequest, key: str) -> HttpResponse:
    stored = cache.get(_cache_key(key))
    if not stored or stored["user_id"] != request.user.pk:
        raise Http404("No such preview, or it has expired.")
    response = HttpResponse(stored["html"])
    # What django-csp's @csp and @csp_replace decorators set, chosen here per document.
    if stored["kind"] == "email":
        response._csp_config = EMAIL_POLICY  # type: ignore[attr-defined]
    else:
        response._csp_replace = PAGE_POLICY_REPLACE  # type: ignore[attr-defined]
    return response
