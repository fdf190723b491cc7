"""Shared fixtures: personas, a real SMTP sink, a real Celery worker, and a clean slate per test.

With DATABASE_URL and REDIS_URL set, the suite runs on PostgreSQL and the
worker consumes from Redis; with neither, SQLite and the filesystem broker
(CI runs both). Half of them set is refused rather than quietly mixed.
"""

import os
import socket
import time
from importlib import import_module
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.utils import translation

from feedback_platform.celery import app as celery_app
from feedback_platform.roles import ADMIN, AGENT, MANAGER
from followup.models import Team
from reviews.classify.learned import forget_active_model
from surveys.segments import forget_displayed_thresholds
from tests.factories import UserFactory


def pytest_configure(config):
    if bool(os.environ.get("DATABASE_URL")) != bool(os.environ.get("REDIS_URL")):
        raise pytest.UsageError("Set both DATABASE_URL and REDIS_URL (PostgreSQL and Redis) or neither (embedded).")


@pytest.fixture(scope="session", autouse=True)
def _isolated_filesystem_broker(tmp_path_factory):
    """Without Redis, give the tests their own filesystem broker folder, not the dev one."""
    if settings.REDIS_URL:
        return
    folder = tmp_path_factory.mktemp("broker")
    (folder / "processed").mkdir()
    (folder / "control").mkdir()
    celery_app.conf.broker_transport_options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }


@pytest.fixture(scope="session", autouse=True)
def _cache_apart_from_the_broker():
    if not settings.REDIS_URL:
        yield
        return
    # The tests' cache gets the Redis database after the broker's, so clearing it never touches a queue.
    broker = urlsplit(settings.REDIS_URL)
    location = broker._replace(path=f"/{int(broker.path.strip('/') or 0) + 1}").geturl()
    with override_settings(CACHES={"default": {**settings.CACHES["default"], "LOCATION": location}}):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database gets a learned classifier once per session, as `make run` does (3-fold calibration
    rather than 5: a few seconds); tests that flush the database (transactional ones) fall back to the
    lexicons. Stored directly, not through train_classifier: the set-up is not an action for the activity log."""
    from reviews.classify.learned import pack
    from reviews.models import ClassifierModel
    from reviews.training import build_models

    with django_db_blocker.unblock():
        if not ClassifierModel.objects.filter(is_active=True).exists():
            models, figures, fingerprint = build_models(folds=3)
            weights, parameters = pack(models)
            ClassifierModel.objects.create(
                version=1,
                fingerprint=fingerprint,
                figures=figures,
                parameters=parameters,
                weights=weights,
                is_active=True,
            )


@pytest.fixture(autouse=True)
def _clean_slate(settings, tmp_path):
    """Each test starts with an empty cache (rate-limit counters), mail folder and broker queue,
    whatever the tests before it left there."""
    cache.clear()
    forget_displayed_thresholds()  # the answer page's per-process copy; a rolled-back test leaves no signal
    forget_active_model()  # likewise the classifier's
    # A request in Japanese leaves its language active in this thread (LocaleMiddleware never resets it),
    # so a later test's messages would come back in Japanese.
    translation.activate(settings.LANGUAGE_CODE)
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    # Admin personas log in with force_login and no authenticator: tests/test_two_factor.py requires it back.
    settings.TWO_FACTOR_REQUIRED_ROLES = []
    # The webhook tests' receivers listen on loopback; tests/test_outbound.py turns the guard back on.
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    if settings.REDIS_URL:
        celery_app.control.purge()
    else:
        folder = Path(celery_app.conf.broker_transport_options["data_folder_in"])
        for message in folder.glob("*.msg"):
            message.unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _migration_data_after_flush(request):
    """A transactional test starts from an empty, flushed database: put back what the
    data migrations made (roles, default team, templates, rules) so it sees the product
    as installed."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction"))
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)
    import_module("feedback_platform.migrations.0001_roles").assign_roles(apps)
    import_module("feedback_platform.migrations.0005_activity_permission").grant(apps, None)
    import_module("feedback_platform.migrations.0008_profile_permissions").grant(apps, None)
    import_module("feedback_platform.migrations.0010_role_grants").grant(apps, None)
    import_module("reviews.migrations.0018_correct_labels_permission").grant(apps, None)
    import_module("followup.migrations.0011_retention_permissions").grant(apps, None)
    import_module("integrations.migrations.0002_admin_permissions").grant(apps, None)
    import_module("followup.migrations.0002_defaults").create_defaults(apps, None)
    import_module("followup.migrations.0007_templates_signed_and_marked").update_templates(apps, None)
    import_module("followup.migrations.0008_follow_ups_wait_to_settle").settle_default_rules(apps, None)
    import_module("reviews.migrations.0005_default_topics").create_topics(apps, None)
    import_module("reviews.migrations.0021_topic_names").name_topics(apps, None)


@pytest.fixture
def client(client):
    """Django's test client, whose requests commit: what a request leaves for after its commit (publishing
    the worker's tasks, which run in-process here) runs as the request returns, as it does in production,
    and is then gone, as after a real commit. The test's own transaction never commits, so without this
    nothing after-commit would ever run."""
    send = client.request

    def request(**kwargs):
        start = len(connection.run_on_commit)
        response = send(**kwargs)
        while len(connection.run_on_commit) > start:  # a callback may schedule more
            _savepoints, callback, _robust = connection.run_on_commit.pop(start)
            callback()
        return response

    client.request = request
    return client


@pytest.fixture(autouse=True)
def _eager_tasks():
    """Tasks run in-process unless a test asks for the real `celery_worker`."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def agent(db):
    user = UserFactory(role=AGENT)
    Team.objects.get(is_default=True).members.add(user)
    return user


@pytest.fixture
def other_team_agent(db):
    user = UserFactory(role=AGENT)
    Team.objects.create(name="Billing").members.add(user)
    return user


@pytest.fixture
def manager(db):
    return UserFactory(role=MANAGER)


@pytest.fixture
def admin_user(db):
    return UserFactory(role=ADMIN, is_staff=True)


@pytest.fixture
def manager_api(manager):
    """The API as an integration calls it: a manager's token, no session."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=manager).key}")
    return client


class SinkHandler:
    """Keeps every message the sink receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server on loopback; Django's mail goes to it for the test."""
    yield from serve_smtp(settings, SinkHandler())


def serve_smtp(settings, handler):
    """Run `handler` as an SMTP server on loopback with Django's mail sent to it, until the test ends."""
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield handler
    controller.stop()


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (in a thread) consuming from the configured broker."""
    celery_app.conf.task_always_eager = False
    queues = ["delivery", "customer", "bulk"]  # one test worker takes every queue
    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30, queues=queues
    ):
        yield


def wait_for(predicate, timeout=30.0, interval=0.1):
    """Poll until predicate() is truthy; fail with its last value after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            assert value, f"condition not met within {timeout}s"
            return value
        time.sleep(interval)
