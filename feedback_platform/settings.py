"""Settings for the feedback platform.

Every value comes from the environment, with the embedded default beside it:
with no variables set, the product runs on SQLite, local memory and a
filesystem Celery broker under ``var/``. Production sets DATABASE_URL,
REDIS_URL, EMAIL_URL, SECRET_KEY, ALLOWED_HOSTS and DEBUG=false.
"""

import secrets
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from feedback_platform.environment import LoudEnv

BASE_DIR = Path(__file__).resolve().parent.parent

env = LoudEnv()  # empty means unset; a malformed value stops start-up naming the variable

# Where the embedded defaults keep their files: the SQLite database, mail, the broker's folders.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=True)
# With DEBUG off there is no default: production must set its own secret.
SECRET_KEY = env.str("SECRET_KEY") if not DEBUG else env.str("SECRET_KEY", default="dev-only-insecure-key")
# Keys the hashes erased people's addresses are kept as on the suppression list; set it so a rotated
# SECRET_KEY does not forget them (empty: SECRET_KEY).
SUPPRESSION_HASH_KEY = env.str("SUPPRESSION_HASH_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# How many proxies of ours (the TLS proxy, a load balancer) stand before the web app: the client's address is
# then read from X-Forwarded-For (feedback_platform.clientip). 0: REMOTE_ADDR, and the header is ignored.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Absolute base of links in emails (survey buttons, unsubscribe).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "feedback_platform.admin_site.RecordingAdminConfig",  # django.contrib.admin, its writes recorded
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "anymail",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "feedback_platform",
    "surveys",
    "reviews",
    "followup",
    "integrations",  # to the right of every app: it reads them all
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "feedback_platform.security.ReportingEndpointsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): gave a second factor this session
    "feedback_platform.security.TwoFactorMiddleware",  # asks for it (feedback_platform/two_factor.py)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: it turns a lockout into the lockout page
]

