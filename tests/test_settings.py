"""Configuration: settings read the environment loudly, .env.example lists it all, the compose file scales out."""

import os
import re
import subprocess
import sys
from email import message_from_bytes
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, get_connection

from feedback_platform.environment import LoudEnv

BASE_DIR = Path(settings.BASE_DIR)


def _settings_with(**variables: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with these variables set (the rest of the environment kept)."""
    env = {**os.environ, **variables}
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", "import feedback_platform.settings as s; print(s.DATABASES['default']['ENGINE'])"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )


def test_an_empty_variable_means_the_embedded_default():
    env = LoudEnv({"DATABASE_URL": "", "DEBUG": " ", "REPORT_MIN_N": ""})
    assert env.db("DATABASE_URL", default="sqlite:///x.sqlite3")["ENGINE"] == "django.db.backends.sqlite3"
    assert env.bool("DEBUG", default=True) is True
    assert env.int("REPORT_MIN_N", default=30) == 30
    started = _settings_with(DATABASE_URL="", REDIS_URL="")
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "django.db.backends.sqlite3"


@pytest.mark.parametrize("word", ["ture", "yes please", "2", "enabled"])
def test_a_boolean_that_is_not_one_stops_start_up_naming_the_variable(word):
    with pytest.raises(ImproperlyConfigured, match="SECURE_SSL_REDIRECT"):
        LoudEnv({"SECURE_SSL_REDIRECT": word}).bool("SECURE_SSL_REDIRECT", default=False)
    started = _settings_with(SECURE_SSL_REDIRECT=word)
    assert started.returncode != 0
    assert f"SECURE_SSL_REDIRECT={word!r} is not a boolean" in started.stderr


@pytest.mark.parametrize(("word", "value"), [("true", True), ("Yes", True), ("on", True), ("0", False), ("OFF", False)])
def test_booleans_read_the_usual_words(word, value):
    assert LoudEnv({"FLAG": word}).bool("FLAG", default=not value) is value


def test_malformed_numbers_and_urls_name_the_variable():
    with pytest.raises(ImproperlyConfigured, match="CONN_MAX_AGE='sixty'"):
        LoudEnv({"CONN_MAX_AGE": "sixty"}).int("CONN_MAX_AGE", default=0)
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL='postgress://db/x'"):
        LoudEnv({"DATABASE_URL": "postgress://db/x"}).db("DATABASE_URL", default="sqlite:///x")
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        LoudEnv({"SECRET_KEY": ""}).str("SECRET_KEY")


def _variables_read_by_settings() -> set[str]:
    source = (BASE_DIR / "feedback_platform" / "settings.py").read_text()
    return set(re.findall(r"\benv\.\w+\(\s*\"([A-Z][A-Z0-9_]*)\"", source))


def test_env_example_lists_every_variable_the_settings_read():
    read = _variables_read_by_settings()
    assert {"DATABASE_URL", "SECURE_SSL_REDIRECT", "ANYMAIL_WEBHOOK_SECRET", "INBOUND_EMAIL_DOMAIN"} <= read
    example = (BASE_DIR / ".env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    assert read - listed == set(), "missing from .env.example"
    assert listed - read == set(), ".env.example lists variables nothing reads"


def test_each_mail_is_one_eml_file_a_mail_client_opens(tmp_path):
    backend = get_connection("feedback_platform.mailfiles.EmlFileBackend", file_path=str(tmp_path))
    messages = [
        EmailMessage("Wie war's? 满意吗？", "本文です", "care@example.com", ["a@example.com"]),
        EmailMessage("Second", "Body", "care@example.com", ["b@example.com"]),
    ]
    assert backend.send_messages(messages) == 2
    files = sorted(tmp_path.iterdir())
    assert [path.suffix for path in files] == [".eml", ".eml"]
    parsed = [message_from_bytes(path.read_bytes()) for path in files]
    assert sorted(message["To"] for message in parsed) == ["a@example.com", "b@example.com"]
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"  # tests keep mail in memory
    started = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import feedback_platform.settings as s; print(s.EMAIL_BACKEND, s.EMAIL_FILE_PATH)"],
        cwd=BASE_DIR,
        env={**os.environ, "EMAIL_URL": "", "VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert started.stdout.split() == ["feedback_platform.mailfiles.EmlFileBackend", str(tmp_path / "mail")]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def test_compose_migrates_once_before_anything_starts(compose):
    services = compose["services"]
    migrate = services["migrate"]
    assert "migrate" in " ".join(migrate["command"]) and migrate.get("restart", "no") == "no"
    for name in ("web", "worker", "worker-bulk", "beat"):
        command = " ".join(services[name]["command"])
        assert "migrate" not in command, f"{name} must not run migrations itself"
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_compose_pins_every_image_and_keeps_redis_data(compose):
    services = compose["services"]
    for name, service in services.items():
        if "build" not in service:  # our own image is built here; every other one is pulled
            image = service["image"]
            assert ":" in image and not image.endswith(":latest"), f"{name}: pin the image tag ({image})"
            assert re.search(r":v?\d", image), f"{name}: pin a version, not a moving tag ({image})"
    redis = services["redis"]
    assert "--appendonly yes" in " ".join(redis["command"])
    assert any(volume.endswith(":/data") for volume in redis["volumes"]), "Redis's append-only file needs a volume"
    assert "redisdata" in compose["volumes"]


def test_compose_scales_web_and_worker_and_runs_exactly_one_beat(compose):
    services = compose["services"]
    for name in ("web", "worker", "worker-bulk"):
        assert "container_name" not in services[name]
    assert "ports" not in services["worker"] and "ports" not in services["worker-bulk"]
    # A fixed host port on web would refuse a second replica: web publishes a range or none.
    for port in services["web"].get("ports", []):
        assert "-" in str(port).split(":")[0], "web's host port must be a range so --scale web=N works"
    beat = services["beat"]
    assert beat.get("deploy", {}).get("replicas") == 1
    assert "beat" in " ".join(beat["command"]) and "worker" not in " ".join(beat["command"])
    commands = [" ".join(service.get("command", [])).split() for service in services.values()]
    assert not any("--beat" in words or "-B" in words for words in commands), "beat only as its own service"


def _queues_consumed(command: str) -> set[str]:
    words = command.split()
    return set(words[words.index("-Q") + 1].split(",")) if "worker" in words and "-Q" in words else set()


def test_every_queue_a_task_goes_to_has_workers_in_the_procfile_and_in_compose(compose):
    routed = {settings.CELERY_TASK_DEFAULT_QUEUE} | {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed == {"delivery", "customer", "bulk"}
    procfile = (BASE_DIR / "Procfile").read_text().splitlines()
    by_procfile = set().union(*(_queues_consumed(line.split(":", 1)[1]) for line in procfile if ": " in line))
    by_compose = set().union(*(_queues_consumed(" ".join(s.get("command", []))) for s in compose["services"].values()))
    assert routed <= by_procfile, "make run must run a worker for every queue"
    assert routed <= by_compose, "docker compose must run a worker for every queue"
    # Customer-facing work and bulk work never share a worker, so an import cannot delay an apology.
    for line in procfile:
        assert "bulk" not in _queues_consumed(line) or _queues_consumed(line) == {"bulk"}
