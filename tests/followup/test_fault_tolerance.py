"""200 detractor answers while the worker is SIGKILLed and restarted and Redis restarts:
afterwards every detractor has exactly one apology and one case."""

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from followup.models import Case, OutboxEmail, OutboxStatus
from surveys.services import record_answer
from tests.conftest import wait_for
from tests.factories import ContactFactory, SurveyFactory
from tests.surveys.helpers import sent_invitation

ANSWERS = 200
BASE_DIR = Path(settings.BASE_DIR)


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Processes:
    """A Celery worker we can SIGKILL and restart, and one beat that keeps publishing the relay."""

    def __init__(self, env, tmp_path):
        self.env, self.tmp_path, self.worker, self.kills = env, tmp_path, None, 0
        self.beat = self._spawn(["beat", "--schedule", str(tmp_path / "beat-schedule")], "beat.log")

    def _spawn(self, args, log_name):
        log = open(self.tmp_path / log_name, "ab")  # noqa: SIM115 - closed with the process
        command = [sys.executable, "-m", "celery", "-A", "feedback_platform", *args, "--loglevel=WARNING"]
        return subprocess.Popen(command, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603

    def start_worker(self):
        self.worker = self._spawn(
            ["worker", "--pool=solo", "-Q", "customer,bulk", "-n", f"fault{self.kills}@%h"], "worker.log"
        )

    def kill_worker(self):
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait()
        self.kills += 1

    def stop(self):
        for process in (self.worker, self.beat):
            if process and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


def restart_redis():
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], check=False, capture_output=True)  # noqa: S607
    time.sleep(0.5)
    subprocess.run(  # noqa: S603
        [
            shutil.which("redis-server"),
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            "6379",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
    )
    wait_for(lambda: subprocess.run(["redis-cli", "-p", "6379", "ping"], capture_output=True).stdout.strip() == b"PONG")  # noqa: S607


@pytest.mark.django_db(transaction=True)
def test_every_detractor_gets_exactly_one_apology_and_one_case_through_kills_and_a_redis_restart(smtp_sink, tmp_path):
    if connection.vendor != "postgresql" or not settings.REDIS_URL.startswith("redis://127.0.0.1:6379"):
        pytest.skip("needs PostgreSQL and the local Redis on 6379 (CI sets both)")
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_URL": f"smtp://{settings.EMAIL_HOST}:{settings.EMAIL_PORT}",
        "OUTBOX_RELAY_AFTER_SECONDS": "3",
        "OUTBOX_RELAY_EVERY_SECONDS": "2",
        "ESCALATION_SWEEP_EVERY_SECONDS": "3600",
    }
    survey = SurveyFactory()
    invitations = [sent_invitation(survey=survey, contact=ContactFactory())[0] for _ in range(ANSWERS)]
    processes = Processes(env, tmp_path)
    processes.start_worker()
    rng = random.Random(7)
    done = threading.Event()

    def chaos():
        redis_restarted = False
        while not done.is_set():
            time.sleep(rng.uniform(1.0, 3.0))
            processes.kill_worker()
            if not redis_restarted and processes.kills == 3:
                restart_redis()
                redis_restarted = True
            processes.start_worker()

    chaos_thread = threading.Thread(target=chaos)
    try:
        chaos_thread.start()
        for invitation in invitations:
            record_answer(invitation=invitation, score=rng.randrange(0, 7), comment="Not good enough")
            time.sleep(rng.uniform(0.02, 0.12))
        done.set()
        chaos_thread.join()
        sent = wait_for(
            lambda: (
                OutboxEmail.objects.filter(status=OutboxStatus.SENT, idempotency_key__startswith="apology:").count()
                == ANSWERS
            ),
            timeout=180,
            interval=1,
        )
    finally:
        done.set()
        processes.stop()
        connection.close()

    apologies = [message_from_bytes(m.content) for m in smtp_sink.messages]
    apologies = [m for m in apologies if (m["X-Idempotency-Key"] or "").startswith("apology:")]
    distinct = {m["Message-ID"] for m in apologies}
    apology_rows = OutboxEmail.objects.filter(idempotency_key__startswith="apology:")
    print(
        f"\nfault test: {ANSWERS} answers, worker SIGKILLed {processes.kills} times, Redis restarted once; "
        f"cases={Case.objects.count()} apology rows={apology_rows.count()} all sent={sent} "
        f"smtp deliveries={len(apologies)} distinct apology Message-IDs={len(distinct)}"
    )
    assert processes.kills >= 3
    assert Case.objects.count() == ANSWERS
    assert apology_rows.count() == ANSWERS
    assert len(distinct) == ANSWERS
    recipients = {m["To"] for m in apologies}
    assert len(recipients) == ANSWERS