ROOT_URLCONF = "feedback_platform.urls"
WSGI_APPLICATION = "feedback_platform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "feedback_platform.roles.nav_context",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/
    # The worker and the web process share the file: wait for a lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    # The test database is a file too: a test's worker thread beside the test thread waits for its lock
    # there, where an in-memory database fails at once with "database table is locked".
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes): every password check (the login page, Django's admin) counts failures per
# username and client address together, and after AXES_FAILURE_LIMIT of them that pair is locked out for
# the cool-off, with a message on the login page (429). A person is not locked out from another address,
# nor are others from theirs. The address is the one every per-address limit reads (clientip.py).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "feedback_platform.clientip.client_address"
AXES_LOCKOUT_CALLABLE = "feedback_platform.security.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "Northwind Care"  # the name authenticator apps show beside the code
# Roles that must log in with a second factor (feedback_platform/two_factor.py); others may choose to.
TWO_FACTOR_REQUIRED_ROLES = ["Admin"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: English, Simplified Chinese and Japanese from day one.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese")), ("ja", _("Japanese"))]
LOCALE_PATHS = [BASE_DIR / "feedback_platform" / "locale"]
USE_I18N = True
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# Email: saved as .eml files under var/mail/ (one per message) unless EMAIL_URL names a server;
# filemail:///some/folder is relative to the project.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default=f"filemail:///{VAR_DIR / 'mail'}")
if EMAIL_CONFIG["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
    EMAIL_CONFIG["EMAIL_BACKEND"] = "feedback_platform.mailfiles.EmlFileBackend"
    EMAIL_CONFIG["EMAIL_FILE_PATH"] = str(BASE_DIR / EMAIL_CONFIG["EMAIL_FILE_PATH"])
vars().update(EMAIL_CONFIG)  # django-environ's documented way to apply an email URL
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Northwind Care <care@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# Security: production (DEBUG off) is HTTPS-only behind a proxy.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container health check speaks plain HTTP
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (django-csp 4): our own scripts, styles and frames only, no
# 'unsafe-inline' and no eval, so an escaping slip cannot run a script. Violations are reported to
# /csp-report/, which logs them. Email previews are the one relaxed policy (feedback_platform/previews.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # Bootstrap's and Swagger UI's icons are data: SVGs
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
        # Browsers with the Reporting API use report-to (the endpoint named in Reporting-Endpoints,
        # feedback_platform.security.ReportingEndpointsMiddleware); older ones report-uri. Both reach one view.
        "report-uri": "/csp-report/",
        "report-to": "csp",
    }
}

# The REST API: token or session auth, 400s with field errors.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "feedback_platform.api_tokens.ApiTokenAuthentication",  # named, expiring tokens (and DRF's from before)
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's three, each refusing a NUL or an unpaired surrogate anywhere in the body (feedback_platform.api_parsers).
    "DEFAULT_PARSER_CLASSES": [
        "feedback_platform.api_parsers.JSONParser",
        "feedback_platform.api_parsers.FormParser",
        "feedback_platform.api_parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "feedback_platform.api_schema.AutoSchema",  # with the error responses every operation gives
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "feedback_platform.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Feedback platform API",
    "DESCRIPTION": "Surveys, feedback and the follow-up loop. Authenticate with `Authorization: Token <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],  # the schema and docs: signed-in users
    "SWAGGER_UI_DIST": "SIDECAR",  # served by SpectacularSwaggerSplitView: its init script is a file, not inline
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "SurveyStatusEnum": "surveys.models.SurveyStatus",
        "CaseStatusEnum": "followup.models.CaseStatus",
        "InvitationStatusEnum": "surveys.models.InvitationStatus",
        "SurveyKindEnum": "surveys.models.SurveyKind",
        "EventKindEnum": "followup.models.EventKind",
        "LanguageEnum": "django.conf.settings.LANGUAGES",
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery. Redis in production; with no REDIS_URL a filesystem broker under var/
# gives a real worker and beat with no server to run.
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_DIR = VAR_DIR / "celery" / "queue"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"visibility_timeout": 3600}
    if REDIS_URL
    else {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Customer-facing work (the default queue) and bulk work each have their own workers: a million-row
# import never delays an apology. Tasks not named here are customer-facing.
CELERY_TASK_DEFAULT_QUEUE = "customer"
CELERY_TASK_ROUTES = {
    # Outgoing messages have a queue of their own that the customer workers take in turn with the answers,
    # so an apology never waits behind a burst of answers still being classified.
    "feedback_platform.tasks.deliver_task": {"queue": "delivery"},
    "reviews.tasks.run_import_task": {"queue": "bulk"},
    "reviews.tasks.classify_import_task": {"queue": "bulk"},
    "reviews.tasks.reclassify_segments_task": {"queue": "bulk"},
    "reviews.tasks.refresh_rollups": {"queue": "bulk"},
}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Both limits stay well below the visibility timeout (3600 s), so a slow task
# is killed before Redis hands it to a second worker.
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
CELERY_BEAT_SCHEDULE = {
    "relay-deliveries": {
        "task": "feedback_platform.tasks.relay_deliveries",
        "schedule": env.int("OUTBOX_RELAY_EVERY_SECONDS", default=60),
    },
    "sweep-unfinished-work": {
        "task": "reviews.tasks.sweep_unfinished_work",
        "schedule": env.int("SWEEP_EVERY_SECONDS", default=60),
    },
    "escalate-overdue-cases": {
        "task": "followup.tasks.escalate_overdue_cases",
        "schedule": env.int("ESCALATION_SWEEP_EVERY_SECONDS", default=60),
    },
    "read-inbound-mailbox": {
        "task": "followup.tasks.read_inbound_mailbox",
        "schedule": env.int("INBOUND_IMAP_EVERY_SECONDS", default=60),
    },
    "send-recovery-surveys": {"task": "followup.tasks.send_recovery_surveys", "schedule": crontab(minute="*/15")},
    "refresh-report-rollups": {"task": "reviews.tasks.refresh_rollups", "schedule": 60},
    "run-due-survey-sends": {"task": "surveys.tasks.run_due_sends", "schedule": 300},
    # Each hour, a few minutes in: the recurring sends' share of that hour (surveys/recurring.py).
    "run-recurring-survey-sends": {"task": "surveys.tasks.run_recurring_sends", "schedule": crontab(minute=5)},
    "queue-due-survey-reminders": {"task": "surveys.tasks.queue_due_reminders", "schedule": crontab(minute=20)},
    "weekly-manager-digest": {
        "task": "followup.tasks.send_weekly_digest",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon"),
    },
    # Nightly, after the day's corrections: a new model when enough labels were corrected (reviews/retraining.py).
    "retrain-classifier": {"task": "reviews.tasks.retrain_classifier_task", "schedule": crontab(hour=3, minute=30)},
    "sweep-retention": {"task": "followup.tasks.sweep_retention_task", "schedule": crontab(hour=2, minute=40)},
}
# Label corrections since the last build that make the nightly retraining build a new model.
RETRAIN_MIN_CORRECTIONS = env.int("RETRAIN_MIN_CORRECTIONS", default=50)

# Follow-up defaults from domain.md: a detractor hears from us within minutes
# and an agent answers within the hour.
FOLLOWUP_FIRST_RESPONSE_MINUTES = env.int("FOLLOWUP_FIRST_RESPONSE_MINUTES", default=60)
FOLLOWUP_RESOLUTION_HOURS = env.int("FOLLOWUP_RESOLUTION_HOURS", default=48)
FOLLOWUP_RECOVERY_DAYS = env.int("FOLLOWUP_RECOVERY_DAYS", default=14)  # re-survey after resolution
FOLLOWUP_HIGH_VALUE = env.float("FOLLOWUP_HIGH_VALUE", default=1000.0)  # lifetime value that raises priority
FOLLOWUP_ESCALATION_PRIORITY_BOOST = env.int("FOLLOWUP_ESCALATION_PRIORITY_BOOST", default=20)
# Review invitations go to promoters only, unless every customer is to be asked (review sites' rules).
FOLLOWUP_INVITE_EVERYONE_TO_REVIEW = env.bool("FOLLOWUP_INVITE_EVERYONE_TO_REVIEW", default=False)
OUTBOX_RELAY_AFTER_SECONDS = env.int("OUTBOX_RELAY_AFTER_SECONDS", default=60)
# A delivery in flight longer than this is taken to be lost with its worker and sent again (feedback_platform/
# delivery.py); well above a batch's sending time (200 messages, EMAIL_TIMEOUT each at worst).
DELIVERY_INFLIGHT_TIMEOUT_SECONDS = env.int("DELIVERY_INFLIGHT_TIMEOUT_SECONDS", default=900)
# Outbound HTTP (webhooks, Slack, helpdesks; feedback_platform/outbound.py) refuses private, loopback and
# link-local destinations unless this is on: only for tests or a closed network whose receivers are internal.
WEBHOOKS_ALLOW_PRIVATE = env.bool("WEBHOOKS_ALLOW_PRIVATE", default=False)
# An answer with no Feedback this long after it was saved (its task was lost) is published again.
SWEEP_AFTER_SECONDS = env.int("SWEEP_AFTER_SECONDS", default=60)

# Customer replies: Reply-To is reply+<case token>@INBOUND_EMAIL_DOMAIN, delivered back to
# /anymail/<provider>/inbound/ (django-anymail), which checks ANYMAIL_WEBHOOK_SECRET.
INBOUND_EMAIL_DOMAIN = env.str("INBOUND_EMAIL_DOMAIN", default="reply.example.com")
# A plain support mailbox instead of (or beside) the webhooks: the beat reads its unseen messages through the
# same inbound path and flags them seen (followup/mailbox.py). Unset: no mailbox is read.
INBOUND_IMAP_URL = env.imap_url("INBOUND_IMAP_URL")
# Unset, a random secret is made per process: inbound webhooks are then closed.
ANYMAIL = {"WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default=secrets.token_urlsafe(24))}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Reports: points with fewer answers than this are marked as too small to read.
REPORT_MIN_N = env.int("REPORT_MIN_N", default=30)

# Surveys: a contact is asked at most once in this many days, across all surveys
# (a survey may override it; 0 never throttles).
SURVEY_THROTTLE_DAYS = env.int("SURVEY_THROTTLE_DAYS", default=30)
# An email's unsubscribe link works for this many days after it was sent (the law asks for at least 30).
UNSUBSCRIBE_LINK_DAYS = env.int("UNSUBSCRIBE_LINK_DAYS", default=365)
