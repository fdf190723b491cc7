"""django-anymail's webhook routes, each answering 404 while its provider is not set up here.

anymail.urls mounts every provider's webhooks; one whose settings are missing (a signing key, a library)
raises ImproperlyConfigured on every request, so anyone's POST to it was a 500. Not set up, it is not here.
"""

import functools
import logging

from anymail import urls as anymail_urls
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponseNotFound
from django.urls import URLPattern

log = logging.getLogger(__name__)


def _not_found_unless_set_up(view):
    @functools.wraps(view)  # keeps anymail's csrf_exempt: providers post without our cookie
    def webhook(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ImproperlyConfigured as error:
            log.info("webhook %s is not set up here: %s", request.path, error)
            return HttpResponseNotFound("This email provider's webhook is not set up here.")

    return webhook


# anymail no longer supports these (each request warns so); Brevo is Sendinblue under its new name.
DROPPED_PROVIDERS = ("sendgrid_", "sendinblue_")

app_name = anymail_urls.app_name
urlpatterns = [
    URLPattern(route.pattern, _not_found_unless_set_up(route.callback), route.default_args, route.name)
    for route in anymail_urls.urlpatterns
    if not (route.name or "").startswith(DROPPED_PROVIDERS)
]
