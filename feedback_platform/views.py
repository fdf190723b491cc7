"""Project pages: the health check, the language switch and the CSP reports (the home is followup's)."""

import json
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .celery import app as celery_app
from .models import Profile

csp_logger = logging.getLogger("feedback_platform.csp")
CSP_REPORT_MAX_BYTES = 16 * 1024  # a report is well under 2 KB; anything longer is cut, not stored


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache():
    key = f"healthz:{time.time():f}"
    cache.set(key, "ok", 5)
    if cache.get(key) != "ok":
        raise RuntimeError("cache did not return what was stored")
    cache.delete(key)


def _check_broker():
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


@require_POST
def set_language(request):
    """Django's language switch, remembered for a logged-in user's emails (the weekly digest)."""
    response = i18n.set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        Profile.objects.update_or_create(user=request.user, defaults={"language": language})
    return response


@never_cache
def healthz(request):
    """200 with each dependency's state, or 503 naming the one that is down."""
    checks = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}
    report, healthy = {}, True
    for name, check in checks.items():
        try:
            check()
            report[name] = {"status": "ok"}
        except Exception as error:  # any failure of a dependency is a 503, not a 500
            healthy = False
            report[name] = {"status": "down", "error": f"{type(error).__name__}: {error}"[:300]}
    report["broker"]["url"] = settings.CELERY_BROKER_URL.split("@")[-1]
    return JsonResponse({"status": "ok" if healthy else "down", "checks": report}, status=200 if healthy else 503)


@csrf_exempt  # browsers send reports without a token, and the view only writes a log line
@require_POST
def csp_report(request):
    """Browsers report here what the Content-Security-Policy blocked (``report-uri``): one warning each."""
    try:
        report = json.loads(request.read(CSP_REPORT_MAX_BYTES))
    except ValueError:
        return HttpResponse(status=400)
    csp_logger.warning("CSP violation: %s", json.dumps(report, ensure_ascii=False)[:2000])
    return HttpResponse(status=204)
